/**
 * SECTION:element-neuralstyle
 * @title: neuralstyle
 *
 * Restyles each video frame after a style image with the neural algorithm of
 * Gatys, Ecker and Bethge ("Image Style Transfer Using Convolutional Neural
 * Networks", CVPR 2016): starting from the frame, the element optimises an
 * image whose VGG19 activations match the frame (#GstNeuralStyle:content-layer)
 * and whose Gram matrices match the style image
 * (#GstNeuralStyle:style-layer-weights), for #GstNeuralStyle:steps steps, and
 * pushes the result. The work is done by LibTorch, on CUDA when available
 * (#GstNeuralStyle:device), in float32 or, faster and within about 1% of
 * the float32 losses, with VGG19 in bfloat16 (#GstNeuralStyle:precision). On
 * CPUs with AVX-512 the float32 convolutions run as Winograd transforms, about
 * twice as fast, with losses within about 1e-6 (#GstNeuralStyle:convolution).
 * Frames are processed at #GstNeuralStyle:max-size
 * (longest side) and scaled back, so the output has the input's format and
 * size; the alpha (or padding) byte of four-byte formats passes through
 * unchanged. Timestamps, durations and the number of frames are preserved.
 *
 * The network needs VGG19 weights (#GstNeuralStyle:weights-location): a
 * .safetensors, .onnx or Caffe model. When the property is unset the element
 * uses `$NEURALSTYLE_WEIGHTS`, then `$XDG_DATA_HOME/neuralstyle/vgg19.safetensors`
 * (`~/.local/share/...`), then `vgg19.safetensors` in the installed data
 * directory; `scripts/convert_torchvision_vgg19.py` makes that file from
 * torchvision's checkpoint. `weights-location=random` (or `random:SEED`) uses
 * random, untrained filters instead: they still transfer colours and fine
 * texture, far more weakly than trained weights.
 *
 * Each frame posts element messages on the bus: `neuralstyle-progress` every
 * #GstNeuralStyle:progress-interval steps, with the fields `frame` (guint64,
 * from 0), `step` (guint, from 1; the losses computed in that step, before its
 * update), `steps` (guint), `total-loss`, `content-loss`, `style-loss` and
 * `elapsed` (gdouble, seconds) and `running-time`, `stream-time` (guint64, of
 * the frame); and `neuralstyle-frame-done` with `frame`, `steps`, `elapsed`,
 * `total-loss`, `content-loss`, `style-loss`, `running-time` and
 * `stream-time`.
 *
 * Optimisation settings and #GstNeuralStyle:style-location may change while
 * playing; they apply from the next frame on (the style targets are
 * recomputed once). #GstNeuralStyle:weights-location, #GstNeuralStyle:device,
 * #GstNeuralStyle:precision, #GstNeuralStyle:convolution, #GstNeuralStyle:threads
 * and #GstNeuralStyle:seed
 * apply when the element starts and can only be changed in the NULL or READY
 * state.
 *
 * Latency: the element answers the latency query with the upstream latency
 * plus the time of the slowest frame so far, or, before the first frame, an
 * estimate from the processing size and the number of steps (about 1.4 MFLOP
 * per pixel and step, at a nominal 100 GFLOP/s on the CPU and 10 TFLOP/s on
 * CUDA); with a live upstream it posts a latency message when a frame takes
 * longer than reported. QoS stays enabled as in every #GstVideoFilter: a
 * sink that synchronises to the clock makes late frames be dropped, so set
 * `qos=false` (or `sync=false` on the sink) to keep every frame.
 *
 * Stopping, flushing or going to READY cancels the running optimisation
 * between two steps, so a long frame does not delay shutdown or seeking.
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
 */

#include "gstneuralstyle.h"

#include <algorithm>
#include <atomic>
#include <c10/util/Exception.h>
#include <cstring>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/weights.hpp"

GST_DEBUG_CATEGORY_STATIC (gst_neural_style_debug);
#define GST_CAT_DEFAULT gst_neural_style_debug

#define DEFAULT_PROP_STYLE_LOCATION NULL
#define DEFAULT_PROP_WEIGHTS_LOCATION NULL
#define DEFAULT_PROP_STEPS 2000
#define DEFAULT_PROP_LEARNING_RATE 0.003
#define DEFAULT_PROP_OPTIMIZER GST_NEURAL_STYLE_OPTIMIZER_ADAM
#define DEFAULT_PROP_CONTENT_WEIGHT 1.0
#define DEFAULT_PROP_STYLE_WEIGHT 1e6
#define DEFAULT_PROP_STYLE_LAYER_WEIGHTS \
  "conv1_1=1,conv2_1=0.75,conv3_1=0.2,conv4_1=0.2,conv5_1=0.2"
#define DEFAULT_PROP_CONTENT_LAYER "conv4_2"
#define DEFAULT_PROP_MAX_SIZE 400
#define DEFAULT_PROP_POOLING GST_NEURAL_STYLE_POOLING_MAX
#define DEFAULT_PROP_DEVICE GST_NEURAL_STYLE_DEVICE_AUTO
#define DEFAULT_PROP_PRECISION GST_NEURAL_STYLE_PRECISION_FLOAT32
#define DEFAULT_PROP_CONVOLUTION GST_NEURAL_STYLE_CONVOLUTION_AUTO
#define DEFAULT_PROP_THREADS 0
#define DEFAULT_PROP_SEED 0
#define DEFAULT_PROP_PROGRESS_INTERVAL 10

