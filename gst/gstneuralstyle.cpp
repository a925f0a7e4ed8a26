// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-neuralstyle
 * @title: neuralstyle
 *
 * Restyles each video frame after a style image with the optimisation of Gatys,
 * Ecker and Bethge (CVPR 2016): starting from the frame, it optimises an image
 * whose features in #GstNeuralStyle:network (VGG19 or SqueezeNet 1.1) match the
 * frame's content and the style image's Gram matrices, with LibTorch on the CPU
 * or CUDA. The output keeps the input's format, size and timestamps: one frame
 * out for each frame in, in every #GstNeuralStyle:mode.
 *
 * Bus messages (element messages; docs/element.md lists their fields):
 * - `neuralstyle-progress`: losses, every #GstNeuralStyle:progress-interval steps
 * - `neuralstyle-intermediate`: with #GstNeuralStyle:push-intermediate, the image
 * - `neuralstyle-scene-cut`: a frame starts afresh as a new shot
 * - `neuralstyle-frame-done`: a frame was optimised and pushed
 * - `neuralstyle-frame-warped`: a frame was warped from an optimised one, pushed
 * - `neuralstyle-frame-cancelled`: a flush or stop cut it short; not pushed
 * - `neuralstyle-frame-dropped`: QoS dropped it, late, before its optimisation
 *
 * Each frame received gets one of the last four, unless an error ends the stream.
 *
 * Properties not limited to NULL or READY may change while playing and apply
 * from the next frame. A value that cannot work is refused when it is set, with
 * a warning on the bus, and the property keeps (and reads back) the value in
 * force. In the NULL and READY states values are checked when the element
 * starts, where a bad one is an error.
 *
 * Latency: upstream's plus the slowest frame so far (an estimate before the
 * first); in live mode the warp's cost. QoS is on as in every #GstVideoFilter:
 * set `qos=false` (or `sync=false` on the sink) to keep every late frame.
 *
 * Stopping, flushing or going to READY cancels the optimisation between steps.
 *
 * #GstNeuralStyle:threads and #GstNeuralStyle:seed are process-wide: with
 * several elements, the last one to start decides. On the CPU the first frame
 * installs a LibTorch CPU allocator for the process that reuses large buffers
 * from step to step; `NEURALSTYLE_TENSOR_CACHE=0` leaves LibTorch's own alone.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=cat.jpg ! decodebin ! videoconvert ! \
 *     neuralstyle style-location=wave.jpg steps=500 ! videoconvert ! \
 *     pngenc ! filesink location=cat-wave.png
 * ]| Stylises a still image.
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! \
 *     neuralstyle style-location=wave.jpg weights-location=random:1 steps=10 \
 *     progress-interval=1 ! fakesink
 * ]| Shows the progress messages with random weights.
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,width=320,height=240 ! \
 *     neuralstyle style-location=wave.jpg mode=live steps=50 max-size=128 ! \
 *     videoconvert ! autovideosink
 * ]| Shows a live source stylised without slowing it down.
 */

#include "gstneuralstyle.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "gstneuralstyleenums.h"
#include "gstneuralstyleerrors.h"
#include "gstneuralstyleformats.h"
#include "gstneuralstyleprivate.h"
#include "gstoptionschema.h"
#include "neuralstyle/environment.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/weights_location.hpp"

using namespace gstneuralstyle;

GST_DEBUG_CATEGORY (gst_neural_style_debug);
#define GST_CAT_DEFAULT gst_neural_style_debug

/* The C++ side of the element, by owner (gstneuralstyleprivate.h); GObject
 * zero-fills the instance and never runs C++ constructors, so it lives behind
 * a pointer made in init and freed in finalize. Only this file sees it. */
struct GstNeuralStylePrivate
{
  Configuration config;
  StreamState stream;
};

struct _GstNeuralStyle
{
  GstVideoFilter videofilter;

  GstNeuralStylePrivate *priv;
};

Configuration &
gstneuralstyle::configuration (GstNeuralStyle * self)
{
  return self->priv->config;
}

