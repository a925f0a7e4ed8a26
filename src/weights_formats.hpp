#pragma once
// Format readers behind loadWeights(); each returns unvalidated weights.
#include <string>

#include "neuralstyle/weights.hpp"

namespace neuralstyle::detail {

Vgg19Weights readSafetensors(const std::string& path);
Vgg19Weights readOnnx(const std::string& path);
Vgg19Weights readCaffe(const std::string& prototxt, const std::string& caffemodel);

}  // namespace neuralstyle::detail
