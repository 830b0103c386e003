#pragma once
// Train / validation / test splits of a Dataset that keep groups of related clips on one side (docs/DATA.md).
// A group is every clip sharing a value of a field (the groove a generated clip was rendered from, an artist ...),
// or each clip alone. Splits are stratified by class and deterministic for a seed on every platform (own shuffle
// over std::mt19937_64, whose output the C++ standard fixes).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mgc/data/dataset.h"

namespace mgc::data {

struct SplitConfig {
  // What must not straddle two sides: "auto", "clip", "groove" or any other field name, several fields joined by
  // '+' for a crossed split ("groove_file+synth": no value of any of them on two sides), "lists" (GTZAN's
  // fault-filtered split files) or "manifest" (the manifest's `split` column). "auto" resolves, in order, to
  // "manifest" if the clips have a split field, "lists" for a GTZAN dataset (both only for holdout), "groove_file" if
  // the clips have that field (the generated corpus), "groove" if they have a groove field, else "clip".
  std::string by = "auto";
  std::string method = "holdout";  // "holdout" or "kfold"
  double val_fraction = 0.15;      // holdout: share of each class's groups in val; kfold: > 0 means a val fold
  double test_fraction = 0.15;     // holdout: share of each class's groups in test; kfold: ignored
  int folds = 5;                   // kfold: number of folds (>= 2, >= 3 with a val fold)
  int fold = 0;                    // kfold: the test fold, 0 <= fold < folds; val is fold (fold + 1) % folds
  uint64_t seed = 0;
  // Folder with GTZAN's train_filtered.txt, valid_filtered.txt and test_filtered.txt; "" finds the project's
  // data/gtzan (see gtzan_lists_dir).
  std::string lists_dir;

  // Throws mgc::Error ("data: SplitConfig.<field> ...") on an out-of-range value.
  void validate() const;
};

struct Split {
  std::vector<int64_t> train, val, test;  // indices into Dataset::clips, sorted; a clip is on at most one side
  // A crossed split's partly held-out clips, which are on none of the three sides: "test_<field>" holds the clips
  // whose <field> is on the test side and every other field on the train side (for groove_file+synth,
  // "test_groove_file" is held-out groove files played by training paths: the in-generator figure; "test_synth"
  // training groove files played by held-out paths). Sorted; empty for other splits.
  std::map<std::string, std::vector<int64_t>> extra;
  std::string by;                         // resolved: "clip", "groove", <field>, "f1+f2", "lists" or "manifest"
  std::string method;                     // "holdout" or "kfold" (lists and manifest splits are holdouts)
  std::string description;                // one line, e.g. "holdout by groove: 4/1/1 of 6 grooves per class ..."
  uint64_t seed = 0;
  int folds = 0;  // kfold only
  int fold = -1;  // kfold only: the test fold
};

// Splits the dataset as the config says.
// Holdout by group: each group belongs to the class most of its clips have (ties: the lower class index); for each
// class, its groups are shuffled with the seed and round(fraction * groups) of them go to test and to val (at least
// one each where the fraction is > 0, always at least one left for train), the rest to train.
// K-fold by group: each class's shuffled groups are dealt round-robin into `folds` folds (the deal goes on from class
// to class so fold sizes stay even); test = fold `fold`, val = the next fold if val_fraction > 0, train = the rest.
// Crossed, "f1+f2+...": each field is split as above on its own (a field whose values span classes, like the
// corpus's synthesis path, is dealt as one pool instead of per class), with the same seed and fold; a clip goes to
// the side every field puts it on, and is left out when they disagree. A test clip then shares no value of any
// field with train or val. The sides are small (holdout 0.15 of groove files x 1 of 5 paths is 3 % of the clips in
// test); k-fold over the folds pools more. Throws if a class keeps no training clip.
// Lists: clips match GTZAN list lines `genre/genre.NNNNN.wav` by folder and stem (any audio extension, so .au
// matches); clips in no list are left out. Manifest: the split column (empty values are left out).
// `fallback_lists_dir` is the caller's idea of the project's data/gtzan (e.g. a compile-time source path); it is
// tried after config.lists_dir and $MGC_DATA_DIR (see gtzan_lists_dir).
// Throws mgc::Error ("data: ...") on an invalid config, an unknown field or clips without a value for it, a class
// with too few groups (naming the class, its group count and what is needed), kfold with lists/manifest, lists that
// cannot be read or match no clip, a clip matching two list lines, a bad split value.
Split make_split(const Dataset& dataset, const SplitConfig& config, const std::string& fallback_lists_dir = "");

// The folder holding GTZAN's three list files: `configured` if non-empty (it must hold them), else the first of
// $MGC_DATA_DIR/gtzan (or $MGC_DATA_DIR itself), `fallback`, data/gtzan beside or above the running executable (up
// to four levels, so build/mgc finds the source tree's data/gtzan), ./data/gtzan that holds train_filtered.txt.
// Throws mgc::Error naming the places tried if none does.
std::string gtzan_lists_dir(const std::string& configured = "", const std::string& fallback = "");

// What a split by `by` groups `clip` by: its value of the field, the values of a crossed split's fields joined
// with '+' ("stdlib/rock+fluidsynth/OPL3_FM"), "" for a split by clip, lists or manifest (no groups).
std::string group_of(const Clip& clip, const std::string& by);

// The split as JSON text for metrics and run files: by, method, description, seed, folds, fold, sizes, and the
// members of each side (paths relative to dataset->root when a dataset is given, else clip indices), plus per-class
// counts when a dataset is given.
std::string to_json(const Split& split, const Dataset* dataset = nullptr);

}  // namespace mgc::data
