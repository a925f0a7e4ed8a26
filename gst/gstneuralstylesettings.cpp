// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's properties and their mapping to the core's options. */
#include "gstneuralstylesettings.h"

#include <cmath>

#include "gstneuralstyleenums.h"

namespace gstneuralstyle
{

void
install_properties (GObjectClass * gobject_class)
{
  const auto playing = static_cast<GParamFlags> (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const auto ready = static_cast<GParamFlags> (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  g_object_class_install_property (gobject_class, PROP_STYLE_LOCATION,
      g_param_spec_string ("style-location", "Style image location",
          "Image whose style is transferred (any format OpenCV reads, e.g. "
          "PNG or JPEG). Required, unless style-locations is set. Setting it "
          "sets style-locations to this one image; it reads back the first of "
          "style-locations. A new location set while playing is used from the "
          "next frame on", DEFAULT_PROP_STYLE_LOCATION, playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_LOCATIONS,
      gst_param_spec_array ("style-locations", "Style image locations",
          "Several style images, blended: the style targets are the sum of "
          "each image's Gram matrices weighted by style-blend-weights "
          "(gst-launch: style-locations=\"<a.jpg, b.jpg>\"). The same list as "
          "style-location: whichever is set last wins",
          g_param_spec_string ("style-location", "Style image location",
              "A style image", NULL, static_cast<GParamFlags> (
                  G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)), playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_BLEND_WEIGHTS,
      gst_param_spec_array ("style-blend-weights", "Style blend weights",
          "One weight >= 0 for each of style-locations (gst-launch: "
          "style-blend-weights=\"<0.7, 0.3>\"), normalised to sum 1; empty: "
          "equal weights. A count that differs from the style images' is "
          "refused (to change both while playing, empty this first)",
          g_param_spec_double ("style-blend-weight", "Style blend weight",
              "The weight of one style image", 0.0, G_MAXDOUBLE, 1.0,
              static_cast<GParamFlags> (G_PARAM_READWRITE |
                  G_PARAM_STATIC_STRINGS)), playing));
  g_object_class_install_property (gobject_class, PROP_WEIGHTS_LOCATION,
      g_param_spec_string ("weights-location", "Weights location",
          "The network's weights: a .safetensors file (VGG19 or SqueezeNet "
          "1.1, recognised from its tensors), a VGG19 .onnx or Caffe "
          ".caffemodel/.prototxt file, or \"random\" / \"random:SEED\" for "
          "random, untrained filters. Unset: $NEURALSTYLE_WEIGHTS, then "
          "vgg19.safetensors in $XDG_DATA_HOME/neuralstyle and "
          NEURALSTYLE_DATA_DIR ", then squeezenet1_1.safetensors there",
          DEFAULT_PROP_WEIGHTS_LOCATION, ready));
  g_object_class_install_property (gobject_class, PROP_NETWORK,
      g_param_spec_enum ("network", "Network",
          "The feature network the weights must hold: auto (whatever they "
          "hold; VGG19 for random weights), vgg19 or squeezenet1_1. A file of "
          "the other network is an error naming both",
          GST_TYPE_NEURAL_STYLE_NETWORK, DEFAULT_PROP_NETWORK, ready));
  g_object_class_install_property (gobject_class, PROP_STEPS,
      g_param_spec_uint ("steps", "Steps",
          "Optimisation steps for each frame (0 outputs the frame as it "
          "goes in, up to rounding)", 0, G_MAXINT, DEFAULT_PROP_STEPS, playing));
  g_object_class_install_property (gobject_class, PROP_LEARNING_RATE,
      g_param_spec_double ("learning-rate", "Learning rate",
          "Step size of the optimiser, in normalised pixel units; 0 = the "
          "network's default (vgg19 0.003, squeezenet1_1 0.02; L-BFGS wants "
          "about 1)", 0.0, 10.0, DEFAULT_PROP_LEARNING_RATE, playing));
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
          "Weight of the style loss in the total loss (beta); -1 = the "
          "network's default (vgg19 1e6, squeezenet1_1 1e-3)", -1.0,
          G_MAXDOUBLE, DEFAULT_PROP_STYLE_WEIGHT, playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_LAYER_WEIGHTS,
      g_param_spec_string ("style-layer-weights", "Style layer weights",
          "Comma-separated LAYER=WEIGHT pairs: the layers whose Gram "
          "matrices define the style, and their weights. Unset: the "
          "network's (vgg19 conv1_1=1,conv2_1=0.75,conv3_1=0.2,conv4_1=0.2,"
          "conv5_1=0.2; squeezenet1_1 conv1=1,fire3=1,fire4=10,fire5=30,"
          "fire6=100)", DEFAULT_PROP_STYLE_LAYER_WEIGHTS, playing));
  g_object_class_install_property (gobject_class, PROP_CONTENT_LAYER,
      g_param_spec_string ("content-layer", "Content layer",
          "Layer whose activations define the content: vgg19 conv1_1 ... "
          "conv5_4, squeezenet1_1 conv1, fire2 ... fire9. Unset: the "
          "network's (vgg19 conv4_2, squeezenet1_1 fire4)",
          DEFAULT_PROP_CONTENT_LAYER, playing));
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE,
      g_param_spec_uint ("max-size", "Maximum processing size",
          "Longest side, in pixels, of the image that is optimised: larger "
          "frames are scaled down for processing and the result scaled back "
          "to the frame size. Where it is too small for the frames' shape "
          "(VGG19 needs 16 pixels a side) the smallest size that works is "
          "used, with a warning", 16, G_MAXINT, DEFAULT_PROP_MAX_SIZE, playing));
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
          "Seed of LibTorch's random generators and of the noise that "
          "init=noise starts from", 0, G_MAXUINT64,
          DEFAULT_PROP_SEED, ready));
  g_object_class_install_property (gobject_class, PROP_PROGRESS_INTERVAL,
      g_param_spec_uint ("progress-interval", "Progress interval",
          "Post a neuralstyle-progress message every N steps (0 = only after "
          "the last step of each frame). Reading the loss waits for the "
          "device, so on CUDA larger intervals are faster", 0, G_MAXINT,
          DEFAULT_PROP_PROGRESS_INTERVAL, playing));
  g_object_class_install_property (gobject_class, PROP_TV_WEIGHT,
      g_param_spec_double ("tv-weight", "Total-variation weight",
          "Weight of a total-variation term (mean squared difference of "
          "neighbouring pixels of the normalised image) in the total loss: "
          "smooths high-frequency noise; 0 adds no term", 0.0, G_MAXDOUBLE,
          DEFAULT_PROP_TV_WEIGHT, playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_SCALE,
      g_param_spec_double ("style-scale", "Style scale",
          "0: the style image is stretched to the frame's processing size (the "
          "reference notebook's). Otherwise it keeps its aspect ratio and its "
          "longest side is style-scale times the processing size's: larger "
          "values give coarser texture", 0.0, 8.0, DEFAULT_PROP_STYLE_SCALE,
          playing));
  g_object_class_install_property (gobject_class, PROP_GRAM_NORMALIZATION,
      g_param_spec_enum ("gram-normalization", "Gram normalization",
          "none (the reference notebook's G = F F^T) or positions (G divided "
          "by the number of positions h w, so that styles at other sizes give "
          "comparable targets; style-weight must then be about (h w)^2 larger "
          "for the same balance)", GST_TYPE_NEURAL_STYLE_GRAM_NORMALIZATION,
          DEFAULT_PROP_GRAM_NORMALIZATION, playing));
  g_object_class_install_property (gobject_class, PROP_PRESERVE_COLORS,
      g_param_spec_boolean ("preserve-colors", "Preserve colours",
          "Keep the frame's colours: the result's luminance with the frame's "
          "chroma (YCrCb), as neural-style's -original_colors",
          DEFAULT_PROP_PRESERVE_COLORS, playing));
  g_object_class_install_property (gobject_class, PROP_COLOR_MATCH,
      g_param_spec_enum ("color-match", "Colour match",
          "Match the style image's colours to each frame's before its style "
          "targets are taken: none, histogram (each RGB channel) or mean-std "
          "(each CIE L*a*b* channel); the targets are then recomputed for "
          "every frame", GST_TYPE_NEURAL_STYLE_COLOR_MATCH,
          DEFAULT_PROP_COLOR_MATCH, playing));
  g_object_class_install_property (gobject_class, PROP_INIT,
      g_param_spec_enum ("init", "Initialisation",
          "Where each frame's optimisation starts: content (the frame, the "
          "reference notebook's), noise (uniform noise drawn from seed), "
          "previous (the previous frame's result) or previous-warped (the "
          "previous result moved onto this frame by optical flow). The first "
          "frame, a frame after a scene cut, and every frame with content or "
          "noise start from the frame (or noise); init-location, when set, "
          "wins over content and noise there", GST_TYPE_NEURAL_STYLE_INIT,
          DEFAULT_PROP_INIT, playing));
  g_object_class_install_property (gobject_class, PROP_INIT_LOCATION,
      g_param_spec_string ("init-location", "Init image location",
          "An image to start each frame's optimisation from (resized to the "
          "processing size) instead of what init says; unset: init",
          DEFAULT_PROP_INIT_LOCATION, playing));
  g_object_class_install_property (gobject_class, PROP_SCALES,
      g_param_spec_uint ("scales", "Scales",
          "Multi-scale, coarse to fine: the number of processing sizes. With "
          "more than one, each frame is optimised at max-size / "
          "scale-factor^(scales-1) first, upsampled, and optimised again at "
          "each larger size up to max-size: steps steps at the last size, "
          "coarse-steps at the others", 1, 8, DEFAULT_PROP_SCALES, playing));
  g_object_class_install_property (gobject_class, PROP_COARSE_STEPS,
      g_param_spec_uint ("coarse-steps", "Coarse steps",
          "Steps at each size but the last with scales > 1 (a coarse size "
          "costs a fraction of a step at the last); 0 = steps", 0, G_MAXINT,
          DEFAULT_PROP_COARSE_STEPS, playing));
  g_object_class_install_property (gobject_class, PROP_SCALE_FACTOR,
      g_param_spec_double ("scale-factor", "Scale factor",
          "Ratio of successive processing sizes with scales > 1; greater than "
          "1, at most 4", 1.0, 4.0, DEFAULT_PROP_SCALE_FACTOR, playing));
  g_object_class_install_property (gobject_class, PROP_TILE_SIZE,
      g_param_spec_uint ("tile-size", "Tile size",
          "0: optimise the whole processing size at once. Otherwise (64 to "
          "16384) a processing size larger than this is optimised in "
          "overlapping tiles of this size, in two passes with offset grids, "
          "so that memory grows with the tile rather than the image", 0, 16384,
          DEFAULT_PROP_TILE_SIZE, playing));
  g_object_class_install_property (gobject_class, PROP_TILE_OVERLAP,
      g_param_spec_uint ("tile-overlap", "Tile overlap",
          "Pixels (at least) that neighbouring tiles share: the context a "
          "tile's texture continues from; at most half of tile-size", 0, 8192,
          DEFAULT_PROP_TILE_OVERLAP, playing));
  g_object_class_install_property (gobject_class, PROP_PUSH_INTERMEDIATE,
      g_param_spec_boolean ("push-intermediate", "Post intermediate images",
          "At every progress message, also post a neuralstyle-intermediate "
          "element message whose \"sample\" holds the image as it stands (a "
          "GstSample with the output caps); no extra buffers are pushed",
          DEFAULT_PROP_PUSH_INTERMEDIATE, playing));
  const neuralstyle::VideoOptions video;
  g_object_class_install_property (gobject_class, PROP_TEMPORAL_WEIGHT,
      g_param_spec_double ("temporal-weight", "Temporal weight",
          "Weight of the temporal term, which keeps a frame's result where "
          "the previous result, moved by optical flow, is consistent: "
          "temporal-weight * sum(c (x - w)^2) / pixels; 0: none; -1: the "
          "network's (squeezenet1_1 1e6, vgg19 1e4). Applies to every frame "
          "that has a previous one, whatever init is", -1.0,
          G_MAXDOUBLE, video.temporal_weight.value_or (-1.0), playing));
  g_object_class_install_property (gobject_class, PROP_STEPS_PER_FRAME,
      g_param_spec_int ("steps-per-frame", "Steps per frame",
          "Steps of a frame that starts from the previous result (init "
          "previous or previous-warped), at the final size only; -1: half "
          "of steps; 0: steps",
          -1, G_MAXINT, video.steps_per_frame, playing));
  g_object_class_install_property (gobject_class, PROP_SCENE_CUT_THRESHOLD,
      g_param_spec_double ("scene-cut-threshold", "Scene-cut threshold",
          "When the share of pixels the flow to the previous frame cannot "
          "place exceeds this, the frame is a scene cut: it starts afresh "
          "from the frame, without a temporal term, and a neuralstyle-scene-"
          "cut message is posted. In (0, 1]; 1: never", 0.0, 1.0,
          video.scene_cut_threshold, playing));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Which frames are optimised: every-frame; interval (every "
          "interval-th frame, the others are the last optimised frame warped "
          "onto them); keyframes (buffers without the DELTA_UNIT flag and "
          "the frame after a force-key-unit event; the others warped); live "
          "(never blocks: each frame goes out at once, warped from the newest "
          "optimised frame, while a worker thread optimises the newest "
          "input). A change while playing applies from the next frame, which "
          "starts afresh", GST_TYPE_NEURAL_STYLE_MODE, DEFAULT_PROP_MODE,
          playing));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "With mode=interval: frames 0, N, 2N, ... (counted since the start "
          "or the last flush) are optimised", 1, G_MAXINT,
          DEFAULT_PROP_INTERVAL, playing));
}

