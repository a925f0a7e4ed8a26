// SPDX-License-Identifier: LGPL-2.1-or-later
#include "onnx_check.hpp"

#include "neuralstyle/errors.hpp"

#ifdef NEURALSTYLE_HAVE_ONNX

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <vector>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "neuralstyle/vgg19.hpp"
#include "neuralstyle/weights.hpp"

namespace neuralstyle::detail {
namespace {

// What a VGG export uses (torchvision's features or full model, the ONNX model zoo's
// vgg19); each operator OpenCV imports is code of its own that trusts the file.
const std::set<std::string>& vggOperators() {
  static const std::set<std::string> ops{"Conv",    "Relu",    "MaxPool",  "AveragePool",
                                         "GlobalAveragePool", "Flatten", "Reshape", "Gemm",
                                         "MatMul",  "Add",     "Dropout",  "Softmax",
                                         "Constant"};
  return ops;
}

// What a feed-forward style network uses: pytorch/examples' TransformerNet and the ONNX
// model zoo's fast-neural-style (Conv, InstanceNormalization, Relu, Add, Pad, Upsample or
// Resize, Constant), and a bounded output 127.5 + 127.5 tanh(z / 127.5) or a clamp
// (Mul, Div, Tanh, Clip). The rest is what torch 1.13's opset-11 export really emits
// (checked): it computes each ReflectionPad2d's `pads` input from constants with
// ConstantOfShape -> Concat -> Reshape -> Slice -> Transpose -> Reshape -> Cast, which
// OpenCV folds at import. Opset 9 needs none of those (pads is an attribute there).
const std::set<std::string>& feedForwardOperators() {
  static const std::set<std::string> ops{
      "Conv",  "InstanceNormalization", "Relu", "Add",  "Pad",  "Upsample", "Resize",
      "Mul",   "Div",   "Clip",  "Tanh",  "Constant",
      "ConstantOfShape", "Concat", "Reshape", "Slice", "Transpose", "Cast"};
  return ops;
}

const std::set<std::string>& allowedOperators(OnnxRequirement requirement) {
  static const std::set<std::string> both = [] {
    std::set<std::string> ops = vggOperators();
    ops.insert(feedForwardOperators().begin(), feedForwardOperators().end());
    return ops;
  }();
  switch (requirement) {
    case OnnxRequirement::Vgg19: return vggOperators();
    case OnnxRequirement::FeedForward: return feedForwardOperators();
    case OnnxRequirement::AnyGraph: break;
  }
  return both;
}

const char* networkKind(OnnxRequirement requirement) {
  switch (requirement) {
    case OnnxRequirement::Vgg19: return "a VGG export";
    case OnnxRequirement::FeedForward: return "a feed-forward style network";
    case OnnxRequirement::AnyGraph: break;
  }
  return "a VGG or feed-forward style network";
}

constexpr int64_t kMaxInputDimension = 4096;         // pixels, channels, batch
constexpr int64_t kMaxInputElements = int64_t{1} << 28;
constexpr int64_t kMaxWindow = 64;                   // kernel, stride, dilation, padding
constexpr double kMaxUpsampling = 16;                // Upsample/Resize scale per axis
constexpr int64_t kMaxConstantOfShape = 1 << 16;     // elements ConstantOfShape may make

class Gate {
 public:
  Gate(const std::string& path, const onnx::ModelProto& model, OnnxRequirement requirement)
      : path_(path), model_(model), requirement_(requirement) {}

