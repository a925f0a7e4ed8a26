// SPDX-License-Identifier: LGPL-2.1-or-later
#include "winograd_conv.hpp"

#include "cpu_features.hpp"

#include <array>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <vector>
#include <torch/torch.h>

#ifdef NEURALSTYLE_HAVE_ONEDNN
#include <dnnl.hpp>
#endif

namespace neuralstyle::detail {

bool winogradSupports(int64_t in_channels, int64_t out_channels) {
  return in_channels % 16 == 0 && out_channels % 16 == 0;
}

#ifndef NEURALSTYLE_HAVE_ONEDNN

bool winogradAvailable() { return false; }

class WinogradWorkspace {};
std::shared_ptr<WinogradWorkspace> makeWinogradWorkspace() {
  return std::make_shared<WinogradWorkspace>();
}

struct WinogradConvRelu::Impl {};

WinogradConvRelu::WinogradConvRelu(const torch::Tensor&, const torch::Tensor&,
                                   std::shared_ptr<WinogradWorkspace>) {
  throw std::runtime_error(
      "this build of neuralstyle has no oneDNN (libdnnl-dev): Winograd convolutions are "
      "not available");
}
WinogradConvRelu::~WinogradConvRelu() = default;
torch::Tensor WinogradConvRelu::forward(const torch::Tensor&) const { return {}; }

#else

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

const dnnl::engine& cpuEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN's intermediates live in torch tensors: one allocator, freed with the step.
torch::Tensor bufferFor(const memory::desc& desc) {
  const auto floats = static_cast<int64_t>((desc.get_size() + sizeof(float) - 1) / sizeof(float));
  return torch::empty({std::max<int64_t>(floats, 1)}, torch::kFloat32);
}

memory view(const memory::desc& desc, const torch::Tensor& storage) {
  return memory(desc, cpuEngine(), storage.data_ptr());
}

// The torch side of every activation: [N, C, H, W] in channels-last order.
memory::desc nhwc(int64_t n, int64_t c, int64_t h, int64_t w) {
  return memory::desc({n, c, h, w}, kF32, Tag::nhwc);
}

// reorder::execute takes its memories by non-const reference; these are temporaries.
void copy(const dnnl::reorder& reorder, dnnl::stream& stream, memory from, memory to) {
  reorder.execute(stream, from, to);
}

dnnl::reorder reorderBetween(const memory::desc& from, const memory::desc& to) {
  return dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), from, cpuEngine(), to));
}

}  // namespace

class WinogradWorkspace {
 public:
  // Held while a layer runs: the buffers are the workspace's until it is released.
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

  // Buffer `slot` (0: input, 1: output, 2: scratchpad) viewed as `desc`; the caller holds
  // the lock.
  memory slot(int index, const memory::desc& desc) {
    auto& buffer = slots_.at(static_cast<size_t>(index));
    if (!buffer.defined() || static_cast<size_t>(buffer.numel()) * sizeof(float) < desc.get_size())
      buffer = bufferFor(desc);
    return view(desc, buffer);
  }

 private:
  std::mutex mutex_;
  std::array<torch::Tensor, 3> slots_;
};

std::shared_ptr<WinogradWorkspace> makeWinogradWorkspace() {
  return std::make_shared<WinogradWorkspace>();
}

namespace {

// Everything needed to run one layer at one input size, forward and backward to the input.
// Held by the layer and by every autograd node that will run its backward.
struct Plan : torch::CustomClassHolder {
  memory::desc user_src, user_dst;
  dnnl::convolution_forward::primitive_desc forward_pd;
  dnnl::convolution_backward_data::primitive_desc backward_pd;
  dnnl::convolution_forward forward;
  dnnl::convolution_backward_data backward;
  dnnl::reorder to_src, from_dst, to_diff_dst, from_diff_src;
  torch::Tensor forward_weights, backward_weights, bias;  // in the primitives' own formats
  std::shared_ptr<WinogradWorkspace> workspace;

