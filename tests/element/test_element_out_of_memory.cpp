// SPDX-License-Identifier: LGPL-2.1-or-later
// Running out of memory while the element holds its object lock. This executable
// replaces the global operator new (for itself and the plugin it loads) with one that
// can be told to fail one allocation of a given size on the calling thread, and makes
// the copy of the settings at the start of a frame fail: the frame must end in a bus
// ERROR, not in a deadlock on the lock that the exception left held.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "element_harness.hpp"
#include "element_test_support.hpp"

namespace {
/// The size of the next allocation to fail on this thread; 0: none.
thread_local std::size_t fail_allocation_of = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (size != 0 && size == fail_allocation_of) {
    fail_allocation_of = 0;
    throw std::bad_alloc();
  }
  if (void* memory = std::malloc(size ? size : 1)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace neuralstyle::element_test {
namespace {

TEST(ElementOutOfMemory, ABadAllocCopyingTheSettingsIsAnErrorNotADeadlock) {
  TempDir dir;
  writeStyle(dir);
  // The same file through a path long enough that copying it allocates a size that
  // nothing else on the frame's path asks for.
  std::string long_path = dir.path().string() + "/";
  for (int i = 0; i < 1000; ++i) long_path += "./";
  long_path += "style.png";
  Harness harness("style-location=" + long_path + " " + fastSettings() + " steps=1");
  harness.setCaps("RGB", 32, 32);
  GstBuffer* first = harness.process(gst_buffer_new_allocate(nullptr, 32 * 32 * 3, nullptr));
  ASSERT_NE(first, nullptr) << "the long path does not work at all";
  gst_buffer_unref(first);

  fail_allocation_of = long_path.size() + 1;
  const GstFlowReturn flow =
      gst_harness_push(harness.get(), gst_buffer_new_allocate(nullptr, 32 * 32 * 3, nullptr));
  const bool failed_as_planned = fail_allocation_of == 0;
  fail_allocation_of = 0;
  ASSERT_TRUE(failed_as_planned) << "no allocation of the path's size happened";
  EXPECT_EQ(flow, GST_FLOW_ERROR);
  GstMessage* message = gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_ERROR);
  ASSERT_NE(message, nullptr);
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  EXPECT_NE(std::string(debug ? debug : "").find("bad_alloc"), std::string::npos) << describeError(error, debug);
  g_clear_error(&error);
  g_free(debug);
  gst_message_unref(message);

  // The lock was released: the properties still answer.
  guint steps = 0;
  g_object_get(harness.element(), "steps", &steps, nullptr);
  EXPECT_EQ(steps, 1u);
}

}  // namespace
}  // namespace neuralstyle::element_test
