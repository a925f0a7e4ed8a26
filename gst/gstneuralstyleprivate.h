// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's state by owner, and what its files other than
 * gstneuralstyle.cpp (which alone sees the instance struct) do:
 *  - the configuration (the properties' values, what the latency query
 *    needs), under the object lock, with Settings::generation counting its
 *    changes;
 *  - the stream state, the streaming thread's, which holds the processing
 *    state (gstneuralstyleprocessing.h) except while the live worker does. */
#ifndef __GST_NEURAL_STYLE_PRIVATE_H__
#define __GST_NEURAL_STYLE_PRIVATE_H__

#include <atomic>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gstneuralstyle.h"
#include "gstneuralstylecancel.h"
#include "gstneuralstylelive.h"
#include "gstneuralstylemessages.h"
#include "gstneuralstyleprocessing.h"
#include "gstneuralstylesettings.h"

GST_DEBUG_CATEGORY_EXTERN (gst_neural_style_debug);

#if defined(__SANITIZE_THREAD__)
/* GLib's GMutex is a futex ThreadSanitizer cannot see (GLib is not instrumented),
 * so every field the object lock guards would be reported as a race between the
 * application's and the streaming thread (scripts/sanitize.sh --thread). Tell it
 * about the lock where this element takes it. */
#include <sanitizer/tsan_interface.h>
#undef GST_OBJECT_LOCK
#undef GST_OBJECT_UNLOCK
#define GST_OBJECT_LOCK(obj) \
  (g_mutex_lock (GST_OBJECT_GET_LOCK (obj)), __tsan_acquire (GST_OBJECT_GET_LOCK (obj)))
#define GST_OBJECT_UNLOCK(obj) \
  (__tsan_release (GST_OBJECT_GET_LOCK (obj)), g_mutex_unlock (GST_OBJECT_GET_LOCK (obj)))
#endif

namespace gstneuralstyle
{

/* What the latency query needs. Guarded by the object lock. */
struct LatencyModel
{
  cv::Size frame_size;            /* set_info; empty before caps */
  bool on_cuda = false;           /* start */
  GstClockTime slowest_frame = 0; /* after each frame; 0 = none measured */
  GstClockTime slowest_warp = 0;  /* live mode: the streaming thread's work */
  GstClockTime reported = 0;      /* our share of the last latency answer */
  bool upstream_live = false;
};

/* Holds an object's lock for a scope, so that an exception (std::bad_alloc
 * while copying a string) unwinds with the lock released. */
class ObjectLock
{
public:
  explicit ObjectLock (gpointer object):object_ (GST_OBJECT (object))
  {
    GST_OBJECT_LOCK (object_);
  }
  ~ObjectLock ()
  {
    GST_OBJECT_UNLOCK (object_);
  }
  ObjectLock (const ObjectLock &) = delete;
  ObjectLock & operator= (const ObjectLock &) = delete;

private:
  GstObject * object_;
};

}  // namespace gstneuralstyle

namespace gstneuralstyle
{

/* The properties' values and what the latency query needs. Every field is
 * guarded by the element's object lock (ObjectLock). */
struct Configuration
{
  Settings settings;
  LatencyModel latency;
  /* The network the stylizer runs, for checking layer names set while running
   * (Auto while there is none). */
  neuralstyle::Network network = neuralstyle::Network::Auto;
};

/* What the frames of a stream share; the streaming thread's unless said. */
struct StreamState
{
  /* Null while the live worker holds it (and before start, after stop). */
  std::unique_ptr<Processing> processing;

  /* Frame numbering (see the documentation): the index the next frame received
   * gets, and the index of the frame in hand. Reset in start() and at
   * flush-stop. */
  guint64 next_frame = 0;
  guint64 frame = 0;

  /* Polled by the core between two steps; raised by any thread. */
  CancelReasons cancel;

  /* The mode the frames in hand follow (a change of the property applies at
   * the next frame), and the index of the last frame optimised, which warped
   * frames name. */
  GstNeuralStyleMode active_mode = GST_NEURAL_STYLE_MODE_EVERY_FRAME;
  guint64 last_stylised = 0;
  /* A force-key-unit event came (either direction): keyframes mode optimises
   * the next frame. Set by the event's thread. */
  std::atomic<bool> force_key_unit{false};