StreamState &
gstneuralstyle::stream_state (GstNeuralStyle * self)
{
  return self->priv->stream;
}

/* VGG19 pools four times before conv5_1, so both sides must be at least
 * neuralstyle::kMinimumSide (16) pixels. */
#define NEURAL_STYLE_CAPS \
  "video/x-raw, " \
  "format = (string) { RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, GRAY8 }, " \
  "width = (int) [ 16, 2147483647 ], " \
  "height = (int) [ 16, 2147483647 ], " \
  "framerate = (fraction) [ 0/1, 2147483647/1 ]"

static GstStaticPadTemplate gst_neural_style_src_template =
GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURAL_STYLE_CAPS));

static GstStaticPadTemplate gst_neural_style_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURAL_STYLE_CAPS));


namespace
{

/* See the latency paragraph of the element documentation. */
constexpr double kFlopPerPixelAndStep = 1.4e6;
constexpr double kNominalCpuFlops = 1e11;
constexpr double kNominalCudaFlops = 1e13;
/* Two DIS flows, the consistency check and the warp, per processing pixel. */
constexpr double kWarpSecondsPerPixel = 2e-7;

}  // namespace

#define gst_neural_style_parent_class parent_class
G_DEFINE_TYPE (GstNeuralStyle, gst_neural_style, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (neuralstyle, "neuralstyle", GST_RANK_NONE,
    GST_TYPE_NEURAL_STYLE);

static bool
is_random_weights (const std::string & location)
{
  return location == "random" || location.rfind ("random:", 0) == 0;
}

/* The network the settings name before any weights are read: the network
 * property, or VGG19 for random weights; Auto when only the file can tell. */
static neuralstyle::Network
network_known_up_front (const Settings & settings)
{
  const neuralstyle::EngineOptions & engine = settings.options.engine;
  if (engine.network != neuralstyle::Network::Auto)
    return engine.network;
  return is_random_weights (engine.weights) ?
      neuralstyle::Network::VGG19 : neuralstyle::Network::Auto;
}

/* Loads the weights onto the device, into `processing`; posts the error and
 * returns FALSE on failure. */
static gboolean
make_stylizer (GstNeuralStyle * self, Processing & processing,
    const Settings & settings, const neuralstyle::StyleOptions & options)
{
  GstNeuralStylePrivate *priv = self->priv;
  neuralstyle::EngineOptions engine = settings.options.engine;
  const std::string device = option_text (settings, "device");
  const std::string precision = option_text (settings, "precision");

  if (engine.weights.empty ())
    engine.weights = neuralstyle::defaultWeightsLocation (engine.network);
  /* The process-wide switches no property carries (environment.hpp). */
  try {
    const neuralstyle::ProcessSwitches switches =
        neuralstyle::processSwitchesFromEnvironment ();
    engine.tensor_cache = switches.tensor_cache;
    engine.process_settings = switches.process_settings;
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION (self, Stage::Starting,
        "read the process-wide settings from the environment");
    return FALSE;
  }

  const gchar *weights = engine.weights.c_str ();
  if (engine.weights.empty ()) {
    const gchar *data_home = g_get_user_data_dir ();
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No weights found: set weights-location (or $NEURALSTYLE_WEIGHTS) "
            "to a VGG19 or SqueezeNet 1.1 model, install one as "
            "%s/neuralstyle/vgg19.safetensors (or squeezenet1_1.safetensors) or "
            "in %s, or use weights-location=random for random, untrained "
            "features.", data_home, NEURALSTYLE_DATA_DIR),
        ("Readable formats: .safetensors, .onnx, Caffe .caffemodel + .prototxt. "
            "scripts/fetch_weights.sh downloads them; scripts/convert_torchvision.py "
            "converts a torchvision checkpoint."));
    return FALSE;
  }
  if (!is_random_weights (engine.weights)
      && !g_file_test (weights, G_FILE_TEST_EXISTS)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("Weights \"%s\" do not exist.", weights), (NULL));
    return FALSE;
  }

  try {
    processing.stylizer = std::make_unique < neuralstyle::Stylizer > (engine,
        options);
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION (self, Stage::Starting,
        "set up the network with the weights \"" + engine.weights +
        "\" on device \"" + device + "\" in " + precision);
    return FALSE;
  }

  const bool on_cuda =
      processing.stylizer->device () == neuralstyle::DeviceKind::CUDA;
  const neuralstyle::Network network = processing.stylizer->network ();
  GST_OBJECT_LOCK (self);
  priv->config.latency.on_cuda = on_cuda;
  priv->config.network = network;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "%s weights %s on %s in %s",
      neuralstyle::networkName (network).c_str (), weights,
      on_cuda ? "CUDA" : "the CPU",
      precision.c_str ());
  return TRUE;
}

