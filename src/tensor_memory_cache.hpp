// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Reuse of LibTorch's large CPU buffers across optimisation steps.
//
// Every step allocates and frees the same large activations and gradients. glibc maps each
// block above 32 MB (its largest dynamic mmap threshold) fresh from the kernel and unmaps
// it when freed, so every step pays page faults and page zeroing for them again (perf:
// clear_page, exc_page_fault). Smaller blocks glibc reuses from its heap by itself. While
// a TensorMemoryScope is alive on a thread, LibTorch's CPU allocations above 32 MB made on
// that thread come from, and go back to, a cache of freed blocks of the same size. The
// owner empties the cache where the live memory peaks (releaseIdle) and the scope's end
// empties it too, so memory falls back between frames. That saves most of those faults
// for a little more peak memory. (Caching from 1 MB up saved more faults but raised the
// peak far more: blocks of one size idle while others are needed.) The measurements:
// docs/performance.md, "What makes it fast".
//
// The first scope installs a CPU allocator for LibTorch process-wide (once, priority 1).
// It never writes anything beside the memory it hands out: the blocks of live scopes are
// known by their address in a table, and every other allocation and free goes to the
// allocator that was installed before it (LibTorch's default: c10::alloc_cpu and
// c10::free_cpu), so a block allocated before the switch (oneDNN frees through whatever
// allocator is installed at free time) or outside a scope is freed exactly as before.
#include <cstddef>
#include <cstdint>

namespace neuralstyle::detail {

/// Smallest allocation that is cached: glibc serves smaller ones from its heap itself.
constexpr size_t kCachedBlockBytes = (size_t{32} << 20) + 1;

/// glibc's thresholds, pinned when the allocator is installed: blocks up to 32 MB come
/// from the heap (above: mmap, unless the free top of the heap holds them), the heap
/// keeps up to 64 MB free at its top,
/// and a trim leaves 64 MB (M_TOP_PAD). These are the largest values glibc's own adaptive
/// thresholds reach (they start at 128 kB and 256 kB and grow only as mmapped blocks are
/// freed); left to adapt, the heap gave memory back within a step and the next step
/// faulted it in again (SqueezeNet at 192 px: 700 to 1300 page faults a step, half the
/// step's time on this VM; pinned, about 100, and the peak RSS 227 MB against 219 MB).
/// The top pad matters where the same few-MB blocks come and go (a feed-forward network's
/// activations): without it the width-16 TransformerNet at 640x360 still faulted in
/// about 9 000 pages a frame, with it about 1 000. VGG19's steps were not changed by either.
constexpr size_t kHeapBlockBytesMax = size_t{32} << 20;
constexpr size_t kHeapTopKeptBytes = size_t{64} << 20;

class TensorMemoryScope {
 public:
  TensorMemoryScope();
  ~TensorMemoryScope();
  TensorMemoryScope(const TensorMemoryScope&) = delete;
  TensorMemoryScope& operator=(const TensorMemoryScope&) = delete;

  /// Frees the blocks the cache holds now. Called where the live memory peaks (between a
  /// step's forward and backward pass): blocks idle there would only add to the peak.
  void releaseIdle();

  /// Bytes of freed blocks the cache holds now, and allocations it served from them.
  size_t cachedBytes() const;
  uint64_t reuses() const;

 private:
  uint64_t id_;
  uint64_t previous_;  // the scope this one nests in on this thread (0 = none)
};

/// Large blocks of live scopes the allocator knows, in use or cached (for tests).
size_t trackedTensorBlocks();

}  // namespace neuralstyle::detail
