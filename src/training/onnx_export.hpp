// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A TransformerNet as an ONNX file that OpenCV 4.6's importer runs: opset 9, the graph
// torch.onnx.export writes for pytorch/examples' network (Pad reflect, Conv,
// InstanceNormalization, Relu, Add, Upsample nearest), written with the protobuf
// classes of ONNX's own library and checked by onnx::checker. No Identity nodes (OpenCV
// 4.6 cannot parse them): every initializer is read by exactly the node that needs it.
#include <map>
#include <string>

#include "transformer_net.hpp"

namespace neuralstyle::detail {

/// Writes `net` to `path` (atomically: a temporary file renamed at the end) with
/// `metadata` as metadata_props. The input is "input" [1,3,256,256], the output "output"
/// of the same shape; like torch's exports, the network runs at any size that is a
/// multiple of 4 (OpenCV reshapes it to each frame). Throws WeightsError if the
/// build has no ONNX library, the checker refuses the model, or the file cannot be written.
void exportTransformerNetOnnx(TransformerNetImpl& net, const std::string& path,
                              const std::map<std::string, std::string>& metadata);

}  // namespace neuralstyle::detail