  /* Live mode's worker thread; started at the first live frame, stopped when
   * the mode changes and in stop(). */
  LiveWorker live;
  /* The live worker failed with an error (posted): the streaming thread ends
   * the stream at its next frame. Set by the worker. */
  std::atomic<bool> live_failed{false};
};

/* The element's parts (gstneuralstyle.cpp). */
Configuration & configuration (GstNeuralStyle * self);
StreamState & stream_state (GstNeuralStyle * self);

}  // namespace gstneuralstyle

/* The frame path (gstneuralstyleframe.cpp). */
namespace gstneuralstyle
{

/* A copy of the settings, taken under the object lock. */
Settings snapshot_settings (GstNeuralStyle * self);

/* How frames of `frame_size` are processed with the settings in force and the
 * network that runs (Auto before the weights are read). Throws ImageError for
 * frames too small to stylise. Any thread. */
neuralstyle::FramePlan plan_frame (GstNeuralStyle * self, cv::Size frame_size);

/* The images (gstneuralstyleimages.cpp). */

/* Posts RESOURCE/NOT_FOUND unless the style images and the init image (if
 * any) exist. */
gboolean check_image_locations (GstNeuralStyle * self,
    const Settings & settings);

/* The style and init images at start(): failing to read one is an error. */
gboolean load_first_images (GstNeuralStyle * self, Processing & processing,
    const Settings & settings);

/* Style images or blend weights set while playing. set_property made sure the
 * files existed, but reading one can still fail (not a picture, gone since):
 * then the styles in force stay, with a warning, and the properties read them
 * back, so that the next frame does not try again. */
void change_styles (GstNeuralStyle * self, Processing & processing,
    const Settings & settings);

/* An init-location set while playing, as change_styles. Returns the init
 * image in force afterwards (empty: none). */
std::string change_init (GstNeuralStyle * self, Processing & processing,
    const std::string & location);

/* The frame path (gstneuralstyleframe.cpp). */

/* Which frame `buffer` is, for the messages about it. */
FrameStamp frame_stamp (GstNeuralStyle * self, guint64 index,
    GstBuffer * buffer);

/* Optimises one frame with `settings` (the style and init images, the
 * options) through `processing`'s video stylizer, posting its progress,
 * scene-cut and frame-done messages. GST_FLOW_FLUSHING when `cancel` stopped it
 * (frame-cancelled posted), GST_FLOW_ERROR after posting an error. `timing`:
 * a buffer with the frame's timestamps, and `out_info`, `out_caps` the output
 * format the frame came with, for intermediate images (the live worker must not
 * read the element's, which new caps change meanwhile). `post_done` false: the
 * caller posts frame-done (the live worker, once the frame is published). */
GstFlowReturn stylise_frame (GstNeuralStyle * self, Processing & processing,
    const Settings & settings,
    const cv::Mat & content, neuralstyle::PixelFormat format,
    const FrameStamp & frame, GstBuffer * timing,
    const GstVideoInfo & out_info, GstCaps * out_caps,
    const std::atomic<bool> * cancel, neuralstyle::VideoFrameResult * result,
    bool post_done = true);

/* The caps on the source pad (or made from the output info before any): for
 * intermediate images. Called on the streaming thread. */
std::shared_ptr<GstCaps> current_output_caps (GstNeuralStyle * self);

/* Copies an image into a frame's first plane, row by row, honouring the
 * frame's stride. */
void copy_into_frame (const cv::Mat & image, GstVideoFrame * frame);

/* Records the time the streaming thread spent on a frame (the optimisation,
 * or in live mode the warp); tells a live pipeline when it exceeds the
 * latency reported. */
void account_frame_time (GstNeuralStyle * self, double seconds, bool live);

/* The modes (gstneuralstylevideo.cpp). */

/* The element's transform_frame: optimises or warps the frame as the mode
 * says. */
GstFlowReturn transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame);

/* Forgets the temporal state (the last stylised frame; in live mode the
 * worker's pending and published frames), so that no frame warps from before
 * a flush, new caps, EOS or a mode change. Streaming thread (or none). */
void reset_temporal_state (GstNeuralStyle * self);

/* Live mode (gstneuralstylelive.cpp). */

/* Warps the newest stylised frame onto the frame and hands a copy of it to
 * the worker; never waits for an optimisation. */
GstFlowReturn live_transform (GstNeuralStyle * self, const Settings & settings,
    const cv::Mat & content, neuralstyle::PixelFormat format,
    const FrameStamp & frame, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_PRIVATE_H__ */