/* prepare_options for `network`, posting LIBRARY/SETTINGS naming the property
 * at fault when the values cannot work. */
static gboolean
prepare_options_or_error (GstNeuralStyle * self, Settings * settings,
    neuralstyle::Network network)
{
  InvalidSettings why;

  if (prepare_options (settings, network, &why))
    return TRUE;
  GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", why.summary.c_str ()),
      ("%s", why.detail.c_str ()));
  return FALSE;
}

/* The values in force judged once more, now that the weights say which
 * network runs (their layer names), and the options they make kept for the
 * frames. */
static gboolean
prepare_settings_in_force (GstNeuralStyle * self)
{
  Settings settings = snapshot_settings (self);

  if (!prepare_options_or_error (self, &settings, self->priv->config.network))
    return FALSE;
  ObjectLock lock (self);
  /* A value set meanwhile is judged by set_property, now that the network
   * is known. */
  if (self->priv->config.settings.generation == settings.generation)
    self->priv->config.settings.prepared = settings.prepared;
  return TRUE;
}

static gboolean
gst_neural_style_start (GstBaseTransform * trans)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);
  GstNeuralStylePrivate *priv = self->priv;

  try {
    const Settings settings = snapshot_settings (self);
    /* Judged before the weights say which network runs: a bad value fails
     * before the slow part. */
    Settings early = settings;
    auto processing = std::make_unique < Processing > ();

    priv->stream.cancel.clear_all ();
    priv->stream.next_frame = 0;
    priv->stream.last_stylised = 0;
    priv->stream.force_key_unit = false;
    priv->stream.live_failed = false;
    GST_OBJECT_LOCK (self);
    priv->config.latency.slowest_frame = 0;
    priv->config.latency.slowest_warp = 0;
    GST_OBJECT_UNLOCK (self);

    /* The cheap checks first: loading the weights takes a while. */
    if (!check_image_locations (self, settings)
        || !prepare_options_or_error (self, &early,
            network_known_up_front (settings))
        || !make_stylizer (self, *processing, settings, early.prepared->style)
        || !load_first_images (self, *processing, settings)
        || !prepare_settings_in_force (self))
      return FALSE;
    processing->video = std::make_unique < neuralstyle::VideoStylizer >
        (*processing->stylizer, early.prepared->video);
    priv->stream.processing = std::move (processing);
    priv->stream.active_mode = settings.mode;
    return TRUE;
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION (self, Stage::Starting,
        "start neuralstyle");
  }
  return FALSE;
}

