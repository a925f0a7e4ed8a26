// SPDX-License-Identifier: LGPL-2.1-or-later
#include "convolution_choice.hpp"

namespace neuralstyle::detail {
namespace {

// oneDNN's kernels want channel counts that are multiples of 16 (not conv1_1's 3).
bool oneDnnRuns(const ConvLayerShape& layer, const CpuFlags& cpu, bool onednn_winograd) {
  return onednn_winograd && cpu.avx512f && layer.in_channels % 16 == 0 &&
         layer.out_channels % 16 == 0;
}

// Where oneDNN's Winograd beats the portable one (forward and backward, 2 threads,
// AVX-512): VGG19's 64-channel layers at 160x256, 11.9 against 18.3 ms; from 128 input
// channels they are even, from 256 the portable one is faster (512 at 20x32: 7.2 against
// 11.0 ms). On outputs under 16x15 oneDNN's is slower than direct (512 channels at 14x13:
// 1.5x direct's time), the portable one is not. On SqueezeNet's thin expand layers (16-64
// channels in, 4x out) oneDNN's was slower than direct: a step 145 ms against 105 at 512 px.
bool oneDnnFaster(const ConvLayerShape& layer) {
  return layer.in_channels == 64 && layer.out_channels <= 128 &&
         layer.height * layer.width >= 16 * 15;
}

// Where the portable Winograd beats direct (the same measurements, AVX2 and AVX-512): with
// 32 input channels or more, at every size VGG19 and SqueezeNet run (0.2-0.8 of direct's
// time a step); with fewer (conv1_1's 3, SqueezeNet's 16-channel expands) the GEMMs are
// too shallow for the transforms to pay (3 channels at 160x256: 1.4x direct's time on
// AVX2). Under 16x15 output pixels the step is faster too (512 channels at 8x8: 3.1
// against 5.7 ms), but the layer's filters must be transformed first, forward and
// backward: 8x its weights in new memory (150 MB and about 0.6 s for conv4's 512-channel
// layers on the project's machine), repaid only after hundreds of steps at that size.
// Images under 256 px keep direct convolutions in their deepest layers.
bool portablePays(const ConvLayerShape& layer) {
  return layer.in_channels >= 32 && layer.height * layer.width >= 16 * 15;
}

}  // namespace

std::string convKernelName(ConvKernel kernel) {
  switch (kernel) {
    case ConvKernel::OneDnnWinograd: return "onednn-winograd";
    case ConvKernel::PortableWinograd: return "portable-winograd";
    case ConvKernel::Direct: break;
  }
  return "direct";
}

ConvKernel chooseConvKernel(Convolution requested, const ConvLayerShape& layer,
                            const CpuFlags& cpu, bool onednn_winograd) {
  if (requested == Convolution::Direct || !layer.winograd_shaped || !layer.float32_cpu)
    return ConvKernel::Direct;
  const bool onednn = oneDnnRuns(layer, cpu, onednn_winograd);
  if (requested == Convolution::Winograd)
    return onednn && oneDnnFaster(layer) ? ConvKernel::OneDnnWinograd
                                         : ConvKernel::PortableWinograd;
  if (onednn && oneDnnFaster(layer)) return ConvKernel::OneDnnWinograd;
  return portablePays(layer) ? ConvKernel::PortableWinograd : ConvKernel::Direct;
}

}  // namespace neuralstyle::detail
