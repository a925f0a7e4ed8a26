// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's one mapping from what the core, LibTorch and OpenCV throw to
 * GStreamer errors: the domain and code follow the exception's type (and
 * whether the element was starting or working on a frame), the summary says
 * what could not be done and why in a few words, the debug text is the
 * exception's own message. */
#ifndef __GST_NEURAL_STYLE_ERRORS_H__
#define __GST_NEURAL_STYLE_ERRORS_H__

#include <gst/gst.h>
#include <string>

namespace gstneuralstyle
{

/* When the exception came: setting up (start, loading the weights), where a
 * failure the type does not explain is LIBRARY/INIT, or working on a frame,
 * where it is STREAM/FAILED. */
enum class Stage
{
  Starting,
  Streaming,
};

struct ErrorReport
{
  GQuark domain;
  gint code;
  std::string summary;
  std::string debug;
};

/* What the exception being handled means for the element (call it in a catch
 * block; a CancelledError is not an error and is the caller's to handle).
 * `action` completes "Could not ...": "stylise frame 3". */
ErrorReport report_current_exception (Stage stage, const std::string & action)
    noexcept;

/* Posts report_current_exception as an ERROR (or `type`: a WARNING for what
 * the element survives) message of `element`. */
#define GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION(element, stage, action) \
  GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION_AS (element, GST_MESSAGE_ERROR, \
      stage, action)
#define GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION_AS(element, type, stage, action) \
  gstneuralstyle::post_report (GST_ELEMENT (element), type, \
      gstneuralstyle::report_current_exception (stage, action), \
      __FILE__, GST_FUNCTION, __LINE__)

void post_report (GstElement * element, GstMessageType type,
    const ErrorReport & report, const gchar * file, const gchar * function,
    gint line);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_ERRORS_H__ */