  torch::Tensor runForward(const torch::Tensor& input) const {
    // oneDNN takes its thread count from this thread's OpenMP setting: give it LibTorch's
    // (configureThreads) even if this thread has not run a parallel LibTorch op yet.
    at::internal::lazy_init_num_threads();
    const auto x = input.contiguous(at::MemoryFormat::ChannelsLast);
    auto output = torch::empty(user_dst.dims(), torch::TensorOptions(torch::kFloat32)
                                                    .memory_format(at::MemoryFormat::ChannelsLast));
    const auto lock = workspace->lock();
    const auto src = workspace->slot(0, forward_pd.src_desc());
    const auto dst = workspace->slot(1, forward_pd.dst_desc());
    dnnl::stream stream(cpuEngine());
    copy(to_src, stream, view(user_src, x), src);
    forward.execute(stream,
                    {{DNNL_ARG_SRC, src},
                     {DNNL_ARG_WEIGHTS, view(forward_pd.weights_desc(), forward_weights)},
                     {DNNL_ARG_BIAS, view(forward_pd.bias_desc(), bias)},
                     {DNNL_ARG_DST, dst},
                     {DNNL_ARG_SCRATCHPAD, workspace->slot(2, forward_pd.scratchpad_desc())}});
    copy(from_dst, stream, dst, view(user_dst, output));
    stream.wait();
    return output;
  }

  torch::Tensor runBackwardData(const torch::Tensor& grad_output) const {
    at::internal::lazy_init_num_threads();  // autograd may run this on its own thread
    const auto g = grad_output.contiguous(at::MemoryFormat::ChannelsLast);
    auto grad_input = torch::empty(user_src.dims(), torch::TensorOptions(torch::kFloat32)
                                                        .memory_format(at::MemoryFormat::ChannelsLast));
    const auto lock = workspace->lock();
    const auto diff_dst = workspace->slot(0, backward_pd.diff_dst_desc());
    const auto diff_src = workspace->slot(1, backward_pd.diff_src_desc());
    dnnl::stream stream(cpuEngine());
    copy(to_diff_dst, stream, view(user_dst, g), diff_dst);
    backward.execute(stream,
                     {{DNNL_ARG_DIFF_DST, diff_dst},
                      {DNNL_ARG_WEIGHTS, view(backward_pd.weights_desc(), backward_weights)},
                      {DNNL_ARG_DIFF_SRC, diff_src},
                      {DNNL_ARG_SCRATCHPAD, workspace->slot(2, backward_pd.scratchpad_desc())}});
    copy(from_diff_src, stream, diff_src, view(user_src, grad_input));
    stream.wait();
    return grad_input;
  }
};

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct ConvReluFunction : public torch::autograd::Function<ConvReluFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input,
                               const c10::intrusive_ptr<Plan>& plan) {
    auto output = plan->runForward(input);
    ctx->save_for_backward({output});
    ctx->saved_data["plan"] = c10::IValue::make_capsule(plan);
    return output;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto plan = c10::static_intrusive_pointer_cast<Plan>(ctx->saved_data["plan"].toCapsule());
    const auto output = ctx->get_saved_variables()[0];
    // Through the ReLU first: its gradient passes only where the output is positive.
    const auto through_relu = torch::threshold_backward(grad_outputs[0], output, 0);
    return {plan->runBackwardData(through_relu), torch::Tensor()};
  }
};

dnnl::convolution_forward::primitive_desc planForward(const memory::dims& src,
                                                      const memory::dims& weights,
                                                      const memory::dims& dst) {
  const memory::dims one{1, 1};
  const auto any = [](const memory::dims& dims) { return memory::desc(dims, kF32, Tag::any); };
  dnnl::post_ops relu;
  relu.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attributes;
  attributes.set_post_ops(relu);
  attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_winograd, any(src),
      any(weights), memory::desc({weights[0]}, kF32, Tag::x), any(dst), one, one, one);
  return {desc, attributes, cpuEngine()};
}

dnnl::convolution_backward_data::primitive_desc planBackwardData(
    const memory::dims& src, const memory::dims& weights, const memory::dims& dst,
    const dnnl::convolution_forward::primitive_desc& forward) {
  const memory::dims one{1, 1};
  const auto any = [](const memory::dims& dims) { return memory::desc(dims, kF32, Tag::any); };
  dnnl::primitive_attr attributes;
  attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_winograd,
                                                   any(src), any(weights), any(dst), one, one, one);
  return {desc, attributes, cpuEngine(), forward};
}

}  // namespace

bool winogradAvailable() {
  // oneDNN asks the CPU itself; cpuFlags() may be capped below it (NEURALSTYLE_CPU_ISA,
  // tests), and then its answer rules.
  if (!cpuFlags().avx512f) return false;
  static const bool available = [] {
    try {
      const memory::dims activation{1, 16, 16, 16}, weights{16, 16, 3, 3};
      const auto forward = planForward(activation, weights, activation);
      planBackwardData(activation, weights, activation, forward);
      return true;
    } catch (const dnnl::error&) {
      return false;  // no kernel for this CPU (oneDNN's Winograd needs AVX-512)
    }
  }();
  return available;
}

