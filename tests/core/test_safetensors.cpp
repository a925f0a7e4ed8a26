// SPDX-License-Identifier: LGPL-2.1-or-later
// The generic safetensors reader: its index, its limits and its refusals.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "safetensors.hpp"
#include "test_support.hpp"

using namespace neuralstyle;
using namespace neuralstyle::detail;
namespace fs = std::filesystem;

namespace {

// The error parseSafetensorsHeader gives for `header` over `data_bytes`, or "accepted".
std::string headerError(const std::string& header, uint64_t data_bytes = 1 << 20) {
  try {
    parseSafetensorsHeader(header, data_bytes, "h.safetensors");
  } catch (const WeightsError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("untyped: ") + e.what();
  }
  return "accepted";
}

std::string tensor(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return R"({"t":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}";
}

void writeFile(const std::string& path, uint64_t header_length, const std::string& rest) {
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header_length >> (8 * i)) & 0xff));
  out << rest;
}

}  // namespace

TEST(SafetensorsHeader, ValidEntriesAreIndexed) {
  SafetensorsIndex index;
  ASSERT_NO_THROW(index = parseSafetensorsHeader(
                      R"({"__metadata__":{"seed":"7"},"a":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},)"
                      R"("b":{"shape":[],"data_offsets":[12,16],"dtype":"I32"}})",
                      16, "x"));
  ASSERT_EQ(index.tensors.size(), 2u);
  EXPECT_EQ(index.tensors.at("a").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(index.tensors.at("a").elements, 6u);
  EXPECT_EQ(index.tensors.at("b").elements, 1u);  // a scalar
  EXPECT_EQ(index.tensors.at("b").end, 16u);
  EXPECT_EQ(index.metadata.at("seed"), "7");
}

TEST(SafetensorsHeader, NumbersMustBeNonNegativeIntegers) {
  EXPECT_EQ(headerError(tensor("F32", "[1]", "[0,4]")), "accepted");
  for (const auto* shape : {"[1.9]", "[1.0]", "[1e0]", "[1e+300]", "[-1]", "[-0]", "[18446744073709551616]",
                            "[\"1\"]", "[true]", "[null]", "[[1]]", "[{}]"})
    EXPECT_NE(headerError(tensor("F32", shape, "[0,4]")).find("corrupt safetensors header"), std::string::npos)
        << shape;
  for (const auto* offsets : {"[0,4.0]", "[0,42E44]", "[-0,4]", "[0]", "[0,4,4]", "4"})
    EXPECT_NE(headerError(tensor("F32", "[1]", offsets)).find("h.safetensors"), std::string::npos) << offsets;
  EXPECT_NE(headerError(tensor("F32", "[9223372036854775808]", "[0,0]")).find("too large"), std::string::npos);
}

TEST(SafetensorsHeader, OverflowingShapesAreRefused) {
  // 2^62 x 2 halves, 2^32 x 2^32 floats: the element count overflows; 2^62 floats: the byte size.
  for (const auto& [dtype, shape] :
       std::vector<std::pair<std::string, std::string>>{{"F16", "[4611686018427387904,2]"},
                                                        {"F32", "[4294967296,4294967296]"},
                                                        {"F32", "[4611686018427387904]"},
                                                        {"F32", "[1099511627776,1099511627776,0]"}})
    EXPECT_NE(headerError(tensor(dtype, shape, "[0,0]")).find("too large to exist"), std::string::npos) << shape;
}

TEST(SafetensorsHeader, SizesAndOffsetsMustMatchTheData) {
  EXPECT_NE(headerError(tensor("F32", "[2]", "[0,4]")).find("need 8"), std::string::npos);
  EXPECT_NE(headerError(tensor("F32", "[1]", "[0,4]"), 2).find("truncated"), std::string::npos);
  EXPECT_NE(headerError(tensor("F32", "[1]", "[8,4]")).find("outside"), std::string::npos);
  EXPECT_NE(headerError(tensor("Q4", "[1]", "[0,4]")).find("unknown dtype 'Q4'"), std::string::npos);
  // Two tensors may not share bytes, whichever comes first in the header.
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string b = R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]})";
  EXPECT_NE(headerError("{" + a + "," + b + "}").find("tensors 'a' and 'b' share bytes 4..8"), std::string::npos);
  EXPECT_NE(headerError("{" + b + "," + a + "}").find("share bytes"), std::string::npos);
  EXPECT_EQ(headerError("{" + a + R"(,"c":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})"), "accepted");
  // Empty tensors are fine, however many empty dimensions they have.
  EXPECT_EQ(headerError(tensor("F32", "[0]", "[0,0]")), "accepted");
  EXPECT_EQ(headerError(tensor("F32", "[4611686018427387904,0]", "[0,0]")), "accepted");
}

