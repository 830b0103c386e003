#include "mgc/tools/evaluate.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/lock.h"
#include "mgc/core/progress.h"
#include "mgc/core/text.h"
#include "mgc/data/dataset.h"
#include "mgc/data/feature_cache.h"
#include "mgc/data/split.h"
#include "mgc/eval/plot.h"
#include "mgc/run/harmony.h"
#include "mgc/run/predictor.h"
#include "mgc/run/run_dir.h"
#include "mgc/train/run_data.h"

namespace mgc::tools {

namespace {

// A clip's path inside its dataset (predictions.csv's paths; how two runs' or datasets' sides are compared).
std::string relative_path(const std::string& path, const std::string& root) {
  return std::filesystem::path(path).lexically_relative(root).generic_string();
}

// One row per scored clip, in the side's order: which clips a model gets wrong, and with what confidence.
std::string predictions_csv(const std::vector<eval::ClipResult>& by_mean, const std::vector<eval::ClipResult>& by_majority,
                            const std::vector<std::pair<std::string, std::string>>& clips,
                            const std::vector<std::string>& groups, const std::string& root,
                            const std::string& split_by, const std::vector<std::string>& classes) {
  const bool grouped = split_by != "clip";
  std::string csv = "path,label,predicted,correct,probability,label_probability,majority,segments";
  if (grouped) csv += "," + csv::cell(split_by);
  csv += "\n";
  for (size_t j = 0; j < by_mean.size(); ++j) {
    const eval::ClipResult& m = by_mean[j];
    const auto i = static_cast<size_t>(m.clip);
    const std::string rel = relative_path(clips[i].first, root);
    csv += fmt::format("{},{},{},{},{:.6f},{:.6f},{},{}", csv::cell(rel.empty() ? clips[i].first : rel),
                       csv::cell(clips[i].second), csv::cell(classes[static_cast<size_t>(m.predicted)]),
                       m.predicted == m.label ? 1 : 0, m.probs[static_cast<size_t>(m.predicted)],
                       m.probs[static_cast<size_t>(m.label)],
                       csv::cell(classes[static_cast<size_t>(by_majority[j].predicted)]), m.segments);
    if (grouped) csv += "," + csv::cell(groups[i]);
    csv += "\n";
  }
  return csv;
}

// Averages each other run's mean vote into `by_mean` (EvalOptions::fuse). `clips` are this run's (path, label) of
// the side, `root` their dataset's root.
void fuse_runs(const EvalOptions& options, const run::RunInfo& info, const std::vector<std::string>& classes,
               const std::vector<std::pair<std::string, std::string>>& clips, const std::string& root,
               std::vector<eval::ClipResult>& by_mean) {
  std::set<std::string> mine;
  for (const auto& c : clips) mine.insert(relative_path(c.first, root));
  std::vector<std::vector<std::vector<float>>> votes;  // per clip: this run's, then each other run's
  for (const eval::ClipResult& c : by_mean) votes.push_back({c.probs});
  for (const std::string& other_dir : options.fuse) {
    const run::RunInfo other = run::load_run(other_dir, "eval");
    const run::Predictor predictor(other, options.threads);
    if (predictor.classes() != classes)
      throw make_error("eval", "cannot fuse '{}': its classes are not {}'s, in the same order", other_dir,
                       info.paths.dir);
    if (options.data.empty()) {  // the other run must have held out the very same clips
      const nlohmann::json& split = other.run.at("split");
      const data::Dataset other_ds = data::load_dataset(other.config.data);
      std::set<std::string> theirs;
      if (split.contains(options.side))
        for (const auto& p : split.at(options.side)) theirs.insert(relative_path(p.get<std::string>(), other_ds.root));
      if (theirs != mine)
        throw make_error("eval", "cannot fuse '{}': its {} side holds other clips than {}'s (train both with the "
                         "same split settings)", other_dir, options.side, info.paths.dir);
    }
    run::TrainConfig config = other.config;
    if (!options.cache_dir.empty()) config.cache_dir = options.cache_dir;
    const data::FeatureCache cache(train::cache_dir_for(config), config.features);
    Progress bar("fuse " + std::filesystem::path(other_dir).filename().string(),
                 static_cast<int64_t>(by_mean.size()), options.progress);
    for (size_t j = 0; j < by_mean.size(); ++j) {
      const std::string& path = clips[static_cast<size_t>(by_mean[j].clip)].first;
      votes[j].push_back(predictor.predict_features(cache.get(path)).probs);
      bar.tick();
    }
    bar.finish();
  }
  for (size_t j = 0; j < by_mean.size(); ++j) {
    eval::ClipResult& c = by_mean[j];
    c.probs = run::mean_votes(votes[j]);
    c.predicted = static_cast<int>(std::max_element(c.probs.begin(), c.probs.end()) - c.probs.begin());
  }
}

}  // namespace

EvalResult evaluate_run(const std::string& run_dir, const EvalOptions& options) {
  const run::RunInfo info = run::load_run(run_dir, "eval");
  run::TrainConfig config = info.config;
  if (!options.cache_dir.empty()) config.cache_dir = options.cache_dir;
  const nlohmann::json& run = info.run;
  // train, val, test, or a crossed split's partial side that run.json lists (data::Split::extra).
  const nlohmann::json& recorded = run.at("split");
  const bool all = options.side == kAllClips;
  if (all && options.data.empty())
    throw make_error("eval", "side '{}' scores every clip of another dataset (give it with --data): on the run's own "
                     "data it would score the clips it was trained on", kAllClips);
  if (!all && (!recorded.contains(options.side) || !recorded.at(options.side).is_array())) {
    std::string known = "train, val, test";
    for (const auto& [key, value] : recorded.items())
      if (value.is_array() && key != "train" && key != "val" && key != "test") known += ", " + key;
    throw make_error("eval", "unknown side '{}' (this run has: {}; and {} with --data)", options.side, known,
                     kAllClips);
  }
  const run::Predictor predictor(info, options.threads);
  const auto& classes = predictor.classes();
  const int num_classes = static_cast<int>(classes.size());
  std::map<std::string, int> class_index;
  for (int i = 0; i < num_classes; ++i) class_index[classes[static_cast<size_t>(i)]] = i;

  // The clips of the side: by default the paths run.json recorded; with another dataset, its own split.
  std::vector<std::pair<std::string, std::string>> clips;  // path, label
  std::vector<std::string> groups;                         // each clip's group (data::group_of; "" by clip)
  std::string root;                                        // the dataset's root: predictions.csv's paths are relative
  EvalResult result;
  if (options.data.empty()) {
    const data::Dataset ds = data::load_dataset(config.data);
    result.split = run.at("split").at("description").get<std::string>();
    result.split_by = run.at("split").at("by").get<std::string>();
    for (const data::Clip* c : train::recorded_clips(
             ds, run.at("split").at(options.side).get<std::vector<std::string>>(), config.data, "eval")) {
      clips.emplace_back(c->path, c->label);
      groups.push_back(data::group_of(*c, result.split_by));
    }
    root = ds.root;
  } else {
    const data::Dataset run_ds = data::load_dataset(config.data);
    config.data = options.data;
    const data::Dataset ds = data::load_dataset(options.data);
    root = ds.root;
    if (all) {  // a check set (recorded music, another corpus): every clip, no split
      result.split = fmt::format("every clip of {} (no split)", options.data);
      result.split_by = "clip";
      for (const data::Clip& c : ds.clips) {
        clips.emplace_back(c.path, c.label);
        groups.emplace_back();
      }
    } else {
      const data::Split split = train::split_for(ds, config);
      result.split = split.description;
      result.split_by = split.by;
      for (int64_t i : train::side_indices(split, options.side)) {
        const data::Clip& c = ds.clips[static_cast<size_t>(i)];
        clips.emplace_back(c.path, c.label);
        groups.push_back(data::group_of(c, result.split_by));
      }
    }
    // A re-rendering of the run's corpus (same manifest, other synthesis) must give the very clips the run held
    // out, by their names inside each dataset: that is what makes its score comparable with the run's own.
    std::set<std::string> run_side, here;
    if (!all)
      for (const auto& p : run.at("split").at(options.side))
        run_side.insert(relative_path(p.get<std::string>(), run_ds.root));
    for (const auto& c : clips) here.insert(relative_path(c.first, ds.root));
    result.same_clips_as_run = !all && run_side == here;
  }
  if (clips.empty()) throw make_error("eval", "the {} side of the split is empty", options.side);

  const data::FeatureCache cache(train::cache_dir_for(config), config.features);
  std::vector<eval::Prediction> segments;
  std::vector<std::string> failures;
  Progress bar("eval " + options.side, static_cast<int64_t>(clips.size()), options.progress);
  for (size_t i = 0; i < clips.size(); ++i) {
    const auto& [path, label] = clips[i];
    auto it = class_index.find(label);
    if (it == class_index.end())
      throw make_error("eval", "clip '{}' has label '{}' that the model does not know", path, label);
    try {
      const run::FilePrediction fp = predictor.predict_features(cache.get(path));
      for (const auto& s : fp.segments) segments.push_back({static_cast<int64_t>(i), it->second, s.probs});
    } catch (const Error& e) {
      failures.push_back(e.what());
    }
    bar.tick();
  }
  bar.finish();
  result.failed = static_cast<int64_t>(failures.size());
  for (const auto& f : failures) print_error(f);
  if (segments.empty()) throw make_error("eval", "no clip of the {} side could be decoded", options.side);

  const int k = std::min(3, num_classes);
  result.segments = compute_metrics(segments, num_classes, k);
  std::vector<eval::ClipResult> by_mean = aggregate_clips(segments, num_classes, eval::Vote::MeanProbability);
  const std::vector<eval::ClipResult> by_majority = aggregate_clips(segments, num_classes, eval::Vote::Majority);
  result.clips_cnn = compute_metrics(by_mean, num_classes, k);
  result.clips_majority = compute_metrics(by_majority, num_classes, k);
  const std::string harmony_file = info.paths.harmony();
  if (options.harmony && std::filesystem::exists(harmony_file)) {
    const run::HarmonyModel hm = run::load_harmony(harmony_file);
    if (hm.classes != classes)
      throw make_error("eval", "'{}' was fitted for other classes than the run's model", harmony_file);
    std::vector<std::string> paths;
    for (const eval::ClipResult& c : by_mean) paths.push_back(clips[static_cast<size_t>(c.clip)].first);
    const std::vector<run::ClipHarmony> feats =
        run::clips_harmony_features(paths, features::ChromaCqt(hm.options.cqt), hm.options,
                                      options.threads, "harmony " + options.side, options.progress);
    // A clip the CNN scored but whose harmony cannot be had (too short for the longest lag) keeps the CNN's vote.
    std::vector<eval::ClipResult> by_harmony;
    for (size_t j = 0; j < by_mean.size(); ++j) {
      if (!feats[j].error.empty()) {
        print_warning(feats[j].error + " (the CNN's vote alone)");
        continue;
      }
      eval::ClipResult h = by_mean[j];
      h.probs = hm.predict(feats[j].features);
      h.predicted = static_cast<int>(std::max_element(h.probs.begin(), h.probs.end()) - h.probs.begin());
      by_harmony.push_back(h);
      eval::ClipResult& f = by_mean[j];
      f.probs = run::fuse_probabilities(f.probs, h.probs);
      f.predicted = static_cast<int>(std::max_element(f.probs.begin(), f.probs.end()) - f.probs.begin());
    }
    if (!by_harmony.empty()) {
      result.clips_harmony = compute_metrics(by_harmony, num_classes, k);
      result.harmony_used = true;
    }
  }
  result.clips_mean = result.harmony_used ? compute_metrics(by_mean, num_classes, k) : result.clips_cnn;
  if (!options.fuse.empty()) {
    result.clips_alone = result.clips_mean;
    fuse_runs(options, info, classes, clips, root, by_mean);
    result.clips_mean = compute_metrics(by_mean, num_classes, k);
  }

  const std::string out = !options.out_dir.empty() ? options.out_dir
                          : info.paths.eval_dir(options.side) + (options.fuse.empty() ? "" : "-fused");
  const run::EvalPaths files{out};
  result.out_dir = out;
  std::filesystem::create_directories(out);
  const FolderLock lock(out, run::kLockFile, "eval");
  result.json = {{"run", run_dir},
                 {"model", config.model},
                 {"side", options.side},
                 {"split", result.split},
                 {"split_by", result.split_by},
                 {"data", config.data},
                 {"same_clips_as_run", result.same_clips_as_run},
                 {"clips", clips.size()},
                 {"failed", result.failed},
                 {"segment", to_json(result.segments, classes)},
                 {"clip_mean", to_json(result.clips_mean, classes)},
                 {"clip_majority", to_json(result.clips_majority, classes)},
                 {"harmony", result.harmony_used}};
  if (!options.fuse.empty()) {
    result.json["fused_with"] = options.fuse;
    result.json["clip_alone"] = to_json(result.clips_alone, classes);
  }
  if (result.harmony_used) {
    result.json["clip_cnn"] = to_json(result.clips_cnn, classes);
    result.json["clip_harmony"] = to_json(result.clips_harmony, classes);
  }
  if (result.split_by != "clip") {
    result.groups = group_results(by_mean, groups, num_classes);
    nlohmann::json summary = groups_summary(result.groups);
    summary["by"] = result.split_by;
    result.json["groups"] = summary;
    write_groups_csv(files.groups_csv(), result.groups, classes, result.split_by);
  }
  write_file_atomic(files.metrics(), result.json.dump(2) + "\n");
  write_confusion_csv(files.confusion_csv(), result.clips_mean, classes);
  write_file_atomic(files.predictions_csv(),
                    predictions_csv(by_mean, by_majority, clips, groups, root, result.split_by, classes));
  if (options.png)
    write_confusion_png(files.confusion_png(), result.clips_mean, classes,
                        fmt::format("{} {} clips ({}), accuracy {:.3f}", config.model, options.side, result.split_by,
                                    result.clips_mean.accuracy));
  return result;
}

}  // namespace mgc::tools
