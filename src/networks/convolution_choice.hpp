// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Which kernel computes one 3x3 convolution of a feature network: a pure function of the
// requested Convolution, the layer's shape, the CPU's features and the build, so that
// tests can ask what a smaller CPU would get. Internal to the core.
#include <cstdint>
#include <string>

#include "cpu_features.hpp"
#include "neuralstyle/networks.hpp"

namespace neuralstyle::detail {

enum class ConvKernel {
  Direct,            // LibTorch's convolution: the reference notebook's arithmetic
  OneDnnWinograd,    // oneDNN's Winograd F(4x4, 3x3): AVX-512 only (winograd_conv.hpp)
  PortableWinograd,  // Winograd F(4x4, 3x3) through GEMM, any CPU (winograd_f43.hpp)
};

std::string convKernelName(ConvKernel kernel);

/// One convolution as it is about to run.
struct ConvLayerShape {
  int64_t in_channels, out_channels;
  bool winograd_shaped;  // 3x3, stride 1, padding 1
  int64_t height, width;  // of its output
  bool float32_cpu;       // input and weights float32 on the CPU
};

/// The kernel for `layer` under `requested`, on a CPU with `cpu` and a build where
/// oneDNN's Winograd primitives exist (`onednn_winograd`). Never a kernel the CPU lacks:
/// oneDNN's Winograd only with AVX-512.
ConvKernel chooseConvKernel(Convolution requested, const ConvLayerShape& layer,
                            const CpuFlags& cpu, bool onednn_winograd);

}  // namespace neuralstyle::detail
