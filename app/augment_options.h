#pragma once
// The training-time augmentation options that `mgc train` and `mgc compare` share, from the library's table
// (mgc/train/augment_options.h). Every transform is off by default (measured on held-out groove files:
// docs/ROBUSTNESS.md, "Augmentation off"); a run keeps its settings in config.json.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>

#include "mgc/train/augment_options.h"

namespace mgc::cli {

inline void add_augment_options(CLI::App* cmd, train::AugmentConfig& a) {
  for (const auto& o : train::kAugmentReals) cmd->add_option(o.name, a.*o.field, o.help)->capture_default_str();
  for (const auto& o : train::kAugmentCounts) cmd->add_option(o.name, a.*o.field, o.help)->capture_default_str();
}

// The options above whose value differs from the default, as a command line fragment (" --pitch-shift 2 ..."), for
// the record of a command.
inline std::string augment_arguments(const train::AugmentConfig& a) {
  const train::AugmentConfig d;
  std::string s;
  for (const auto& o : train::kAugmentReals)
    if (a.*o.field != d.*o.field) s += fmt::format(" {} {}", o.name, a.*o.field);
  for (const auto& o : train::kAugmentCounts)
    if (a.*o.field != d.*o.field) s += fmt::format(" {} {}", o.name, a.*o.field);
  return s;
}

}  // namespace mgc::cli
