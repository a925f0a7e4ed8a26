// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Temporally coherent video (Ruder, Dosovitskiy & Brox, GCPR 2016): each frame starts
// from the previous result moved onto it by optical flow, and a temporal term keeps it
// there where the flow can be trusted. The element and the CLI both drive this class.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <opencv2/core.hpp>

#include "neuralstyle/image.hpp"
#include "neuralstyle/stylizer.hpp"

namespace neuralstyle {

/// A stylised frame kept to start the next ones from: immutable, shareable across
/// threads (the element's live mode warps it on the streaming thread while a worker
/// stylises the next).
struct StylisedFrame {
  cv::Mat content;   ///< 8-bit RGB at the processing size: what flow is computed against
  cv::Mat result;    ///< CV_32FC3, normalised (the network's convention), processing size
  InputConvention convention;
  bool preserve_colors = false;
};

struct VideoFrameResult {
  StylizeResult stylized;
  bool from_previous = false;      ///< started from the previous result
  bool scene_cut = false;          ///< the previous one was dropped: a new shot
  double inconsistent_share = 0;   ///< of the flow to the previous frame (0 without one)
  double flow_seconds = 0;
};

/// A frame made by warping the last stylised frame, not by optimising.
struct WarpedFrame {
  cv::Mat image;                   ///< in the caller's format and size
  double inconsistent_share = 0;   ///< pixels the flow could not place
  double flow_seconds = 0;         ///< flow and warp
};

/// `last` moved onto `content` (any size; the flow runs at `last`'s processing size) by
/// the flow from `content` to `last`'s content: one hop, never chained through the frames
/// between. Disoccluded pixels (no source in `last`) take what the flow points at, the
/// stylised texture next to them, never the unstylised content. With preserve_colors
/// the result takes `content`'s colours. Thread-safe.
WarpedFrame warpStylisedFrame(const StylisedFrame& last, const cv::Mat& content, PixelFormat format);

class VideoStylizer {
 public:
  /// `stylizer` must outlive this and have its style set.
  explicit VideoStylizer(Stylizer& stylizer, VideoOptions options = {});

  const VideoOptions& options() const { return options_; }
  /// The temporal weight in force: the option's, or the network's default.
  double temporalWeight() const;
  /// The steps of a frame that starts from the previous one, for the options in force.
  int stepsPerFrame() const;
  /// Throws OptionsError and keeps the old options.
  void setOptions(const VideoOptions& options);

  /// Stylises the next frame of the shot, coherently with the last stylised one (if any,
  /// of the same processing size): flow both ways, then Stylizer::stylize with the start
  /// and temporal term of the options. A scene cut, or a change of size, starts afresh.
  VideoFrameResult stylize(const cv::Mat& content, PixelFormat format,
                           const ProgressCallback& on_progress = {},
                           const std::atomic<bool>* cancel = nullptr);
  /// The last stylised frame warped to `content` (interval and keyframe modes); the
  /// content itself when nothing has been stylised yet. Does not change the state.
  WarpedFrame warpLast(const cv::Mat& content, PixelFormat format) const;

  /// Forget the previous frame (a seek, a flush, new caps, a new shot).
  void reset() { last_.reset(); }
  bool hasPrevious() const { return last_ != nullptr; }
  /// The last stylised frame (null: none). Shared, immutable.
  std::shared_ptr<const StylisedFrame> last() const { return last_; }
  /// Makes `frame` the previous one (the CLI resuming from a written result).
  void setLast(std::shared_ptr<const StylisedFrame> frame) { last_ = std::move(frame); }
  /// A StylisedFrame from a finished image (8-bit, caller's format) and its content, as
  /// if this stylizer had made it: for resuming a sequence from frames on disk.
  std::shared_ptr<const StylisedFrame> frameFromImage(const cv::Mat& content, const cv::Mat& result,
                                                      PixelFormat format) const;

 private:
  Stylizer& stylizer_;
  VideoOptions options_;
  std::shared_ptr<const StylisedFrame> last_;
};

}  // namespace neuralstyle