enum
{
  PROP_0,
  PROP_STYLE_LOCATION,
  PROP_WEIGHTS_LOCATION,
  PROP_STEPS,
  PROP_LEARNING_RATE,
  PROP_OPTIMIZER,
  PROP_CONTENT_WEIGHT,
  PROP_STYLE_WEIGHT,
  PROP_STYLE_LAYER_WEIGHTS,
  PROP_CONTENT_LAYER,
  PROP_MAX_SIZE,
  PROP_POOLING,
  PROP_DEVICE,
  PROP_PRECISION,
  PROP_CONVOLUTION,
  PROP_THREADS,
  PROP_SEED,
  PROP_PROGRESS_INTERVAL,
};

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

/* Property values. Guarded by the object lock; the streaming thread works on a
 * copy taken at the start of each frame. */
struct Settings
{
  std::string style_location;
  std::string weights_location;
  guint steps = DEFAULT_PROP_STEPS;
  gdouble learning_rate = DEFAULT_PROP_LEARNING_RATE;
  GstNeuralStyleOptimizer optimizer = DEFAULT_PROP_OPTIMIZER;
  gdouble content_weight = DEFAULT_PROP_CONTENT_WEIGHT;
  gdouble style_weight = DEFAULT_PROP_STYLE_WEIGHT;
  std::string style_layer_weights = DEFAULT_PROP_STYLE_LAYER_WEIGHTS;
  std::string content_layer = DEFAULT_PROP_CONTENT_LAYER;
  guint max_size = DEFAULT_PROP_MAX_SIZE;
  GstNeuralStylePooling pooling = DEFAULT_PROP_POOLING;
  GstNeuralStyleDevice device = DEFAULT_PROP_DEVICE;
  GstNeuralStylePrecision precision = DEFAULT_PROP_PRECISION;
  GstNeuralStyleConvolution convolution = DEFAULT_PROP_CONVOLUTION;
  guint threads = DEFAULT_PROP_THREADS;
  guint64 seed = DEFAULT_PROP_SEED;
  guint progress_interval = DEFAULT_PROP_PROGRESS_INTERVAL;
};

/* What the latency query needs. Guarded by the object lock. */
struct LatencyModel
{
  double processing_pixels = 0;   /* set_info */
  bool on_cuda = false;           /* start */
  GstClockTime slowest_frame = 0; /* after each frame; 0 = none measured */
  GstClockTime reported = 0;      /* our share of the last latency answer */
  bool upstream_live = false;
};

/* See the latency paragraph of the element documentation. */
constexpr double kFlopPerPixelAndStep = 1.4e6;
constexpr double kNominalCpuFlops = 1e11;
constexpr double kNominalCudaFlops = 1e13;

}  // namespace

/* The C++ side of the element; GObject zero-fills the instance and never runs
 * C++ constructors, so it lives behind a pointer made in init and freed in
 * finalize. */
struct GstNeuralStylePrivate
{
  Settings settings;
  LatencyModel latency;

  /* Made in start(), used by the streaming thread, dropped in stop(). */
  std::unique_ptr<neuralstyle::Stylizer> stylizer;
  std::string loaded_style;     /* location of the style image in the stylizer */
  guint64 frame = 0;            /* index of the next frame */

  /* Polled by the core between two steps; set on flush, stop and READY. */
  std::atomic<bool> cancel{false};
};

struct _GstNeuralStyle
{
  GstVideoFilter videofilter;

  GstNeuralStylePrivate *priv;
};

#define gst_neural_style_parent_class parent_class
G_DEFINE_TYPE (GstNeuralStyle, gst_neural_style, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (neuralstyle, "neuralstyle", GST_RANK_NONE,
    GST_TYPE_NEURAL_STYLE);

/* Registers an enum type once (thread-safe); `values` must be static. */
static GType
register_enum_once (gsize * type, const gchar * name, const GEnumValue * values)
{
  if (g_once_init_enter (type))
    g_once_init_leave (type, g_enum_register_static (name, values));
  return static_cast<GType> (*type);
}

GType
gst_neural_style_optimizer_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_OPTIMIZER_ADAM,
        "Adam, as in the reference notebook (learning rate about 0.003)", "adam"},
    {GST_NEURAL_STYLE_OPTIMIZER_LBFGS,
        "L-BFGS, one loss evaluation a step: far fewer steps (learning rate "
        "about 1)", "lbfgs"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleOptimizer", values);
}

GType
gst_neural_style_pooling_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_POOLING_MAX, "Max pooling, as VGG19 was trained", "max"},
    {GST_NEURAL_STYLE_POOLING_AVERAGE,
        "Average pooling: smoother results (Gatys et al. preferred it)",
        "average"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStylePooling", values);
}

GType
gst_neural_style_device_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_DEVICE_AUTO,
        "CUDA when a CUDA device is available, else the CPU", "auto"},
    {GST_NEURAL_STYLE_DEVICE_CPU, "The CPU", "cpu"},
    {GST_NEURAL_STYLE_DEVICE_CUDA,
        "The first CUDA device (an error if there is none)", "cuda"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleDevice", values);
}

