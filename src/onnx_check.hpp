// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The gate in front of OpenCV's ONNX importer. OpenCV 4.6 (Debian's, which we cannot
// patch) trusts an ONNX file: it never checks an initializer's dims against its data
// (a read far past the buffer) and dereferences a node input that names nothing. So an
// ONNX file is parsed and checked first with Debian's ONNX library, and only a model
// that passes goes to cv::dnn::readNetFromONNX. The gate checks; it does not import.
#include <map>
#include <string>

namespace neuralstyle::detail {

enum class OnnxRequirement {
  AnyGraph,     ///< only what OpenCV's importer needs to be safe, with the operators of
                ///< both kinds below (used by the fuzzer)
  Vgg19,        ///< that, plus the 16 convolutions of VGG19 with their shapes
  FeedForward,  ///< a style network's operators (TransformerNet's exports), one input
                ///< 1x3xHxW and one output
};

/// Whether this build can check ONNX files (it was built with libonnx-dev). Without it
/// ONNX files are refused, never read unchecked.
bool onnxCheckAvailable();

/// Throws WeightsError naming `path` and the offending tensor or node unless the file is
/// a well-formed ONNX model that OpenCV 4.6's importer can be given:
///  - every tensor (initializers, Constant values) holds exactly dims x type-size bytes,
///    in one field, with no external data or segments;
///  - every node input names an initializer, a graph input or an earlier node's output,
///    every graph output is defined, no name is defined twice;
///  - only the operators the requirement's networks use (onnx_check.cpp lists them and
///    why), with no subgraphs, convolution/pooling attributes in range (no zero strides,
///    kernels or dilations), and for the feed-forward operators: instance-norm scale and
///    bias stored, of one length; Pad modes and pads in range; Upsample/Resize scales
///    stored, from 1 to 16; ConstantOfShape shapes stored and small;
///  - graph inputs have small positive dimensions (a symbolic batch size is allowed);
///  - ONNX's own checker (onnx::checker::check_model) accepts it;
///  - for Vgg19: exactly 16 convolutions, each with stored float weights [out,in,3,3] and
///    bias [out] of VGG19's channel counts;
///  - for FeedForward: one graph input of shape [1 or symbolic, 3, H, W], one output.
/// Returns the model's metadata_props (key -> value), which the feed-forward engine reads
/// its input convention from.
std::map<std::string, std::string> checkOnnxFile(const std::string& path,
                                                 OnnxRequirement requirement = OnnxRequirement::Vgg19);

}  // namespace neuralstyle::detail