TEST(SafetensorsHeader, StructureIsTheFormatsOnly) {
  EXPECT_NE(headerError("[]").find("unexpected an array"), std::string::npos);
  EXPECT_NE(headerError(R"({"t":[]})").find("unexpected"), std::string::npos);
  EXPECT_NE(headerError(R"({"t":{"dtype":"F32","shape":[1]}})").find("lacks"), std::string::npos);
  EXPECT_NE(headerError(R"({"t":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}})").find("twice"),
            std::string::npos);
  EXPECT_NE(headerError(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})").find("unknown field"),
            std::string::npos);
  const std::string one = R"("t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  EXPECT_NE(headerError("{" + one + "," + one + "}").find("'t' appears twice"), std::string::npos);
  EXPECT_NE(headerError(R"({"__metadata__":{"k":1}})").find("string values only"), std::string::npos);
  EXPECT_NE(headerError("{} trailing").find("corrupt"), std::string::npos);
  EXPECT_NE(headerError(std::string(100000, '[')).find("corrupt"), std::string::npos);
}

TEST(SafetensorsHeader, TensorAndDimensionCountsAreCapped) {
  std::string many = "{";
  for (size_t i = 0; i <= SafetensorsLimits::kMaxTensors; ++i)
    many += (i ? "," : "") + ("\"t" + std::to_string(i) + R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})");
  EXPECT_NE(headerError(many + "}").find("more than 4096 tensors"), std::string::npos);
  EXPECT_NE(headerError(tensor("F32", "[1,1,1,1,1,1,1,1,1]", "[0,4]")).find("more than 8 dimensions"),
            std::string::npos);
  EXPECT_EQ(headerError(tensor("F32", "[1,1,1,1,1,1,1,1]", "[0,4]")), "accepted");
}

TEST(SafetensorsFile, HeaderLengthIsCappedAndMustFitTheFile) {
  test::TempDir dir;
  const auto path = dir.file("h.safetensors");
  writeFile(path, SafetensorsLimits::kMaxHeaderBytes + 1, "{}");
  try {
    SafetensorsFile file(path);
    FAIL() << "accepted a header over the cap";
  } catch (const WeightsError& e) {
    EXPECT_NE(std::string(e.what()).find("at most 1048576 bytes"), std::string::npos) << e.what();
  }
  writeFile(path, 100, "{}");
  try {
    SafetensorsFile file(path);
    FAIL() << "accepted a header longer than the file";
  } catch (const WeightsError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated safetensors header"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsFile, ReadsEmptyAndHalfTensors) {
  test::TempDir dir;
  const auto path = dir.file("t.safetensors");
  const std::string header =
      R"({"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"half":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},)"
      R"("ints":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}})";
  const unsigned char data[8] = {0x00, 0x3c, 0x00, 0xc0, 7, 0, 0, 0};  // halves 1.0, -2.0; int 7
  writeFile(path, header.size(), header + std::string(reinterpret_cast<const char*>(data), 8));
  SafetensorsFile file(path);
  const auto empty = file.readFloat32("empty");
  EXPECT_EQ(empty.sizes(), torch::IntArrayRef({0, 3}));
  const auto half = file.readFloat32("half");
  EXPECT_EQ(half.dtype(), torch::kFloat32);
  EXPECT_FLOAT_EQ(half[0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(half[1].item<float>(), -2.0f);
  EXPECT_THROW(file.readFloat32("ints"), WeightsError);
  EXPECT_THROW(file.readFloat32("nope"), WeightsError);
}

TEST(SafetensorsFile, ReadsTheSqueezeNetIndex) {
  const fs::path squeezenet =
      fs::path(test::requiredEnv("NEURALSTYLE_SOURCE_DIR")) / "../shared/weights/squeezenet1_1.safetensors";
  if (!fs::exists(squeezenet)) GTEST_SKIP() << squeezenet << " is not on this machine";
  SafetensorsFile file(squeezenet.string());
  const auto& tensors = file.index().tensors;
  // conv1 + 8 Fire modules x 3 convolutions + the classifier's, weight and bias each (the
  // header has 53 entries with __metadata__).
  EXPECT_EQ(tensors.size(), 52u);
  for (const auto& [name, entry] : tensors) EXPECT_EQ(entry.dtype, "F32") << name;
  ASSERT_NE(file.find("features.0.weight"), nullptr);
  EXPECT_EQ(file.find("features.0.weight")->shape, (std::vector<int64_t>{64, 3, 3, 3}));
  ASSERT_NE(file.find("features.3.squeeze.weight"), nullptr);
  EXPECT_EQ(file.find("features.3.squeeze.weight")->shape, (std::vector<int64_t>{16, 64, 1, 1}));
  EXPECT_FALSE(file.index().metadata.empty());
  const auto conv1 = file.readFloat32("features.0.weight");
  EXPECT_TRUE(torch::isfinite(conv1).all().item<bool>());
  EXPECT_GT(conv1.abs().sum().item<double>(), 0);
}