  void checkGraph() {
    const auto& graph = model_.graph();
    if (graph.sparse_initializer_size() > 0)
      refuse("sparse initializers are not read");
    for (const auto& tensor : graph.initializer()) {
      checkTensor(tensor, "initializer '" + tensor.name() + "'");
      if (!initializers_.emplace(tensor.name(), &tensor).second)
        refuse("initializer '" + tensor.name() + "' is defined twice");
      defined_.insert(tensor.name());
    }
    for (const auto& input : graph.input()) {
      if (input.name().empty()) refuse("a graph input has no name");
      if (initializers_.count(input.name())) continue;  // older exports list weights here
      if (!defined_.insert(input.name()).second)
        refuse("graph input '" + input.name() + "' is defined twice");
      checkGraphInput(input);
    }
    for (int i = 0; i < graph.node_size(); ++i) checkNode(graph.node(i), i);
    for (const auto& output : graph.output())
      if (!defined_.count(output.name()))
        refuse("graph output '" + output.name() + "' is not produced by any node");
  }

  // The 16 convolutions in node order, with VGG19's shapes, weights stored in the file.
  void checkVgg19() {
    const auto& channels = vgg19ConvChannels();
    size_t convolutions = 0;
    for (const auto& node : model_.graph().node()) {
      if (node.op_type() != "Conv") continue;
      const size_t i = convolutions++;
      if (i >= channels.size()) continue;
      const std::string label = "convolution " + layerNames()[i] + " (node '" + node.name() + "')";
      if (node.input_size() != 3) refuse(label + " has no bias");
      const auto [out, in] = channels[i];
      expectStored(label + " weight", node.input(1), {out, in, 3, 3});
      expectStored(label + " bias", node.input(2), {out});
    }
    if (convolutions != channels.size())
      refuse("found " + std::to_string(convolutions) +
             " convolutions, a VGG19 feature extractor has 16");
  }

  // One image in, one image out: the convention of pytorch/examples and the model zoo.
  void checkFeedForward() const {
    const auto& graph = model_.graph();
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& input : graph.input())
      if (!initializers_.count(input.name())) inputs.push_back(&input);
    if (inputs.size() != 1 || graph.output_size() != 1)
      refuse("a feed-forward style network has one input and one output, this graph has " +
             std::to_string(inputs.size()) + " and " + std::to_string(graph.output_size()));
    const auto& shape = inputs[0]->type().tensor_type().shape();
    if (shape.dim_size() != 4 || (shape.dim(0).has_dim_value() && shape.dim(0).dim_value() != 1) ||
        shape.dim(1).dim_value() != 3)
      refuse("graph input '" + inputs[0]->name() +
             "' is not one RGB image (a style network takes 1x3xHxW)");
  }

 private:
  [[noreturn]] void refuse(const std::string& what) const {
    throw WeightsError("weights '" + path_ + "': refused before import: " + what);
  }

  static std::string dimsText(const google::protobuf::RepeatedField<int64_t>& dims) {
    std::string text = "[";
    for (int i = 0; i < dims.size(); ++i) text += (i ? "," : "") + std::to_string(dims[i]);
    return text + "]";
  }

