// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-fastneuralstyle
 * @title: fastneuralstyle
 *
 * Stylises every frame with one pass of a feed-forward style network
 * (Johnson, Alahi & Fei-Fei 2016), trained once per style: the frame rate of
 * a stream instead of the seconds a frame of `neuralstyle`'s optimisation.
 *
 * Models: ONNX files in the pytorch/examples convention (input and output
 * 1x3xHxW float32 RGB in 0..255, as the ONNX model zoo's fast-neural-style
 * models), run by OpenCV's dnn module after the core's ONNX gate; or the
 * same network's weights as safetensors, run by LibTorch.
 *
 * The output has the input's size and format; the alpha or padding byte of
 * four-byte formats passes through. Each frame posts a `fastneuralstyle-frame`
 * element message (frame, inference-time in seconds, running-time,
 * stream-time), and the latency query answers the longest inference time
 * measured so far. `model-location`, `max-size`, `strength`,
 * `preserve-colors` and `temporal-blend` may change while PLAYING and take
 * effect at the next frame; a model that cannot be loaded then posts a
 * WARNING and the previous one stays.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,width=320,height=240 ! \
 *     videoconvert ! fastneuralstyle model-location=starry.onnx ! \
 *     videoconvert ! autovideosink
 * ]|
 */
#include "gstfastneuralstyle.h"

#include <chrono>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "gstneuralstyleerrors.h"
#include "gstneuralstyleformats.h"
#include "gstoptionschema.h"
#include "neuralstyle/environment.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/image.hpp"

GST_DEBUG_CATEGORY_STATIC (gst_fast_neural_style_debug);
#define GST_CAT_DEFAULT gst_fast_neural_style_debug

#define FAST_NEURAL_STYLE_CAPS \
  "video/x-raw, " \
  "format = (string) { RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, GRAY8 }, " \
  "width = (int) [ 1, 2147483647 ], " \
  "height = (int) [ 1, 2147483647 ], " \
  "framerate = (fraction) [ 0/1, 2147483647/1 ]"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (FAST_NEURAL_STYLE_CAPS));
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (FAST_NEURAL_STYLE_CAPS));

/* The properties are the core's feed-forward options, ids 1 to N in the order
 * of neuralstyle::feedForwardOptionSpecs(): installed, set and read from that
 * table (gstoptionschema.h). */
static const std::vector<neuralstyle::OptionSpecOf<neuralstyle::FeedForwardOptions>> &
schema (void)
{
  return neuralstyle::feedForwardOptionSpecs ();
}

/* Enum types are this prefix and the option's name: GstFastNeuralStyleEngine. */
#define ENUM_PREFIX "GstFastNeuralStyle"

namespace
{

/* What the properties say, under the object lock. Every change bumps the
 * generation; the streaming thread compares it with the loaded one. */
struct Settings
{
  neuralstyle::FeedForwardOptions options;
  guint64 generation = 0;
};

/* What the streaming thread owns: the network, and the settings it was made
 * from. start() and stop() touch it only while no frame flows. */
struct Processing
{
  std::unique_ptr<neuralstyle::FeedForwardStylizer> stylizer;
  guint64 generation = 0;
  guint64 frames = 0;
};

}  // namespace

struct _GstFastNeuralStyle
{
  GstVideoFilter parent;
  Settings *settings;
  Processing *processing;
  GstClockTime latency;         /* longest inference so far, object lock */
};

#define gst_fast_neural_style_parent_class parent_class
G_DEFINE_TYPE (GstFastNeuralStyle, gst_fast_neural_style,
    GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (fastneuralstyle, "fastneuralstyle",
    GST_RANK_NONE, GST_TYPE_FAST_NEURAL_STYLE);

/* The enum values are declared in the core's order. */
static_assert (static_cast<int> (neuralstyle::FeedForwardEngine::LibTorch) ==
    GST_FAST_NEURAL_STYLE_ENGINE_LIBTORCH, "engine order");
static_assert (static_cast<int> (neuralstyle::FeedForwardDevice::Cuda) ==
    GST_FAST_NEURAL_STYLE_DEVICE_CUDA, "device order");

static void
gst_fast_neural_style_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (object);

  if (prop_id < 1 || prop_id > schema ().size ()) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  const auto & spec = schema ()[prop_id - 1];
  /* The GParamSpec has checked the range; the feed-forward options' setters
   * only store. */
  const neuralstyle::OptionValue option = gstneuralstyle::option_value (spec, value);
  GST_OBJECT_LOCK (self);
  spec.set (self->settings->options, option);
  ++self->settings->generation;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fast_neural_style_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (object);

  if (prop_id < 1 || prop_id > schema ().size ()) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  const auto & spec = schema ()[prop_id - 1];
  GST_OBJECT_LOCK (self);
  const neuralstyle::OptionValue option = spec.get (self->settings->options);
  GST_OBJECT_UNLOCK (self);
  gstneuralstyle::set_gvalue (spec, option, value);
}