GType
gst_neural_style_precision_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_PRECISION_FLOAT32,
        "Float32: the reference notebook's arithmetic, exact losses", "float32"},
    {GST_NEURAL_STYLE_PRECISION_BFLOAT16,
        "BFloat16 inside VGG19: about 1.6x faster on CPUs with AVX512-BF16/AMX "
          "and on GPUs; losses within about 1%", "bfloat16"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStylePrecision", values);
}

GType
gst_neural_style_convolution_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_CONVOLUTION_AUTO,
        "Winograd where it is available and pays, direct elsewhere", "auto"},
    {GST_NEURAL_STYLE_CONVOLUTION_DIRECT,
        "LibTorch's direct convolutions: the reference notebook's arithmetic",
        "direct"},
    {GST_NEURAL_STYLE_CONVOLUTION_WINOGRAD,
        "oneDNN's Winograd F(4x4,3x3) for every layer that has it: about 2x "
          "faster a step, losses within about 1e-6 (float32 on a CPU with "
          "AVX-512 only)", "winograd"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleConvolution", values);
}

/* The nick of an enum property's value, for messages ("cuda", "bfloat16"). */
static const gchar *
enum_nick (GType type, gint value)
{
  GEnumValue *found =
      g_enum_get_value (G_ENUM_CLASS (g_type_class_peek (type)), value);
  return found ? found->value_nick : "?";
}

static neuralstyle::DeviceKind
to_device_kind (GstNeuralStyleDevice device)
{
  switch (device) {
    case GST_NEURAL_STYLE_DEVICE_CPU:
      return neuralstyle::DeviceKind::CPU;
    case GST_NEURAL_STYLE_DEVICE_CUDA:
      return neuralstyle::DeviceKind::CUDA;
    case GST_NEURAL_STYLE_DEVICE_AUTO:
      break;
  }
  return neuralstyle::DeviceKind::Auto;
}

static neuralstyle::Convolution
to_convolution (GstNeuralStyleConvolution convolution)
{
  switch (convolution) {
    case GST_NEURAL_STYLE_CONVOLUTION_DIRECT:
      return neuralstyle::Convolution::Direct;
    case GST_NEURAL_STYLE_CONVOLUTION_WINOGRAD:
      return neuralstyle::Convolution::Winograd;
    case GST_NEURAL_STYLE_CONVOLUTION_AUTO:
      break;
  }
  return neuralstyle::Convolution::Auto;
}

static neuralstyle::Precision
to_precision (GstNeuralStylePrecision precision)
{
  switch (precision) {
    case GST_NEURAL_STYLE_PRECISION_BFLOAT16:
      return neuralstyle::Precision::BFloat16;
    case GST_NEURAL_STYLE_PRECISION_FLOAT32:
      break;
  }
  return neuralstyle::Precision::Float32;
}

/* RGBx and friends keep their padding byte exactly as alpha is kept. */
static gboolean
to_pixel_format (GstVideoFormat format, neuralstyle::PixelFormat * pixel_format)
{
  using neuralstyle::PixelFormat;
  switch (format) {
    case GST_VIDEO_FORMAT_GRAY8:
      *pixel_format = PixelFormat::Gray;
      return TRUE;
    case GST_VIDEO_FORMAT_RGB:
      *pixel_format = PixelFormat::RGB;
      return TRUE;
    case GST_VIDEO_FORMAT_BGR:
      *pixel_format = PixelFormat::BGR;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
      *pixel_format = PixelFormat::RGBA;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx:
      *pixel_format = PixelFormat::BGRA;
      return TRUE;
    case GST_VIDEO_FORMAT_ARGB:
    case GST_VIDEO_FORMAT_xRGB:
      *pixel_format = PixelFormat::ARGB;
      return TRUE;
    case GST_VIDEO_FORMAT_ABGR:
    case GST_VIDEO_FORMAT_xBGR:
      *pixel_format = PixelFormat::ABGR;
      return TRUE;
    default:
      return FALSE;
  }
}

static neuralstyle::Optimizer
to_optimizer (GstNeuralStyleOptimizer optimizer)
{
  switch (optimizer) {
    case GST_NEURAL_STYLE_OPTIMIZER_LBFGS:
      return neuralstyle::Optimizer::LBFGS;
    case GST_NEURAL_STYLE_OPTIMIZER_ADAM:
      break;
  }
  return neuralstyle::Optimizer::Adam;
}

static neuralstyle::Pooling
to_pooling (GstNeuralStylePooling pooling)
{
  return pooling == GST_NEURAL_STYLE_POOLING_AVERAGE ?
      neuralstyle::Pooling::Average : neuralstyle::Pooling::Max;
}

static Settings
snapshot_settings (GstNeuralStyle * self)
{
  GST_OBJECT_LOCK (self);
  Settings settings = self->priv->settings;
  GST_OBJECT_UNLOCK (self);
  return settings;
}

static bool
is_random_weights (const std::string & location)
{
  return location == "random" || location.rfind ("random:", 0) == 0;
}

/* Maps the settings to the core's options; posts LIBRARY/SETTINGS naming the
 * property at fault. */