gboolean
is_engine_property (guint prop_id)
{
  switch (prop_id) {
    case PROP_WEIGHTS_LOCATION:
    case PROP_NETWORK:
    case PROP_DEVICE:
    case PROP_PRECISION:
    case PROP_CONVOLUTION:
    case PROP_THREADS:
    case PROP_SEED:
      return TRUE;
    default:
      return FALSE;
  }
}

static void
set_string (std::string & target, const GValue * value) noexcept
{
  const gchar *text = g_value_get_string (value);
  target = text ? text : "";
}

/* The strings of a GstValueArray (its param spec made them strings; NULL
 * entries are kept as empty strings, which the checks refuse). */
static void
set_strings (std::vector<std::string> & target, const GValue * value) noexcept
{
  target.clear ();
  for (guint i = 0; i < gst_value_array_get_size (value); ++i) {
    const GValue *item = gst_value_array_get_value (value, i);
    const gchar *text = G_VALUE_HOLDS_STRING (item) ?
        g_value_get_string (item) : NULL;
    target.push_back (text ? text : "");
  }
}

static void
set_doubles (std::vector<gdouble> & target, const GValue * value) noexcept
{
  target.clear ();
  for (guint i = 0; i < gst_value_array_get_size (value); ++i) {
    const GValue *item = gst_value_array_get_value (value, i);
    target.push_back (G_VALUE_HOLDS_DOUBLE (item) ?
        g_value_get_double (item) : NAN);
  }
}

