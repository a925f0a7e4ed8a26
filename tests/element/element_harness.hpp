// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The neuralstyle element in a GstHarness with its own bus, and readers for the fields
// of its element messages.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <string>

#include "element_test_support.hpp"

namespace neuralstyle::element_test {

/// An element of the plugin (neuralstyle unless named) inside a GstHarness, with a bus
/// to read its messages from.
class Harness {
 public:
  explicit Harness(const std::string& settings, const std::string& element = "neuralstyle")
      : harness_(gst_harness_new_parse((element + " name=ns " + settings).c_str())),
        bus_(gst_bus_new()) {
    gst_element_set_bus(harness_->element, bus_);
  }
  ~Harness() {
    gst_harness_teardown(harness_);
    gst_object_unref(bus_);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  GstHarness* get() const { return harness_; }

  /// Pushes a frame and pulls the result; on a failed push, fails the test with the
  /// element's error instead of waiting for the pull to time out.
  GstBuffer* process(GstBuffer* buffer) {
    const GstFlowReturn flow = gst_harness_push(harness_, buffer);
    if (flow == GST_FLOW_OK) return gst_harness_pull(harness_);
    std::string error = "none on the bus";
    if (GstMessage* message = gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR)) {
      GError* gerror = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &gerror, &debug);
      error = describeError(gerror, debug);
      g_clear_error(&gerror);
      g_free(debug);
      gst_message_unref(message);
    }
    ADD_FAILURE() << "push returned " << gst_flow_get_name(flow) << "; error: " << error;
    return nullptr;
  }
  /// process() for frames whose pixels the test does not look at.
  void processAndDrop(GstBuffer* buffer) {
    if (GstBuffer* out = process(buffer)) gst_buffer_unref(out);
  }
  GstBus* bus() const { return bus_; }
  /// The element itself (the harness wraps it in a bin).
  GstElement* element() const {
    GstElement* element = gst_bin_get_by_name(GST_BIN(harness_->element), "ns");
    gst_object_unref(element);  // the bin keeps it alive
    return element;
  }
  GstVideoInfo setCaps(const std::string& format, int width, int height) {
    const std::string caps = "video/x-raw,format=" + format + ",width=" + std::to_string(width) +
                             ",height=" + std::to_string(height) + ",framerate=30/1";
    gst_harness_set_src_caps_str(harness_, caps.c_str());
    GstVideoInfo info;
    GstCaps* parsed = gst_caps_from_string(caps.c_str());
    EXPECT_TRUE(gst_video_info_from_caps(&info, parsed));
    gst_caps_unref(parsed);
    return info;
  }

 private:
  GstHarness* harness_;
  GstBus* bus_;
};

inline guint64 uint64Field(const ElementMessage& message, const char* field) {
  guint64 value = 0;
  EXPECT_TRUE(gst_structure_get_uint64(message.structure.get(), field, &value)) << field;
  return value;
}
inline guint uintField(const ElementMessage& message, const char* field) {
  guint value = 0;
  EXPECT_TRUE(gst_structure_get_uint(message.structure.get(), field, &value)) << field;
  return value;
}
inline int intField(const ElementMessage& message, const char* field) {
  int value = 0;
  EXPECT_TRUE(gst_structure_get_int(message.structure.get(), field, &value)) << field;
  return value;
}
inline double doubleField(const ElementMessage& message, const char* field) {
  double value = 0;
  EXPECT_TRUE(gst_structure_get_double(message.structure.get(), field, &value)) << field;
  return value;
}

}  // namespace neuralstyle::element_test