static gboolean
make_style_options (GstNeuralStyle * self, const Settings & settings,
    neuralstyle::StyleOptions * options)
{
  options->steps = static_cast<int> (settings.steps);
  options->optimizer = to_optimizer (settings.optimizer);
  options->learning_rate = settings.learning_rate;
  options->content_weight = settings.content_weight;
  options->style_weight = settings.style_weight;
  options->content_layer = settings.content_layer;
  options->max_size = static_cast<int> (settings.max_size);
  options->pooling = to_pooling (settings.pooling);
  options->progress_interval = static_cast<int> (settings.progress_interval);
  try {
    options->style_layers =
        neuralstyle::parseLayerWeights (settings.style_layer_weights);
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid style-layer-weights \"%s\".",
            settings.style_layer_weights.c_str ()), ("%s", e.what ()));
    return FALSE;
  }
  try {
    neuralstyle::layerIndex (settings.content_layer);
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid content-layer \"%s\".", settings.content_layer.c_str ()),
        ("%s", e.what ()));
    return FALSE;
  }
  try {
    options->validate ();
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid neuralstyle settings."), ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

/* Posts RESOURCE/NOT_FOUND unless the style image exists. */
static gboolean
check_style_location (GstNeuralStyle * self, const std::string & location)
{
  if (location.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No style image set: set the style-location property."), (NULL));
    return FALSE;
  }
  if (!g_file_test (location.c_str (), G_FILE_TEST_EXISTS)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("Style image \"%s\" does not exist.", location.c_str ()), (NULL));
    return FALSE;
  }
  return TRUE;
}

/* Reads the style image into the stylizer (streaming thread or start()). */
static gboolean
load_style (GstNeuralStyle * self, const std::string & location)
{
  GstNeuralStylePrivate *priv = self->priv;

  if (!check_style_location (self, location))
    return FALSE;
  try {
    priv->stylizer->setStyle (neuralstyle::readRgbImage (location),
        neuralstyle::PixelFormat::RGB);
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not read the style image \"%s\".", location.c_str ()),
        ("%s", e.what ()));
    return FALSE;
  }
  priv->loaded_style = location;
  GST_INFO_OBJECT (self, "style image %s", location.c_str ());
  return TRUE;
}

/* Loads the weights onto the device; posts the error and returns FALSE on
 * failure. */
static gboolean
make_stylizer (GstNeuralStyle * self, const Settings & settings,
    const neuralstyle::StyleOptions & options)
{
  GstNeuralStylePrivate *priv = self->priv;
  neuralstyle::EngineOptions engine;

  engine.weights = settings.weights_location.empty ()?
      neuralstyle::defaultWeightsLocation () : settings.weights_location;
  engine.device = to_device_kind (settings.device);
  engine.precision = to_precision (settings.precision);
  engine.convolution = to_convolution (settings.convolution);
  engine.threads = static_cast<int> (settings.threads);
  engine.seed = settings.seed;

  const gchar *weights = engine.weights.c_str ();
  if (engine.weights.empty ()) {
    const gchar *data_home = g_get_user_data_dir ();
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No VGG19 weights found: set weights-location (or $NEURALSTYLE_WEIGHTS) "
            "to a VGG19 model, install one as %s/neuralstyle/vgg19.safetensors or "
            "%s/vgg19.safetensors, or use weights-location=random for random, "
            "untrained features.", data_home, NEURALSTYLE_DATA_DIR),
        ("Readable formats: .safetensors, .onnx, Caffe .caffemodel + .prototxt. "
            "scripts/convert_torchvision_vgg19.py converts torchvision's "
            "vgg19 checkpoint to vgg19.safetensors."));
    return FALSE;
  }
  if (!is_random_weights (engine.weights)
      && !g_file_test (weights, G_FILE_TEST_EXISTS)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("VGG19 weights \"%s\" do not exist.", weights), (NULL));
    return FALSE;
  }

  try {
    priv->stylizer = std::make_unique < neuralstyle::Stylizer > (engine, options);
  } catch (const neuralstyle::WeightsError & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not read the VGG19 weights \"%s\".", weights), ("%s", e.what ()));
    return FALSE;
  } catch (const neuralstyle::DeviceError & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Cannot run on device \"%s\".",
            enum_nick (GST_TYPE_NEURAL_STYLE_DEVICE, settings.device)),
        ("%s", e.what ()));
    return FALSE;
  } catch (const neuralstyle::OptionsError & e) {
    // e.g. a malformed seed in weights-location=random:SEED
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid neuralstyle settings."), ("%s", e.what ()));
    return FALSE;
  } catch (const c10::Error & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("LibTorch could not set up VGG19 with the weights \"%s\" on device "
            "\"%s\" in %s.", weights,
            enum_nick (GST_TYPE_NEURAL_STYLE_DEVICE, settings.device),
            enum_nick (GST_TYPE_NEURAL_STYLE_PRECISION, settings.precision)),
        ("%s", e.what_without_backtrace ()));
    return FALSE;
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not set up VGG19 with the weights \"%s\".", weights),
        ("%s", e.what ()));
    return FALSE;
  }

  const bool on_cuda = priv->stylizer->device ().is_cuda ();
  GST_OBJECT_LOCK (self);
  priv->latency.on_cuda = on_cuda;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "VGG19 weights %s on %s in %s", weights,
      on_cuda ? "CUDA" : "the CPU",
      enum_nick (GST_TYPE_NEURAL_STYLE_PRECISION, settings.precision));
  return TRUE;
}

