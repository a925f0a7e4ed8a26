// SPDX-License-Identifier: LGPL-2.1-or-later
// readRgbImage refuses damaged image files with an ImageError that names the file and
// says what is wrong, instead of returning a partly grey picture (OpenCV's JPEG decoder
// alone returns a truncated JPEG as if it were whole). The same reader serves the
// style image (element, CLI, library) and the CLI's content images.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "damaged_images.hpp"
#include "image_file_check.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"
#include "test_support.hpp"

using namespace neuralstyle;
namespace damaged = neuralstyle::test::damaged;

namespace {

struct DamagedCase {
  std::string name;       ///< test name and file stem
  std::string extension;  ///< as a user would have named the file
  std::function<void(const std::string&)> write;
  std::string says;  ///< part of the error after the file's name
};

std::string nameOf(const testing::TestParamInfo<DamagedCase>& info) { return info.param.name; }

class DamagedImage : public testing::TestWithParam<DamagedCase> {};

TEST_P(DamagedImage, IsRefusedWithAnErrorNamingTheFile) {
  test::TempDir dir;
  const std::string path = dir.file(GetParam().name + GetParam().extension);
  GetParam().write(path);
  try {
    const cv::Mat image = readRgbImage(path);
    FAIL() << "read a " << image.cols << "x" << image.rows << " image from " << path;
  } catch (const ImageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + path + "'"), std::string::npos) << what;
    EXPECT_NE(what.find(GetParam().says), std::string::npos) << what;
  }
}

const std::string kCorruptJpeg = "is a corrupt or truncated JPEG";
const std::string kCorruptPng = "is a corrupt or truncated PNG";

INSTANTIATE_TEST_SUITE_P(
    Files, DamagedImage,
    testing::Values(
        DamagedCase{"TruncatedJpeg", ".jpg", [](auto& p) { damaged::truncatedJpeg(p); },
                    kCorruptJpeg + ": Premature end of JPEG file"},
        DamagedCase{"JpegCutJustBeforeItsEnd", ".jpg", [](auto& p) { damaged::truncatedJpeg(p, 0.95); },
                    kCorruptJpeg + ": Premature end of JPEG file"},
        DamagedCase{"TruncatedProgressiveJpeg", ".jpg",
                    [](auto& p) { damaged::truncatedJpeg(p, 0.6, /*progressive=*/true); },
                    kCorruptJpeg + ": Premature end of JPEG file"},
        DamagedCase{"TruncatedJpegNamedPng", ".png", [](auto& p) { damaged::truncatedJpeg(p); },
                    kCorruptJpeg},  // recognised by its bytes, not its name
        DamagedCase{"JpegWithAStrayMarkerInItsScan", ".jpg", damaged::jpegWithCorruptScan,
                    kCorruptJpeg + ": Corrupt JPEG data"},
        DamagedCase{"JpegWithZeroHeight", ".jpg", damaged::jpegWithZeroHeight, kCorruptJpeg},
        DamagedCase{"PngWithBadCrc", ".png", damaged::pngWithBadCrc, kCorruptPng + ": IDAT: CRC error"},
        DamagedCase{"PngWithTruncatedIdat", ".png", damaged::pngWithTruncatedIdat,
                    kCorruptPng + ": Not enough image data"},
        DamagedCase{"TruncatedPngFile", ".png", damaged::truncatedPng, kCorruptPng},
        DamagedCase{"PngWithZeroSize", ".png", damaged::pngWithZeroSize, kCorruptPng + ": Invalid IHDR data"},
        DamagedCase{"EmptyFile", ".jpg", damaged::emptyFile, "is empty (0 bytes)"},
        DamagedCase{"Folder", ".png", [](auto& p) { std::filesystem::create_directory(p); },
                    "is a folder"},
        DamagedCase{"Missing", ".png", [](auto&) {}, "does not exist"}),
    nameOf);

// The controls: whole files of the same kinds are read, and come out the same as
// OpenCV reads them (the JPEG check only reads; it never changes the pixels).
TEST(WholeImage, BaselineAndProgressiveJpegAndPngAreRead) {
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::function<void(const std::string&)>>> files{
      {"baseline.jpg", [](auto& p) { damaged::wholeJpeg(p); }},
      {"progressive.jpg", [](auto& p) { damaged::wholeJpeg(p, /*progressive=*/true); }},
      {"whole.png", damaged::wholePng}};
  for (const auto& [name, write] : files) {
    write(dir.file(name));
    const cv::Mat rgb = readRgbImage(dir.file(name));
    EXPECT_EQ(rgb.size(), cv::Size(48, 64)) << name;
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    EXPECT_EQ(cv::norm(bgr, cv::imread(dir.file(name)), cv::NORM_INF), 0.0) << name;
  }
}

TEST(WholeImage, GrayscaleJpegIsReadAsRgb) {
  test::TempDir dir;
  cv::Mat gray(20, 30, CV_8UC1);
  cv::randu(gray, 0, 256);
  ASSERT_TRUE(cv::imwrite(dir.file("gray.jpg"), gray));
  EXPECT_EQ(readRgbImage(dir.file("gray.jpg")).type(), CV_8UC3);
}

TEST(ImageFileDamage, NamesNothingForWholeFilesAndWhatLibjpegOrLibpngSaidForDamagedOnes) {
  test::TempDir dir;
  damaged::wholeJpeg(dir.file("whole.jpg"));
  damaged::truncatedJpeg(dir.file("cut.jpg"));
  damaged::wholePng(dir.file("whole.png"));
  damaged::pngWithBadCrc(dir.file("bad-crc.png"));
  EXPECT_EQ(neuralstyle::detail::imageFileDamage(dir.file("whole.jpg")), "");
  EXPECT_EQ(neuralstyle::detail::imageFileDamage(dir.file("cut.jpg")), "a corrupt or truncated JPEG: Premature end of JPEG file");
  EXPECT_EQ(neuralstyle::detail::imageFileDamage(dir.file("whole.png")), "");
  EXPECT_EQ(neuralstyle::detail::imageFileDamage(dir.file("bad-crc.png")), "a corrupt or truncated PNG: IDAT: CRC error");
  // Other formats are left to OpenCV.
  ASSERT_TRUE(cv::imwrite(dir.file("whole.bmp"), damaged::picture()));
  EXPECT_EQ(neuralstyle::detail::imageFileDamage(dir.file("whole.bmp")), "");
}

TEST(ImageFileDamage, ABadCrcInAnAncillaryPngChunkLeavesTheImageWhole) {
  test::TempDir dir;
  damaged::pngWithBadTextChunkCrc(dir.file("text.png"));
  EXPECT_EQ(neuralstyle::detail::imageFileDamage(dir.file("text.png")), "");
  EXPECT_EQ(readRgbImage(dir.file("text.png")).size(), cv::Size(48, 64));
}

}  // namespace
