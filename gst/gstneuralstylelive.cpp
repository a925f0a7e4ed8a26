// SPDX-License-Identifier: LGPL-2.1-or-later
/* Live mode: the streaming thread never waits for an optimisation. Each frame
 * goes out at once, the newest stylised frame warped onto it by optical flow
 * (neuralstyle::warpStylisedFrame, thread-safe), while a worker thread
 * optimises the newest input frame through the video stylizer and publishes
 * the result for the frames after it. */

#include "gstneuralstyleerrors.h"
#include "gstneuralstyleprivate.h"

#define GST_CAT_DEFAULT gst_neural_style_debug

namespace gstneuralstyle
{

void
LiveWorker::start (std::unique_ptr<Processing> processing, Work work)
{
  std::lock_guard<std::mutex> lock (mutex_);
  g_return_if_fail (!thread_.joinable () && processing);
  work_ = std::move (work);
  processing_ = std::move (processing);
  stopping_ = false;
  fresh_ = true;
  thread_ = std::thread (&LiveWorker::run, this);
}

bool
LiveWorker::running () const
{
  std::lock_guard<std::mutex> lock (mutex_);
  return thread_.joinable ();
}

void
LiveWorker::submit (LiveJob job)
{
  {
    std::lock_guard<std::mutex> lock (mutex_);
    pending_ = std::move (job);
  }
  wake_.notify_one ();
}

LiveResult
LiveWorker::newest () const
{
  std::lock_guard<std::mutex> lock (mutex_);
  return newest_;
}

void
LiveWorker::forget_locked ()
{
  pending_.reset ();
  newest_ = LiveResult ();
  ++generation_;
  fresh_ = true;
  cancel_ = true;
}

void
LiveWorker::discard ()
{
  std::lock_guard<std::mutex> lock (mutex_);
  forget_locked ();
}

std::unique_ptr<Processing>
LiveWorker::stop ()
{
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock (mutex_);
    forget_locked ();
    stopping_ = true;
    thread = std::move (thread_);
  }
  wake_.notify_all ();
  if (thread.joinable ())
    thread.join ();
  /* The thread has ended: the state is this thread's again. */
  return std::move (processing_);
}

void
LiveWorker::run ()
{
  for (;;) {
    LiveJob job;
    guint64 generation;
    bool fresh;
    {
      std::unique_lock<std::mutex> lock (mutex_);
      wake_.wait (lock, [this] { return stopping_ || pending_.has_value (); });
      if (stopping_)
        return;
      job = std::move (*pending_);
      pending_.reset ();
      generation = generation_;
      fresh = fresh_;
      fresh_ = false;
      /* A discard() from here on cancels this job. */
      cancel_ = false;
    }
    auto frame = work_ (*processing_, job, fresh, &cancel_);
    const bool frame_made = frame != nullptr;
    bool published = false;
    {
      std::lock_guard<std::mutex> lock (mutex_);
      if (frame && generation == generation_ && !stopping_) {
        newest_ = LiveResult {std::move (frame), job.stamp.index};
        published = true;
      }
    }
    /* After publishing: whoever hears of the frame can have it warped. */
    if (frame_made && job.on_finished)
      job.on_finished (published);
  }
}

/* A buffer without memory that carries `input`'s timestamps. */
static std::shared_ptr<GstBuffer>
timing_of (GstBuffer * input)
{
  GstBuffer *timing = gst_buffer_new ();
  gst_buffer_copy_into (timing, input, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  return std::shared_ptr<GstBuffer> (timing, gst_buffer_unref);
}

/* The worker's job, with the processing state it holds. */
static std::shared_ptr<const neuralstyle::StylisedFrame>
stylise_in_worker (GstNeuralStyle * self, Processing & processing,
    LiveJob & job, bool fresh, const std::atomic<bool> * cancel)
{
  neuralstyle::VideoFrameResult result;

  if (fresh)
    processing.video->reset ();
  const GstFlowReturn ret = stylise_frame (self, processing, job.settings,
      job.content,
      job.format, job.stamp, job.timing.get (), job.out_info,
      job.out_caps.get (), cancel, &result, false);
  if (ret == GST_FLOW_ERROR)
    stream_state (self).live_failed = true;
  if (ret != GST_FLOW_OK)
    return nullptr;
  GST_DEBUG_OBJECT (self, "live: frame %" G_GUINT64_FORMAT " stylised in "
      "%.3f s", job.stamp.index, result.stylized.elapsed_seconds);
  /* frame-done says the frame is there to warp from: posted once it is; a
   * frame a flush made worthless is cancelled. */
  job.on_finished = [self, stamp = job.stamp, result](bool published) {
    if (published)
      post_frame_done (GST_ELEMENT (self), stamp, result);
    else
      post_frame_cancelled (GST_ELEMENT (self), stamp);
  };
  return processing.video->last ();
}

GstFlowReturn
live_transform (GstNeuralStyle * self, const Settings & settings,
    const cv::Mat & content, neuralstyle::PixelFormat format,
    const FrameStamp & frame, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame)
{
  StreamState & stream = stream_state (self);

  /* The worker posted the error; the stream ends here. */
  if (stream.live_failed)
    return GST_FLOW_ERROR;
  const LiveResult newest = stream.live.newest ();
  try {
    /* Handed over first, so that the worker starts on it while this thread
     * warps. The first live frame hands the worker the processing state. */
    if (!stream.live.running ())
      stream.live.start (std::move (stream.processing), [self](Processing &
              processing, LiveJob & job, bool fresh,
              const std::atomic<bool> * cancel) {
            return stylise_in_worker (self, processing, job, fresh, cancel);
          });
    LiveJob job;
    job.content = content.clone ();
    job.format = format;
    job.stamp = frame;
    job.settings = settings;
    job.timing = timing_of (in_frame->buffer);
    job.out_info = GST_VIDEO_FILTER (self)->out_info;
    job.out_caps = current_output_caps (self);
    stream.live.submit (std::move (job));

    if (!newest.frame) {
      /* Nothing stylised yet: the frame goes out as it came in. */
      neuralstyle::WarpedFrame unchanged;
      unchanged.inconsistent_share = 1;
      if (!gst_video_frame_copy (out_frame, in_frame))
        return GST_FLOW_ERROR;
      post_frame_warped (GST_ELEMENT (self), frame, unchanged, kNoSourceFrame);
      return GST_FLOW_OK;
    }
    const neuralstyle::WarpedFrame warped =
        neuralstyle::warpStylisedFrame (*newest.frame, content, format);
    copy_into_frame (warped.image, out_frame);
    post_frame_warped (GST_ELEMENT (self), frame, warped, newest.index);
    account_frame_time (self, warped.flow_seconds, true);
    return GST_FLOW_OK;
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION (self, Stage::Streaming,
        "warp frame " + std::to_string (frame.index) + " in live mode");
  }
  return GST_FLOW_ERROR;
}

}  // namespace gstneuralstyle
