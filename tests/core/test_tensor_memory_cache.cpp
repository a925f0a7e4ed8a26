// TensorMemoryScope: LibTorch's large CPU buffers are reused within a scope, on its thread.
#include <gtest/gtest.h>
#include <c10/core/CPUAllocator.h>
#include <thread>
#include <torch/torch.h>

#include "tensor_memory_cache.hpp"  // internal: tested directly

using neuralstyle::detail::TensorMemoryScope;

namespace {

constexpr int64_t kLargeFloats = (40 << 20) / 4;  // 40 MB: above glibc's mmap threshold
constexpr size_t kLargeBytes = 40u << 20;

}  // namespace

TEST(TensorMemoryScope, ReusesAFreedLargeBlockOfTheSameSize) {
  TensorMemoryScope scope;
  auto first = torch::full({kLargeFloats}, 1.0f);
  const void* address = first.data_ptr();
  first.reset();
  EXPECT_EQ(scope.cachedBytes(), kLargeBytes);
  const auto second = torch::full({kLargeFloats}, 2.0f);
  EXPECT_EQ(second.data_ptr(), address);
  EXPECT_EQ(scope.reuses(), 1u);
  EXPECT_EQ(scope.cachedBytes(), 0u);
  EXPECT_EQ(second.sum().item<double>(), 2.0 * kLargeFloats);  // really rewritten
}

TEST(TensorMemoryScope, LeavesSmallBlocksAndOtherSizesAlone) {
  TensorMemoryScope scope;
  torch::empty({(16 << 20) / 4});  // 16 MB: glibc's heap reuses it by itself
  EXPECT_EQ(scope.cachedBytes(), 0u);
  torch::empty({kLargeFloats});
  EXPECT_EQ(scope.cachedBytes(), kLargeBytes);
  const auto larger = torch::empty({kLargeFloats + 1024});
  EXPECT_EQ(scope.reuses(), 0u) << "a block must not serve another size";
  EXPECT_EQ(scope.cachedBytes(), kLargeBytes);
}

TEST(TensorMemoryScope, ReleaseIdleEmptiesTheCache) {
  TensorMemoryScope scope;
  torch::empty({kLargeFloats});
  ASSERT_EQ(scope.cachedBytes(), kLargeBytes);
  scope.releaseIdle();
  EXPECT_EQ(scope.cachedBytes(), 0u);
  torch::empty({kLargeFloats});
  EXPECT_EQ(scope.reuses(), 0u);
}

TEST(TensorMemoryScope, OtherThreadsAreNotAffected) {
  TensorMemoryScope scope;
  std::thread other([] { torch::empty({kLargeFloats}); });
  other.join();
  EXPECT_EQ(scope.cachedBytes(), 0u);
}

TEST(TensorMemoryScope, BlocksOutliveTheirScopeAndNestedScopesKeepTheirOwn) {
  torch::Tensor survivor;
  {
    TensorMemoryScope outer;
    survivor = torch::full({kLargeFloats}, 3.0f);
    {
      TensorMemoryScope inner;
      torch::empty({kLargeFloats});
      EXPECT_EQ(inner.cachedBytes(), kLargeBytes);
      EXPECT_EQ(outer.cachedBytes(), 0u);
    }
    torch::empty({kLargeFloats});
    EXPECT_EQ(outer.cachedBytes(), kLargeBytes) << "the outer scope is active again";
  }
  EXPECT_EQ(survivor.sum().item<double>(), 3.0 * kLargeFloats);
  survivor.reset();  // its scope is gone: freed at once
}

TEST(TensorMemoryScope, OutsideAScopeLibTorchAllocatesAsBefore) {
  { TensorMemoryScope installs_the_allocator; }
  const auto tensor = torch::arange(kLargeFloats, torch::kFloat32);
  EXPECT_EQ(tensor[kLargeFloats - 1].item<float>(), static_cast<float>(kLargeFloats - 1));
  // oneDNN's buffers go through the raw interface: it must round-trip.
  c10::Allocator* allocator = c10::GetCPUAllocator();
  void* raw = allocator->raw_allocate(kLargeBytes);
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(raw) % 64, 0u) << "LibTorch expects 64-byte alignment";
  static_cast<char*>(raw)[kLargeBytes - 1] = 1;
  allocator->raw_deallocate(raw);
}
