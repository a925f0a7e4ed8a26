// SPDX-License-Identifier: LGPL-2.1-or-later
/* fastneuralstyle: a feed-forward style network (Johnson et al. 2016) as a
 * GStreamer video filter, one pass a frame (the core's FeedForwardStylizer). */
#ifndef __GST_FAST_NEURAL_STYLE_H__
#define __GST_FAST_NEURAL_STYLE_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

/**
 * GstFastNeuralStyleEngine:
 * @GST_FAST_NEURAL_STYLE_ENGINE_AUTO: by the model file (.onnx: opencv,
 *     .safetensors: libtorch)
 * @GST_FAST_NEURAL_STYLE_ENGINE_OPENCV: OpenCV's dnn module on an ONNX model
 * @GST_FAST_NEURAL_STYLE_ENGINE_LIBTORCH: LibTorch on safetensors weights
 */
typedef enum {
  GST_FAST_NEURAL_STYLE_ENGINE_AUTO,
  GST_FAST_NEURAL_STYLE_ENGINE_OPENCV,
  GST_FAST_NEURAL_STYLE_ENGINE_LIBTORCH,
} GstFastNeuralStyleEngine;

/**
 * GstFastNeuralStyleDevice:
 * @GST_FAST_NEURAL_STYLE_DEVICE_AUTO: CUDA where the engine has it, else the CPU
 * @GST_FAST_NEURAL_STYLE_DEVICE_CPU: the CPU
 * @GST_FAST_NEURAL_STYLE_DEVICE_OPENCL: OpenCV's OpenCL target (opencv engine)
 * @GST_FAST_NEURAL_STYLE_DEVICE_CUDA: CUDA (an error where the engine lacks it)
 */
typedef enum {
  GST_FAST_NEURAL_STYLE_DEVICE_AUTO,
  GST_FAST_NEURAL_STYLE_DEVICE_CPU,
  GST_FAST_NEURAL_STYLE_DEVICE_OPENCL,
  GST_FAST_NEURAL_STYLE_DEVICE_CUDA,
} GstFastNeuralStyleDevice;

#define GST_TYPE_FAST_NEURAL_STYLE (gst_fast_neural_style_get_type ())
G_DECLARE_FINAL_TYPE (GstFastNeuralStyle, gst_fast_neural_style, GST,
    FAST_NEURAL_STYLE, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (fastneuralstyle);

G_END_DECLS

#endif /* __GST_FAST_NEURAL_STYLE_H__ */
