// SPDX-License-Identifier: LGPL-2.1-or-later
// Options' values as text (option_schema.hpp): parsing with messages that name the option
// and what it accepts, formatting, and the description of a whole table.
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/option_schema.hpp"

namespace neuralstyle {
namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// The shortest text that reads back as `value`: 0.003, not 0.0030000000000000001.
std::string shortest(double value) {
  char buffer[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {  // 10, not 1e+01
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

// "between 0 and 8", ">= 16" (INT_MAX and DBL_MAX are no bound to a user).
std::string rangeText(const OptionDescriptor& spec) {
  const bool unbounded = spec.maximum >= DBL_MAX || (spec.type == OptionType::Integer &&
                                                     spec.maximum >= INT_MAX);
  if (unbounded) return ">= " + shortest(spec.minimum);
  return "between " + shortest(spec.minimum) + " and " + shortest(spec.maximum);
}

std::string choiceNames(const OptionDescriptor& spec) {
  std::string names;
  for (size_t i = 0; i < spec.choices.size(); ++i)
    names += (i == 0 ? "" : i + 1 == spec.choices.size() ? " or " : ", ") + spec.choices[i].name;
  return names;
}

int64_t parseInteger(const OptionDescriptor& spec, const std::string& text) {
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || (error != std::errc() && error != std::errc::result_out_of_range))
    throw OptionsError(spec.name + ": " + quoted(text) + " is not an integer");
  const bool too_big = error == std::errc::result_out_of_range ? text.front() != '-' : value > spec.maximum;
  const bool too_small = error == std::errc::result_out_of_range ? text.front() == '-' : value < spec.minimum;
  // Above an INT_MAX bound, the bound is what the user needs to hear.
  if (too_big && spec.maximum >= INT_MAX)
    throw OptionsError(spec.name + " must be <= " + std::to_string(INT_MAX) + ", got " + text);
  if (too_big || too_small) throw OptionsError(spec.name + " must be " + rangeText(spec) + ", got " + text);
  return value;
}

uint64_t parseUnsigned(const OptionDescriptor& spec, const std::string& text) {
  unsigned long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error != std::errc())
    throw OptionsError(spec.name + ": " + quoted(text) + " is not an integer between 0 and " +
                       std::to_string(UINT64_MAX));
  return value;
}

double parseNumber(const OptionDescriptor& spec, const std::string& text) {
  // strtod skips leading blanks: refuse them so that the whole text is the number.
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())))
    throw OptionsError(spec.name + ": " + quoted(text) + " is not a number");
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    throw OptionsError(spec.name + ": " + quoted(text) + " is not a number");
  if (!std::isfinite(value)) throw OptionsError(spec.name + " must be a finite number, got " + text);
  if (value < spec.minimum || value > spec.maximum)
    throw OptionsError(spec.name + " must be " + rangeText(spec) + ", got " + text);
  return value;
}

bool parseFlag(const OptionDescriptor& spec, const std::string& text) {
  for (const char* yes : {"true", "1", "yes", "on"})
    if (text == yes) return true;
  for (const char* no : {"false", "0", "no", "off"})
    if (text == no) return false;
  throw OptionsError(spec.name + " must be true or false, got " + quoted(text));
}

int64_t parseChoice(const OptionDescriptor& spec, const std::string& text) {
  for (size_t i = 0; i < spec.choices.size(); ++i)
    if (spec.choices[i].name == text) return static_cast<int64_t>(i);
  throw OptionsError(spec.name + " must be " + choiceNames(spec) + ", got " + quoted(text));
}

}  // namespace

OptionValue parseOptionValue(const OptionDescriptor& spec, const std::string& text) {
  switch (spec.type) {
    case OptionType::Integer: return parseInteger(spec, text);
    case OptionType::Unsigned64: return parseUnsigned(spec, text);
    case OptionType::Number: return parseNumber(spec, text);
    case OptionType::Flag: return parseFlag(spec, text);
    case OptionType::Choice: return parseChoice(spec, text);
    case OptionType::Text: break;
  }
  return text;
}

std::string formatOptionValue(const OptionDescriptor& spec, const OptionValue& value) {
  switch (spec.type) {
    case OptionType::Integer: return std::to_string(std::get<int64_t>(value));
    case OptionType::Unsigned64: return std::to_string(std::get<uint64_t>(value));
    case OptionType::Number: return shortest(std::get<double>(value));
    case OptionType::Flag: return std::get<bool>(value) ? "true" : "false";
    case OptionType::Choice:
      return spec.choices.at(static_cast<size_t>(std::get<int64_t>(value))).name;
    case OptionType::Text: break;
  }
  return std::get<std::string>(value);
}

void checkOptionValue(const OptionDescriptor& spec, const OptionValue& value) {
  // The range's messages are parseOptionValue's: check the value as its text.
  switch (spec.type) {
    case OptionType::Integer:
    case OptionType::Number: parseOptionValue(spec, formatOptionValue(spec, value)); return;
    case OptionType::Choice:
      if (const int64_t position = std::get<int64_t>(value);
          position < 0 || position >= static_cast<int64_t>(spec.choices.size()))
        throw OptionsError(spec.name + " holds a value that is not one of " + choiceNames(spec));
      return;
    case OptionType::Unsigned64:
    case OptionType::Flag:
    case OptionType::Text: return;  // every value of the type is in range
  }
}

std::string describeOption(const OptionDescriptor& spec, const OptionValue& fallback_value) {
  std::ostringstream out;
  out << spec.name << (spec.placeholder.empty() ? "" : " " + spec.placeholder) << "\n  " << spec.doc
      << (spec.repeatable ? " (may be given several times)" : "") << ".\n";
  if (spec.type == OptionType::Integer || spec.type == OptionType::Number)
    out << "  Range: " << rangeText(spec) << ".";
  else if (spec.type == OptionType::Choice)
    for (const OptionChoice& choice : spec.choices) out << "  " << choice.name << ": " << choice.doc << ".\n";
  const std::string fallback = formatOptionValue(spec, fallback_value);
  out << (spec.type == OptionType::Integer || spec.type == OptionType::Number ? " " : "  ")
      << "Default: " << (fallback.empty() ? "unset" : fallback) << ". "
      << (spec.change == OptionChange::BeforeStart ? "Set before the run starts." : "May change while running.")
      << "\n\n";
  return out.str();
}

}  // namespace neuralstyle