static gboolean
gst_neural_style_start (GstBaseTransform * trans)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);
  GstNeuralStylePrivate *priv = self->priv;

  try {
    const Settings settings = snapshot_settings (self);
    neuralstyle::StyleOptions options;

    priv->cancel = false;
    priv->frame = 0;
    GST_OBJECT_LOCK (self);
    priv->latency.slowest_frame = 0;
    GST_OBJECT_UNLOCK (self);

    /* The cheap checks first: loading the weights takes a while. */
    if (!check_style_location (self, settings.style_location)
        || !make_style_options (self, settings, &options)
        || !make_stylizer (self, settings, options)
        || !load_style (self, settings.style_location)) {
      priv->stylizer.reset ();
      return FALSE;
    }
    return TRUE;
  } catch (const std::exception & e) {
    priv->stylizer.reset ();
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("Could not start neuralstyle."),
        ("%s", e.what ()));
  } catch (...) {
    priv->stylizer.reset ();
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("Could not start neuralstyle."),
        ("unknown exception"));
  }
  return FALSE;
}

static gboolean
gst_neural_style_stop (GstBaseTransform * trans)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);
  GstNeuralStylePrivate *priv = self->priv;

  priv->cancel = true;
  priv->stylizer.reset ();
  priv->loaded_style.clear ();
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
  const guint max_size = self->priv->settings.max_size;
  GST_OBJECT_UNLOCK (self);
  try {
    const cv::Size processing = neuralstyle::processingSize (frame_size, max_size);
    GST_OBJECT_LOCK (self);
    self->priv->latency.processing_pixels =
        static_cast<double> (processing.area ());
    GST_OBJECT_UNLOCK (self);
    GST_INFO_OBJECT (self, "%s %dx%d frames, processed at %dx%d",
        neuralstyle::toString (format).c_str (), frame_size.width,
        frame_size.height, processing.width, processing.height);
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Frames of %dx%d are too small to stylise at max-size %u.",
            frame_size.width, frame_size.height, max_size), ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

static GstClockTime
buffer_time (GstNeuralStyle * self, GstClockTime pts, bool running)
{
  const GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  if (!GST_CLOCK_TIME_IS_VALID (pts) || segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return running ? gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts)
      : gst_segment_to_stream_time (segment, GST_FORMAT_TIME, pts);
}

static void
post_progress (GstNeuralStyle * self, guint64 frame,
    const neuralstyle::Progress & progress, GstClockTime running_time,
    GstClockTime stream_time)
{
  GstStructure *s = gst_structure_new ("neuralstyle-progress",
      "frame", G_TYPE_UINT64, frame,
      "step", G_TYPE_UINT, static_cast<guint> (progress.step),
      "steps", G_TYPE_UINT, static_cast<guint> (progress.steps),
      "total-loss", G_TYPE_DOUBLE, progress.losses.total,
      "content-loss", G_TYPE_DOUBLE, progress.losses.content,
      "style-loss", G_TYPE_DOUBLE, progress.losses.style,
      "elapsed", G_TYPE_DOUBLE, progress.elapsed_seconds,
      "running-time", G_TYPE_UINT64, static_cast<guint64> (running_time),
      "stream-time", G_TYPE_UINT64, static_cast<guint64> (stream_time),
      NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
post_frame_done (GstNeuralStyle * self, guint64 frame,
    const neuralstyle::StylizeResult & result, GstClockTime running_time,
    GstClockTime stream_time)
{
  GstStructure *s = gst_structure_new ("neuralstyle-frame-done",
      "frame", G_TYPE_UINT64, frame,
      "steps", G_TYPE_UINT, static_cast<guint> (result.steps),
      "elapsed", G_TYPE_DOUBLE, result.elapsed_seconds,
      "total-loss", G_TYPE_DOUBLE, result.final_losses.total,
      "content-loss", G_TYPE_DOUBLE, result.final_losses.content,
      "style-loss", G_TYPE_DOUBLE, result.final_losses.style,
      "running-time", G_TYPE_UINT64, static_cast<guint64> (running_time),
      "stream-time", G_TYPE_UINT64, static_cast<guint64> (stream_time),
      NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Records a frame's processing time; tells a live pipeline when frames take
 * longer than the latency it was given. */
static void
account_frame_time (GstNeuralStyle * self, double seconds)
{
  const GstClockTime time = static_cast<GstClockTime> (seconds * GST_SECOND);
  bool latency_grew = false;

  GST_OBJECT_LOCK (self);
  LatencyModel & latency = self->priv->latency;
  latency.slowest_frame = std::max (latency.slowest_frame, time);
  latency_grew = latency.upstream_live && time > latency.reported;
  GST_OBJECT_UNLOCK (self);

  if (latency_grew)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

/* Copies a continuous image into a frame's first plane, row by row, honouring
 * the frame's stride. */
static void
copy_into_frame (const cv::Mat & image, GstVideoFrame * frame)
{
  guint8 *rows = static_cast<guint8 *> (GST_VIDEO_FRAME_PLANE_DATA (frame, 0));
  const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  const size_t row_bytes = image.cols * image.elemSize ();

  for (int y = 0; y < image.rows; ++y)
    memcpy (rows + static_cast<gsize> (y) * stride, image.ptr (y), row_bytes);
}

static GstFlowReturn
gst_neural_style_transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (filter);
  GstNeuralStylePrivate *priv = self->priv;
  const guint64 frame = priv->frame++;
  neuralstyle::PixelFormat format;

  if (!to_pixel_format (GST_VIDEO_FRAME_FORMAT (in_frame), &format))
    return GST_FLOW_NOT_NEGOTIATED;

  try {
    const Settings settings = snapshot_settings (self);
    neuralstyle::StyleOptions options;

    if (!make_style_options (self, settings, &options))
      return GST_FLOW_ERROR;
    priv->stylizer->setOptions (options);
    if (settings.style_location != priv->loaded_style
        && !load_style (self, settings.style_location))
      return GST_FLOW_ERROR;

    const GstClockTime pts = GST_BUFFER_PTS (in_frame->buffer);
    const GstClockTime running_time = buffer_time (self, pts, true);
    const GstClockTime stream_time = buffer_time (self, pts, false);
    const cv::Mat content (GST_VIDEO_FRAME_HEIGHT (in_frame),
        GST_VIDEO_FRAME_WIDTH (in_frame),
        CV_8UC (neuralstyle::channelCount (format)),
        GST_VIDEO_FRAME_PLANE_DATA (in_frame, 0),
        GST_VIDEO_FRAME_PLANE_STRIDE (in_frame, 0));

    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
        ", %u steps", frame, GST_TIME_ARGS (pts), settings.steps);
    const neuralstyle::StylizeResult result = priv->stylizer->stylize (content,
        format, [&](const neuralstyle::Progress & progress) {
          post_progress (self, frame, progress, running_time, stream_time);
        }, &priv->cancel);

    copy_into_frame (result.image, out_frame);
    post_frame_done (self, frame, result, running_time, stream_time);
    account_frame_time (self, result.elapsed_seconds);
    return GST_FLOW_OK;
  } catch (const neuralstyle::CancelledError & e) {
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s", frame,
        e.what ());
    return GST_FLOW_FLUSHING;
  } catch (const neuralstyle::DivergedError & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("The optimisation of frame %" G_GUINT64_FORMAT " diverged: lower "
            "learning-rate or style-weight.", frame), ("%s", e.what ()));
  } catch (const c10::Error & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
        ("LibTorch failed while stylising frame %" G_GUINT64_FORMAT ".", frame),
        ("%s", e.what_without_backtrace ()));
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Could not stylise frame %" G_GUINT64_FORMAT ".", frame),
        ("%s", e.what ()));
  } catch (...) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Could not stylise frame %" G_GUINT64_FORMAT ".", frame),
        ("unknown exception"));
  }
  return GST_FLOW_ERROR;
}