static gboolean
gst_neural_style_stop (GstBaseTransform * trans)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);
  GstNeuralStylePrivate *priv = self->priv;

  /* The worker holds the processing state while it runs: it ends first and
   * gives it back, and the state goes. */
  priv->stream.live.stop ();
  priv->stream.processing.reset ();
  GST_OBJECT_LOCK (self);
  priv->config.network = neuralstyle::Network::Auto;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_neural_style_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (filter);
  const cv::Size frame_size (GST_VIDEO_INFO_WIDTH (in_info),
      GST_VIDEO_INFO_HEIGHT (in_info));
  neuralstyle::PixelFormat format;

  if (!to_pixel_format (GST_VIDEO_INFO_FORMAT (in_info), &format)
      || GST_VIDEO_INFO_FORMAT (in_info) != GST_VIDEO_INFO_FORMAT (out_info)
      || GST_VIDEO_INFO_WIDTH (in_info) != GST_VIDEO_INFO_WIDTH (out_info)
      || GST_VIDEO_INFO_HEIGHT (in_info) != GST_VIDEO_INFO_HEIGHT (out_info)) {
    GST_ERROR_OBJECT (self, "unsupported caps %" GST_PTR_FORMAT " -> %"
        GST_PTR_FORMAT, incaps, outcaps);
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  self->priv->config.latency.frame_size = frame_size;
  GST_OBJECT_UNLOCK (self);
  /* New caps: nothing to warp from. */
  reset_temporal_state (self);
  try {
    /* The caps allow no frame smaller than VGG19 takes; the core has the last
     * word. A max-size too small for the frames' shape is raised (the frame
     * path warns). */
    const neuralstyle::FramePlan plan = plan_frame (self, frame_size);
    GST_INFO_OBJECT (self, "%s %dx%d frames, processed at %dx%d",
        neuralstyle::toString (format).c_str (), frame_size.width,
        frame_size.height, plan.finalSize ().width, plan.finalSize ().height);
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Frames of %dx%d are too small to stylise.", frame_size.width,
            frame_size.height), ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

/* Every buffer the element receives comes here first, so this is where frames
 * are numbered; GstBaseTransform's QoS drops late ones here too, before any
 * work, and says so with GST_BASE_TRANSFORM_FLOW_DROPPED. */
static GstFlowReturn
gst_neural_style_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);
  GstNeuralStylePrivate *priv = self->priv;

  priv->stream.frame = priv->stream.next_frame++;
  /* The parent takes the buffer: stamp it first. */
  const FrameStamp frame = frame_stamp (self, priv->stream.frame, input);
  const GstFlowReturn ret =
      GST_BASE_TRANSFORM_CLASS (parent_class)->submit_input_buffer (trans,
      is_discont, input);
  if (ret == GST_BASE_TRANSFORM_FLOW_DROPPED)
    post_frame_dropped (GST_ELEMENT (self), frame);
  return ret;
}

static gboolean
gst_neural_style_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);

  if (gst_video_event_is_force_key_unit (event))
    self->priv->stream.force_key_unit = true;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      self->priv->stream.cancel.raise (CancelReasons::kFlushing);
      /* The live worker's frame too (thread-safe). */
      self->priv->stream.live.discard ();
      break;
    case GST_EVENT_FLUSH_STOP:
      /* Serialised: the frame in hand has returned. A seek never warps from
       * before it. */
      self->priv->stream.cancel.clear (CancelReasons::kFlushing);
      self->priv->stream.next_frame = 0;
      reset_temporal_state (self);
      break;
    case GST_EVENT_EOS:
      /* Serialised: every frame is out; what follows is a new stream. */
      reset_temporal_state (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* An upstream force-key-unit event (an encoder asking for a key frame):
 * keyframes mode optimises the next frame. */
static gboolean
gst_neural_style_src_event (GstBaseTransform * trans, GstEvent * event)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);

  if (gst_video_event_is_force_key_unit (event))
    self->priv->stream.force_key_unit = true;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->src_event (trans, event);
}

/* Before a frame is measured: the time a frame of the current caps takes with
 * the current options, from the model in the documentation: its optimisation's
 * pixel-steps and the style targets at its final size. 0 before caps, or for
 * caps set_info refused. */
static GstClockTime
estimated_frame_time (const LatencyModel & latency,
    const neuralstyle::FramePlan & plan)
{
  if (plan.sizes.empty ())
    return 0;
  const double flops = latency.on_cuda ? kNominalCudaFlops : kNominalCpuFlops;
  const double seconds = (plan.pixel_steps + plan.finalSize ().area ()) *
      kFlopPerPixelAndStep / flops;
  return static_cast<GstClockTime> (seconds * GST_SECOND);
}

/* Live mode, before a warp is measured: the flow and warp at the processing
 * size, from the nominal cost in the documentation. */
