#pragma once
// The command-line options of a training recipe, built from the library's one field table (run/config_fields.h):
// `mgc train` takes them all, `mgc compare` the recipe options it names, `mgc extract` the log-mel ones.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "mgc/run/config_fields.h"

namespace mgc::cli {

namespace detail {

// Adds one field's option (a flag for a bool); fields without an option are left out.
template <typename T>
void add_field_option(CLI::App* cmd, const run::FieldInfo& f, T& value) {
  if (!f.option) return;
  if constexpr (std::is_same_v<T, bool>) {
    cmd->add_flag(f.option, value, f.help);
  } else if constexpr (!std::is_enum_v<T>) {
    CLI::Option* o = cmd->add_option(f.option, value, f.help);
    if (f.show_default) o->capture_default_str();
  }
}

inline bool wanted(const run::FieldInfo& f, const std::vector<std::string>& only) {
  return f.option && (only.empty() || std::find(only.begin(), only.end(), f.option) != only.end());
}

// The address of each field of `config`, in the table's order (two configs' lists pair field with field).
inline std::vector<const void*> field_addresses(const run::TrainConfig& config) {
  std::vector<const void*> out;
  run::for_each_field(config, [&](const run::FieldInfo&, const auto& value) { out.push_back(&value); });
  return out;
}

}  // namespace detail

// Adds the option of every TrainConfig field that has one, or only those named in `only` ("--epochs", ...).
inline void add_config_options(CLI::App* cmd, run::TrainConfig& config, const std::vector<std::string>& only = {}) {
  run::for_each_field(config, [&](const run::FieldInfo& f, auto& value) {
    if (detail::wanted(f, only)) detail::add_field_option(cmd, f, value);
  });
}

// The log-mel options (`mgc extract`'s, the same as `mgc train`'s).
inline void add_feature_options(CLI::App* cmd, data::FeatureConfig& features) {
  run::for_each_feature_field(features,
                              [&](const run::FieldInfo& f, auto& value) { detail::add_field_option(cmd, f, value); });
}

// After parsing: the mel filter bank follows the sample rate given with --sr. Throws mgc::Error naming a bad field.
inline void finish_feature_options(data::FeatureConfig& f) {
  f.mel.sample_rate = f.sample_rate;
  f.validate();
}

// Copies into `target` the fields whose option was given on cmd's command line (parsed into `parsed`): the options
// of `mgc train --config FILE ...` override the file.
inline void apply_given_options(const CLI::App* cmd, const run::TrainConfig& parsed, run::TrainConfig& target) {
  const std::vector<const void*> source = detail::field_addresses(parsed);
  size_t i = 0;
  run::for_each_field(target, [&](const run::FieldInfo& f, auto& value) {
    using T = std::decay_t<decltype(value)>;
    const auto* from = static_cast<const T*>(source[i++]);
    if (f.option && cmd->count(f.option) > 0) value = *from;
  });
}

// The options of the fields in one config.json group ("augment", "features").
inline std::vector<std::string> group_options(const char* group) {
  const run::TrainConfig defaults;
  std::vector<std::string> out;
  run::for_each_field(defaults, [&](const run::FieldInfo& f, const auto&) {
    if (f.option && f.group && std::string(f.group) == group) out.push_back(f.option);
  });
  return out;
}

// The options among `only` whose value in `config` differs from the default, as a command-line fragment
// (" --pitch-shift 2 --lr 0.01"), for the record of a command.
inline std::string changed_options(const run::TrainConfig& config, const std::vector<std::string>& only) {
  const run::TrainConfig defaults;
  const std::vector<const void*> mine = detail::field_addresses(config);
  size_t i = 0;
  std::string s;
  run::for_each_field(defaults, [&](const run::FieldInfo& f, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    const T& given = *static_cast<const T*>(mine[i++]);
    if (!detail::wanted(f, only) || given == value) return;
    if constexpr (std::is_same_v<T, bool>) {
      if (given) s += fmt::format(" {}", f.option);
    } else if constexpr (!std::is_enum_v<T>) {
      s += fmt::format(" {} {}", f.option, given);
    }
  });
  return s;
}

}  // namespace mgc::cli
