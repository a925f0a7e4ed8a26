// SPDX-License-Identifier: LGPL-2.1-or-later
#include "winograd_f43.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "winograd_f43_kernels.hpp"

#ifdef NEURALSTYLE_HAVE_ONEDNN
#include <dnnl.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace neuralstyle::detail {
namespace {

// U = G g G^T for every (out, in) filter, as 36 matrices [in][out]: the GEMM's right-hand
// side. Accumulated in double (G's sixths and twenty-fourths are not exact in float); plain
// loops, since a 512x512 layer's 262,144 tiny products are a poor shape for any library
// call (torch::mm took half a second there).
torch::Tensor transformFilters(const torch::Tensor& weight) {
  static constexpr double G[6][3] = {{1.0 / 4, 0.0, 0.0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0.0, 0.0, 1.0}};
  const auto g = weight.to(torch::kFloat32).contiguous();
  const int64_t out = g.size(0), in = g.size(1);
  auto u = torch::empty({36, in, out}, torch::kFloat32);
  const float* source = g.data_ptr<float>();
  float* target = u.data_ptr<float>();
  // Output channels innermost: each of the 36 matrices is written in order.
  at::parallel_for(0, in, 4, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      for (int64_t k = 0; k < out; ++k) {
        const float* filter = source + (k * in + c) * 9;
        double rows[6][3];  // G g
        for (int a = 0; a < 6; ++a)
          for (int j = 0; j < 3; ++j)
            rows[a][j] = G[a][0] * filter[j] + G[a][1] * filter[3 + j] + G[a][2] * filter[6 + j];
        for (int a = 0; a < 6; ++a)
          for (int b = 0; b < 6; ++b)
            target[((a * 6 + b) * in + c) * out + k] = static_cast<float>(
                rows[a][0] * G[b][0] + rows[a][1] * G[b][1] + rows[a][2] * G[b][2]);
      }
    }
  });
  return u;
}

// Inside at::parallel_for's workers, GEMMs must run on their own thread: oneDNN sizes its
// team by omp_get_max_threads(), which a worker inherits from the caller, and workers that
// each start a team of their own oversubscribe the cores and run slower than one thread
// alone (docs/performance.md, "Per CPU kind"). Outside (a range too short to split runs
// inline) the GEMM keeps every thread.
class OneThreadInWorkers {
 public:
  OneThreadInWorkers() {
#ifdef _OPENMP
    if (at::in_parallel_region()) {
      saved_ = omp_get_max_threads();
      omp_set_num_threads(1);
    }
#endif
  }
  ~OneThreadInWorkers() {
#ifdef _OPENMP
    if (saved_ > 0) omp_set_num_threads(saved_);
#endif
  }
  OneThreadInWorkers(const OneThreadInWorkers&) = delete;
  OneThreadInWorkers& operator=(const OneThreadInWorkers&) = delete;

 private:
  int saved_ = 0;
};

// C[rows x cols] = A[rows x depth] * B[depth x cols] (row-major, B's rows `ldb` apart).
void multiply(int64_t rows, int64_t cols, int64_t depth, const float* a, const float* b,
              int64_t ldb, float* c) {
  const OneThreadInWorkers one_thread;
#ifdef NEURALSTYLE_HAVE_ONEDNN
  const auto status = dnnl_sgemm('N', 'N', rows, cols, depth, 1.f, a, depth, b, ldb, 0.f, c, cols);
  if (status != dnnl_success) throw std::runtime_error("oneDNN's sgemm failed");
#else
  const auto options = torch::TensorOptions(torch::kFloat32);
  auto result = torch::from_blob(c, {rows, cols}, options);
  at::mm_out(result, torch::from_blob(const_cast<float*>(a), {rows, depth}, options),
             torch::from_blob(const_cast<float*>(b), {depth, cols}, {ldb, 1}, options));
#endif
}

// Tiles per block: V and M of a block should stay in a core's L2 cache (about 1 MB) while
// the GEMM reads them, but a block of fewer than 32 rows runs the GEMM far below its rate.
int64_t tilesPerBlock(int64_t in_channels, int64_t slice) {
  constexpr int64_t kCacheBytes = 1 << 20;
  const int64_t per_tile = 36 * (in_channels + slice) * static_cast<int64_t>(sizeof(float));
  return std::clamp<int64_t>(kCacheBytes / per_tile, 32, 512);
}

// The sizes of one convolution's tiles.
struct Geometry {
  WinogradTileGrid input, output;
  int64_t tiles;  // of the whole batch
};

