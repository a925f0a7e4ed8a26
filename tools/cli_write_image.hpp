// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Writing a stylised frame so that --resume and --check can trust what they find.
#include <opencv2/core.hpp>
#include <string>

namespace neuralstyle::cli {

/// Writes `rgb` (8-bit RGB) to `path` (its extension picks the encoder) under a
/// temporary name in the same folder, then renames it: a killed run never leaves a
/// partial frame under the final name. Throws InputError.
void writeImage(const std::string& path, const cv::Mat& rgb);

}  // namespace neuralstyle::cli
