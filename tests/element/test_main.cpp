// SPDX-License-Identifier: LGPL-2.1-or-later
// GoogleTest main for the element and pipeline suites: GStreamer must be initialised
// before any test makes an element.
#include <gst/gst.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
