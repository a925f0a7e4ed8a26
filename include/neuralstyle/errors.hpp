// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Typed errors of the core. Every failure the core can foresee is one of these, so that
// callers (the element, the CLI) can map them to their own error domains and exit codes.
#include <optional>
#include <stdexcept>
#include <string>

namespace neuralstyle {

/// Base of every error the core throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A weights file is missing, truncated, corrupt or does not hold a VGG19.
/// The message names the file and, where it applies, the layer.
class WeightsError : public Error {
 public:
  using Error::Error;
};

/// An image is empty, too small, of an unsupported type, or cannot be read.
class ImageError : public Error {
 public:
  using Error::Error;
};

/// An option is out of range or malformed (unknown layer name, negative steps, ...).
class OptionsError : public Error {
 public:
  using Error::Error;
};

/// The requested device cannot be used (e.g. `cuda` on a machine without CUDA).
class DeviceError : public Error {
 public:
  using Error::Error;
};

/// The optimisation produced a non-finite loss or image (e.g. a huge learning rate).
class DivergedError : public Error {
 public:
  using Error::Error;
};

/// The caller asked to stop between two steps.
class CancelledError : public Error {
 public:
  using Error::Error;
};

/// LibTorch's own errors (c10::Error) carry a C++ backtrace in what(): the message
/// without it, so that a front end names them without compiling LibTorch's headers.
/// nullopt for any other exception.
std::optional<std::string> libtorchMessage(const std::exception& error);

}  // namespace neuralstyle
