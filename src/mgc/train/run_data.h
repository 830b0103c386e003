#pragma once
// A run's data: the dataset, its split, and the log-mel of every clip it uses, from the feature cache.
#include <cstdint>
#include <string>
#include <vector>

#include "mgc/data/dataset.h"
#include "mgc/data/split.h"
#include "mgc/features/spectrogram.h"
#include "mgc/run/config.h"

namespace mgc::train {

struct RunData {
  data::Dataset dataset;
  data::Split split;
  std::vector<features::Spectrogram> features;  // by clip index; empty for clips not loaded or not decodable
  std::vector<std::string> failures;            // clips that could not be decoded (one line each)
};

// The feature cache folder of a run's config: data::cache_folder(config.cache_dir).
std::string cache_dir_for(const run::TrainConfig& config);

// The split a config asks for (data::SplitConfig built from its fields and seed).
data::Split split_for(const data::Dataset& dataset, const run::TrainConfig& config);

// Loads the dataset, makes the split and reads (or computes) the features of the clips on the sides named in
// `sides` ("train", "val", "test") on all cores with a progress bar. Clips that fail to decode are reported in
// `failures` and left empty. Throws mgc::Error if the dataset or split cannot be made, or if every clip of a
// side failed.
RunData load_run_data(const run::TrainConfig& config, const std::vector<std::string>& sides, bool progress);

// The indices of one side of the split: train, val, test, or a crossed split's partial side (Split::extra).
// Throws mgc::Error naming the sides there are for another name.
const std::vector<int64_t>& side_indices(const data::Split& split, const std::string& side);

// The clips of `dataset` at `paths` (a side of the split that run.json recorded), in that order. `data` names the
// dataset and `component` prefixes errors. Throws mgc::Error ("<component>: clip '<path>' of the run's split is not
// in '<data>'") for a path the dataset lacks.
std::vector<const data::Clip*> recorded_clips(const data::Dataset& dataset, const std::vector<std::string>& paths,
                                              const std::string& data, const char* component);

}  // namespace mgc::train
