// SPDX-License-Identifier: LGPL-2.1-or-later
// Pixel formats, processing sizes and tensor conversion.
#include <fstream>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "test_support.hpp"

using namespace neuralstyle;

TEST(ProcessingSize, BoundsTheLongestSideAndKeepsAspect) {
  EXPECT_EQ(processingSize({800, 600}, 400), cv::Size(400, 300));
  EXPECT_EQ(processingSize({600, 800}, 400), cv::Size(300, 400));
  EXPECT_EQ(processingSize({385, 289}, 400), cv::Size(385, 289));  // never enlarged
  EXPECT_EQ(processingSize({385, 289}, 64), cv::Size(64, 48));
}

TEST(ProcessingSize, TooSmallImagesAreAClearError) {
  EXPECT_THROW(processingSize({1, 1}, 400), ImageError);
  EXPECT_THROW(processingSize({3, 7}, 400), ImageError);
  EXPECT_THROW(processingSize({0, 0}, 400), ImageError);
  EXPECT_THROW(processingSize({1000, 20}, 400), ImageError);  // 400x8 after scaling
  try {
    processingSize({3, 7}, 400);
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find("3x7"), std::string::npos) << e.what();
  }
}

TEST(WorkableMaxSize, IsMaxSizeWhereItWorksElseTheSmallestThatDoes) {
  EXPECT_EQ(workableMaxSize({800, 600}, 400), 400);
  EXPECT_EQ(workableMaxSize({385, 289}, 16), 21);  // 21x16; 20 would give 20x15
  EXPECT_EQ(workableMaxSize({40, 16}, 32), 39);    // 39x16 (15.6 rounds up)
  EXPECT_EQ(workableMaxSize({16, 64}, 16), 62);    // 16x62 (15.5 rounds up)
  // Wherever it is raised, one less fails and the raised value works.
  for (const cv::Size image : {cv::Size(1000, 20), cv::Size(64, 17), cv::Size(301, 47),
                               cv::Size(17, 300), cv::Size(1920, 1080)})
    for (const int max_size : {16, 17, 31, 64, 100}) {
      SCOPED_TRACE(std::to_string(image.width) + "x" + std::to_string(image.height) + " at " +
                   std::to_string(max_size));
      const int workable = workableMaxSize(image, max_size);
      EXPECT_GE(workable, max_size);
      EXPECT_NO_THROW(processingSize(image, workable));
      if (workable > max_size) EXPECT_THROW(processingSize(image, workable - 1), ImageError);
    }
}

TEST(WorkableMaxSize, ImagesSmallerThanVgg19AcceptsAreAClearError) {
  EXPECT_THROW(workableMaxSize({15, 400}, 400), ImageError);
  EXPECT_THROW(workableMaxSize({0, 0}, 400), ImageError);
}

TEST(ToRgb, EveryFormatPutsRedWhereItWas) {
  // One red pixel, one blue pixel, expressed in each byte order.
  struct Case {
    PixelFormat format;
    std::vector<uchar> red, blue;
  };
  const std::vector<Case> cases = {
      {PixelFormat::RGB, {255, 0, 0}, {0, 0, 255}},
      {PixelFormat::BGR, {0, 0, 255}, {255, 0, 0}},
      {PixelFormat::RGBA, {255, 0, 0, 9}, {0, 0, 255, 9}},
      {PixelFormat::BGRA, {0, 0, 255, 9}, {255, 0, 0, 9}},
      {PixelFormat::ARGB, {9, 255, 0, 0}, {9, 0, 0, 255}},
      {PixelFormat::ABGR, {9, 0, 0, 255}, {9, 255, 0, 0}},
  };
  for (const auto& c : cases) {
    const int channels = channelCount(c.format);
    cv::Mat image(1, 2, CV_8UC(channels));
    for (int k = 0; k < channels; ++k) {
      image.ptr<uchar>(0)[k] = c.red[k];
      image.ptr<uchar>(0)[channels + k] = c.blue[k];
    }
    const cv::Mat rgb = toRgb(image, c.format);
    EXPECT_EQ(rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 0, 0)) << toString(c.format);
    EXPECT_EQ(rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(0, 0, 255)) << toString(c.format);
    // And back: the same bytes, the fourth byte carried over from the original.
    const cv::Mat back = fromRgb(rgb, c.format, image);
    EXPECT_EQ(cv::norm(back, image, cv::NORM_INF), 0) << toString(c.format);
  }
}

TEST(ToRgb, GrayBecomesThreeEqualChannels) {
  cv::Mat gray(2, 2, CV_8UC1, cv::Scalar(77));
  const cv::Mat rgb = toRgb(gray, PixelFormat::Gray);
  EXPECT_EQ(rgb.at<cv::Vec3b>(1, 1), cv::Vec3b(77, 77, 77));
  EXPECT_EQ(cv::norm(fromRgb(rgb, PixelFormat::Gray), gray, cv::NORM_INF), 0);
}