// Many tiles (early layers): each thread takes whole blocks of tiles through all three
// stages, so that a block's V and M never leave its core's cache.
void convolveByBlocks(const float* image, const Geometry& g, const float* filters,
                      const float* bias, bool relu, const WinogradF43Kernels& kernels,
                      float* output) {
  const int64_t in = g.input.channels, out = g.output.channels;
  const int64_t block = tilesPerBlock(in, out), blocks = (g.tiles + block - 1) / block;
  at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> v(static_cast<size_t>(36 * block * in));
    std::vector<float> m(static_cast<size_t>(36 * block * out));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t first = item * block, count = std::min(block, g.tiles - first);
      kernels.transform_input(image, g.input, first, count, v.data());
      for (int p = 0; p < 36; ++p)
        multiply(count, out, in, v.data() + p * count * in, filters + p * in * out, out,
                 m.data() + p * count * out);
      kernels.transform_output(m.data(), g.output, 0, out, bias, relu, first, count, output);
    }
  });
}

// Few tiles and many channels (deep layers): the filters are the bulk of the data. All
// tiles are transformed at once, and each thread multiplies whole tile positions, so
// that every transformed filter is read once.
void convolveByPositions(const float* image, const Geometry& g, const float* filters,
                         const float* bias, bool relu, const WinogradF43Kernels& kernels,
                         float* output) {
  const int64_t in = g.input.channels, out = g.output.channels, tiles = g.tiles;
  std::vector<float> v(static_cast<size_t>(36 * tiles * in));
  std::vector<float> m(static_cast<size_t>(36 * tiles * out));
  // Within these loops a block of 16 tiles is the unit, whatever the thread count.
  const int64_t chunks = (tiles + 15) / 16;
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> local(static_cast<size_t>(36 * 16 * in));
    for (int64_t chunk = begin; chunk < end; ++chunk) {
      const int64_t first = chunk * 16, count = std::min<int64_t>(16, tiles - first);
      kernels.transform_input(image, g.input, first, count, local.data());
      for (int p = 0; p < 36; ++p)
        std::copy_n(local.data() + p * count * in, count * in, v.data() + (p * tiles + first) * in);
    }
  });
  at::parallel_for(0, 36, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p)
      multiply(tiles, out, in, v.data() + p * tiles * in, filters + p * in * out, out,
               m.data() + p * tiles * out);
  });
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> local(static_cast<size_t>(36 * 16 * out));
    for (int64_t chunk = begin; chunk < end; ++chunk) {
      const int64_t first = chunk * 16, count = std::min<int64_t>(16, tiles - first);
      for (int p = 0; p < 36; ++p)
        std::copy_n(m.data() + (p * tiles + first) * out, count * out, local.data() + p * count * out);
      kernels.transform_output(local.data(), g.output, 0, out, bias, relu, first, count, output);
    }
  });
}

// The convolution of a channels-last image with transformed filters `u` [36][in][out].
torch::Tensor convolve(const torch::Tensor& image, const torch::Tensor& u, const float* bias,
                       bool relu, int64_t pad, const WinogradF43Kernels& kernels) {
  const int64_t n = image.size(0), in = image.size(1), height = image.size(2),
                width = image.size(3), out = u.size(2);
  const int64_t out_h = height + 2 * pad - 2, out_w = width + 2 * pad - 2;
  const int64_t tiles_y = (out_h + 3) / 4, tiles_x = (out_w + 3) / 4;
  const Geometry g{{height, width, in, tiles_y, tiles_x, tiles_y * tiles_x, pad},
                   {out_h, out_w, out, tiles_y, tiles_x, tiles_y * tiles_x, 0},
                   n * tiles_y * tiles_x};
  auto output = torch::empty({n, out, out_h, out_w}, torch::TensorOptions(torch::kFloat32)
                                                         .memory_format(at::MemoryFormat::ChannelsLast));
  // By blocks is faster from about four blocks a thread; by positions below, where the
  // blocks would be too few to share out (2 threads, AVX-512 and AVX2: docs/performance.md,
  // "Per CPU kind").
  const bool by_blocks = g.tiles >= 4 * at::get_num_threads() * tilesPerBlock(in, out);
  (by_blocks ? convolveByBlocks : convolveByPositions)(image.data_ptr<float>(), g,
                                                       u.data_ptr<float>(), bias, relu, kernels,
                                                       output.data_ptr<float>());
  return output;
}

}  // namespace

struct WinogradF43Conv::Impl : torch::CustomClassHolder {
  torch::Tensor weight;  // [out, in, 3, 3] float32: the backward's filters are made from it
  torch::Tensor bias;    // [out] contiguous, or undefined
  torch::Tensor forward_filters;
  int64_t pad = 1;
  bool relu = true;

