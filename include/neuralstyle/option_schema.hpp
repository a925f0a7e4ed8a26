// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The optimisation's options described once, as data: for each its name, type, range or
// choices, default, one-line doc, when it may change and where it lives in the option
// structs. The element installs its properties from this table and the CLI its flags, so
// an option is added here (and where it is used) and nowhere else. No LibTorch here.
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "neuralstyle/options.hpp"

namespace neuralstyle {

/// Every option of one optimisation run, as a front end holds them before the run starts.
struct OptionSet {
  StyleOptions style;
  EngineOptions engine;
  VideoOptions video;
  /// The core's defaults, except a progress report every 10 steps: a front end reports
  /// to a person or a bus, the library's default (every step) to its caller.
  OptionSet();
};

enum class OptionType {
  Integer,     ///< an int in [minimum, maximum]
  Unsigned64,  ///< a uint64_t, any value
  Number,      ///< a finite double in [minimum, maximum]
  Flag,        ///< a bool
  Text,        ///< a string; empty is "unset"
  Choice,      ///< one of `choices`, by name; the value is its position
};

/// When an option may change. An engine option shapes the network, the device or the
/// process and applies when a run starts; the others apply from the next frame.
enum class OptionChange { AnyTime, BeforeStart };

struct OptionChoice {
  std::string name;  ///< "lbfgs"
  std::string doc;   ///< one line
};

/// Integer and Choice values are int64_t (a choice's position), Unsigned64 uint64_t,
/// Number double, Flag bool, Text std::string.
using OptionValue = std::variant<bool, int64_t, uint64_t, double, std::string>;

/// What a front end shows of an option and how its values are checked: everything but
/// where the value lives (OptionSpecOf). Shared by every option table (the optimisation's,
/// the feed-forward networks' and training's), so that one set of functions parses,
/// formats, checks and describes them all.
struct OptionDescriptor {
  std::string name;   ///< the property's name, the CLI's flag without "--"
  std::string title;  ///< a few words ("Maximum processing size")
  std::string doc;    ///< what it does, its units, what its special values mean
  OptionType type = OptionType::Integer;
  double minimum = 0;  ///< Integer and Number
  double maximum = 0;
  std::vector<OptionChoice> choices;  ///< Choice
  OptionChange change = OptionChange::AnyTime;
  /// What it is about, for front ends that group their options: "optimisation",
  /// "quality" (quality controls), "video" (a sequence's frames) or "engine".
  std::string group;
  std::string placeholder;  ///< the value in usage text: "N", "X", "LAYER=W,..."
  /// Text only: each use adds a value to a list (training's data folders); the value
  /// read back is the list joined by commas.
  bool repeatable = false;
};

/// One option of the option struct `Set`: its descriptor and where its value lives.
template <typename Set>
struct OptionSpecOf : OptionDescriptor {
  /// Reads the option from a set.
  std::function<OptionValue(const Set&)> get;
  /// Stores a value of the option's type and range (checked by parseOptionValue,
  /// checkOptionValue, or a GParamSpec). Throws OptionsError where the value's form is
  /// wrong in a way no range says (a malformed LAYER=WEIGHT list).
  std::function<void(Set&, const OptionValue&)> set;

  OptionValue defaultValue() const { return get(Set{}); }
};

/// An option of the optimisation.
using OptionSpec = OptionSpecOf<OptionSet>;

/// The options of the optimisation (StyleOptions, EngineOptions, VideoOptions), in the
/// order a user meets them: what to optimise, quality controls, video, the engine.
const std::vector<OptionSpec>& optimisationOptions();

/// The option called `name` in `specs`, or nullptr.
template <typename Set>
const OptionSpecOf<Set>* findOption(const std::vector<OptionSpecOf<Set>>& specs,
                                    const std::string& name) {
  for (const auto& spec : specs)
    if (spec.name == name) return &spec;
  return nullptr;
}

/// `text` as a value of `option`: decimal integers only, finite numbers, "true"/"false"
/// (also 1/0, yes/no, on/off) and choice names, within the range. Throws OptionsError
/// naming the option, the value and what it accepts.
OptionValue parseOptionValue(const OptionDescriptor& option, const std::string& text);

/// The inverse of parseOptionValue: "400", "0.003", "true", "lbfgs", the text itself.
std::string formatOptionValue(const OptionDescriptor& option, const OptionValue& value);

/// Throws OptionsError, as parseOptionValue would for its text, if `value` is outside
/// the option's range or choices (for values set in code rather than parsed).
void checkOptionValue(const OptionDescriptor& option, const OptionValue& value);

/// One paragraph: the option's name, placeholder, doc, range or choices, default
/// (`fallback`) and when it may change.
std::string describeOption(const OptionDescriptor& option, const OptionValue& fallback);

/// describeOption for each of `specs`: `neuralstyle --list-options` and scripts' help.
template <typename Set>
std::string describeOptions(const std::vector<OptionSpecOf<Set>>& specs) {
  std::string text;
  for (const auto& spec : specs) text += describeOption(spec, spec.defaultValue());
  return text;
}

}  // namespace neuralstyle
