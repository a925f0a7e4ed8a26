// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What this CPU can run, asked once at run time: the core is built for baseline x86-64
// (or any other architecture) and picks its kernels by these answers, never by the build
// machine's. Internal to the core.
#include <optional>
#include <string>

namespace neuralstyle::detail {

/// The instruction sets the core's kernels are chosen by, best last.
enum class CpuIsa { Baseline, Avx2, Avx512 };

struct CpuFlags {
  bool avx2 = false;        // with FMA: x86-64-v3
  bool avx512f = false;     // AVX-512 F, VL, BW, DQ: x86-64-v4, oneDNN's Winograd kernels
  bool avx512bf16 = false;  // native bfloat16 arithmetic
  CpuIsa isa() const {
    return avx512f ? CpuIsa::Avx512 : avx2 ? CpuIsa::Avx2 : CpuIsa::Baseline;
  }
};

/// This CPU's features, capped by the environment variable NEURALSTYLE_CPU_ISA
/// ("baseline", "avx2" or "avx512": use nothing above it, to measure or test what a
/// smaller CPU would run), or the answer forced by forceCpuFlags().
CpuFlags cpuFlags();

/// Replaces cpuFlags()'s answer (tests: "auto never picks a kernel the CPU lacks"), as
/// far as this CPU has the features: it can take them away, never add. std::nullopt
/// restores the detected answer. Not thread-safe against concurrent users.
void forceCpuFlags(std::optional<CpuFlags> features);

/// `wanted`, or the best this CPU has where that is less: never code the CPU lacks.
CpuIsa runnableIsa(CpuIsa wanted);

std::string isaName(CpuIsa isa);

}  // namespace neuralstyle::detail