TEST(ToRgb, FourthByteIsOpaqueWithoutAnOriginal) {
  cv::Mat rgb(1, 1, CV_8UC3, cv::Scalar(1, 2, 3));
  const cv::Mat argb = fromRgb(rgb, PixelFormat::ARGB);
  EXPECT_EQ(argb.at<cv::Vec4b>(0, 0), cv::Vec4b(255, 1, 2, 3));
}

TEST(ToRgb, BadInputIsAnImageError) {
  EXPECT_THROW(toRgb(cv::Mat(), PixelFormat::RGB), ImageError);
  EXPECT_THROW(toRgb(cv::Mat(4, 4, CV_8UC3), PixelFormat::RGBA), ImageError);
  EXPECT_THROW(toRgb(cv::Mat(4, 4, CV_8UC1), PixelFormat::BGR), ImageError);
  EXPECT_THROW(toRgb(cv::Mat(4, 4, CV_32FC3), PixelFormat::RGB), ImageError);
}

TEST(ToRgb, HonoursTheRowStrideOfAView) {
  // A view into a wider image: stride != width * channels.
  cv::Mat wide = test::syntheticRgb({37, 29}, 3);
  cv::Mat view = wide(cv::Rect(5, 2, 21, 17));
  ASSERT_FALSE(view.isContinuous());
  const cv::Mat rgb = toRgb(view, PixelFormat::RGB);
  EXPECT_EQ(cv::norm(rgb, view, cv::NORM_INF), 0);
}

TEST(TensorConversion, MatchesTorchvisionNormalisation) {
  cv::Mat rgb(1, 1, CV_8UC3, cv::Scalar(255, 0, 128));
  const auto tensor = rgbToTensor(rgb, InputConvention::torchvision(), torch::kCPU);
  ASSERT_EQ(tensor.sizes(), torch::IntArrayRef({1, 3, 1, 1}));
  EXPECT_NEAR(tensor[0][0][0][0].item<float>(), (1.0f - 0.485f) / 0.229f, 1e-6);
  EXPECT_NEAR(tensor[0][1][0][0].item<float>(), (0.0f - 0.456f) / 0.224f, 1e-6);
  EXPECT_NEAR(tensor[0][2][0][0].item<float>(), (128 / 255.0f - 0.406f) / 0.225f, 1e-6);
}

TEST(TensorConversion, CaffeConventionIsBgrMeanSubtracted) {
  cv::Mat rgb(1, 1, CV_8UC3, cv::Scalar(200, 100, 50));  // R=200, G=100, B=50
  const auto tensor = rgbToTensor(rgb, InputConvention::caffe(), torch::kCPU);
  EXPECT_NEAR(tensor[0][0][0][0].item<float>(), 50 - 103.939f, 1e-3);
  EXPECT_NEAR(tensor[0][1][0][0].item<float>(), 100 - 116.779f, 1e-3);
  EXPECT_NEAR(tensor[0][2][0][0].item<float>(), 200 - 123.68f, 1e-3);
}

TEST(TensorConversion, RoundTripIsExactForBothConventions) {
  const cv::Mat rgb = test::syntheticRgb({37, 29}, 11);
  for (const auto& convention : {InputConvention::torchvision(), InputConvention::caffe()}) {
    const auto tensor = rgbToTensor(rgb, convention, torch::kCPU);
    EXPECT_EQ(tensor.size(2), 29);
    EXPECT_EQ(tensor.size(3), 37);
    EXPECT_EQ(cv::norm(tensorToRgb(tensor, convention), rgb, cv::NORM_INF), 0) << convention.name;
  }
}

TEST(TensorConversion, OutOfRangeValuesAreClamped) {
  const auto tensor = torch::full({1, 3, 2, 2}, 100.0f);
  const cv::Mat rgb = tensorToRgb(tensor, InputConvention::torchvision());
  EXPECT_EQ(rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
}

TEST(ReadRgbImage, MissingAndCorruptFilesNameTheFile) {
  test::TempDir dir;
  EXPECT_THROW(readRgbImage(dir.file("missing.png")), ImageError);
  const std::string corrupt = dir.file("corrupt.png");
  { std::ofstream(corrupt) << "this is not a png"; }
  try {
    readRgbImage(corrupt);
    FAIL() << "expected ImageError";
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find(corrupt), std::string::npos) << e.what();
  }
}

TEST(ReadRgbImage, ReturnsRgbOrder) {
  test::TempDir dir;
  cv::Mat bgr(4, 4, CV_8UC3, cv::Scalar(255, 0, 0));  // blue in OpenCV's BGR order
  cv::imwrite(dir.file("blue.png"), bgr);
  EXPECT_EQ(readRgbImage(dir.file("blue.png")).at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));
}

TEST(Resize, ShrinksAndEnlarges) {
  const cv::Mat image = test::syntheticRgb({40, 30}, 1);
  EXPECT_EQ(resizeTo(image, {20, 15}).size(), cv::Size(20, 15));
  EXPECT_EQ(resizeTo(image, {41, 31}).size(), cv::Size(41, 31));
  EXPECT_EQ(resizeTo(image, {40, 30}).data, image.data);  // no copy when already there
}
