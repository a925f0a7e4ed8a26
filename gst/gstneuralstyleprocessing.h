// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's processing state: what frames are stylised with. One thread
 * owns it at a time: the streaming thread, or in live mode the live worker,
 * which holds it by move while it runs (LiveWorker::start takes it, stop()
 * gives it back). */
#ifndef __GST_NEURAL_STYLE_PROCESSING_H__
#define __GST_NEURAL_STYLE_PROCESSING_H__

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <glib.h>
#include <opencv2/core.hpp>

#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/video_stylizer.hpp"

namespace gstneuralstyle
{

/* What the stylizers' options were last handed from: frames that bring the same
 * are not reconfigured (apply_settings). */
struct AppliedSettings
{
  guint64 generation;           /* Settings::generation */
  cv::Size frame_size;          /* a thin frame size raises max-size */
  bool init_image;              /* an init image was in force */

  bool operator== (const AppliedSettings & other) const
  {
    return generation == other.generation && frame_size == other.frame_size
        && init_image == other.init_image;
  }
};

/* Made in start(), dropped in stop(). */
struct Processing
{
  /* The video stylizer drives the stylizer and keeps the temporal state: the
   * last stylised frame. */
  std::unique_ptr<neuralstyle::Stylizer> stylizer;
  std::unique_ptr<neuralstyle::VideoStylizer> video;
  /* The images in the stylizer: style locations and blend weights, and the
   * init image (empty: none read yet). */
  std::vector<std::string> loaded_styles;
  std::vector<gdouble> loaded_blend_weights;
  std::string loaded_init;
  /* What the stylizers' options were made from. */
  std::optional<AppliedSettings> applied;
  /* The frame size and max-size last warned about, so that max-size raised for
   * the frames' shape warns once, not at every frame. */
  cv::Size raised_for_size;
  guint raised_for_max_size = 0;
};

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_PROCESSING_H__ */