static Settings
snapshot (GstFastNeuralStyle * self)
{
  GST_OBJECT_LOCK (self);
  Settings settings = *self->settings;
  GST_OBJECT_UNLOCK (self);
  return settings;
}

/* Makes the network the settings describe. On failure posts an ERROR (at
 * start) or a WARNING (a change while playing, which keeps the old network)
 * and returns FALSE. */
static gboolean
load_network (GstFastNeuralStyle * self, const Settings & settings,
    gboolean playing)
{
  const std::string & model = settings.options.model;
  /* While playing, the old network stays: a warning. */
  const GstMessageType type = playing ? GST_MESSAGE_WARNING : GST_MESSAGE_ERROR;

  if (model.empty ()) {
    gst_element_message_full (GST_ELEMENT (self), type, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_FOUND, g_strdup ("No model: set model-location "
            "to a feed-forward style network (.onnx in the pytorch/examples "
            "convention, or .safetensors)."), NULL, __FILE__, GST_FUNCTION,
        __LINE__);
    return FALSE;
  }
  try {
    /* The process-wide switch no property carries (environment.hpp). */
    neuralstyle::FeedForwardOptions options = settings.options;
    options.tensor_cache =
        neuralstyle::processSwitchesFromEnvironment ().tensor_cache;
    auto stylizer =
        std::make_unique < neuralstyle::FeedForwardStylizer > (options);
    GST_INFO_OBJECT (self, "model %s: %s", model.c_str (),
        stylizer->describe ().c_str ());
    self->processing->stylizer = std::move (stylizer);
    self->processing->generation = settings.generation;
    return TRUE;
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION_AS (self, type,
        gstneuralstyle::Stage::Starting, "load the model \"" + model + "\"");
  }
  /* Tried: the same settings are not tried again at every frame. */
  self->processing->generation = settings.generation;
  return FALSE;
}

/* Settings changed while playing: the loaded network takes what it can (strength,
 * max-size, preserve-colors, temporal-blend) without a reload, which would cost the
 * load's time and forget the previous frame; a new model, engine, device or thread
 * count loads a new one. */
static void
update_network (GstFastNeuralStyle * self, const Settings & settings)
{
  Processing *processing = self->processing;

  if (!processing->stylizer
      || !processing->stylizer->canAdjustTo (settings.options)) {
    load_network (self, settings, TRUE);
    return;
  }
  try {
    processing->stylizer->adjust (settings.options);
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION_AS (self, GST_MESSAGE_WARNING,
        gstneuralstyle::Stage::Streaming, "apply the new settings");
  }
  processing->generation = settings.generation;
}

static gboolean
gst_fast_neural_style_start (GstBaseTransform * trans)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (trans);

  self->processing->frames = 0;
  GST_OBJECT_LOCK (self);
  self->latency = 0;
  GST_OBJECT_UNLOCK (self);
  return load_network (self, snapshot (self), FALSE);
}

static gboolean
gst_fast_neural_style_stop (GstBaseTransform * trans)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (trans);
  self->processing->stylizer.reset ();
  return TRUE;
}

static gboolean
gst_fast_neural_style_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (filter);
  neuralstyle::PixelFormat format;

  if (!gstneuralstyle::to_pixel_format (GST_VIDEO_INFO_FORMAT (in_info), &format)
      || GST_VIDEO_INFO_FORMAT (in_info) != GST_VIDEO_INFO_FORMAT (out_info)
      || GST_VIDEO_INFO_WIDTH (in_info) != GST_VIDEO_INFO_WIDTH (out_info)
      || GST_VIDEO_INFO_HEIGHT (in_info) != GST_VIDEO_INFO_HEIGHT (out_info)) {
    GST_ERROR_OBJECT (self, "unsupported caps %" GST_PTR_FORMAT " -> %"
        GST_PTR_FORMAT, incaps, outcaps);
    return FALSE;
  }
  /* New caps: nothing to blend with. */
  if (self->processing->stylizer)
    self->processing->stylizer->resetTemporal ();
  return TRUE;
}

/* A flush or a new segment (a seek) breaks the sequence: the next frame is not
 * blended with the one before. */
static gboolean
gst_fast_neural_style_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (trans);

  if ((GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP
          || GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
      && self->processing->stylizer)
    self->processing->stylizer->resetTemporal ();
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* Adds the longest inference time measured so far to upstream's latency. */
static gboolean
gst_fast_neural_style_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (trans);

  if (direction != GST_PAD_SRC || GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
        query);
  if (!gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query))
    return FALSE;
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency (query, &live, &min, &max);
  GST_OBJECT_LOCK (self);
  const GstClockTime ours = self->latency;
  GST_OBJECT_UNLOCK (self);
  gst_query_set_latency (query, live, min + ours,
      GST_CLOCK_TIME_IS_VALID (max) ? max + ours : max);
  return TRUE;
}

