// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstneuralstyleerrors.h"

#include <exception>
#include <new>
#include <opencv2/core.hpp>

#include "neuralstyle/errors.hpp"

namespace gstneuralstyle
{

static ErrorReport
report (GQuark domain, gint code, const std::string & action,
    const char *why, const std::string & debug)
{
  return ErrorReport {domain, code,
    "Could not " + action + (why ? std::string (": ") + why : "") + ".", debug};
}

ErrorReport
report_current_exception (Stage stage, const std::string & action) noexcept
{
  const bool starting = stage == Stage::Starting;
  /* What the exception's type does not explain. */
  const GQuark unexplained_domain = starting ? GST_LIBRARY_ERROR :
      GST_STREAM_ERROR;
  const gint unexplained_code = starting ?
      static_cast<gint> (GST_LIBRARY_ERROR_INIT) :
      static_cast<gint> (GST_STREAM_ERROR_FAILED);
  try {
    try {
      throw;
    } catch (const neuralstyle::WeightsError & e) {
      return report (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, action,
          "the weights cannot be used", e.what ());
    } catch (const neuralstyle::DeviceError & e) {
      return report (GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT, action,
          "the device is not available", e.what ());
    } catch (const neuralstyle::OptionsError & e) {
      return report (GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS, action,
          "a setting is invalid", e.what ());
    } catch (const neuralstyle::DivergedError & e) {
      return report (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, action,
          "the optimisation diverged (lower learning-rate or style-weight)",
          e.what ());
    } catch (const cv::Exception & e) {
      return report (GST_LIBRARY_ERROR, starting ? GST_LIBRARY_ERROR_INIT :
          GST_LIBRARY_ERROR_FAILED, action, "OpenCV failed", e.what ());
    } catch (const std::bad_alloc & e) {
      return report (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
          action, "out of memory", e.what ());
    } catch (const std::exception & e) {
      if (const auto libtorch = neuralstyle::libtorchMessage (e))
        return report (GST_LIBRARY_ERROR, starting ? GST_LIBRARY_ERROR_INIT :
            GST_LIBRARY_ERROR_FAILED, action, "LibTorch failed", *libtorch);
      return report (unexplained_domain, unexplained_code, action, nullptr,
          e.what ());
    } catch (...) {
      return report (unexplained_domain, unexplained_code, action, nullptr,
          "unknown exception");
    }
  } catch (...) {
    /* Building the report itself failed (out of memory): say so plainly. */
    return ErrorReport {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
      std::string (), std::string ()};
  }
}

void
post_report (GstElement * element, GstMessageType type,
    const ErrorReport & report, const gchar * file, const gchar * function,
    gint line)
{
  gst_element_message_full (element, type, report.domain,
      report.code, report.summary.empty ()? NULL :
      g_strdup (report.summary.c_str ()), report.debug.empty ()? NULL :
      g_strdup (report.debug.c_str ()), file, function, line);
}

}  // namespace gstneuralstyle
