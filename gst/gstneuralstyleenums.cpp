// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's enum types and their mapping to the core's enums. */
#include "gstneuralstyleenums.h"

using gstneuralstyle::register_enum_once;

GType
gstneuralstyle::register_enum_once (gsize * type, const gchar * name,
    const GEnumValue * values)
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
gst_neural_style_network_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_NETWORK_AUTO,
        "Whatever the weights hold (VGG19 for random weights)", "auto"},
    {GST_NEURAL_STYLE_NETWORK_VGG19,
        "VGG19, the reference notebook's network", "vgg19"},
    {GST_NEURAL_STYLE_NETWORK_SQUEEZENET1_1,
        "SqueezeNet 1.1 (torchvision's squeezenet1_1): ImageNet weights of 5 MB, "
          "a fraction of VGG19's step", "squeezenet1_1"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleNetwork", values);
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

GType
gst_neural_style_init_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_INIT_CONTENT, "The frame itself, as the reference notebook",
        "content"},
    {GST_NEURAL_STYLE_INIT_NOISE, "Uniform noise drawn from the seed property",
        "noise"},
    {GST_NEURAL_STYLE_INIT_PREVIOUS,
        "The previous frame's result as it is (the first frame and a frame "
          "after a scene cut: the frame)", "previous"},
    {GST_NEURAL_STYLE_INIT_PREVIOUS_WARPED,
        "The previous frame's result moved onto this frame by optical flow "
          "(the first frame and a frame after a scene cut: the frame)",
        "previous-warped"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleInit", values);
}

GType
gst_neural_style_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_MODE_EVERY_FRAME, "Every frame is optimised",
        "every-frame"},
    {GST_NEURAL_STYLE_MODE_INTERVAL,
        "Every interval-th frame is optimised, the others are the last "
          "optimised frame warped onto them", "interval"},
    {GST_NEURAL_STYLE_MODE_KEYFRAMES,
        "Key units (no DELTA_UNIT flag, or after a force-key-unit event) are "
          "optimised, the others warped", "keyframes"},
    {GST_NEURAL_STYLE_MODE_LIVE,
        "Never blocks: each frame goes out at once, warped from the newest "
          "optimised frame, while a worker thread optimises the newest input",
        "live"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleMode", values);
}

GType
gst_neural_style_color_match_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_COLOR_MATCH_NONE, "The style's colours as they are",
        "none"},
    {GST_NEURAL_STYLE_COLOR_MATCH_HISTOGRAM,
        "Each RGB channel's histogram mapped onto the frame's", "histogram"},
    {GST_NEURAL_STYLE_COLOR_MATCH_MEAN_STD,
        "Each CIE L*a*b* channel shifted and scaled to the frame's mean and "
          "spread", "mean-std"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleColorMatch", values);
}

GType
gst_neural_style_gram_normalization_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_GRAM_NORMALIZATION_NONE,
        "G = F F^T, the reference notebook's", "none"},
    {GST_NEURAL_STYLE_GRAM_NORMALIZATION_POSITIONS,
        "G = F F^T / (h w): comparable across sizes (style-weight must then "
          "be about (h w)^2 larger)", "positions"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleGramNormalization", values);
}

namespace gstneuralstyle
{

const gchar *
enum_nick (GType type, gint value)
{
  GEnumValue *found =
      g_enum_get_value (G_ENUM_CLASS (g_type_class_peek (type)), value);
  return found ? found->value_nick : "?";
}

neuralstyle::DeviceKind
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

neuralstyle::Convolution
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

neuralstyle::Precision
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

gboolean
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

neuralstyle::Optimizer
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

neuralstyle::Network
to_network (GstNeuralStyleNetwork network)
{
  switch (network) {
    case GST_NEURAL_STYLE_NETWORK_VGG19:
      return neuralstyle::Network::VGG19;
    case GST_NEURAL_STYLE_NETWORK_SQUEEZENET1_1:
      return neuralstyle::Network::SqueezeNet1_1;
    case GST_NEURAL_STYLE_NETWORK_AUTO:
      break;
  }
  return neuralstyle::Network::Auto;
}

neuralstyle::Init
to_init (GstNeuralStyleInit init)
{
  return init == GST_NEURAL_STYLE_INIT_NOISE ?
      neuralstyle::Init::Noise : neuralstyle::Init::Content;
}

neuralstyle::FrameStart
to_frame_start (GstNeuralStyleInit init)
{
  switch (init) {
    case GST_NEURAL_STYLE_INIT_PREVIOUS:
      return neuralstyle::FrameStart::Previous;
    case GST_NEURAL_STYLE_INIT_PREVIOUS_WARPED:
      return neuralstyle::FrameStart::PreviousWarped;
    case GST_NEURAL_STYLE_INIT_CONTENT:
    case GST_NEURAL_STYLE_INIT_NOISE:
      break;
  }
  return neuralstyle::FrameStart::Independent;
}

neuralstyle::ColorMatch
to_color_match (GstNeuralStyleColorMatch match)
{
  switch (match) {
    case GST_NEURAL_STYLE_COLOR_MATCH_HISTOGRAM:
      return neuralstyle::ColorMatch::Histogram;
    case GST_NEURAL_STYLE_COLOR_MATCH_MEAN_STD:
      return neuralstyle::ColorMatch::MeanStd;
    case GST_NEURAL_STYLE_COLOR_MATCH_NONE:
      break;
  }
  return neuralstyle::ColorMatch::None;
}

neuralstyle::GramNormalization
to_gram_normalization (GstNeuralStyleGramNormalization normalization)
{
  return normalization == GST_NEURAL_STYLE_GRAM_NORMALIZATION_POSITIONS ?
      neuralstyle::GramNormalization::Positions :
      neuralstyle::GramNormalization::None;
}

neuralstyle::Pooling
to_pooling (GstNeuralStylePooling pooling)
{
  return pooling == GST_NEURAL_STYLE_POOLING_AVERAGE ?
      neuralstyle::Pooling::Average : neuralstyle::Pooling::Max;
}

}  // namespace gstneuralstyle