struct WinogradConvRelu::Impl {
  // [out, in, 3, 3] float32, in any memory layout: the caller's own tensor where it can be
  // (no copy), read once per primitive format into `reordered_weights`.
  torch::Tensor weight;
  torch::Tensor bias;    // [out]
  std::shared_ptr<WinogradWorkspace> workspace;
  mutable std::mutex mutex;
  mutable std::map<std::tuple<int64_t, int64_t, int64_t>, c10::intrusive_ptr<Plan>> plans;
  // Weights reordered into a primitive's format, shared by every plan that asks for it.
  mutable std::vector<std::pair<memory::desc, torch::Tensor>> reordered_weights;

  torch::Tensor weightsIn(const memory::desc& format) const {
    for (const auto& [desc, tensor] : reordered_weights)
      if (desc == format) return tensor;
    auto tensor = bufferFor(format);
    const auto user = memory::desc(weight.sizes().vec(), kF32, weight.strides().vec());
    dnnl::stream stream(cpuEngine());
    copy(reorderBetween(user, format), stream, view(user, weight), view(format, tensor));
    stream.wait();
    reordered_weights.emplace_back(format, tensor);
    return tensor;
  }

  c10::intrusive_ptr<Plan> planFor(int64_t n, int64_t h, int64_t w) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto key = std::make_tuple(n, h, w);
    if (const auto found = plans.find(key); found != plans.end()) return found->second;
    const int64_t out_channels = weight.size(0), in_channels = weight.size(1);
    const memory::dims src{n, in_channels, h, w}, dst{n, out_channels, h, w},
        weights{out_channels, in_channels, 3, 3};
    auto plan = c10::make_intrusive<Plan>();
    plan->user_src = nhwc(n, in_channels, h, w);
    plan->user_dst = nhwc(n, out_channels, h, w);
    plan->forward_pd = planForward(src, weights, dst);
    plan->backward_pd = planBackwardData(src, weights, dst, plan->forward_pd);
    plan->forward = dnnl::convolution_forward(plan->forward_pd);
    plan->backward = dnnl::convolution_backward_data(plan->backward_pd);
    plan->to_src = reorderBetween(plan->user_src, plan->forward_pd.src_desc());
    plan->from_dst = reorderBetween(plan->forward_pd.dst_desc(), plan->user_dst);
    plan->to_diff_dst = reorderBetween(plan->user_dst, plan->backward_pd.diff_dst_desc());
    plan->from_diff_src = reorderBetween(plan->backward_pd.diff_src_desc(), plan->user_src);
    plan->forward_weights = weightsIn(plan->forward_pd.weights_desc());
    plan->backward_weights = weightsIn(plan->backward_pd.weights_desc());
    plan->bias = bias;
    plan->workspace = workspace;
    plans.emplace(key, plan);
    return plan;
  }
};

WinogradConvRelu::WinogradConvRelu(const torch::Tensor& weight, const torch::Tensor& bias,
                                   std::shared_ptr<WinogradWorkspace> workspace)
    : impl_(std::make_unique<Impl>()) {
  impl_->workspace = std::move(workspace);
  if (!winogradAvailable())
    throw std::runtime_error("oneDNN has no Winograd convolution for this CPU (it needs AVX-512)");
  if (weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3 || !bias.defined() ||
      bias.dim() != 1 || bias.size(0) != weight.size(0) ||
      !winogradSupports(weight.size(1), weight.size(0)))
    throw std::runtime_error("Winograd convolution needs a [out, in, 3, 3] weight with "
                             "channel counts that are multiples of 16, and a [out] bias");
  torch::NoGradGuard no_grad;
  impl_->weight = weight.detach().to(torch::kCPU, torch::kFloat32);
  impl_->bias = bias.detach().to(torch::kCPU, torch::kFloat32).contiguous().clone();
}

WinogradConvRelu::~WinogradConvRelu() = default;

torch::Tensor WinogradConvRelu::forward(const torch::Tensor& input) const {
  if (input.dim() != 4 || input.size(1) != impl_->weight.size(1) || !input.device().is_cpu() ||
      input.scalar_type() != torch::kFloat32)
    throw std::runtime_error("Winograd convolution input must be float32 [N, " +
                             std::to_string(impl_->weight.size(1)) + ", H, W] on the CPU");
  const auto plan = impl_->planFor(input.size(0), input.size(2), input.size(3));
  return ConvReluFunction::apply(input, plan);
}

#endif

}  // namespace neuralstyle::detail
