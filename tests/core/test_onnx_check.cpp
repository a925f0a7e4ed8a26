// SPDX-License-Identifier: LGPL-2.1-or-later
// The gate in front of OpenCV's ONNX importer: the test VGG19 export passes, and each
// kind of tampering with it is refused with a message naming the file and the culprit.
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "neuralstyle/errors.hpp"
#include "onnx_check.hpp"
#include "test_support.hpp"

using namespace neuralstyle;
using namespace neuralstyle::detail;

namespace {

onnx::ModelProto testModel() {
  std::ifstream in(test::testWeights("vgg19.onnx"), std::ios::binary);
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromIstream(&in));
  return model;
}

// The gate's message for the test model changed by `tamper`, or "accepted".
std::string gateMessage(const std::function<void(onnx::ModelProto&)>& tamper,
                        OnnxRequirement requirement = OnnxRequirement::Vgg19) {
  static const onnx::ModelProto original = testModel();
  onnx::ModelProto model = original;
  tamper(model);
  test::TempDir dir;
  const auto path = dir.file("tampered.onnx");
  {
    std::ofstream out(path, std::ios::binary);
    model.SerializeToOstream(&out);
  }
  try {
    checkOnnxFile(path, requirement);
  } catch (const WeightsError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("tampered.onnx"), std::string::npos) << message;
    return message;
  }
  return "accepted";
}

onnx::NodeProto& firstNode(onnx::ModelProto& model, const std::string& op) {
  for (auto& node : *model.mutable_graph()->mutable_node())
    if (node.op_type() == op) return node;
  throw std::runtime_error("no " + op + " node");
}

}  // namespace

TEST(OnnxCheck, TheTestExportPasses) {
  ASSERT_TRUE(onnxCheckAvailable());
  EXPECT_EQ(gateMessage([](onnx::ModelProto&) {}), "accepted");
}

TEST(OnnxCheck, TensorDataMustMatchItsDims) {
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) { m.mutable_graph()->mutable_initializer(0)->set_dims(0, 4096); })
                .find("holds"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) { m.mutable_graph()->mutable_initializer(0)->set_dims(0, -1); })
                .find("negative dimension"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) {
              m.mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto::EXTERNAL);
            }).find("another file"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) { m.mutable_graph()->mutable_initializer(0)->add_float_data(1); })
                .find("twice"),
            std::string::npos);
}

TEST(OnnxCheck, EveryNameMustBeDefinedOnceAndBeforeUse) {
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) { firstNode(m, "Relu").set_input(0, "nowhere"); })
                .find("reads 'nowhere'"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) { m.mutable_graph()->mutable_output(0)->set_name("ghost"); })
                .find("graph output 'ghost'"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) {
              auto* graph = m.mutable_graph();
              graph->mutable_node(1)->set_output(0, graph->node(0).output(0));
            }).find("defined twice"),
            std::string::npos);
  // A node that reads a later node's output (not topologically sorted).
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) {
              auto* graph = m.mutable_graph();
              graph->mutable_node(0)->set_input(0, graph->node(3).output(0));
            }).find("earlier node"),
            std::string::npos);
}

TEST(OnnxCheck, OperatorsAndAttributesMustBeAVggsOwn) {
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) { firstNode(m, "Relu").set_op_type("Loop"); })
                .find("operator 'Loop'"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) { firstNode(m, "Relu").set_domain("com.microsoft"); })
                .find("domain"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) {
              auto* strides = firstNode(m, "Conv").add_attribute();
              strides->set_name("strides");
              strides->set_type(onnx::AttributeProto::INTS);
              strides->add_ints(0);
              strides->add_ints(0);
            }).find("'strides' holds 0"),
            std::string::npos);
  EXPECT_NE(gateMessage([](onnx::ModelProto& m) {
              m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
                  ->mutable_dim(2)->set_dim_value(0);
            }).find("graph input"),
            std::string::npos);
}

TEST(OnnxCheck, Vgg19ShapesAreRequired) {
  // Same number of elements, wrong layout: only the VGG19 requirement notices.
  const auto transpose = [](onnx::ModelProto& m) {
    auto& conv = firstNode(m, "Conv");
    for (auto& tensor : *m.mutable_graph()->mutable_initializer())
      if (tensor.name() == conv.input(1)) tensor.set_dims(0, 3), tensor.set_dims(1, 64);
  };
  EXPECT_NE(gateMessage(transpose).find("conv1_1"), std::string::npos);
  EXPECT_NE(gateMessage(transpose).find("expected [64,3,3,3]"), std::string::npos);
  EXPECT_EQ(gateMessage(transpose, OnnxRequirement::AnyGraph), "accepted");
}

TEST(OnnxCheck, NotProtobufIsAnError) {
  test::TempDir dir;
  { std::ofstream(dir.file("junk.onnx")) << "\xff\xff\xff\xff junk"; }
  try {
    checkOnnxFile(dir.file("junk.onnx"));
    FAIL() << "accepted junk";
  } catch (const WeightsError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.onnx"), std::string::npos) << e.what();
  }
}
