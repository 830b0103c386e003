#pragma once
// `mgc eval`: a trained run scored on one side of its split (default: test), at segment level and at clip level
// (mean of segment probabilities, and majority vote), written as metrics.json, confusion CSV and PNG, and
// predictions.csv: one row per clip (path inside the dataset, label, the mean vote's class, 1 if right, its
// probability, the label's probability, the majority vote's class, segments, and the clip's split_by value unless
// the split is by clip); and for a split by group, groups.csv: each group's clip accuracy, worst first (how whole
// held-out groove files or artists fare), summarised in metrics.json's "groups".
// When the run has a harmony model (RUN/harmony.json, `mgc harmony`, run/harmony.h), the clip's mean vote is the
// combination of the CNN's and the harmony model's probabilities (fuse_probabilities); metrics.json then also holds
// each expert alone ("clip_cnn", "clip_harmony"). The majority vote and segment metrics are the CNN's.
// With other runs to fuse (EvalOptions::fuse: a musicnn transfer beside audio_cnn, docs/MUSICNN.md), the clip's mean
// vote is the arithmetic mean of this run's vote (harmony included) and each other run's mean vote on the same clip
// (run::mean_votes), each run reading the clip with its own features; metrics.json then also holds this run's vote
// alone ("clip_alone") and the other runs ("fused_with").
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mgc/eval/metrics.h"

namespace mgc::tools {

// The side that scores every clip of another dataset (EvalOptions::data), with no split: a check set such as
// recorded music, whose labels must be among the run's classes (it may hold fewer).
inline constexpr const char* kAllClips = "all";

struct EvalOptions {
  // train | val | test | a crossed split's test_<field> (data::Split::extra) | kAllClips (with `data` only)
  std::string side = "test";
  std::string data;            // dataset to read the clips from; "" = the run's
  std::string out_dir;         // where metrics.json etc. go; "" = <run_dir>/eval-<side>
  std::string cache_dir;       // feature cache; "" = the run's
  int threads = 0;
  bool progress = true;
  bool png = true;             // write the confusion heat map (needs gnuplot)
  bool harmony = true;         // combine with the run's harmony model when it has one
  // Runs whose clip votes are averaged with this run's: the same classes in the same order and, on the run's own
  // data, the very clips on this side (by path inside the dataset); else evaluate_run throws naming the run.
  // out_dir then defaults to <run_dir>/eval-<side>-fused.
  std::vector<std::string> fuse;
};

struct EvalResult {
  eval::Metrics segments;
  eval::Metrics clips_mean;
  eval::Metrics clips_majority;
  bool harmony_used = false;   // clips_mean combines the CNN with RUN/harmony.json
  eval::Metrics clips_cnn;           // the CNN's mean vote alone (= clips_mean without a harmony model)
  eval::Metrics clips_harmony;       // the harmony model alone (only when harmony_used)
  eval::Metrics clips_alone;         // with options.fuse: this run's own vote (harmony included), before fusing
  int64_t failed = 0;          // clips that could not be decoded
  std::string split;           // the split's description (kind and grouping)
  std::string split_by;
  bool same_clips_as_run = true;  // the side's clips, by their path inside the dataset, are the ones run.json lists
                                  // (false when options.data is another corpus; true for a re-rendering of the run's)
  std::vector<eval::GroupResult> groups;  // per split group and class, worst first (empty for a split by clip)
  nlohmann::json json;         // what metrics.json holds
  std::string out_dir;         // where it was written
};

// Scores run_dir's best model on the clips its run.json lists for `side`; with options.data, on the clips that
// dataset's own split (the run's split settings) puts on `side`, or on all its clips for side kAllClips. Throws
// mgc::Error on a bad run, an unknown side (kAllClips without data), a clip whose label the model does not know,
// or if no clip of the side can be decoded.
EvalResult evaluate_run(const std::string& run_dir, const EvalOptions& options = {});

}  // namespace mgc::tools