static GstClockTime
estimated_warp_time (const neuralstyle::FramePlan & plan)
{
  if (plan.sizes.empty ())
    return 0;
  return static_cast<GstClockTime> (plan.finalSize ().area () *
      kWarpSecondsPerPixel * GST_SECOND);
}

/* Upstream latency plus the time one frame takes (see the documentation); in
 * live mode the warp's, as the optimisation never holds a frame back. */
static gboolean
gst_neural_style_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);

  if (direction != GST_PAD_SRC || GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
        query);

  if (!GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
          query))
    return FALSE;

  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency (query, &live, &min, &max);

  GST_OBJECT_LOCK (self);
  const LatencyModel latency = self->priv->config.latency;
  const bool live_mode =
      self->priv->config.settings.mode == GST_NEURAL_STYLE_MODE_LIVE;
  GST_OBJECT_UNLOCK (self);
  /* Planned with the settings of now, so it follows max-size and steps. */
  neuralstyle::FramePlan plan;
  if (!latency.frame_size.empty ()) {
    try {
      plan = plan_frame (self, latency.frame_size);
    } catch (const std::exception &) {
      /* caps set_info refused */
    }
  }
  const GstClockTime ours = live_mode ?
      std::max (latency.slowest_warp, estimated_warp_time (plan)) :
      latency.slowest_frame ? latency.slowest_frame :
      estimated_frame_time (latency, plan);
  GST_OBJECT_LOCK (self);
  self->priv->config.latency.reported = ours;
  self->priv->config.latency.upstream_live = live;
  GST_OBJECT_UNLOCK (self);

  min += ours;
  if (GST_CLOCK_TIME_IS_VALID (max))
    max += ours;
  GST_DEBUG_OBJECT (self, "latency: ours %" GST_TIME_FORMAT ", total min %"
      GST_TIME_FORMAT " max %" GST_TIME_FORMAT, GST_TIME_ARGS (ours),
      GST_TIME_ARGS (min), GST_TIME_ARGS (max));
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

static GstStateChangeReturn
gst_neural_style_change_state (GstElement * element, GstStateChange transition)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (element);

  /* Before chaining up: deactivating the pads waits for the frame in progress.
   * The reason holds until the next start, whatever flushes come meanwhile. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    self->priv->stream.cancel.raise (CancelReasons::kStopping);
    self->priv->stream.live.discard ();
  }
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      && ret == GST_STATE_CHANGE_FAILURE)
    self->priv->stream.cancel.clear (CancelReasons::kStopping);
  return ret;
}

/* Properties that shape the engine apply when the element starts. Called with
 * the object lock held. */
static gboolean
engine_property_settable (GstNeuralStyle * self)
{
  const GstState next = GST_STATE_NEXT (self);

  return GST_STATE (self) <= GST_STATE_READY
      && (next == GST_STATE_VOID_PENDING || next <= GST_STATE_READY);
}

/* Whether `value` for `prop_id` can work from the next frame on: the core
 * judges the settings in force with this one value changed (the element does
 * not second-guess it). A style image must exist; reading it is the frame's
 * job. noexcept: running out of memory aborts, as in set_setting. */
static gboolean
value_works_while_running (GstNeuralStyle * self, guint prop_id,
    const GValue * value, Settings * candidate, InvalidSettings * why) noexcept
{
  neuralstyle::Network network;
  *candidate = snapshot_settings (self);
  {
    ObjectLock lock (self);
    network = self->priv->config.network;
  }

  set_setting (*candidate, prop_id, value);
  if (prop_id == PROP_STYLE_LOCATION || prop_id == PROP_STYLE_LOCATIONS)
    why->summary = style_locations_problem (candidate->style_locations);
  else if (prop_id == PROP_INIT_LOCATION)
    why->summary = init_location_problem (candidate->init_location);
  if (!why->summary.empty ())
    return FALSE;
  return prepare_options (candidate, network, why);
}

