// SPDX-License-Identifier: LGPL-2.1-or-later
// One source, three instruction sets: the loops of winograd_f43_transforms.inc compiled
// for baseline x86-64 (or whatever this architecture is), for x86-64-v3 (AVX2 + FMA) and
// for AVX-512, each in its own namespace. The build never assumes the build machine's ISA:
// the dispatcher (cpuFlags()) picks at run time.
#include "winograd_f43_kernels.hpp"

#include <algorithm>
#include <cstdint>

namespace neuralstyle::detail {

namespace f43_baseline {
using TileGrid = WinogradTileGrid;
#include "winograd_f43_transforms.inc"
}  // namespace f43_baseline

#if defined(__GNUC__) && defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace f43_avx2 {
using TileGrid = WinogradTileGrid;
#include "winograd_f43_transforms.inc"
}  // namespace f43_avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")
namespace f43_avx512 {
using TileGrid = WinogradTileGrid;
#include "winograd_f43_transforms.inc"
}  // namespace f43_avx512
#pragma GCC pop_options
#define NEURALSTYLE_HAVE_X86_KERNELS
#endif

const WinogradF43Kernels& winogradF43Kernels(CpuIsa isa) {
  static const WinogradF43Kernels baseline{f43_baseline::transformInput,
                                           f43_baseline::transformOutput, CpuIsa::Baseline};
#ifdef NEURALSTYLE_HAVE_X86_KERNELS
  static const WinogradF43Kernels avx2{f43_avx2::transformInput, f43_avx2::transformOutput,
                                       CpuIsa::Avx2};
  static const WinogradF43Kernels avx512{f43_avx512::transformInput,
                                         f43_avx512::transformOutput, CpuIsa::Avx512};
  if (isa == CpuIsa::Avx512) return avx512;
  if (isa == CpuIsa::Avx2) return avx2;
#endif
  return baseline;
}

}  // namespace neuralstyle::detail