  void checkTensor(const onnx::TensorProto& tensor, const std::string& label) const {
    using T = onnx::TensorProto;
    if (tensor.data_location() == T::EXTERNAL || tensor.external_data_size() > 0)
      refuse(label + " keeps its data in another file, which is not read");
    if (tensor.has_segment()) refuse(label + " is segmented, which is not read");
    size_t element_size = 0;
    int per_element = 1;  // typed-field values per element (2 for complex numbers)
    int typed_values = 0;  // values in the typed field that the data type uses
    switch (tensor.data_type()) {
      case T::FLOAT: element_size = 4, typed_values = tensor.float_data_size(); break;
      case T::COMPLEX64: element_size = 8, per_element = 2, typed_values = tensor.float_data_size(); break;
      case T::UINT8: case T::INT8: case T::BOOL: element_size = 1, typed_values = tensor.int32_data_size(); break;
      case T::UINT16: case T::INT16: case T::FLOAT16: case T::BFLOAT16:
        element_size = 2, typed_values = tensor.int32_data_size(); break;
      case T::INT32: element_size = 4, typed_values = tensor.int32_data_size(); break;
      case T::INT64: element_size = 8, typed_values = tensor.int64_data_size(); break;
      case T::DOUBLE: element_size = 8, typed_values = tensor.double_data_size(); break;
      case T::COMPLEX128: element_size = 16, per_element = 2, typed_values = tensor.double_data_size(); break;
      case T::UINT32: case T::UINT64: element_size = tensor.data_type() == T::UINT32 ? 4 : 8,
                                      typed_values = tensor.uint64_data_size(); break;
      default:
        refuse(label + " has data type " + std::to_string(tensor.data_type()) +
               ", which is not read");
    }
    uint64_t elements = 1;
    for (const int64_t d : tensor.dims()) {
      if (d < 0) refuse(label + " has a negative dimension " + dimsText(tensor.dims()));
      if (__builtin_mul_overflow(elements, static_cast<uint64_t>(d), &elements) ||
          elements > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
        refuse(label + " has dims " + dimsText(tensor.dims()) + ", too large");
    }
    const int all_typed = tensor.float_data_size() + tensor.int32_data_size() +
                          tensor.int64_data_size() + tensor.double_data_size() +
                          tensor.uint64_data_size() + tensor.string_data_size();
    if (tensor.has_raw_data()) {
      if (all_typed > 0) refuse(label + " holds its data twice (raw and typed)");
      if (tensor.raw_data().size() != elements * element_size)
        refuse(label + " has dims " + dimsText(tensor.dims()) + " (" + std::to_string(elements) +
               " elements of " + std::to_string(element_size) + " bytes) but holds " +
               std::to_string(tensor.raw_data().size()) + " bytes");
    } else {
      if (all_typed != typed_values ||
          static_cast<uint64_t>(typed_values) != elements * per_element)
        refuse(label + " has dims " + dimsText(tensor.dims()) + " (" + std::to_string(elements) +
               " elements) but holds " + std::to_string(all_typed) + " values");
    }
  }

  void checkGraphInput(const onnx::ValueInfoProto& input) const {
    const std::string label = "graph input '" + input.name() + "'";
    if (!input.type().has_tensor_type() || !input.type().tensor_type().has_shape())
      refuse(label + " is not a tensor of known shape");
    const auto& shape = input.type().tensor_type().shape();
    if (shape.dim_size() < 1 || shape.dim_size() > 4) refuse(label + " has " + std::to_string(shape.dim_size()) + " dimensions");
    int64_t elements = 1;
    for (int i = 0; i < shape.dim_size(); ++i) {
      const auto& dim = shape.dim(i);
      if (i == 0 && !dim.has_dim_value()) continue;  // a symbolic batch size: OpenCV uses 1
      if (!dim.has_dim_value() || dim.dim_value() < 1 || dim.dim_value() > kMaxInputDimension)
        refuse(label + " dimension " + std::to_string(i) + " must be a number from 1 to " +
               std::to_string(kMaxInputDimension));
      elements *= dim.dim_value();  // <= 4096^4 = 2^48: no overflow
    }
    if (elements > kMaxInputElements) refuse(label + " is too large");
  }

  void checkWindowAttributes(const onnx::NodeProto& node, const std::string& label) const {
    for (const auto& attribute : node.attribute()) {
      const std::string& name = attribute.name();
      const bool positive = name == "kernel_shape" || name == "strides" || name == "dilations";
      if (!positive && name != "pads") continue;
      if (attribute.type() != onnx::AttributeProto::INTS || attribute.ints_size() < 1 ||
          attribute.ints_size() > 4)
        refuse(label + " attribute '" + name + "' must list 1 to 4 integers");
      for (const int64_t v : attribute.ints())
        if (v < (positive ? 1 : 0) || v > kMaxWindow)
          refuse(label + " attribute '" + name + "' holds " + std::to_string(v) +
                 " (allowed: " + (positive ? "1" : "0") + " to " + std::to_string(kMaxWindow) + ")");
    }
    if (node.op_type() == "Conv")
      for (const auto& attribute : node.attribute())
        if (attribute.name() == "group" && attribute.i() != 1)
          refuse(label + " is a grouped convolution, which VGG does not use");
  }

  void checkNode(const onnx::NodeProto& node, int index) {
    const std::string label =
        "node " + std::to_string(index) + " '" + node.name() + "' (" + node.op_type() + ")";
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      refuse(label + " is from operator domain '" + node.domain() + "'");
    const auto& allowed_operators = allowedOperators(requirement_);
    if (!allowed_operators.count(node.op_type())) {
      std::string allowed;
      for (const auto& op : allowed_operators) allowed += (allowed.empty() ? "" : ", ") + op;
      refuse(label + ": operator '" + node.op_type() + "' is not one that " +
             networkKind(requirement_) + " uses (read: " + allowed + ")");
    }
    for (const auto& input : node.input()) {
      if (input.empty()) refuse(label + " leaves out an optional input, which is not read");
      if (!defined_.count(input))
        refuse(label + " reads '" + input +
               "', which no initializer, graph input or earlier node defines");
    }
    if (node.op_type() == "Conv")  // OpenCV takes convolution weights from initializers
      for (int i = 1; i < node.input_size(); ++i)
        if (!initializers_.count(node.input(i)))
          refuse(label + " weight or bias '" + node.input(i) + "' is not stored in the file");
    for (const auto& attribute : node.attribute()) {
      using A = onnx::AttributeProto;
      switch (attribute.type()) {
        case A::GRAPH: case A::GRAPHS: case A::SPARSE_TENSOR: case A::SPARSE_TENSORS:
        case A::TYPE_PROTO: case A::TYPE_PROTOS:
          refuse(label + " attribute '" + attribute.name() + "' is of a kind that is not read");
        default: break;
      }
      if (attribute.has_t()) checkTensor(attribute.t(), label + " attribute '" + attribute.name() + "'");
      for (const auto& tensor : attribute.tensors())
        checkTensor(tensor, label + " attribute '" + attribute.name() + "'");
      if (attribute.has_g() || attribute.graphs_size() > 0 || attribute.has_sparse_tensor() ||
          attribute.sparse_tensors_size() > 0)
        refuse(label + " attribute '" + attribute.name() + "' holds a subgraph or sparse tensor");
    }
    if (node.op_type() == "Conv" || node.op_type() == "MaxPool" || node.op_type() == "AveragePool")
      checkWindowAttributes(node, label);
    checkFeedForwardNode(node, label);
    if (node.output_size() < 1) refuse(label + " has no output");
    for (const auto& output : node.output()) {
      if (output.empty()) refuse(label + " has an unnamed output");
      if (!defined_.insert(output).second)
        refuse(label + " output '" + output + "' is defined twice");
    }
    if (node.op_type() == "Constant")
      for (const auto& attribute : node.attribute())
        if (attribute.name() == "value" && attribute.has_t()) stored_[node.output(0)] = &attribute.t();
  }

  // The feed-forward operators' inputs that OpenCV's importer reads as stored constants
  // without checking them: it indexes scale and bias by channel, allocates what pads,
  // scales and shapes ask for.
  void checkFeedForwardNode(const onnx::NodeProto& node, const std::string& label) const {
    const std::string& op = node.op_type();
    if (op == "InstanceNormalization") {
      if (node.input_size() != 3) refuse(label + " must have 3 inputs (data, scale, bias)");
      const auto* scale = storedTensor(node.input(1));
      const auto* bias = storedTensor(node.input(2));
      if (!scale || !bias) refuse(label + " scale and bias must be stored in the file");
      if (scale->data_type() != onnx::TensorProto::FLOAT || bias->data_type() != onnx::TensorProto::FLOAT ||
          scale->dims_size() != 1 || bias->dims_size() != 1 || scale->dims(0) != bias->dims(0) ||
          scale->dims(0) < 1)
        refuse(label + " scale " + dimsText(scale->dims()) + " and bias " + dimsText(bias->dims()) +
               " must be float32 vectors of one length");
    } else if (op == "Pad") {
      std::string mode = "constant";
      for (const auto& attribute : node.attribute()) {
        if (attribute.name() == "mode") mode = attribute.s();
        if (attribute.name() == "pads") expectPads(label, toDoubles(attribute.ints()));
      }
      if (mode != "constant" && mode != "reflect" && mode != "edge")
        refuse(label + " has mode '" + mode + "' (read: constant, reflect, edge)");
      // Opset 11's pads input is computed from constants (see feedForwardOperators); it
      // is checked where it is stored.
      if (node.input_size() > 1)
        if (const auto values = storedValues(node.input(1))) expectPads(label, *values);
    } else if (op == "Upsample" || op == "Resize") {
      // Upsample: X, scales. Resize (opset 11): X, roi, scales[, sizes].
      const int scales_input = op == "Upsample" ? 1 : 2;
      if (node.input_size() <= scales_input) refuse(label + " has no scales input");
      if (node.input_size() > scales_input + 1)
        refuse(label + " gives output sizes, which are not read (scales only)");
      const auto scales = storedValues(node.input(scales_input));
      if (!scales) refuse(label + " scales '" + node.input(scales_input) + "' must be stored in the file");
      if (scales->size() != 4) refuse(label + " must have 4 scales, not " + std::to_string(scales->size()));
      for (const double scale : *scales)
        if (!(scale >= 1.0 && scale <= kMaxUpsampling))
          refuse(label + " has scale " + std::to_string(scale) + " (allowed: 1 to " +
                 std::to_string(static_cast<int>(kMaxUpsampling)) + ")");
    } else if (op == "ConstantOfShape") {
      const auto shape = node.input_size() == 1 ? storedValues(node.input(0)) : std::nullopt;
      if (!shape) refuse(label + " shape must be stored in the file");
      double elements = 1;
      for (const double d : *shape) elements *= d;
      if (shape->size() > 4 || !(elements >= 0 && elements <= kMaxConstantOfShape))
        refuse(label + " would make a tensor of " + std::to_string(shape->size()) +
               " dimensions and " + std::to_string(elements) + " elements");
    }
  }

  void expectPads(const std::string& label, const std::vector<double>& pads) const {
    if (pads.size() != 8)
      refuse(label + " pads hold " + std::to_string(pads.size()) +
             " values (a 4-dimensional tensor needs 8)");
    for (const double pad : pads)
      if (!(pad >= 0 && pad <= kMaxWindow))
        refuse(label + " pads hold " + std::to_string(static_cast<long long>(pad)) +
               " (allowed: 0 to " + std::to_string(kMaxWindow) + ")");
  }

  template <typename Values>
  static std::vector<double> toDoubles(const Values& values) {
    return std::vector<double>(values.begin(), values.end());
  }

  // An initializer or a Constant node's value, or nullptr for a computed name.
  const onnx::TensorProto* storedTensor(const std::string& name) const {
    const auto initializer = initializers_.find(name);
    if (initializer != initializers_.end()) return initializer->second;
    const auto constant = stored_.find(name);
    return constant == stored_.end() ? nullptr : constant->second;
  }

  // The values of a stored float or integer tensor (checkTensor has checked their count
  // against the dims); nullopt for a computed name.
  std::optional<std::vector<double>> storedValues(const std::string& name) const {
    const onnx::TensorProto* tensor = storedTensor(name);
    if (!tensor) return std::nullopt;
    using T = onnx::TensorProto;
    const std::string& raw = tensor->raw_data();
    const auto fromRaw = [&raw](auto zero) {
      std::vector<double> values(raw.size() / sizeof(zero));
      for (size_t i = 0; i < values.size(); ++i) {
        std::memcpy(&zero, raw.data() + i * sizeof(zero), sizeof(zero));  // little-endian host
        values[i] = static_cast<double>(zero);
      }
      return values;
    };
    switch (tensor->data_type()) {
      case T::FLOAT: return tensor->has_raw_data() ? fromRaw(float{}) : toDoubles(tensor->float_data());
      case T::DOUBLE: return tensor->has_raw_data() ? fromRaw(double{}) : toDoubles(tensor->double_data());
      case T::INT64: return tensor->has_raw_data() ? fromRaw(int64_t{}) : toDoubles(tensor->int64_data());
      case T::INT32: return tensor->has_raw_data() ? fromRaw(int32_t{}) : toDoubles(tensor->int32_data());
      default: refuse("tensor '" + name + "' has data type " + std::to_string(tensor->data_type()) +
                      " where numbers are read");
    }
  }

  void expectStored(const std::string& label, const std::string& name,
                    const std::vector<int64_t>& dims) const {
    const auto it = initializers_.find(name);
    if (it == initializers_.end()) refuse(label + " '" + name + "' is not stored in the file");
    const onnx::TensorProto& tensor = *it->second;
    if (tensor.data_type() != onnx::TensorProto::FLOAT)
      refuse(label + " '" + name + "' is not float32 (data type " +
             std::to_string(tensor.data_type()) + ")");
    if (!std::equal(tensor.dims().begin(), tensor.dims().end(), dims.begin(), dims.end())) {
      std::string expected = "[";
      for (size_t i = 0; i < dims.size(); ++i) expected += (i ? "," : "") + std::to_string(dims[i]);
      refuse(label + " '" + name + "' has dims " + dimsText(tensor.dims()) + ", expected " +
             expected + "]");
    }
  }

  const std::string& path_;
  const onnx::ModelProto& model_;
  const OnnxRequirement requirement_;
  std::map<std::string, const onnx::TensorProto*> initializers_;
  std::map<std::string, const onnx::TensorProto*> stored_;  // Constant nodes' values
  std::set<std::string> defined_;  // initializers, graph inputs and outputs of nodes so far
};

onnx::ModelProto parseModel(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw WeightsError("weights '" + path + "': cannot open the file");
  onnx::ModelProto model;
  const bool parsed = model.ParseFromFileDescriptor(fd);
  ::close(fd);
  if (!parsed)
    throw WeightsError("weights '" + path + "': not an ONNX model (corrupt or truncated file)");
  if (!model.has_graph()) throw WeightsError("weights '" + path + "': the ONNX model has no graph");
  return model;
}

}  // namespace

bool onnxCheckAvailable() { return true; }

std::map<std::string, std::string> checkOnnxFile(const std::string& path, OnnxRequirement requirement) {
  const onnx::ModelProto model = parseModel(path);
  Gate gate(path, model, requirement);
  gate.checkGraph();
  if (requirement == OnnxRequirement::Vgg19) gate.checkVgg19();
  if (requirement == OnnxRequirement::FeedForward) gate.checkFeedForward();
  // ONNX's own checker last, on a model already known to be consistent: it checks
  // attribute types and input counts against each operator's schema, and the IR and
  // opset versions.
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw WeightsError("weights '" + path + "': refused before import: ONNX's checker: " +
                       e.what());
  }
  std::map<std::string, std::string> metadata;
  for (const auto& entry : model.metadata_props()) metadata[entry.key()] = entry.value();
  return metadata;
}

}  // namespace neuralstyle::detail

#else  // built without libonnx-dev

namespace neuralstyle::detail {

bool onnxCheckAvailable() { return false; }

std::map<std::string, std::string> checkOnnxFile(const std::string& path, OnnxRequirement) {
  throw WeightsError("weights '" + path +
                     "': this build of neuralstyle cannot check ONNX files (it was built "
                     "without Debian's libonnx-dev), and OpenCV's importer is not given "
                     "unchecked files: convert the model to .safetensors, or rebuild with "
                     "libonnx-dev installed");
}

}  // namespace neuralstyle::detail

#endif
