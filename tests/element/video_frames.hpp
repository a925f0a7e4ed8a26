// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Frames for the video tests: a smooth texture that optical flow can follow, moved a
// little from frame to frame, and an unrelated picture for a scene cut.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cmath>

namespace neuralstyle::element_test {

constexpr GstClockTime kVideoFrameDuration = 40 * GST_MSECOND;  // 25 fps

enum class Picture {
  Texture,  ///< smooth waves in three colours, moved `shift` pixels to the right
  Checker,  ///< black and white squares of 4 pixels: nothing like Texture
};

/// An RGB frame (`width` * 3 a multiple of 4: no row padding) stamped as frame `index`
/// of a 25 fps stream.
inline GstBuffer* videoFrame(int width, int height, int index, Picture picture = Picture::Texture,
                             double shift = 0) {
  EXPECT_EQ(width * 3 % 4, 0) << "choose a width whose RGB rows need no padding";
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, static_cast<gsize>(width) * height * 3, nullptr);
  GstMapInfo map;
  EXPECT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_WRITE));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      guint8* pixel = map.data + (static_cast<gsize>(y) * width + x) * 3;
      if (picture == Picture::Checker) {
        const guint8 value = ((x / 4 + y / 4) % 2) ? 255 : 0;
        pixel[0] = pixel[1] = pixel[2] = value;
        continue;
      }
      const double u = x - shift;
      pixel[0] = static_cast<guint8>(128 + 60 * std::sin(u * 0.4) * std::cos(y * 0.3));
      pixel[1] = static_cast<guint8>(128 + 60 * std::cos(u * 0.25 + y * 0.2));
      pixel[2] = static_cast<guint8>(128 + 60 * std::sin((u + y) * 0.15));
    }
  gst_buffer_unmap(buffer, &map);
  GST_BUFFER_PTS(buffer) = index * kVideoFrameDuration;
  GST_BUFFER_DURATION(buffer) = kVideoFrameDuration;
  return buffer;
}

}  // namespace neuralstyle::element_test