gboolean
set_setting (Settings & settings, guint prop_id, const GValue * value) noexcept
{
  switch (prop_id) {
    case PROP_STYLE_LOCATION:{
      /* NULL and "" both unset it, as before style-locations existed. */
      const gchar *location = g_value_get_string (value);
      settings.style_locations.clear ();
      if (location && *location)
        settings.style_locations.push_back (location);
      break;
    }
    case PROP_STYLE_LOCATIONS:
      set_strings (settings.style_locations, value);
      break;
    case PROP_STYLE_BLEND_WEIGHTS:
      set_doubles (settings.style_blend_weights, value);
      break;
    case PROP_TV_WEIGHT:
      settings.tv_weight = g_value_get_double (value);
      break;
    case PROP_STYLE_SCALE:
      settings.style_scale = g_value_get_double (value);
      break;
    case PROP_GRAM_NORMALIZATION:
      settings.gram_normalization =
          static_cast<GstNeuralStyleGramNormalization> (g_value_get_enum
          (value));
      break;
    case PROP_PRESERVE_COLORS:
      settings.preserve_colors = g_value_get_boolean (value);
      break;
    case PROP_COLOR_MATCH:
      settings.color_match =
          static_cast<GstNeuralStyleColorMatch> (g_value_get_enum (value));
      break;
    case PROP_INIT:
      settings.init = static_cast<GstNeuralStyleInit> (g_value_get_enum (value));
      break;
    case PROP_INIT_LOCATION:
      set_string (settings.init_location, value);
      break;
    case PROP_SCALES:
      settings.scales = g_value_get_uint (value);
      break;
    case PROP_COARSE_STEPS:
      settings.coarse_steps = g_value_get_uint (value);
      break;
    case PROP_SCALE_FACTOR:
      settings.scale_factor = g_value_get_double (value);
      break;
    case PROP_TILE_SIZE:
      settings.tile_size = g_value_get_uint (value);
      break;
    case PROP_TILE_OVERLAP:
      settings.tile_overlap = g_value_get_uint (value);
      break;
    case PROP_PUSH_INTERMEDIATE:
      settings.push_intermediate = g_value_get_boolean (value);
      break;
    case PROP_TEMPORAL_WEIGHT:
      settings.temporal_weight = g_value_get_double (value);
      break;
    case PROP_STEPS_PER_FRAME:
      settings.steps_per_frame = g_value_get_int (value);
      break;
    case PROP_SCENE_CUT_THRESHOLD:
      settings.scene_cut_threshold = g_value_get_double (value);
      break;
    case PROP_MODE:
      settings.mode = static_cast<GstNeuralStyleMode> (g_value_get_enum (value));
      break;
    case PROP_INTERVAL:
      settings.interval = g_value_get_uint (value);
      break;
    case PROP_WEIGHTS_LOCATION:
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
      settings.device =
          static_cast<GstNeuralStyleDevice> (g_value_get_enum (value));
      break;
    case PROP_NETWORK:
      settings.network =
          static_cast<GstNeuralStyleNetwork> (g_value_get_enum (value));
      break;
    case PROP_PRECISION:
      settings.precision =
          static_cast<GstNeuralStylePrecision> (g_value_get_enum (value));
      break;
    case PROP_CONVOLUTION:
      settings.convolution =
          static_cast<GstNeuralStyleConvolution> (g_value_get_enum (value));
      break;
    case PROP_THREADS:
      settings.threads = g_value_get_uint (value);
      break;
    case PROP_SEED:
      settings.seed = g_value_get_uint64 (value);
      break;
    case PROP_PROGRESS_INTERVAL:
      settings.progress_interval = g_value_get_uint (value);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
get_setting (const Settings & settings, guint prop_id, GValue * value)
{
  const auto string_or_null = [](const std::string & text) {
    return text.empty ()? NULL : text.c_str ();
  };

  switch (prop_id) {
    case PROP_STYLE_LOCATION:
      g_value_set_string (value, settings.style_locations.empty ()? NULL :
          settings.style_locations.front ().c_str ());
      break;
    case PROP_STYLE_LOCATIONS:
      for (const auto & location : settings.style_locations) {
        GValue item = G_VALUE_INIT;
        g_value_init (&item, G_TYPE_STRING);
        g_value_set_string (&item, location.c_str ());
        gst_value_array_append_and_take_value (value, &item);
      }
      break;
    case PROP_STYLE_BLEND_WEIGHTS:
      for (const gdouble weight : settings.style_blend_weights) {
        GValue item = G_VALUE_INIT;
        g_value_init (&item, G_TYPE_DOUBLE);
        g_value_set_double (&item, weight);
        gst_value_array_append_and_take_value (value, &item);
      }
      break;
    case PROP_TV_WEIGHT:
      g_value_set_double (value, settings.tv_weight);
      break;
    case PROP_STYLE_SCALE:
      g_value_set_double (value, settings.style_scale);
      break;
    case PROP_GRAM_NORMALIZATION:
      g_value_set_enum (value, settings.gram_normalization);
      break;
    case PROP_PRESERVE_COLORS:
      g_value_set_boolean (value, settings.preserve_colors);
      break;
    case PROP_COLOR_MATCH:
      g_value_set_enum (value, settings.color_match);
      break;
    case PROP_INIT:
      g_value_set_enum (value, settings.init);
      break;
    case PROP_INIT_LOCATION:
      g_value_set_string (value, string_or_null (settings.init_location));
      break;
    case PROP_SCALES:
      g_value_set_uint (value, settings.scales);
      break;
    case PROP_COARSE_STEPS:
      g_value_set_uint (value, settings.coarse_steps);
      break;
    case PROP_SCALE_FACTOR:
      g_value_set_double (value, settings.scale_factor);
      break;
    case PROP_TILE_SIZE:
      g_value_set_uint (value, settings.tile_size);
      break;
    case PROP_TILE_OVERLAP:
      g_value_set_uint (value, settings.tile_overlap);
      break;
    case PROP_PUSH_INTERMEDIATE:
      g_value_set_boolean (value, settings.push_intermediate);
      break;
    case PROP_TEMPORAL_WEIGHT:
      g_value_set_double (value, settings.temporal_weight);
      break;
    case PROP_STEPS_PER_FRAME:
      g_value_set_int (value, settings.steps_per_frame);
      break;
    case PROP_SCENE_CUT_THRESHOLD:
      g_value_set_double (value, settings.scene_cut_threshold);
      break;
    case PROP_MODE:
      g_value_set_enum (value, settings.mode);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, settings.interval);
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
      g_value_set_string (value, string_or_null (settings.style_layer_weights));
      break;
    case PROP_CONTENT_LAYER:
      g_value_set_string (value, string_or_null (settings.content_layer));
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
    case PROP_NETWORK:
      g_value_set_enum (value, settings.network);
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
      return FALSE;
  }
  return TRUE;
}

std::string
style_locations_problem (const std::vector<std::string> & locations)
{
  if (locations.empty ())
    return "No style image set: set the style-location (or style-locations) "
        "property.";
  for (const auto & location : locations) {
    if (location.empty ())
      return "A style image location in style-locations is empty.";
    if (!g_file_test (location.c_str (), G_FILE_TEST_EXISTS))
      return "Style image \"" + location + "\" does not exist.";
  }
  return std::string ();
}

std::string
init_location_problem (const std::string & location)
{
  if (!location.empty ()
      && !g_file_test (location.c_str (), G_FILE_TEST_EXISTS))
    return "Init image \"" + location + "\" does not exist.";
  return std::string ();
}

/* One weight per style image, or none; the core judges the values. */
static gboolean
blend_weights_fit (const Settings & settings, InvalidSettings * why)
{
  const size_t weights = settings.style_blend_weights.size ();
  const size_t styles = settings.style_locations.size ();

  if (weights == 0 || weights == styles)
    return TRUE;
  *why = {"style-blend-weights has " + std::to_string (weights) +
        " weight(s) for " + std::to_string (styles) + " style image(s): give "
        "one weight to each image of style-locations, or none for equal "
        "weights.", ""};
  return FALSE;
}

static gboolean
blend_weights_valid (const Settings & settings, InvalidSettings * why)
{
  double sum = 0;
  for (const gdouble weight : settings.style_blend_weights)
    sum += weight;
  if (settings.style_blend_weights.empty () || sum > 0)
    return TRUE;
  *why = {"style-blend-weights are all 0: give at least one style image a "
        "weight.", ""};
  return FALSE;
}

gboolean
make_style_options (const Settings & settings, neuralstyle::Network network,
    neuralstyle::StyleOptions * options, InvalidSettings * why)
{
  options->steps = static_cast<int> (settings.steps);
  options->optimizer = to_optimizer (settings.optimizer);
  if (settings.learning_rate > 0)
    options->learning_rate = settings.learning_rate;
  options->content_weight = settings.content_weight;
  if (settings.style_weight >= 0)
    options->style_weight = settings.style_weight;
  options->content_layer = settings.content_layer;
  options->max_size = static_cast<int> (settings.max_size);
  options->pooling = to_pooling (settings.pooling);
  options->progress_interval = static_cast<int> (settings.progress_interval);
  options->tv_weight = settings.tv_weight;
  if (settings.style_scale > 0)
    options->style_scale = settings.style_scale;
  options->gram_normalization =
      to_gram_normalization (settings.gram_normalization);
  options->preserve_colors = settings.preserve_colors;
  options->color_match = to_color_match (settings.color_match);
  options->init = settings.init_location.empty ()?
      to_init (settings.init) : neuralstyle::Init::Image;
  options->noise_seed = settings.seed;
  options->scales = static_cast<int> (settings.scales);
  options->coarse_steps = static_cast<int> (settings.coarse_steps);
  options->scale_factor = settings.scale_factor;
  options->tile_size = static_cast<int> (settings.tile_size);
  options->tile_overlap = static_cast<int> (settings.tile_overlap);
  if (!blend_weights_fit (settings, why) || !blend_weights_valid (settings, why))
    return FALSE;
  const bool network_known = network != neuralstyle::Network::Auto;
  try {
    if (!settings.style_layer_weights.empty ())
      options->style_layers =
          neuralstyle::parseLayerWeights (settings.style_layer_weights);
    for (const auto & layer : options->style_layers)
      if (network_known)
        neuralstyle::featureLayer (network, layer.layer);
  } catch (const std::exception & e) {
    *why = {"Invalid style-layer-weights \"" + settings.style_layer_weights +
          "\".", e.what ()};
    return FALSE;
  }
  try {
    if (network_known && !settings.content_layer.empty ())
      neuralstyle::featureLayer (network, settings.content_layer);
  } catch (const std::exception & e) {
    *why = {"Invalid content-layer \"" + settings.content_layer + "\".",
      e.what ()};
    return FALSE;
  }
  try {
    options->validate ();
  } catch (const std::exception & e) {
    *why = {"Invalid neuralstyle settings.", e.what ()};
    return FALSE;
  }
  return TRUE;
}

gboolean
make_video_options (const Settings & settings,
    neuralstyle::VideoOptions * options, InvalidSettings * why)
{
  options->start = to_frame_start (settings.init);
  if (settings.temporal_weight >= 0)
    options->temporal_weight = settings.temporal_weight;
  else
    options->temporal_weight.reset ();
  options->steps_per_frame = settings.steps_per_frame;
  options->scene_cut_threshold = settings.scene_cut_threshold;
  try {
    options->validate ();
  } catch (const std::exception & e) {
    *why = {"Invalid neuralstyle video settings (temporal-weight, "
          "steps-per-frame, scene-cut-threshold).", e.what ()};
    return FALSE;
  }
  return TRUE;
}

}  // namespace gstneuralstyle
