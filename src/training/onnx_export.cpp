// SPDX-License-Identifier: LGPL-2.1-or-later
#include "onnx_export.hpp"

#include <torch/torch.h>


#include "atomic_file.hpp"
#include "neuralstyle/errors.hpp"

#ifdef NEURALSTYLE_HAVE_ONNX
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#endif

namespace neuralstyle::detail {

#ifdef NEURALSTYLE_HAVE_ONNX
namespace {

constexpr int kOpset = 9;  // what OpenCV 4.6 imports TransformerNet at (DESIGN.md)
constexpr int64_t kNominalSide = 256;

class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto& graph) : graph_(graph) {}

  std::string pad(const std::string& x, int64_t amount) {
    auto& node = add("Pad", {x});
    attribute(node, "mode", std::string("reflect"));
    attribute(node, "pads", std::vector<int64_t>{0, 0, amount, amount, 0, 0, amount, amount});
    return node.output(0);
  }

  std::string conv(const std::string& x, const std::string& name, const torch::nn::Conv2d& conv) {
    const auto& weight = conv->weight;
    auto& node = add("Conv", {x, initializer(name + ".weight", weight), initializer(name + ".bias", conv->bias)});
    attribute(node, "kernel_shape", std::vector<int64_t>{weight.size(2), weight.size(3)});
    const auto stride = conv->options.stride();
    attribute(node, "strides", std::vector<int64_t>{(*stride)[0], (*stride)[1]});
    attribute(node, "pads", std::vector<int64_t>{0, 0, 0, 0});
    attribute(node, "dilations", std::vector<int64_t>{1, 1});
    attribute(node, "group", int64_t{1});
    return node.output(0);
  }

  std::string convLayer(const std::string& x, const std::string& name, const ConvLayer& layer) {
    return conv(pad(x, layer->conv2d->weight.size(2) / 2), name + ".conv2d", layer->conv2d);
  }

  std::string instanceNorm(const std::string& x, const std::string& name,
                           const torch::nn::InstanceNorm2d& norm) {
    auto& node = add("InstanceNormalization",
                     {x, initializer(name + ".weight", norm->weight), initializer(name + ".bias", norm->bias)});
    attribute(node, "epsilon", static_cast<float>(norm->options.eps()));
    return node.output(0);
  }

  std::string upsample(const std::string& x) {
    auto& node = add("Upsample", {x, initializer("upsample_scales_" + std::to_string(next_),
                                                 torch::tensor({1.f, 1.f, 2.f, 2.f}))});
    attribute(node, "mode", std::string("nearest"));
    return node.output(0);
  }

  std::string unary(const std::string& op, const std::string& x) { return add(op, {x}).output(0); }

  std::string binary(const std::string& op, const std::string& a, const std::string& b) {
    return add(op, {a, b}).output(0);
  }

  std::string scalar(const std::string& name, float value) {
    return initializer(name, torch::tensor({value}));
  }

  void rename(const std::string& from, const std::string& to) {
    for (auto& node : *graph_.mutable_node())
      for (auto& output : *node.mutable_output())
        if (output == from) output = to;
  }

 private:
  onnx::NodeProto& add(const std::string& op, const std::vector<std::string>& inputs) {
    auto& node = *graph_.add_node();
    node.set_op_type(op);
    node.set_name(op + "_" + std::to_string(next_));
    for (const auto& input : inputs) node.add_input(input);
    node.add_output(op + "_" + std::to_string(next_) + "_output");
    ++next_;
    return node;
  }

  std::string initializer(const std::string& name, const torch::Tensor& value) {
    const auto data = value.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    auto& tensor = *graph_.add_initializer();
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    for (const auto size : data.sizes()) tensor.add_dims(size);
    tensor.set_raw_data(data.data_ptr(), data.nbytes());  // little-endian, as ONNX stores it
    return name;
  }