/* Stores a value in the settings, with the options the settings then make
 * (judged once, for the network that runs, so that the frames take them as
 * they are): `candidate`'s, judged by value_works_while_running, unless
 * another thread changed a value meanwhile; before start() reads the weights,
 * none (start() judges them all). Called with the object lock held; FALSE for
 * an unknown property. noexcept: running out of memory aborts, as in
 * set_setting. */
static gboolean
store_setting (GstNeuralStyle * self, guint prop_id, const GValue * value,
    const Settings * candidate) noexcept
{
  Settings & settings = self->priv->config.settings;
  const bool unchanged_meanwhile = candidate
      && candidate->generation == settings.generation + 1;
  InvalidSettings why;

  if (!set_setting (settings, prop_id, value))
    return FALSE;
  if (unchanged_meanwhile)
    settings.prepared = candidate->prepared;
  else if (self->priv->config.network != neuralstyle::Network::Auto
      && !prepare_options (&settings, self->priv->config.network, &why))
    GST_DEBUG_OBJECT (self, "settings cannot work: %s %s", why.summary.c_str (),
        why.detail.c_str ());
  return TRUE;
}

/* In NULL and READY any value is taken and start() judges them all; while the
 * element runs, a value that cannot work is refused here, on the
 * application's thread, so that it can never end the stream. */
static void
gst_neural_style_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (object);
  const gchar *name = g_param_spec_get_name (pspec);
  gboolean running, known = TRUE;
  InvalidSettings why;

  GST_OBJECT_LOCK (self);
  running = !engine_property_settable (self);
  if (is_engine_property (prop_id) && !running)
    set_setting (self->priv->config.settings, prop_id, value);
  GST_OBJECT_UNLOCK (self);

  if (is_engine_property (prop_id)) {
    if (running)
      GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
          ("The %s property can only be changed in the NULL or READY state; "
              "the new value is ignored.", name), (NULL));
    return;
  }
  Settings candidate;
  if (running && !value_works_while_running (self, prop_id, value, &candidate,
          &why)) {
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("%s The new %s is ignored; the value in force stays.",
            why.summary.c_str (), name), ("%s", why.detail.c_str ()));
    return;
  }

  GST_OBJECT_LOCK (self);
  known = store_setting (self, prop_id, value, running ? &candidate : NULL);
  GST_OBJECT_UNLOCK (self);
  if (!known)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_neural_style_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (object);

  GST_OBJECT_LOCK (self);
  const gboolean known = get_setting (self->priv->config.settings, prop_id, value);
  GST_OBJECT_UNLOCK (self);
  if (!known)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_neural_style_finalize (GObject * object)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (object);

  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_neural_style_class_init (GstNeuralStyleClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_neural_style_debug, "neuralstyle", 0,
      "Neural style transfer");

  gobject_class->set_property = gst_neural_style_set_property;
  gobject_class->get_property = gst_neural_style_get_property;
  gobject_class->finalize = gst_neural_style_finalize;
  install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class,
      &gst_neural_style_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_neural_style_src_template);
  gst_element_class_set_static_metadata (element_class,
      "Neural style transfer", "Filter/Effect/Video",
      "Restyles video frames after a style image with the neural algorithm "
      "of Gatys et al. (VGG19 or SqueezeNet features, optimised with LibTorch)",
      "The neuralstyle authors");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_neural_style_change_state);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_neural_style_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_neural_style_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_neural_style_sink_event);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_neural_style_src_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_neural_style_query);
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_neural_style_submit_input_buffer);

  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_neural_style_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (transform_frame);

  for (const neuralstyle::OptionSpec & spec : neuralstyle::optimisationOptions ())
    if (spec.type == neuralstyle::OptionType::Choice)
      gst_type_mark_as_plugin_api (choice_enum_type ("GstNeuralStyle", spec),
          static_cast<GstPluginAPIFlags> (0));
  gst_type_mark_as_plugin_api (GST_TYPE_NEURAL_STYLE_MODE,
      static_cast<GstPluginAPIFlags> (0));
}

static void
gst_neural_style_init (GstNeuralStyle * self)
{
  self->priv = new GstNeuralStylePrivate ();
}
