// SPDX-License-Identifier: LGPL-2.1-or-later
/* Live mode's worker: a thread that optimises the newest frame handed to it
 * while the streaming thread goes on warping the newest finished one. */
#ifndef __GST_NEURAL_STYLE_LIVE_H__
#define __GST_NEURAL_STYLE_LIVE_H__

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <opencv2/core.hpp>

#include "gstneuralstylemessages.h"
#include "gstneuralstyleprocessing.h"
#include "gstneuralstylesettings.h"
#include "neuralstyle/image.hpp"
#include "neuralstyle/video_stylizer.hpp"

namespace gstneuralstyle
{

/* A frame handed to the worker, with everything it needs: the worker never
 * reads the element's state of the moment. */
struct LiveJob
{
  cv::Mat content;              /* a copy: the buffer goes downstream */
  neuralstyle::PixelFormat format = neuralstyle::PixelFormat::RGB;
  FrameStamp stamp {0, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE};
  Settings settings;            /* the settings when it arrived */
  /* A buffer without memory holding the frame's timestamps (for intermediate
   * images). */
  std::shared_ptr<GstBuffer> timing;
  /* The output format the frame came with (for intermediate images). */
  GstVideoInfo out_info;
  std::shared_ptr<GstCaps> out_caps;
  /* Set by the work when it made a frame: called with true once the frame is
   * published (the newest to warp from), with false when a discard() threw it
   * away. */
  std::function<void (bool published)> on_finished;
};

/* The newest finished frame and the index of the frame it was made from. */
struct LiveResult
{
  std::shared_ptr<const neuralstyle::StylisedFrame> frame;
  guint64 index = 0;
};

/* One worker thread and one pending frame: a frame submitted while the worker
 * is busy replaces the pending one (the newest wins), so the worker always
 * starts on the newest input and never queues up. While it runs the worker
 * owns the processing state: start() takes it, stop() gives it back. Thread-
 * safe. */
class LiveWorker
{
public:
  /* Optimises a job with the processing state; returns the stylised frame,
   * or null (cancelled through `cancel`, or failed: the work reports it).
   * `fresh`: the temporal state must be forgotten first (the first job, or
   * the first after discard()). */
  using Work = std::function<std::shared_ptr<const neuralstyle::StylisedFrame>
      (Processing & processing, LiveJob & job, bool fresh,
          const std::atomic<bool> * cancel)>;

  LiveWorker () = default;
  ~LiveWorker () { stop (); }
  LiveWorker (const LiveWorker &) = delete;
  LiveWorker & operator= (const LiveWorker &) = delete;

  /* Starts the thread with the processing state (not null), which it owns
   * until stop(). Must not run already. */
  void start (std::unique_ptr<Processing> processing, Work work);
  bool running () const;

  /* Hands a frame to the worker, replacing the pending one, if any. */
  void submit (LiveJob job);

  /* The newest finished frame (null frame: none since the start or the last
   * discard). */
  LiveResult newest () const;

  /* Forgets the pending and the published frame and cancels the frame in
   * progress between two steps; its result is thrown away. The next job
   * starts fresh. */
  void discard ();

  /* discard(), then ends the thread and waits for it. Returns the processing
   * state start() took (null when it was not running). */
  std::unique_ptr<Processing> stop ();

private:
  void run ();
  /* discard() with the mutex held. */
  void forget_locked ();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  Work work_;
  /* The thread's alone while it runs (not guarded by mutex_). */
  std::unique_ptr<Processing> processing_;
  std::optional<LiveJob> pending_;
  LiveResult newest_;
  /* Bumped by discard(): a result of a job taken before it is thrown away. */
  guint64 generation_ = 0;
  bool fresh_ = true;
  bool stopping_ = false;
  /* What the core polls for the frame in progress. */
  std::atomic<bool> cancel_{false};
};

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_LIVE_H__ */