static GstClockTime
buffer_time (GstBaseTransform * trans, GstClockTime pts, bool running)
{
  const GstSegment *segment = &trans->segment;
  if (!GST_CLOCK_TIME_IS_VALID (pts) || segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return running ? gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts)
      : gst_segment_to_stream_time (segment, GST_FORMAT_TIME, pts);
}

/* The frame message, and a latency message when the longest inference grew by
 * more than a tenth (so a live pipeline re-queries and its sink waits). */
static void
report_frame (GstFastNeuralStyle * self, GstBuffer * buffer, double seconds)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  const GstClockTime pts = GST_BUFFER_PTS (buffer);
  const GstClockTime took = static_cast<GstClockTime> (seconds * GST_SECOND);

  GstStructure *s = gst_structure_new ("fastneuralstyle-frame",
      "frame", G_TYPE_UINT64, self->processing->frames,
      "inference-time", G_TYPE_DOUBLE, seconds,
      "running-time", G_TYPE_UINT64, buffer_time (trans, pts, true),
      "stream-time", G_TYPE_UINT64, buffer_time (trans, pts, false), NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));

  GST_OBJECT_LOCK (self);
  const bool grew = took > self->latency + self->latency / 10;
  if (took > self->latency)
    self->latency = took;
  GST_OBJECT_UNLOCK (self);
  if (grew)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

/* A view of the frame's pixels (no copy), rows `stride` bytes apart. */
static cv::Mat
frame_view (GstVideoFrame * frame)
{
  return cv::Mat (GST_VIDEO_FRAME_HEIGHT (frame), GST_VIDEO_FRAME_WIDTH (frame),
      CV_8UC (GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0)),
      GST_VIDEO_FRAME_PLANE_DATA (frame, 0),
      GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0));
}

static GstFlowReturn
gst_fast_neural_style_transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (filter);
  Processing *processing = self->processing;
  const Settings settings = snapshot (self);
  neuralstyle::PixelFormat format;

  if (settings.generation != processing->generation)
    update_network (self, settings);
  if (!processing->stylizer) {
    GST_ELEMENT_ERROR (self, CORE, FAILED, ("No model is loaded."), (NULL));
    return GST_FLOW_ERROR;
  }
  gstneuralstyle::to_pixel_format (GST_VIDEO_FRAME_FORMAT (in_frame), &format);

  try {
    const cv::Mat in = frame_view (in_frame);
    cv::Mat out = frame_view (out_frame);
    const auto began = std::chrono::steady_clock::now ();
    const cv::Mat styled =
        processing->stylizer->stylize (neuralstyle::toRgb (in, format));
    const double seconds = std::chrono::duration < double >(
        std::chrono::steady_clock::now () - began).count ();
    neuralstyle::fromRgb (styled, format, in).copyTo (out);
    report_frame (self, in_frame->buffer, seconds);
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION (self,
        gstneuralstyle::Stage::Streaming,
        "stylise frame " + std::to_string (processing->frames));
    return GST_FLOW_ERROR;
  }
  ++processing->frames;
  return GST_FLOW_OK;
}

static void
gst_fast_neural_style_finalize (GObject * object)
{
  GstFastNeuralStyle *self = GST_FAST_NEURAL_STYLE (object);
  delete self->processing;
  delete self->settings;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fast_neural_style_class_init (GstFastNeuralStyleClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_fast_neural_style_debug, "fastneuralstyle", 0,
      "feed-forward neural style transfer");

  gobject_class->set_property = gst_fast_neural_style_set_property;
  gobject_class->get_property = gst_fast_neural_style_get_property;
  gobject_class->finalize = gst_fast_neural_style_finalize;

  for (size_t i = 0; i < schema ().size (); ++i)
    g_object_class_install_property (gobject_class, static_cast<guint> (i + 1),
        gstneuralstyle::param_spec_of (schema ()[i], schema ()[i].defaultValue (),
            ENUM_PREFIX));

  gst_element_class_set_static_metadata (element_class,
      "Feed-forward neural style transfer", "Filter/Effect/Video",
      "Stylises every frame with one pass of a trained style network "
      "(Johnson et al.)", "neuralstyle developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_fast_neural_style_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_fast_neural_style_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_fast_neural_style_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_fast_neural_style_query);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_fast_neural_style_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_fast_neural_style_transform_frame);

  for (const auto & spec : schema ())
    if (spec.type == neuralstyle::OptionType::Choice)
      gst_type_mark_as_plugin_api (gstneuralstyle::choice_enum_type (ENUM_PREFIX,
              spec), static_cast<GstPluginAPIFlags> (0));
}

static void
gst_fast_neural_style_init (GstFastNeuralStyle * self)
{
  self->settings = new Settings ();
  self->processing = new Processing ();
  /* Processing keeps generation 0 until start() loads the network. */
  self->settings->generation = 1;
  self->latency = 0;
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
}