  static void attribute(onnx::NodeProto& node, const std::string& name, const std::string& value) {
    auto& a = *node.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::STRING);
    a.set_s(value);
  }
  static void attribute(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
    auto& a = *node.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (const auto v : values) a.add_ints(v);
  }
  static void attribute(onnx::NodeProto& node, const std::string& name, int64_t value) {
    auto& a = *node.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(value);
  }
  static void attribute(onnx::NodeProto& node, const std::string& name, float value) {
    auto& a = *node.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(value);
  }

  onnx::GraphProto& graph_;
  int next_ = 0;
};

void declareImage(onnx::ValueInfoProto& value, const std::string& name) {
  value.set_name(name);
  auto& type = *value.mutable_type()->mutable_tensor_type();
  type.set_elem_type(onnx::TensorProto::FLOAT);
  auto& shape = *type.mutable_shape();
  shape.add_dim()->set_dim_value(1);
  shape.add_dim()->set_dim_value(3);
  // A nominal size: the ONNX gate wants numbers, and OpenCV sets each frame's own.
  shape.add_dim()->set_dim_value(kNominalSide);
  shape.add_dim()->set_dim_value(kNominalSide);
}

}  // namespace

void exportTransformerNetOnnx(TransformerNetImpl& net, const std::string& path,
                              const std::map<std::string, std::string>& metadata) {
  onnx::ModelProto model;
  model.set_ir_version(4);  // what torch 1.13 writes at opset 9
  model.set_producer_name("neuralstyle");
  auto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(kOpset);
  for (const auto& [key, value] : metadata) {
    auto& entry = *model.add_metadata_props();
    entry.set_key(key);
    entry.set_value(value);
  }
  auto& graph = *model.mutable_graph();
  graph.set_name("TransformerNet");
  declareImage(*graph.add_input(), "input");

  GraphWriter g(graph);
  auto x = g.unary("Relu", g.instanceNorm(g.convLayer("input", "conv1", net.conv1), "in1", net.in1));
  x = g.unary("Relu", g.instanceNorm(g.convLayer(x, "conv2", net.conv2), "in2", net.in2));
  x = g.unary("Relu", g.instanceNorm(g.convLayer(x, "conv3", net.conv3), "in3", net.in3));
  for (size_t k = 0; k < net.residuals.size(); ++k) {
    const auto& block = net.residuals[k];
    const std::string name = "res" + std::to_string(k + 1);
    auto y = g.unary("Relu", g.instanceNorm(g.convLayer(x, name + ".conv1", block->conv1), name + ".in1", block->in1));
    y = g.instanceNorm(g.convLayer(y, name + ".conv2", block->conv2), name + ".in2", block->in2);
    x = g.binary("Add", y, x);
  }
  const auto upsampleConv = [&g](const std::string& in, const std::string& name, const UpsampleConvLayer& layer) {
    return g.conv(g.pad(g.upsample(in), 1), name + ".conv2d", layer->conv2d);
  };
  x = g.unary("Relu", g.instanceNorm(upsampleConv(x, "deconv1", net.deconv1), "in4", net.in4));
  x = g.unary("Relu", g.instanceNorm(upsampleConv(x, "deconv2", net.deconv2), "in5", net.in5));
  x = g.convLayer(x, "deconv3", net.deconv3);
  if (net.output() == TransformerOutput::Bounded) {  // boundTransformerOutput
    x = g.binary("Mul", g.binary("Add", x, g.scalar("bound_centre_negated", -127.5f)),
                 g.scalar("bound_inverse_scale", 1.f / 127.5f));
    x = g.binary("Add", g.binary("Mul", g.unary("Tanh", x), g.scalar("bound_scale", 127.5f)),
                 g.scalar("bound_centre", 127.5f));
  }
  g.rename(x, "output");
  declareImage(*graph.add_output(), "output");

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw WeightsError("the ONNX export for '" + path + "' fails ONNX's checker: " + e.what());
  }
  writeFileAtomically(path, [&model](std::ostream& file) {
    if (!model.SerializeToOstream(&file)) file.setstate(std::ios::failbit);
  });
}

#else

void exportTransformerNetOnnx(TransformerNetImpl&, const std::string& path,
                              const std::map<std::string, std::string>&) {
  throw WeightsError("cannot write '" + path + "': this build has no ONNX library (libonnx-dev)");
}

#endif

}  // namespace neuralstyle::detail
