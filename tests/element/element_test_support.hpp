// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Helpers shared by the element and pipeline tests: temp folders, small pictures, and a
// pipeline runner that collects what the bus says.
#include <gst/gst.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

namespace neuralstyle::element_test {

/// A fresh empty folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "neuralstyle-element-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A style picture (BGR, as cv::imwrite wants it): diagonal stripes in two colours.
inline cv::Mat stripes(cv::Size size, cv::Vec3b first, cv::Vec3b second, int period = 8) {
  cv::Mat image(size, CV_8UC3);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      image.at<cv::Vec3b>(y, x) = ((x + y) / (period / 2)) % 2 ? first : second;
  return image;
}

/// Writes a striped style picture and returns its path.
inline std::string writeStyle(const TempDir& dir, const std::string& name = "style.png",
                              cv::Vec3b first = {40, 200, 240}, cv::Vec3b second = {120, 30, 20}) {
  const std::string path = dir.file(name);
  if (!cv::imwrite(path, stripes({40, 40}, first, second))) throw std::runtime_error("imwrite " + path);
  return path;
}

/// The settings every fast test shares: random weights, two threads, a tiny size.
inline std::string fastSettings() {
  return "weights-location=random:3 threads=2 max-size=64 device=cpu";
}

using StructurePtr = std::unique_ptr<GstStructure, decltype(&gst_structure_free)>;

struct ElementMessage {
  std::string source;  ///< name of the element that posted it
  StructurePtr structure{nullptr, gst_structure_free};
  std::string name() const { return gst_structure_get_name(structure.get()); }
};

/// Takes an element message's structure (copied) if `message` is one.
inline bool takeElementMessage(GstMessage* message, std::vector<ElementMessage>* into) {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT) return false;
  const GstStructure* structure = gst_message_get_structure(message);
  if (!structure) return false;
  ElementMessage copy;
  copy.source = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
  copy.structure.reset(gst_structure_copy(structure));
  into->push_back(std::move(copy));
  return true;
}

/// Every element message waiting on `bus` named `name` (all if empty), in order.
inline std::vector<ElementMessage> popElementMessages(GstBus* bus, const std::string& name = "") {
  std::vector<ElementMessage> messages;
  while (GstMessage* message = gst_bus_pop(bus)) {
    std::vector<ElementMessage> one;
    if (takeElementMessage(message, &one) && (name.empty() || one[0].name() == name))
      messages.push_back(std::move(one[0]));
    gst_message_unref(message);
  }
  return messages;
}

/// Copies of the messages in `messages` named `name`, in order.
inline std::vector<ElementMessage> namedMessages(const std::vector<ElementMessage>& messages,
                                                 const std::string& name) {
  std::vector<ElementMessage> found;
  for (const auto& message : messages)
    if (message.name() == name) {
      ElementMessage copy;
      copy.source = message.source;
      copy.structure.reset(gst_structure_copy(message.structure.get()));
      found.push_back(std::move(copy));
    }
  return found;
}

struct Outcome {
  bool parsed = true;  ///< false: gst_parse_launch refused the description (see error)
  bool eos = false;
  bool error = false;
  bool timed_out = false;
  GQuark error_domain = 0;
  int error_code = 0;
  std::string error_text;  ///< the error's message, then its debug text
  std::vector<std::string> warnings;
  std::vector<ElementMessage> messages;  ///< element messages, in order
  bool reached_null = false;             ///< the pipeline reached NULL afterwards
  double seconds = 0;                    ///< wall time until EOS / error

  size_t count(const std::string& name) const {
    size_t n = 0;
    for (const auto& m : messages) n += m.name() == name;
    return n;
  }
};

inline std::string describeError(GError* error, const gchar* debug) {
  return std::string(error ? error->message : "") + " | " + (debug ? debug : "");
}

/// How many times longer a pipeline may run in a sanitizer build than its timeout says.
/// Our code runs 5 to 15 times slower under ThreadSanitizer: on two busy cores the two
/// elements of ProcessSettingsOff (2 frames each) ran past 60 s and the test failed on
/// the timeout, with no report from TSan (measured).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr double kSanitizerTimeoutScale = 5;
#else
inline constexpr double kSanitizerTimeoutScale = 1;
#endif

/// Runs a gst-launch description until EOS, an error or the timeout (scaled in sanitizer
/// builds), then sets it to NULL.
inline Outcome runPipeline(const std::string& description, double timeout_seconds = 60) {
  Outcome outcome;
  GError* parse_error = nullptr;
  GstElement* pipeline = gst_parse_launch_full(description.c_str(), nullptr,
                                               GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!pipeline) {
    outcome.parsed = false;
    outcome.error = true;
    outcome.error_domain = parse_error ? parse_error->domain : 0;
    outcome.error_code = parse_error ? parse_error->code : 0;
    outcome.error_text = describeError(parse_error, nullptr);
    g_clear_error(&parse_error);
    outcome.reached_null = true;
    return outcome;
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  const gint64 start = g_get_monotonic_time();
  const gint64 deadline = start + static_cast<gint64>(timeout_seconds * kSanitizerTimeoutScale * G_USEC_PER_SEC);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (!outcome.eos && !outcome.error) {
    const gint64 left = deadline - g_get_monotonic_time();
    GstMessage* message = left > 0 ? gst_bus_timed_pop(bus, left * GST_USECOND) : nullptr;
    if (!message) {
      outcome.timed_out = true;
      break;
    }
    switch (GST_MESSAGE_TYPE(message)) {
      case GST_MESSAGE_EOS: outcome.eos = true; break;
      case GST_MESSAGE_ERROR:
      case GST_MESSAGE_WARNING: {
        GError* error = nullptr;
        gchar* debug = nullptr;
        const bool is_error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
        if (is_error)
          gst_message_parse_error(message, &error, &debug);
        else
          gst_message_parse_warning(message, &error, &debug);
        if (is_error) {
          outcome.error = true;
          outcome.error_domain = error->domain;
          outcome.error_code = error->code;
          outcome.error_text = describeError(error, debug);
        } else {
          outcome.warnings.push_back(describeError(error, debug));
        }
        g_clear_error(&error);
        g_free(debug);
        break;
      }
      default: takeElementMessage(message, &outcome.messages); break;
    }
    gst_message_unref(message);
  }
  outcome.seconds = (g_get_monotonic_time() - start) / 1e6;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  GstState state = GST_STATE_VOID_PENDING;
  gst_element_get_state(pipeline, &state, nullptr, 10 * GST_SECOND);
  outcome.reached_null = state == GST_STATE_NULL;
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return outcome;
}

inline std::string gquarkName(GQuark quark) { return quark ? g_quark_to_string(quark) : "(none)"; }

}  // namespace neuralstyle::element_test