static gboolean
gst_neural_style_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      self->priv->cancel = true;
      break;
    case GST_EVENT_FLUSH_STOP:
      self->priv->cancel = false;
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* Upstream latency plus the time one frame takes (see the documentation). */
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
  LatencyModel & latency = self->priv->latency;
  GstClockTime ours = latency.slowest_frame;
  if (ours == 0) {
    const double flops = latency.on_cuda ? kNominalCudaFlops : kNominalCpuFlops;
    const double seconds = (self->priv->settings.steps + 1.0) *
        latency.processing_pixels * kFlopPerPixelAndStep / flops;
    ours = static_cast<GstClockTime> (seconds * GST_SECOND);
  }
  latency.reported = ours;
  latency.upstream_live = live;
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

  /* Before chaining up: deactivating the pads waits for the frame in progress. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    self->priv->cancel = true;
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
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

/* noexcept: running out of memory aborts, as g_malloc does, instead of letting
 * std::bad_alloc unwind through GObject with the object lock held. */
static void
set_string (std::string & target, const GValue * value) noexcept
{
  const gchar *text = g_value_get_string (value);
  target = text ? text : "";
}

static void
gst_neural_style_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (object);
  Settings & settings = self->priv->settings;
  gboolean refused = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_STYLE_LOCATION:
      set_string (settings.style_location, value);
      break;
    case PROP_WEIGHTS_LOCATION:
      refused = !engine_property_settable (self);
      if (!refused)
        set_string (settings.weights_location, value);
      break;
    case PROP_STEPS:
      settings.steps = g_value_get_uint (value);
      break;
    case PROP_LEARNING_RATE:
      settings.learning_rate = g_value_get_double (value);
      break;
    case PROP_OPTIMIZER:
      settings.optimizer =
          static_cast<GstNeuralStyleOptimizer> (g_value_get_enum (value));
      break;
    case PROP_CONTENT_WEIGHT:
      settings.content_weight = g_value_get_double (value);
      break;
    case PROP_STYLE_WEIGHT:
      settings.style_weight = g_value_get_double (value);
      break;
    case PROP_STYLE_LAYER_WEIGHTS:
      set_string (settings.style_layer_weights, value);
      break;
    case PROP_CONTENT_LAYER:
      set_string (settings.content_layer, value);
      break;
    case PROP_MAX_SIZE:
      settings.max_size = g_value_get_uint (value);
      break;
    case PROP_POOLING:
      settings.pooling =
          static_cast<GstNeuralStylePooling> (g_value_get_enum (value));
      break;
    case PROP_DEVICE:
      refused = !engine_property_settable (self);
      if (!refused)
        settings.device =
            static_cast<GstNeuralStyleDevice> (g_value_get_enum (value));
      break;
    case PROP_PRECISION:
      refused = !engine_property_settable (self);
      if (!refused)
        settings.precision =
            static_cast<GstNeuralStylePrecision> (g_value_get_enum (value));
      break;
    case PROP_CONVOLUTION:
      refused = !engine_property_settable (self);
      if (!refused)
        settings.convolution =
            static_cast<GstNeuralStyleConvolution> (g_value_get_enum (value));
      break;
    case PROP_THREADS:
      refused = !engine_property_settable (self);
      if (!refused)
        settings.threads = g_value_get_uint (value);
      break;
    case PROP_SEED:
      refused = !engine_property_settable (self);
      if (!refused)
        settings.seed = g_value_get_uint64 (value);
      break;
    case PROP_PROGRESS_INTERVAL:
      settings.progress_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

  if (refused)
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("The %s property can only be changed in the NULL or READY state; "
            "the new value is ignored.", g_param_spec_get_name (pspec)),
        (NULL));
}

