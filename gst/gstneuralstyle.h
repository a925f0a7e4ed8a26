// SPDX-License-Identifier: LGPL-2.1-or-later
/* neuralstyle: Gatys et al. neural style transfer as a GStreamer video filter. */
#ifndef __GST_NEURAL_STYLE_H__
#define __GST_NEURAL_STYLE_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

/**
 * GstNeuralStyleOptimizer:
 * @GST_NEURAL_STYLE_OPTIMIZER_ADAM: Adam, as in the reference notebook
 * @GST_NEURAL_STYLE_OPTIMIZER_LBFGS: L-BFGS, one loss evaluation a step; converges
 *   in far fewer steps, with a learning rate near 1
 *
 * The optimiser that updates the stylised image.
 */
typedef enum {
  GST_NEURAL_STYLE_OPTIMIZER_ADAM,
  GST_NEURAL_STYLE_OPTIMIZER_LBFGS,
} GstNeuralStyleOptimizer;

/**
 * GstNeuralStyleDevice:
 * @GST_NEURAL_STYLE_DEVICE_AUTO: CUDA when a CUDA device is available, else the CPU
 * @GST_NEURAL_STYLE_DEVICE_CPU: the CPU
 * @GST_NEURAL_STYLE_DEVICE_CUDA: the first CUDA device (an error if there is none)
 *
 * Where the network runs.
 */
typedef enum {
  GST_NEURAL_STYLE_DEVICE_AUTO,
  GST_NEURAL_STYLE_DEVICE_CPU,
  GST_NEURAL_STYLE_DEVICE_CUDA,
} GstNeuralStyleDevice;

/**
 * GstNeuralStylePrecision:
 * @GST_NEURAL_STYLE_PRECISION_FLOAT32: float32 throughout: the reference
 *   notebook's arithmetic, exact losses
 * @GST_NEURAL_STYLE_PRECISION_BFLOAT16: bfloat16 inside VGG19 (the image, the
 *   Gram matrices and the losses stay float32): about 1.6x faster on CPUs with
 *   AVX512-BF16/AMX and on GPUs; losses within about 1%
 *
 * The arithmetic of the network.
 */
typedef enum {
  GST_NEURAL_STYLE_PRECISION_FLOAT32,
  GST_NEURAL_STYLE_PRECISION_BFLOAT16,
} GstNeuralStylePrecision;

/**
 * GstNeuralStylePooling:
 * @GST_NEURAL_STYLE_POOLING_MAX: max pooling, as VGG19 was trained
 * @GST_NEURAL_STYLE_POOLING_AVERAGE: average pooling: smoother results
 *
 * VGG19's pooling layers.
 */
typedef enum {
  GST_NEURAL_STYLE_POOLING_MAX,
  GST_NEURAL_STYLE_POOLING_AVERAGE,
} GstNeuralStylePooling;

/**
 * GstNeuralStyleConvolution:
 * @GST_NEURAL_STYLE_CONVOLUTION_AUTO: Winograd where it is available (float32
 *   on a CPU with AVX-512) and pays (outputs of 16x15 pixels or more), direct
 *   elsewhere
 * @GST_NEURAL_STYLE_CONVOLUTION_DIRECT: LibTorch's direct convolutions, the
 *   reference notebook's arithmetic
 * @GST_NEURAL_STYLE_CONVOLUTION_WINOGRAD: oneDNN's Winograd F(4x4,3x3) for
 *   every layer that has it: about 2x faster a step, losses within about 1e-6
 *
 * How the CPU computes VGG19's 3x3 convolutions in float32.
 */
typedef enum {
  GST_NEURAL_STYLE_CONVOLUTION_AUTO,
  GST_NEURAL_STYLE_CONVOLUTION_DIRECT,
  GST_NEURAL_STYLE_CONVOLUTION_WINOGRAD,
} GstNeuralStyleConvolution;

/**
 * GstNeuralStyleNetwork:
 * @GST_NEURAL_STYLE_NETWORK_AUTO: whatever the weights hold (VGG19 for random
 *   weights)
 * @GST_NEURAL_STYLE_NETWORK_VGG19: VGG19, the reference notebook's network
 * @GST_NEURAL_STYLE_NETWORK_SQUEEZENET1_1: torchvision's SqueezeNet 1.1
 *
 * The feature network the weights must hold.
 */
typedef enum {
  GST_NEURAL_STYLE_NETWORK_AUTO,
  GST_NEURAL_STYLE_NETWORK_VGG19,
  GST_NEURAL_STYLE_NETWORK_SQUEEZENET1_1,
} GstNeuralStyleNetwork;

/**
 * GstNeuralStyleInit:
 * @GST_NEURAL_STYLE_INIT_CONTENT: the frame itself, as the reference notebook
 * @GST_NEURAL_STYLE_INIT_NOISE: uniform noise drawn from #GstNeuralStyle:seed
 * @GST_NEURAL_STYLE_INIT_PREVIOUS: the previous frame's result as it is
 * @GST_NEURAL_STYLE_INIT_PREVIOUS_WARPED: the previous frame's result moved
 *   onto this frame by optical flow
 *
 * Where the optimisation of a frame starts. The first frame, a frame after a
 * scene cut (#GstNeuralStyle:scene-cut-threshold) and every frame with
 * content or noise start from the frame (or noise, or
 * #GstNeuralStyle:init-location when set).
 */
