// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tensor_memory_cache.hpp"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <pthread.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>


namespace neuralstyle::detail {
namespace {

// A large block handed out inside a live scope, known by its address (nothing is written
// next to it: a pointer the table does not know is not ours to interpret).
struct Block {
  size_t bytes;
  uint64_t cache;  // the scope it returns to
  bool idle;       // freed by LibTorch, kept for the next allocation of this size
};

struct ScopeCounters {
  size_t cached_bytes = 0;
  uint64_t reuses = 0;
};

struct State {
  std::mutex mutex;  // guards everything below except tracked_count's lock-free reads
  std::unordered_map<void*, Block> blocks;  // the blocks of live scopes only
  std::atomic<size_t> tracked_count{0};     // blocks.size(): frees skip the lock at 0
  std::unordered_map<uint64_t, ScopeCounters> scopes;  // the live scopes, by id
  uint64_t next_id = 1;
  // The allocator installed before ours (LibTorch's default unless the application set
  // one): every block we do not keep comes from it and goes back through its deleter.
  // Written once before ours is installed, read-only afterwards.
  c10::Allocator* previous = nullptr;
  c10::DeleterFnPtr previous_deleter = nullptr;
};

// Never destroyed, like the allocator below: LibTorch and the application may free a
// tensor through this allocator after this library's static destructors have run at exit
// (a tensor in a static, LibTorch's own statics). Together with the library being linked
// -z nodelete (src/CMakeLists.txt: dlclose never unmaps it, since LibTorch keeps a pointer
// to the allocator for the life of the process) every call LibTorch makes finds valid state.
State& g = *new State;
thread_local uint64_t t_active_cache = 0;  // the innermost scope on this thread

void updateTrackedCount() { g.tracked_count.store(g.blocks.size()); }

// LibTorch's deleter for every block this allocator handed out, and its raw_deleter(),
// which oneDNN (ideep) calls for any block it frees, whoever allocated it.
void releaseBlock(void* data) {
  if (data == nullptr) return;
  // A block of ours was entered in the table before its pointer left allocate(), so a
  // thread freeing it sees a non-zero count; outside frames the count is 0 and frees
  // cost one atomic load more than LibTorch's own.
  if (g.tracked_count.load() != 0) {
    std::lock_guard<std::mutex> lock(g.mutex);
    const auto block = g.blocks.find(data);
    if (block != g.blocks.end()) {  // its scope is alive (the scope's end drops its blocks)
      block->second.idle = true;
      g.scopes.at(block->second.cache).cached_bytes += block->second.bytes;
      return;
    }
  }
  g.previous_deleter(data);  // allocated outside a scope, before the switch, or its scope ended
}

void* reuseBlock(uint64_t cache, size_t bytes) {
  std::lock_guard<std::mutex> lock(g.mutex);
  for (auto& [data, block] : g.blocks) {
    if (block.idle && block.cache == cache && block.bytes == bytes) {
      block.idle = false;
      auto& counters = g.scopes.at(cache);
      counters.cached_bytes -= bytes;
      ++counters.reuses;
      return data;
    }
  }
  return nullptr;
}

// Takes the scope's idle blocks (and with `end`, all its blocks and its counters) out of
// the table in one critical section: a block freed on another thread meanwhile is either
// still in the table, and idle blocks are returned here, or no longer in it, and its
// free goes to the previous allocator. Either way it is freed once.
std::vector<void*> takeBlocks(uint64_t cache, bool end) {
  std::vector<void*> idle;
  std::lock_guard<std::mutex> lock(g.mutex);
  for (auto block = g.blocks.begin(); block != g.blocks.end();) {
    if (block->second.cache == cache && (end || block->second.idle)) {
      if (block->second.idle) idle.push_back(block->first);
      block = g.blocks.erase(block);
    } else {
      ++block;
    }
  }
  updateTrackedCount();
  if (end) g.scopes.erase(cache);
  else g.scopes.at(cache).cached_bytes = 0;
  return idle;
}

c10::DataPtr ownedBy(void* data) {
  // LibTorch's CPU allocator contract: the data pointer is also the context, and the
  // deleter is raw_deleter() (raw_allocate/raw_deallocate rely on both).
  return {data, data, &releaseBlock, c10::Device(c10::DeviceType::CPU)};
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    const uint64_t cache = bytes >= kCachedBlockBytes ? t_active_cache : 0;
    if (cache == 0) return g.previous->allocate(bytes);  // as if we were not installed
    if (void* data = reuseBlock(cache, bytes)) return ownedBy(data);
    c10::DataPtr block = g.previous->allocate(bytes);
    // Only a plain block (context = data, freed by the previous raw deleter) can be kept
    // and freed later by its address alone; anything else stays the previous allocator's.
    if (block.get() == nullptr || block.get() != block.get_context() ||
        block.get_deleter() != g.previous_deleter)
      return block;
    void* data = block.get();
    {
      std::lock_guard<std::mutex> lock(g.mutex);
      g.blocks.emplace(data, Block{bytes, cache, false});  // may throw: `block` frees it
      updateTrackedCount();
    }
    block.release_context();
    return ownedBy(data);
  }

  c10::DeleterFnPtr raw_deleter() const override { return &releaseBlock; }
};

void installAllocatorOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    g.previous = c10::GetCPUAllocator();
    g.previous_deleter = g.previous->raw_deleter();
    if (g.previous_deleter == nullptr) g.previous_deleter = &c10::free_cpu;
    // fork() copies the mutex as it is: if another thread held it, the child would block
    // forever at its first large free. Holding it across fork() makes the copy unlocked.
    pthread_atfork([] { g.mutex.lock(); }, [] { g.mutex.unlock(); }, [] { g.mutex.unlock(); });
#if defined(__GLIBC__)
    // See kHeapBlockBytesMax. Process-wide, as the allocator is, and under the same switch.
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHeapBlockBytesMax));
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(kHeapTopKeptBytes));
    mallopt(M_TOP_PAD, static_cast<int>(kHeapTopKeptBytes));
#endif
    // Priority 1: above LibTorch's default (0), below an application's own choice.
    static auto* const allocator = new CachingCpuAllocator;  // never destroyed, see g
    c10::SetCPUAllocator(allocator, 1);
  });
}

}  // namespace

TensorMemoryScope::TensorMemoryScope() {
  installAllocatorOnce();
  std::lock_guard<std::mutex> lock(g.mutex);
  id_ = g.next_id++;
  g.scopes.emplace(id_, ScopeCounters{});
  previous_ = t_active_cache;
  t_active_cache = id_;
}

TensorMemoryScope::~TensorMemoryScope() {
  t_active_cache = previous_;
  // Blocks still in use are freed by the previous allocator when LibTorch releases them.
  for (void* data : takeBlocks(id_, true)) g.previous_deleter(data);
}

void TensorMemoryScope::releaseIdle() {
  for (void* data : takeBlocks(id_, false)) g.previous_deleter(data);
}

size_t TensorMemoryScope::cachedBytes() const {
  std::lock_guard<std::mutex> lock(g.mutex);
  return g.scopes.at(id_).cached_bytes;
}

uint64_t TensorMemoryScope::reuses() const {
  std::lock_guard<std::mutex> lock(g.mutex);
  return g.scopes.at(id_).reuses;
}

size_t trackedTensorBlocks() { return g.tracked_count.load(); }

}  // namespace neuralstyle::detail
