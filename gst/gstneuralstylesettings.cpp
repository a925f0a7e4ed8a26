// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's properties and their mapping to the core's options. */
#include "gstneuralstylesettings.h"

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
          "PNG or JPEG). Required. A new location set while playing is used "
          "from the next frame on", DEFAULT_PROP_STYLE_LOCATION, playing));
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
          "Seed of LibTorch's random generators", 0, G_MAXUINT64,
          DEFAULT_PROP_SEED, ready));
  g_object_class_install_property (gobject_class, PROP_PROGRESS_INTERVAL,
      g_param_spec_uint ("progress-interval", "Progress interval",
          "Post a neuralstyle-progress message every N steps (0 = only after "
          "the last step of each frame). Reading the loss waits for the "
          "device, so on CUDA larger intervals are faster", 0, G_MAXINT,
          DEFAULT_PROP_PROGRESS_INTERVAL, playing));
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

gboolean
set_setting (Settings & settings, guint prop_id, const GValue * value) noexcept
{
  switch (prop_id) {
    case PROP_STYLE_LOCATION:
      set_string (settings.style_location, value);
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
style_location_problem (const std::string & location)
{
  if (location.empty ())
    return "No style image set: set the style-location property.";
  if (!g_file_test (location.c_str (), G_FILE_TEST_EXISTS))
    return "Style image \"" + location + "\" does not exist.";
  return std::string ();
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

}  // namespace gstneuralstyle