typedef enum {
  GST_NEURAL_STYLE_INIT_CONTENT,
  GST_NEURAL_STYLE_INIT_NOISE,
  GST_NEURAL_STYLE_INIT_PREVIOUS,
  GST_NEURAL_STYLE_INIT_PREVIOUS_WARPED,
} GstNeuralStyleInit;

/**
 * GstNeuralStyleMode:
 * @GST_NEURAL_STYLE_MODE_EVERY_FRAME: every frame is optimised
 * @GST_NEURAL_STYLE_MODE_INTERVAL: every #GstNeuralStyle:interval-th frame is
 *   optimised, the others are the last optimised one warped onto them
 * @GST_NEURAL_STYLE_MODE_KEYFRAMES: key units (buffers without
 *   GST_BUFFER_FLAG_DELTA_UNIT, and the frame after a force-key-unit event)
 *   are optimised, the others warped
 * @GST_NEURAL_STYLE_MODE_LIVE: never blocks the stream: each frame goes out at
 *   once, warped from the newest optimised frame, while a worker thread
 *   optimises the newest input frame
 *
 * Which frames are optimised, and what the others are.
 */
typedef enum {
  GST_NEURAL_STYLE_MODE_EVERY_FRAME,
  GST_NEURAL_STYLE_MODE_INTERVAL,
  GST_NEURAL_STYLE_MODE_KEYFRAMES,
  GST_NEURAL_STYLE_MODE_LIVE,
} GstNeuralStyleMode;

/**
 * GstNeuralStyleColorMatch:
 * @GST_NEURAL_STYLE_COLOR_MATCH_NONE: the style image's colours as they are
 * @GST_NEURAL_STYLE_COLOR_MATCH_HISTOGRAM: each RGB channel's histogram of the
 *   style mapped onto the frame's
 * @GST_NEURAL_STYLE_COLOR_MATCH_MEAN_STD: each CIE L*a*b* channel of the style
 *   shifted and scaled to the frame's mean and spread
 *
 * How the style image's colours are matched to each frame's before its style
 * targets are taken.
 */
typedef enum {
  GST_NEURAL_STYLE_COLOR_MATCH_NONE,
  GST_NEURAL_STYLE_COLOR_MATCH_HISTOGRAM,
  GST_NEURAL_STYLE_COLOR_MATCH_MEAN_STD,
} GstNeuralStyleColorMatch;

/**
 * GstNeuralStyleGramNormalization:
 * @GST_NEURAL_STYLE_GRAM_NORMALIZATION_NONE: G = F F^T, the reference notebook's
 * @GST_NEURAL_STYLE_GRAM_NORMALIZATION_POSITIONS: G = F F^T / (h w), comparable
 *   across sizes
 *
 * How Gram matrices are scaled.
 */
typedef enum {
  GST_NEURAL_STYLE_GRAM_NORMALIZATION_NONE,
  GST_NEURAL_STYLE_GRAM_NORMALIZATION_POSITIONS,
} GstNeuralStyleGramNormalization;

#define GST_TYPE_NEURAL_STYLE_NETWORK (gst_neural_style_network_get_type ())
GType gst_neural_style_network_get_type (void);

#define GST_TYPE_NEURAL_STYLE_OPTIMIZER (gst_neural_style_optimizer_get_type ())
GType gst_neural_style_optimizer_get_type (void);

#define GST_TYPE_NEURAL_STYLE_POOLING (gst_neural_style_pooling_get_type ())
GType gst_neural_style_pooling_get_type (void);

#define GST_TYPE_NEURAL_STYLE_DEVICE (gst_neural_style_device_get_type ())
GType gst_neural_style_device_get_type (void);

#define GST_TYPE_NEURAL_STYLE_PRECISION (gst_neural_style_precision_get_type ())
GType gst_neural_style_precision_get_type (void);

#define GST_TYPE_NEURAL_STYLE_CONVOLUTION (gst_neural_style_convolution_get_type ())
GType gst_neural_style_convolution_get_type (void);

#define GST_TYPE_NEURAL_STYLE_INIT (gst_neural_style_init_get_type ())
GType gst_neural_style_init_get_type (void);

#define GST_TYPE_NEURAL_STYLE_MODE (gst_neural_style_mode_get_type ())
GType gst_neural_style_mode_get_type (void);

#define GST_TYPE_NEURAL_STYLE_COLOR_MATCH (gst_neural_style_color_match_get_type ())
GType gst_neural_style_color_match_get_type (void);

#define GST_TYPE_NEURAL_STYLE_GRAM_NORMALIZATION \
    (gst_neural_style_gram_normalization_get_type ())
GType gst_neural_style_gram_normalization_get_type (void);

#define GST_TYPE_NEURAL_STYLE (gst_neural_style_get_type ())
G_DECLARE_FINAL_TYPE (GstNeuralStyle, gst_neural_style, GST, NEURAL_STYLE,
    GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (neuralstyle);

G_END_DECLS

#endif /* __GST_NEURAL_STYLE_H__ */
