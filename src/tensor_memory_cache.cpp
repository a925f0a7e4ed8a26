#include "tensor_memory_cache.hpp"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <map>
#include <mutex>
#include <unordered_map>

namespace neuralstyle::detail {
namespace {

// In front of the data LibTorch sees: the block's size and the cache it returns to
// (0 = none, freed at once). 64 bytes keep the data at LibTorch's 64-byte alignment.
struct alignas(64) BlockHeader {
  size_t bytes;
  uint64_t cache;
};
static_assert(sizeof(BlockHeader) == 64, "the header must keep the data 64-byte aligned");

struct Cache {
  std::multimap<size_t, BlockHeader*> free_blocks;  // by size
  size_t cached_bytes = 0;
  uint64_t reuses = 0;
};

std::mutex g_mutex;                             // guards g_caches and g_next_id
std::unordered_map<uint64_t, Cache> g_caches;  // the live scopes' caches, by id
uint64_t g_next_id = 1;
thread_local uint64_t t_active_cache = 0;       // the innermost scope on this thread

void releaseBlock(void* data) {
  if (data == nullptr) return;
  BlockHeader* header = static_cast<BlockHeader*>(data) - 1;
  if (header->cache != 0) {
    std::lock_guard<std::mutex> lock(g_mutex);
    const auto cache = g_caches.find(header->cache);
    if (cache != g_caches.end()) {
      cache->second.free_blocks.emplace(header->bytes, header);
      cache->second.cached_bytes += header->bytes;
      return;
    }
  }
  c10::free_cpu(header);  // small, allocated outside a scope, or its scope has ended
}

BlockHeader* reuseBlock(uint64_t cache_id, size_t bytes) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const auto cache = g_caches.find(cache_id);
  if (cache == g_caches.end()) return nullptr;
  const auto block = cache->second.free_blocks.find(bytes);
  if (block == cache->second.free_blocks.end()) return nullptr;
  BlockHeader* header = block->second;
  cache->second.free_blocks.erase(block);
  cache->second.cached_bytes -= bytes;
  ++cache->second.reuses;
  return header;
}

// LibTorch's CPU allocator contract: allocate() always attaches raw_deleter(), and the
// data pointer is also the context (oneDNN's buffers go through raw_allocate).
class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    const uint64_t cache = bytes >= kCachedBlockBytes ? t_active_cache : 0;
    BlockHeader* header = cache != 0 ? reuseBlock(cache, bytes) : nullptr;
    if (header == nullptr) {
      header = static_cast<BlockHeader*>(c10::alloc_cpu(sizeof(BlockHeader) + bytes));
      header->bytes = bytes;
      header->cache = cache;
    }
    void* data = header + 1;
    return {data, data, &releaseBlock, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &releaseBlock; }
};

void installAllocatorOnce() {
  static CachingCpuAllocator allocator;
  static std::once_flag once;
  // Priority 1: above LibTorch's default (0), below an application's own choice.
  std::call_once(once, [] { c10::SetCPUAllocator(&allocator, 1); });
}

}  // namespace

TensorMemoryScope::TensorMemoryScope() {
  installAllocatorOnce();
  std::lock_guard<std::mutex> lock(g_mutex);
  id_ = g_next_id++;
  g_caches.emplace(id_, Cache{});
  previous_ = t_active_cache;
  t_active_cache = id_;
}

TensorMemoryScope::~TensorMemoryScope() {
  t_active_cache = previous_;
  releaseIdle();
  std::lock_guard<std::mutex> lock(g_mutex);
  g_caches.erase(id_);  // blocks still in use are freed when they are released
}

void TensorMemoryScope::releaseIdle() {
  std::multimap<size_t, BlockHeader*> blocks;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto& cache = g_caches.at(id_);
    blocks.swap(cache.free_blocks);
    cache.cached_bytes = 0;
  }
  for (const auto& [bytes, header] : blocks) c10::free_cpu(header);
}

size_t TensorMemoryScope::cachedBytes() const {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_caches.at(id_).cached_bytes;
}

uint64_t TensorMemoryScope::reuses() const {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_caches.at(id_).reuses;
}

}  // namespace neuralstyle::detail
