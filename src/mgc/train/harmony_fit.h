#pragma once
// Fitting the harmony model (run/harmony.h): multinomial logistic regression on standardised harmony features with
// libtorch's L-BFGS, on a run's training clips. Header kept free of libtorch.
#include <cstdint>
#include <string>
#include <vector>

#include "mgc/run/harmony.h"

namespace mgc::train {

// Fits on rows x (harmony_features of each clip) with labels y in [0, classes.size()). Deterministic. Throws
// mgc::Error on empty or ragged input, a label out of range, or a class without a clip.
run::HarmonyModel fit_harmony(const std::vector<std::vector<float>>& x, const std::vector<int64_t>& y,
                              const std::vector<std::string>& classes, const run::HarmonyOptions& options);

struct HarmonyFitReport {
  run::HarmonyModel model;
  int64_t failed = 0;    // training clips that could not be decoded (reported on stderr, left out)
  double seconds = 0.0;  // wall time, features and fit
};

// Fits a harmony model on run_dir's training clips (run.json's train side, labels from the run's dataset) and
// writes the run's harmony.json (run/run_dir.h). threads: decoding threads (0 = all cores). Throws mgc::Error on a
// bad run or if no training clip can be decoded.
HarmonyFitReport fit_run_harmony(const std::string& run_dir, const run::HarmonyOptions& options = {}, int threads = 0,
                                 bool progress = true);

}  // namespace mgc::train