  torch::Tensor run(const torch::Tensor& input, CpuIsa isa) const {
    const auto image = input.contiguous(at::MemoryFormat::ChannelsLast);
    return convolve(image, forward_filters, bias.defined() ? bias.data_ptr<float>() : nullptr,
                    relu, pad, winogradF43Kernels(isa));
  }

  std::once_flag backward_once;
  torch::Tensor backward_filters;  // of flip(weight) transposed: made at the first backward

  // The gradient of conv(x) with respect to x: the full correlation of the output's
  // gradient with the flipped filters, in and out swapped; padding 2 - pad restores the
  // input's size. (The exact adjoint of the forward's stages would reuse its filters and
  // halve the memory, but made a VGG19 step slower: its overlapping tiles add into the
  // gradient two tile rows at a time; docs/performance.md, "Per CPU kind".)
  torch::Tensor inputGradient(const torch::Tensor& grad_output, CpuIsa isa) {
    std::call_once(backward_once, [&] {
      torch::NoGradGuard no_grad;
      backward_filters = transformFilters(weight.flip({2, 3}).transpose(0, 1));
    });
    const auto grad = grad_output.contiguous(at::MemoryFormat::ChannelsLast);
    return convolve(grad, backward_filters, nullptr, false, 2 - pad, winogradF43Kernels(isa));
  }
};

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct WinogradF43Function : public torch::autograd::Function<WinogradF43Function> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input,
                               const c10::intrusive_ptr<WinogradF43Conv::Impl>& impl,
                               int64_t isa) {
    auto output = impl->run(input, static_cast<CpuIsa>(isa));
    if (impl->relu) ctx->save_for_backward({output});
    ctx->saved_data["impl"] = c10::IValue::make_capsule(impl);
    ctx->saved_data["isa"] = isa;
    return output;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto impl = c10::static_intrusive_pointer_cast<WinogradF43Conv::Impl>(
        ctx->saved_data["impl"].toCapsule());
    const auto isa = static_cast<CpuIsa>(ctx->saved_data["isa"].toInt());
    auto grad = grad_outputs[0];
    // Through the ReLU first: its gradient passes only where the output is positive.
    if (impl->relu) grad = torch::threshold_backward(grad, ctx->get_saved_variables()[0], 0);
    return {impl->inputGradient(grad, isa), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

WinogradF43Conv::WinogradF43Conv(const torch::Tensor& weight, const torch::Tensor& bias,
                                 int64_t padding, bool relu)
    : impl_(c10::make_intrusive<Impl>()) {
  if (weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3 ||
      (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0))))
    throw std::runtime_error("Winograd F(4x4, 3x3) needs a [out, in, 3, 3] weight and an [out] bias");
  if (padding != 0 && padding != 1)
    throw std::runtime_error("Winograd F(4x4, 3x3) takes padding 0 or 1, not " +
                             std::to_string(padding));
  torch::NoGradGuard no_grad;
  impl_->weight = weight.detach().to(torch::kCPU, torch::kFloat32).contiguous().clone();
  if (bias.defined()) impl_->bias = bias.detach().to(torch::kCPU, torch::kFloat32).contiguous().clone();
  impl_->forward_filters = transformFilters(impl_->weight);
  impl_->pad = padding;
  impl_->relu = relu;
}

WinogradF43Conv::~WinogradF43Conv() = default;

torch::Tensor WinogradF43Conv::forward(const torch::Tensor& input) const {
  return forward(input, cpuFlags().isa());
}

torch::Tensor WinogradF43Conv::forward(const torch::Tensor& input, CpuIsa isa) const {
  const int64_t in = impl_->weight.size(1), side = 3 - 2 * impl_->pad;
  if (input.dim() != 4 || input.size(1) != in || !input.device().is_cpu() ||
      input.scalar_type() != torch::kFloat32 || input.size(2) < side || input.size(3) < side)
    throw std::runtime_error("Winograd F(4x4, 3x3) input must be float32 [N, " + std::to_string(in) +
                             ", H, W] on the CPU, H and W at least " + std::to_string(side));
  const auto chosen = runnableIsa(isa);  // never a kernel the CPU lacks
  // oneDNN's GEMM and ATen take their thread count from this thread's OpenMP setting.
  at::internal::lazy_init_num_threads();
  return WinogradF43Function::apply(input, impl_, static_cast<int64_t>(chosen));
}

}  // namespace neuralstyle::detail
