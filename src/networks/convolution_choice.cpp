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
// AVX-512): VGG19's 64-channel layers; from 128 input channels they are even, from 256
// the portable one is faster. On outputs under 16x15 oneDNN's is slower than direct, the
// portable one is not. On SqueezeNet's thin expand layers (16-64 channels in, 4x out)
// oneDNN's made a step slower than direct. The measurements: docs/performance.md, "Per
// CPU kind" (per layer) and "SqueezeNet 1.1".
bool oneDnnFaster(const ConvLayerShape& layer) {
  return layer.in_channels == 64 && layer.out_channels <= 128 &&
         layer.height * layer.width >= 16 * 15;
}

// Where the portable Winograd beats direct (the same measurements, AVX2 and AVX-512): with
// 32 input channels or more, at every size VGG19 and SqueezeNet run; with fewer (conv1_1's
// 3, SqueezeNet's 16-channel expands) the GEMMs are too shallow for the transforms to pay.
// Under 16x15 output pixels the step is faster too, but the layer's filters must be
// transformed first, forward and backward: 8x its weights in new memory, and time, repaid
// only after hundreds of steps at that size. Images under 256 px keep direct convolutions
// in their deepest layers. (docs/performance.md, "Per CPU kind", has the measurements.)
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
