// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// How the option tables (option_schema.cpp, feed_forward_option_schema.cpp,
// training/train_options.cpp) write an entry: its description, its type and range, and
// the field of the option struct that holds it, named once by member pointers:
//
//   add(integer({"steps", "Steps", "Optimisation steps ...", kAnyTime}, 0, kIntMax,
//               member(&OptionSet::style, &StyleOptions::steps)));
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/option_schema.hpp"

namespace neuralstyle::option_builders {

constexpr OptionChange kAnyTime = OptionChange::AnyTime;
constexpr OptionChange kBeforeStart = OptionChange::BeforeStart;

/// What every entry has; the builders below add the type and where the value lives.
struct Described {
  const char* name;
  const char* title;
  const char* doc;
  OptionChange change;
};

/// Where an option's value lives in the option struct `SetT`.
template <typename SetT, typename Field>
struct Where {
  using Set = SetT;
  std::function<Field&(Set&)> write;
  std::function<const Field&(const Set&)> read;
};

/// A field of the set itself (FeedForwardOptions::strength).
template <typename Set, typename Field>
Where<Set, Field> member(Field Set::*field) {
  return {[=](Set& set) -> Field& { return set.*field; },
          [=](const Set& set) -> const Field& { return set.*field; }};
}

/// A field of a part of the set (OptionSet::style, then StyleOptions::steps).
template <typename Set, typename Part, typename Field>
Where<Set, Field> member(Part Set::*part, Field Part::*field) {
  return {[=](Set& set) -> Field& { return set.*part.*field; },
          [=](const Set& set) -> const Field& { return set.*part.*field; }};
}

template <typename Set>
OptionSpecOf<Set> spec(const Described& d, OptionType type) {
  OptionSpecOf<Set> s;
  s.name = d.name;
  s.title = d.title;
  s.doc = d.doc;
  s.change = d.change;
  s.type = type;
  return s;
}

/// An int (Integer, held as int64_t) or a double (Number) within [minimum, maximum].
template <typename Set, typename Field>
OptionSpecOf<Set> ranged(const Described& d, double minimum, double maximum, Where<Set, Field> where) {
  constexpr bool kInteger = std::is_same_v<Field, int>;
  using Held = std::conditional_t<kInteger, int64_t, double>;
  auto s = spec<Set>(d, kInteger ? OptionType::Integer : OptionType::Number);
  s.minimum = minimum;
  s.maximum = maximum;
  s.placeholder = kInteger ? "N" : "X";
  s.get = [=](const Set& set) { return OptionValue(static_cast<Held>(where.read(set))); };
  s.set = [=](Set& set, const OptionValue& v) { where.write(set) = static_cast<Field>(std::get<Held>(v)); };
  return s;
}

template <typename Set>
OptionSpecOf<Set> integer(const Described& d, double minimum, double maximum, Where<Set, int> where) {
  return ranged(d, minimum, maximum, where);
}

template <typename Set>
OptionSpecOf<Set> unsigned64(const Described& d, Where<Set, uint64_t> where) {
  auto s = spec<Set>(d, OptionType::Unsigned64);
  s.placeholder = "N";
  s.get = [=](const Set& set) { return OptionValue(where.read(set)); };
  s.set = [=](Set& set, const OptionValue& v) { where.write(set) = std::get<uint64_t>(v); };
  return s;
}

template <typename Set>
OptionSpecOf<Set> number(const Described& d, double minimum, double maximum, Where<Set, double> where) {
  return ranged(d, minimum, maximum, where);
}

/// A number the core may leave unset (the network's default): `unset`, a value inside
/// the range, stands for that.
template <typename Set>
OptionSpecOf<Set> optionalNumber(const Described& d, double minimum, double maximum, double unset,
                                 Where<Set, std::optional<double>> where) {
  auto s = spec<Set>(d, OptionType::Number);
  s.minimum = minimum;
  s.maximum = maximum;
  s.placeholder = "X";
  s.get = [=](const Set& set) { return OptionValue(where.read(set).value_or(unset)); };
  s.set = [=](Set& set, const OptionValue& v) {
    const double value = std::get<double>(v);
    auto& target = where.write(set);
    if (value == unset)
      target.reset();
    else
      target = value;
  };
  return s;
}

template <typename Set>
OptionSpecOf<Set> flag(const Described& d, Where<Set, bool> where) {
  auto s = spec<Set>(d, OptionType::Flag);
  s.get = [=](const Set& set) { return OptionValue(where.read(set)); };
  s.set = [=](Set& set, const OptionValue& v) { where.write(set) = std::get<bool>(v); };
  return s;
}

template <typename Set>
OptionSpecOf<Set> text(const Described& d, const char* placeholder, Where<Set, std::string> where) {
  auto s = spec<Set>(d, OptionType::Text);
  s.placeholder = placeholder;
  s.get = [=](const Set& set) { return OptionValue(where.read(set)); };
  s.set = [=](Set& set, const OptionValue& v) { where.write(set) = std::get<std::string>(v); };
  return s;
}

/// A list of texts, one a use (--data A --data B); reads back joined by commas.
template <typename Set>
OptionSpecOf<Set> texts(const Described& d, const char* placeholder, Where<Set, std::vector<std::string>> where) {
  auto s = spec<Set>(d, OptionType::Text);
  s.placeholder = placeholder;
  s.repeatable = true;
  s.get = [=](const Set& set) {
    std::string joined;
    for (const std::string& item : where.read(set)) joined += (joined.empty() ? "" : ",") + item;
    return OptionValue(joined);
  };
  s.set = [=](Set& set, const OptionValue& v) { where.write(set).push_back(std::get<std::string>(v)); };
  return s;
}

/// A list of LAYER=WEIGHT pairs as text ("conv1_1=1,conv2_1=0.75"); empty: the network's.
template <typename Set>
OptionSpecOf<Set> layerWeights(const Described& d, Where<Set, std::vector<LayerWeight>> where) {
  auto s = spec<Set>(d, OptionType::Text);
  s.placeholder = "LAYER=W,...";
  s.get = [=](const Set& set) {
    const auto& layers = where.read(set);
    return OptionValue(layers.empty() ? std::string() : formatLayerWeights(layers));
  };
  s.set = [=](Set& set, const OptionValue& v) {
    const std::string& text = std::get<std::string>(v);
    where.write(set) = text.empty() ? std::vector<LayerWeight>{} : parseLayerWeights(text);
  };
  return s;
}

/// "adam|lbfgs": the choices as usage text shows them.
inline std::string placeholderOf(const std::vector<OptionChoice>& choices) {
  std::string text;
  for (const OptionChoice& choice : choices) text += (text.empty() ? "" : "|") + choice.name;
  return text;
}

template <typename Enum>
struct Alternative {
  Enum value;
  OptionChoice choice;
};

/// One of an enum's values, by name; `alternatives` lists those the option offers, in
/// the order their positions (and an element's enum values) take.
template <typename Set, typename Enum>
OptionSpecOf<Set> choice(const Described& d, Where<Set, Enum> where,
                         const std::vector<Alternative<Enum>>& alternatives) {
  auto s = spec<Set>(d, OptionType::Choice);
  std::vector<Enum> values;
  for (const auto& alternative : alternatives) {
    s.choices.push_back(alternative.choice);
    values.push_back(alternative.value);
  }
  s.placeholder = placeholderOf(s.choices);
  const std::string name = d.name;
  const std::vector<OptionChoice> choices = s.choices;
  s.get = [=](const Set& set) {
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i] == where.read(set)) return OptionValue(static_cast<int64_t>(i));
    throw OptionsError(name + " must be one of " + placeholderOf(choices) + " here");
  };
  s.set = [=](Set& set, const OptionValue& v) {
    where.write(set) = values.at(static_cast<size_t>(std::get<int64_t>(v)));
  };
  return s;
}

}  // namespace neuralstyle::option_builders
