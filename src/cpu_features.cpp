// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cpu_features.hpp"

#include <cstdlib>
#include <stdexcept>

namespace neuralstyle::detail {
namespace {

CpuFlags detected() {
  CpuFlags features;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  features.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  features.avx512f = features.avx2 && __builtin_cpu_supports("avx512f") &&
                     __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
                     __builtin_cpu_supports("avx512dq");
  features.avx512bf16 = features.avx512f && __builtin_cpu_supports("avx512bf16");
#endif
  return features;
}

// NEURALSTYLE_CPU_ISA caps what is used; an unknown value is refused loudly rather than
// silently measuring the wrong machine.
CpuFlags capped(CpuFlags features) {
  const char* cap = std::getenv("NEURALSTYLE_CPU_ISA");
  if (!cap || !*cap) return features;
  const std::string name = cap;
  if (name == "avx512") return features;
  if (name != "avx2" && name != "baseline")
    throw std::runtime_error("NEURALSTYLE_CPU_ISA must be baseline, avx2 or avx512, got '" +
                             name + "'");
  features.avx512f = features.avx512bf16 = false;
  if (name == "baseline") features.avx2 = false;
  return features;
}

std::optional<CpuFlags>& forced() {
  static std::optional<CpuFlags> features;
  return features;
}

}  // namespace

CpuFlags cpuFlags() {
  static const CpuFlags features = capped(detected());
  if (!forced()) return features;
  // A forced answer can only take features away: never claim what the CPU lacks.
  CpuFlags answer;
  answer.avx2 = forced()->avx2 && features.avx2;
  answer.avx512f = forced()->avx512f && features.avx512f;
  answer.avx512bf16 = forced()->avx512bf16 && features.avx512bf16;
  return answer;
}

void forceCpuFlags(std::optional<CpuFlags> features) { forced() = features; }

CpuIsa runnableIsa(CpuIsa wanted) {
  const auto best = cpuFlags().isa();
  return static_cast<int>(wanted) > static_cast<int>(best) ? best : wanted;
}

std::string isaName(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::Avx512: return "avx512";
    case CpuIsa::Avx2: return "avx2";
    case CpuIsa::Baseline: break;
  }
  return "baseline";
}

}  // namespace neuralstyle::detail