static void
gst_neural_style_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (object);
  const Settings & settings = self->priv->settings;
  const auto string_or_null = [](const std::string & text) {
    return text.empty ()? NULL : text.c_str ();
  };

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_STYLE_LOCATION:
      g_value_set_string (value, string_or_null (settings.style_location));
      break;
    case PROP_WEIGHTS_LOCATION:
      g_value_set_string (value, string_or_null (settings.weights_location));
      break;
    case PROP_STEPS:
      g_value_set_uint (value, settings.steps);
      break;
    case PROP_LEARNING_RATE:
      g_value_set_double (value, settings.learning_rate);
      break;
    case PROP_OPTIMIZER:
      g_value_set_enum (value, settings.optimizer);
      break;
    case PROP_CONTENT_WEIGHT:
      g_value_set_double (value, settings.content_weight);
      break;
    case PROP_STYLE_WEIGHT:
      g_value_set_double (value, settings.style_weight);
      break;
    case PROP_STYLE_LAYER_WEIGHTS:
      g_value_set_string (value, settings.style_layer_weights.c_str ());
      break;
    case PROP_CONTENT_LAYER:
      g_value_set_string (value, settings.content_layer.c_str ());
      break;
    case PROP_MAX_SIZE:
      g_value_set_uint (value, settings.max_size);
      break;
    case PROP_POOLING:
      g_value_set_enum (value, settings.pooling);
      break;
    case PROP_DEVICE:
      g_value_set_enum (value, settings.device);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, settings.precision);
      break;
    case PROP_CONVOLUTION:
      g_value_set_enum (value, settings.convolution);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, settings.threads);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, settings.seed);
      break;
    case PROP_PROGRESS_INTERVAL:
      g_value_set_uint (value, settings.progress_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
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
  const auto playing = static_cast<GParamFlags> (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const auto ready = static_cast<GParamFlags> (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  GST_DEBUG_CATEGORY_INIT (gst_neural_style_debug, "neuralstyle", 0,
      "Neural style transfer");

  gobject_class->set_property = gst_neural_style_set_property;
  gobject_class->get_property = gst_neural_style_get_property;
  gobject_class->finalize = gst_neural_style_finalize;

  g_object_class_install_property (gobject_class, PROP_STYLE_LOCATION,
      g_param_spec_string ("style-location", "Style image location",
          "Image whose style is transferred (any format OpenCV reads, e.g. "
          "PNG or JPEG). Required. A new location set while playing is used "
          "from the next frame on", DEFAULT_PROP_STYLE_LOCATION, playing));
  g_object_class_install_property (gobject_class, PROP_WEIGHTS_LOCATION,
      g_param_spec_string ("weights-location", "VGG19 weights location",
          "VGG19 weights: a .safetensors, .onnx or Caffe .caffemodel/.prototxt "
          "file, or \"random\" / \"random:SEED\" for random, untrained "
          "filters. Unset: $NEURALSTYLE_WEIGHTS, then "
          "$XDG_DATA_HOME/neuralstyle/vgg19.safetensors, then "
          NEURALSTYLE_DATA_DIR "/vgg19.safetensors",
          DEFAULT_PROP_WEIGHTS_LOCATION, ready));
  g_object_class_install_property (gobject_class, PROP_STEPS,
      g_param_spec_uint ("steps", "Steps",
          "Optimisation steps for each frame (0 outputs the frame as it "
          "goes in, up to rounding)", 0, G_MAXINT, DEFAULT_PROP_STEPS, playing));
  g_object_class_install_property (gobject_class, PROP_LEARNING_RATE,
      g_param_spec_double ("learning-rate", "Learning rate",
          "Step size of the optimiser, in normalised pixel units", 1e-6, 10.0,
          DEFAULT_PROP_LEARNING_RATE, playing));
  g_object_class_install_property (gobject_class, PROP_OPTIMIZER,
      g_param_spec_enum ("optimizer", "Optimizer",
          "Algorithm that updates the image", GST_TYPE_NEURAL_STYLE_OPTIMIZER,
          DEFAULT_PROP_OPTIMIZER, playing));
  g_object_class_install_property (gobject_class, PROP_CONTENT_WEIGHT,
      g_param_spec_double ("content-weight", "Content weight",
          "Weight of the content loss in the total loss (alpha)", 0.0,
          G_MAXDOUBLE, DEFAULT_PROP_CONTENT_WEIGHT, playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_WEIGHT,
      g_param_spec_double ("style-weight", "Style weight",
          "Weight of the style loss in the total loss (beta)", 0.0,
          G_MAXDOUBLE, DEFAULT_PROP_STYLE_WEIGHT, playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_LAYER_WEIGHTS,
      g_param_spec_string ("style-layer-weights", "Style layer weights",
          "Comma-separated LAYER=WEIGHT pairs: the VGG19 layers whose Gram "
          "matrices define the style, and their weights",
          DEFAULT_PROP_STYLE_LAYER_WEIGHTS, playing));
  g_object_class_install_property (gobject_class, PROP_CONTENT_LAYER,
      g_param_spec_string ("content-layer", "Content layer",
          "VGG19 layer whose activations define the content (conv1_1 ... "
          "conv5_4)", DEFAULT_PROP_CONTENT_LAYER, playing));
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE,
      g_param_spec_uint ("max-size", "Maximum processing size",
          "Longest side, in pixels, of the image that is optimised: larger "
          "frames are scaled down for processing and the result scaled back "
          "to the frame size", 16, G_MAXINT, DEFAULT_PROP_MAX_SIZE, playing));
  g_object_class_install_property (gobject_class, PROP_POOLING,
      g_param_spec_enum ("pooling", "Pooling",
          "VGG19's pooling: max (as trained, the reference notebook's) or "
          "average (smoother results); the style targets are recomputed when "
          "it changes", GST_TYPE_NEURAL_STYLE_POOLING, DEFAULT_PROP_POOLING,
          playing));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_enum ("device", "Device",
          "Where the network runs", GST_TYPE_NEURAL_STYLE_DEVICE,
          DEFAULT_PROP_DEVICE, ready));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Arithmetic of the network: float32 (the reference notebook's, "
          "exact losses) or bfloat16 inside VGG19 (image, Gram matrices and "
          "losses stay float32; about 1.6x faster on CPUs with "
          "AVX512-BF16/AMX and on GPUs, losses within about 1%)",
          GST_TYPE_NEURAL_STYLE_PRECISION, DEFAULT_PROP_PRECISION, ready));
  g_object_class_install_property (gobject_class, PROP_CONVOLUTION,
      g_param_spec_enum ("convolution", "Convolution algorithm",
          "How the CPU computes VGG19's 3x3 convolutions in float32: direct "
          "(LibTorch's, the reference notebook's arithmetic), winograd "
          "(oneDNN's Winograd F(4x4,3x3): about 2x faster a step, losses "
          "within about 1e-6; needs AVX-512) or auto (Winograd where it is "
          "available and pays, direct elsewhere and on CUDA)",
          GST_TYPE_NEURAL_STYLE_CONVOLUTION, DEFAULT_PROP_CONVOLUTION, ready));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "CPU threads LibTorch uses (0 = all cores)", 0, 1024,
          DEFAULT_PROP_THREADS, ready));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Seed of LibTorch's random generators", 0, G_MAXUINT64,
          DEFAULT_PROP_SEED, ready));
  g_object_class_install_property (gobject_class, PROP_PROGRESS_INTERVAL,
      g_param_spec_uint ("progress-interval", "Progress interval",
          "Post a neuralstyle-progress message every N steps (0 = only after "
          "the last step of each frame). Reading the loss waits for the "
          "device, so on CUDA larger intervals are faster", 0, G_MAXINT,
          DEFAULT_PROP_PROGRESS_INTERVAL, playing));

  gst_element_class_add_static_pad_template (element_class,
      &gst_neural_style_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_neural_style_src_template);
  gst_element_class_set_static_metadata (element_class,
      "Neural style transfer", "Filter/Effect/Video",
      "Restyles video frames after a style image with the neural algorithm "
      "of Gatys et al. (VGG19 features, optimised with LibTorch)",
      "The neuralstyle authors");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_neural_style_change_state);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_neural_style_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_neural_style_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_neural_style_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_neural_style_query);

  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_neural_style_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_neural_style_transform_frame);

  gst_type_mark_as_plugin_api (GST_TYPE_NEURAL_STYLE_OPTIMIZER,
      static_cast<GstPluginAPIFlags> (0));
  gst_type_mark_as_plugin_api (GST_TYPE_NEURAL_STYLE_POOLING,
      static_cast<GstPluginAPIFlags> (0));
  gst_type_mark_as_plugin_api (GST_TYPE_NEURAL_STYLE_DEVICE,
      static_cast<GstPluginAPIFlags> (0));
  gst_type_mark_as_plugin_api (GST_TYPE_NEURAL_STYLE_PRECISION,
      static_cast<GstPluginAPIFlags> (0));
  gst_type_mark_as_plugin_api (GST_TYPE_NEURAL_STYLE_CONVOLUTION,
      static_cast<GstPluginAPIFlags> (0));
}

static void
gst_neural_style_init (GstNeuralStyle * self)
{
  self->priv = new GstNeuralStylePrivate ();
}
