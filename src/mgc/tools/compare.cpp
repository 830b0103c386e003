#include "mgc/tools/compare.h"

#include <ATen/record_function.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/json_file.h"
#include "mgc/core/lock.h"
#include "mgc/core/subprocess.h"
#include "mgc/data/feature_cache.h"
#include "mgc/eval/metrics.h"
#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "mgc/run/model.h"
#include "mgc/run/predictor.h"
#include "mgc/run/run_dir.h"
#include "mgc/tools/evaluate.h"
#include "mgc/train/run_data.h"

namespace fs = std::filesystem;

namespace mgc::tools {
namespace {

// MAC counting: the observer adds to the counter of its thread while one is installed (count_macs).
thread_local int64_t* t_macs = nullptr;

std::unique_ptr<at::ObserverContext> count_op(const at::RecordFunction& fn) {
  if (!t_macs) return nullptr;
  const std::string name = fn.name();
  const auto inputs = fn.inputs();
  if (name == "aten::convolution" && inputs.size() >= 9 && inputs[0].isTensor() && inputs[1].isTensor()) {
    const at::Tensor& x = inputs[0].toTensor();
    const at::Tensor& w = inputs[1].toTensor();
    const auto stride = inputs[3].toIntVector(), padding = inputs[4].toIntVector(), dilation = inputs[5].toIntVector();
    const bool transposed = inputs[6].toBool();
    int64_t positions = x.size(0);  // output positions (direct conv) or input positions (transposed)
    for (int64_t d = 2; d < x.dim(); ++d) {
      const size_t i = static_cast<size_t>(d - 2);
      const int64_t s = stride.size() > i ? stride[i] : stride.at(0);
      const int64_t p = padding.size() > i ? padding[i] : padding.at(0);
      const int64_t dl = dilation.size() > i ? dilation[i] : dilation.at(0);
      positions *= transposed ? x.size(d) : (x.size(d) + 2 * p - dl * (w.size(d) - 1) - 1) / s + 1;
    }
    // Direct: each of the positions x out_channels outputs takes weight.numel() / out_channels MACs; transposed:
    // each input value is multiplied into out_channels / groups x kernel area outputs. Both: positions x numel.
    *t_macs += positions * w.numel();
  } else if (name == "aten::linear" && inputs.size() >= 2 && inputs[0].isTensor() && inputs[1].isTensor()) {
    const at::Tensor& x = inputs[0].toTensor();
    const at::Tensor& w = inputs[1].toTensor();
    *t_macs += x.numel() / std::max<int64_t>(1, w.size(1)) * w.numel();
  }
  return nullptr;
}

// Installs the observer for this thread for its lifetime.
class MacCounter {
 public:
  explicit MacCounter(int64_t* counter) {
    t_macs = counter;
    handle_ = at::addThreadLocalCallback(at::RecordFunctionCallback(&count_op).needsInputs(true));
  }
  ~MacCounter() {
    at::removeCallback(handle_);
    t_macs = nullptr;
  }
  MacCounter(const MacCounter&) = delete;
  MacCounter& operator=(const MacCounter&) = delete;

 private:
  at::CallbackHandle handle_;
};

nlohmann::json read_json(const std::string& path) { return read_json_file(path, "compare"); }

std::string recipe_of(const run::TrainConfig& c) {
  if (c.pretrained.empty()) return "scratch";
  if (c.freeze_only) return "frozen (linear probe)";
  if (c.freeze_epochs > 0)
    return fmt::format("frozen {} epoch{}, then fine-tuned", c.freeze_epochs, c.freeze_epochs == 1 ? "" : "s");
  return "fine-tuned";
}

int64_t input_height(const run::TrainConfig& c) {
  return c.input_height > 0 ? c.input_height : c.features.mel.n_mels;
}
int64_t input_width(const run::TrainConfig& c) { return c.input_width > 0 ? c.input_width : c.segment_frames(); }

// The keys whose values differ between two JSON objects (nested keys as a.b).
std::vector<std::string> differing_keys(const nlohmann::json& a, const nlohmann::json& b, const std::string& prefix = "") {
  std::vector<std::string> out;
  std::set<std::string> keys;
  for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
  for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
  for (const auto& k : keys) {
    const bool in_a = a.contains(k), in_b = b.contains(k);
    if (in_a && in_b && a[k].is_object() && b[k].is_object()) {
      for (auto& s : differing_keys(a[k], b[k], prefix + k + ".")) out.push_back(s);
    } else if (!in_a || !in_b || a[k] != b[k]) {
      out.push_back(prefix + k + " (" + (in_a ? a[k].dump() : "-") + " vs " + (in_b ? b[k].dump() : "-") + ")");
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return -1.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median wall time (ms) of Predictor::predict_features over the run's test clips, features read beforehand.
double time_inference(const std::string& run_dir, const run::TrainConfig& config, const nlohmann::json& run,
                      int threads) {
  const run::Predictor predictor(run_dir, threads);
  const data::FeatureCache cache(train::cache_dir_for(config), config.features);
  std::vector<double> ms;
  bool warm = false;
  for (const auto& p : run.at("split").at("test")) {
    features::Spectrogram mel;
    try {
      mel = cache.get(p.get<std::string>());
    } catch (const Error&) {
      continue;  // evaluation reported it already
    }
    if (!warm) {
      predictor.predict_features(mel);  // first call: allocations and kernel selection, not timed
      warm = true;
    }
    const auto t0 = std::chrono::steady_clock::now();
    predictor.predict_features(mel);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(ms);
}

// The first "mgc: ..." error line of a training log (the child's one-line reason), or "".
std::string log_reason(const std::string& log_path) {
  std::string text;
  try {
    text = read_file(log_path);
  } catch (const Error&) {
    return "";
  }
  for (size_t p = text.find("mgc: "); p != std::string::npos; p = text.find("mgc: ", p + 1)) {
    if (p > 0 && text[p - 1] != '\n') continue;
    const std::string line = text.substr(p, text.find('\n', p) - p);
    if (line.find("error") != std::string::npos) return line;
  }
  return "";
}

std::string mb(double v) { return v < 0 ? "?" : fmt::format("{:.0f} MB", v); }

// Each scored clip of an eval folder's predictions.csv: its path and 1 if the mean vote was right, else 0. Empty
// if the file is missing (an evaluation older than that file). Throws mgc::Error if it is malformed.
std::vector<std::pair<std::string, double>> read_correct(const std::string& predictions_csv) {
  std::vector<std::pair<std::string, double>> out;
  if (!fs::exists(predictions_csv)) return out;
  const csv::Table t = csv::parse(read_file(predictions_csv), predictions_csv, "compare");
  if (t.rows.empty()) throw make_error("compare", "'{}' is empty", predictions_csv);
  const auto& head = t.rows.front();
  const auto path = std::find(head.begin(), head.end(), "path"), correct = std::find(head.begin(), head.end(), "correct");
  if (path == head.end() || correct == head.end())
    throw make_error("compare", "'{}' has no 'path' and 'correct' columns", predictions_csv);
  const size_t p = static_cast<size_t>(path - head.begin()), c = static_cast<size_t>(correct - head.begin());
  for (size_t i = 1; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    if (row.size() != head.size() || (row[c] != "0" && row[c] != "1"))
      throw make_error("compare", "'{}' line {}: malformed row", predictions_csv, t.lines[i]);
    out.emplace_back(row[p], row[c] == "1" ? 1.0 : 0.0);
  }
  return out;
}

// The 95% bootstrap interval of the accuracy of `correct` into lo, hi (left as they are when empty).
void accuracy_interval(const std::vector<std::pair<std::string, double>>& correct, double* lo, double* hi) {
  if (correct.empty()) return;
  std::vector<double> v;
  for (const auto& c : correct) v.push_back(c.second);
  const eval::Interval ci = eval::bootstrap_mean(v, kBootstrapResamples, 0);
  *lo = ci.lo;
  *hi = ci.hi;
}

// One set a run is scored on beside its test side (ModelResult's partial sides and real-music check).
struct SideScore {
  double accuracy = -1.0, lo = -1.0, hi = -1.0;  // clip accuracy (mean vote) and its 95% bootstrap interval
  int64_t clips = 0;                             // clips scored (failed ones left out)
};

// run_dir scored on `side` (of `data` when not empty) into out_dir: its metrics.json, evaluated first when it is
// missing or was made from other data, and the interval from its predictions.csv.
SideScore score_side(const std::string& run_dir, const std::string& side, const std::string& data,
                     const std::string& out_dir, const MeasureOptions& options) {
  const run::EvalPaths files{out_dir};
  nlohmann::json m;
  if (fs::exists(files.metrics())) m = read_json(files.metrics());
  if (m.is_null() || (!data.empty() && m.value("data", std::string()) != data)) {
    EvalOptions eo;
    eo.progress = options.progress;
    eo.threads = options.threads;
    eo.side = side;
    eo.data = data;
    eo.out_dir = out_dir;
    m = evaluate_run(run_dir, eo).json;
  }
  SideScore score;
  score.accuracy = m.at("clip_mean").at("accuracy").get<double>();
  score.clips = m.at("clips").get<int64_t>() - m.value("failed", int64_t{0});
  accuracy_interval(read_correct(files.predictions_csv()), &score.lo, &score.hi);
  return score;
}

}  // namespace

const std::vector<std::string>& default_compare_models() {
  static const std::vector<std::string> models = {"resnet50",     "vgg16",           "densenet121", "inception_v3",
                                                  "mobilenet_v2", "efficientnet_b0", "audio_cnn"};
  return models;
}

std::string find_pretrained(const std::string& dir, const std::string& model) {
  if (dir == "imagenet")  // the ImageNet weights installed with mgc; models without them train from scratch
    return run::has_installed_imagenet_weights(model) ? run::resolve_pretrained(dir, model) : "";
  if (dir == "installed") {  // every weight installed with mgc: Lite0's ImageNet, musicnn's MSD
    const std::string keyword = run::installed_weights(model);
    return keyword.empty() ? "" : run::resolve_pretrained(keyword, model);
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw make_error("compare", "pretrained folder '{}' is not a folder", dir);
  // The lukemelas-style files spell the name with hyphens (efficientnet-lite0-57934424.pth).
  std::string hyphenated = model;
  std::replace(hyphenated.begin(), hyphenated.end(), '_', '-');
  auto matches = [](const std::string& name, const std::string& stem) {
    if (name.size() <= stem.size() || name.compare(0, stem.size(), stem) != 0) return false;
    const char next = name[stem.size()];
    const bool digit_after =
        name.size() > stem.size() + 1 && std::isdigit(static_cast<unsigned char>(name[stem.size() + 1]));
    return next == '-' || next == '.' || (next == '_' && digit_after);
  };
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file(ec)) continue;
    const std::string name = e.path().filename().string();
    if (matches(name, model) || (hyphenated != model && matches(name, hyphenated))) names.push_back(name);
  }
  if (names.empty()) return "";
  std::sort(names.begin(), names.end());
  return (fs::path(dir) / names.front()).string();
}

run::TrainConfig model_config(const run::TrainConfig& recipe, const std::string& model,
                                const std::string& pretrained_file) {
  run::TrainConfig c = recipe;
  c.model = model;
  c.pretrained = pretrained_file;
  if (run::is_musicnn_model(model)) {  // false for the report's "<model>"
    // musicnn's layers take its own input only: the same clips and split, its features and windows.
    run::use_musicnn_input(c);
    c.input_mode = "auto";
    c.input_height = c.input_width = 0;
    c.input_norm = "none";
    c.augment.disable_db_transforms();
    if (pretrained_file.empty()) c.freeze_epochs = 0, c.freeze_only = false;
    return c;
  }
  if (pretrained_file.empty()) {
    c.freeze_epochs = 0;
    c.freeze_only = false;
    if (c.input_mode == "imagenet") c.input_mode = "auto";
  } else {
    c.input_mode = "imagenet";
  }
  return c;
}

std::vector<std::string> train_arguments(const run::TrainConfig& c, const std::string& run_dir) {
  const std::string request = run::RunPaths{run_dir}.train_request();
  write_file_atomic(request, run::to_json(c).dump(2) + "\n");
  return {"train", "--config", request, "--out", run_dir, "--quiet"};
}

int64_t count_macs(models::Classifier& model, int64_t channels, int64_t height, int64_t width) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  int64_t macs = 0;
  {
    MacCounter counter(&macs);
    model.forward(torch::zeros({1, channels, height, width}));
  }
  model.train(was_training);
  return macs;
}

int64_t config_macs(const run::TrainConfig& config, int64_t num_classes) {
  run::TrainConfig c = config;
  c.pretrained.clear();
  c.input_mode = config.resolved_input_mode();
  auto model = run::build_model(c, num_classes);
  return count_macs(*model, run::input_config(c).channels(), input_height(c), input_width(c));
}

ModelResult collect_run(const std::string& run_dir, const MeasureOptions& options) {
  const run::RunPaths files{run_dir};
  const run::EvalPaths test_eval{files.eval_dir("test")};
  if (!fs::exists(files.result()))
    throw make_error("compare", "'{}' is not a finished run (no result.json)", run_dir);
  const run::RunInfo info = run::load_run(run_dir, "compare");
  const run::TrainConfig& config = info.config;
  const nlohmann::json& run = info.run;
  const nlohmann::json result = read_json(files.result());
  const std::string metrics_path = test_eval.metrics();
  if (!fs::exists(metrics_path)) {
    EvalOptions eo;
    eo.progress = options.progress;
    eo.threads = options.threads;
    evaluate_run(run_dir, eo);
  }
  const nlohmann::json metrics = read_json(metrics_path);
  const int64_t num_classes = static_cast<int64_t>(run.at("classes").size());

  // Measurements are kept in compare.json so that a second report costs no model time.
  const std::string measures_path = files.compare_json();
  nlohmann::json measures = fs::exists(measures_path) ? read_json(measures_path) : nlohmann::json::object();
  if (!measures.contains("macs") || !measures.contains("parameters") || !measures.contains("depth") ||
      !measures.contains("infer_ms")) {
    run::TrainConfig c = config;
    c.pretrained.clear();
    c.input_mode = config.resolved_input_mode();
    auto model = run::build_model(c, num_classes);
    const models::ModelStats stats = models::model_stats(*model);
    measures["parameters"] = stats.parameters;
    measures["depth"] = stats.depth;
    measures["macs"] = count_macs(*model, run::input_config(c).channels(), input_height(c), input_width(c));
    model.reset();
    measures["infer_ms"] = time_inference(run_dir, config, run, options.threads);
    measures["infer_threads"] = options.threads;
    write_file_atomic(measures_path, measures.dump(2) + "\n");
  }

  ModelResult r;
  r.label = config.model;
  r.model = config.model;
  r.run_dir = run_dir;
  r.pretrained = !config.pretrained.empty();
  r.pretrained_file = r.pretrained ? fs::path(config.pretrained).filename().string() : "";
  r.recipe = recipe_of(config);
  r.input = fmt::format("{}x{}x{} {}", input_height(config), input_width(config),
                        run::input_config(config).channels(), config.resolved_input_mode());
  r.parameters = measures.at("parameters").get<int64_t>();
  r.depth = measures.at("depth").get<int64_t>();
  r.macs = measures.at("macs").get<int64_t>();
  r.infer_ms = measures.at("infer_ms").is_number() ? measures.at("infer_ms").get<double>() : -1.0;
  r.peak_rss_mb = measures.value("peak_rss_mb", nlohmann::json(-1.0)).is_number()
                      ? measures.value("peak_rss_mb", -1.0) : -1.0;
  r.test_segment_acc = metrics.at("segment").at("accuracy").get<double>();
  r.test_clip_acc = metrics.at("clip_mean").at("accuracy").get<double>();
  r.test_macro_f1 = metrics.at("clip_mean").at("macro_f1").get<double>();
  r.test_clips = metrics.at("clips").get<int64_t>();
  r.split_by = metrics.at("split_by").get<std::string>();
  r.split = metrics.at("split").get<std::string>();
  r.epochs = result.at("epochs_done").get<int>();
  r.best_epoch = result.at("best_epoch").get<int>();
  r.curve = read_curve(files.metrics_csv());
  for (const auto& p : r.curve) r.train_seconds += p.seconds;
  if (fs::exists(test_eval.confusion_png())) r.confusion_png = test_eval.confusion_png();
  r.config = to_json(config);  // its paths as the run used them (run::load_run)
  r.test_correct = read_correct(test_eval.predictions_csv());
  accuracy_interval(r.test_correct, &r.test_clip_acc_lo, &r.test_clip_acc_hi);

  // A crossed split's partial sides beside its headline: held-out groove files played by paths heard in training
  // (the in-generator figure), and the held-out path playing groove files heard in training.
  const nlohmann::json& split = run.at("split");
  for (const auto& [side, acc, lo, hi, clips] :
       {std::tuple{"test_groove_file", &r.generator_clip_acc, &r.generator_clip_acc_lo, &r.generator_clip_acc_hi,
                   &r.generator_clips},
        std::tuple{"test_synth", &r.path_clip_acc, &r.path_clip_acc_lo, &r.path_clip_acc_hi, &r.path_clips}}) {
    if (!split.contains(side) || !split.at(side).is_array() || split.at(side).empty()) continue;
    const SideScore score = score_side(run_dir, side, "", files.eval_dir(side), options);
    *acc = score.accuracy;
    *lo = score.lo;
    *hi = score.hi;
    *clips = score.clips;
  }
  if (!options.real_data.empty()) {
    r.real_data = fs::absolute(options.real_data).lexically_normal().string();
    const SideScore score = score_side(run_dir, kAllClips, r.real_data, files.eval_dir("real"), options);
    r.real_clip_acc = score.accuracy;
    r.real_clip_acc_lo = score.lo;
    r.real_clip_acc_hi = score.hi;
    r.real_clips = score.clips;
  }

  if (!options.timbre_data.empty()) {
    const std::string timbre_dir = files.eval_dir("test-timbre");
    const std::string timbre_path = run::EvalPaths{timbre_dir}.metrics();
    const std::string data = fs::absolute(options.timbre_data).lexically_normal().string();
    bool have = false;
    if (fs::exists(timbre_path)) {
      const nlohmann::json t = read_json(timbre_path);
      have = t.value("data", std::string()) == data;
    }
    if (!have) {
      EvalOptions eo;
      eo.progress = options.progress;
      eo.threads = options.threads;
      eo.data = data;
      eo.out_dir = timbre_dir;
      const EvalResult e = evaluate_run(run_dir, eo);
      if (!e.same_clips_as_run)
        throw make_error("compare", "'{}' is not a re-rendering of the corpus '{}' was trained on: its test side holds "
                         "other clips (render it with the same --seed and --clips-per-genre)", data, run_dir);
    }
    const nlohmann::json t = read_json(timbre_path);
    r.timbre_clip_acc = t.at("clip_mean").at("accuracy").get<double>();
    r.timbre_data = data;
  }
  return r;
}

void label_results(std::vector<ModelResult>& results) {
  std::map<std::string, int> count;
  for (const auto& r : results) ++count[r.model];
  for (auto& r : results) r.label = count[r.model] > 1 ? fs::path(r.run_dir).filename().string() : r.model;
  // Runs of one model in folders of one name (two `mgc compare` reports, e.g. pretrained and scratch): say how each
  // was trained instead.
  std::map<std::string, int> folder_count;
  for (const auto& r : results) ++folder_count[r.label];
  for (auto& r : results)
    if (count[r.model] > 1 && folder_count[r.label] > 1) r.label = fmt::format("{} ({})", r.model, r.recipe);
  std::map<std::string, int> seen;
  for (auto& r : results)
    if (++seen[r.label] > 1) r.label += fmt::format(" ({})", seen[r.label]);
}

std::vector<PlannedRun> plan_compare(const CompareConfig& config) {
  if (config.models.empty()) throw make_error("compare", "no models to compare");
  if (config.out_dir.empty()) throw make_error("compare", "no output folder (--out)");
  if (config.pretrained_only && config.pretrained_dir.empty())
    throw make_error("compare", "only models with weights were asked for, but no weights (--pretrained)");
  config.recipe.validate();
  std::set<std::string> seen;
  std::vector<PlannedRun> plan;
  for (const auto& m : config.models) {
    const models::ModelInfo& info = models::model_info(m);  // throws on an unknown name
    if (!seen.insert(m).second) throw make_error("compare", "model '{}' is listed twice", m);
    PlannedRun p;
    p.model = m;
    p.run_dir = config.out_dir + "/runs/" + m;
    p.weights = config.pretrained_dir.empty() ? "" : find_pretrained(config.pretrained_dir, m);
    const run::TrainConfig c = model_config(config.recipe, m, p.weights);
    p.recipe = recipe_of(c);
    p.epochs = c.epochs;
    p.height = input_height(c);
    p.width = input_width(c);
    if (config.pretrained_only && p.weights.empty()) {  // left out: it need not fit the input
      p.state = PlannedRun::State::kSkip;
      plan.push_back(p);
      continue;
    }
    if (p.height < info.min_input_size || p.width < info.min_input_size)
      throw make_error("compare", "input {}x{} is smaller than {} accepts ({}x{} at least): use --input", p.height,
                       p.width, m, info.min_input_size, info.min_input_size);
    if ((info.fixed_height > 0 && p.height != info.fixed_height) || (info.fixed_width > 0 && p.width != info.fixed_width))
      throw make_error("compare", "{} takes inputs of {} x {} only (height x width, 0: any), not {}x{}", m,
                       info.fixed_height, info.fixed_width, p.height, p.width);
    const run::RunPaths files{p.run_dir};
    if (fs::exists(files.checkpoint()) || fs::exists(files.config())) {
      const auto diff = differing_keys(to_json(run::load_run_config(p.run_dir, "compare")), to_json(c));
      if (!diff.empty())
        throw make_error("compare", "'{}' was trained with another config ({}): remove it or use another --out",
                         p.run_dir, join(diff, ", "));
    }
    p.state = fs::exists(files.result())       ? PlannedRun::State::kReuse
              : fs::exists(files.checkpoint()) ? PlannedRun::State::kResume
                                               : PlannedRun::State::kTrain;
    plan.push_back(p);
  }
  return plan;
}

CompareSummary compare(const CompareConfig& config) {
  if (config.train_exe.empty()) throw make_error("compare", "no mgc executable to train with");
  const std::vector<PlannedRun> plan = plan_compare(config);
  const std::string runs = config.out_dir + "/runs";
  fs::create_directories(runs);
  const FolderLock lock(config.out_dir, run::kLockFile, "compare");  // one compare per report folder

  CompareSummary summary;
  std::vector<std::string> notes;
  std::map<std::string, std::string> failed;
  std::vector<const PlannedRun*> todo;  // the runs compared (pretrained_only leaves some out)
  for (const auto& p : plan) {
    if (p.state == PlannedRun::State::kSkip) {
      notes.push_back(fmt::format("{}: left out: no weights for it in {}", p.model, config.pretrained_dir));
      continue;
    }
    todo.push_back(&p);
    if (!config.pretrained_dir.empty() && p.weights.empty())
      notes.push_back(config.pretrained_dir == "imagenet" || config.pretrained_dir == "installed"
                          ? fmt::format("{}: no {} weights installed with mgc: trained from scratch", p.model,
                                        config.pretrained_dir == "imagenet" ? "ImageNet" : "pretrained")
                          : fmt::format("{}: no file starting with '{}' in {}: trained from scratch", p.model, p.model,
                                        config.pretrained_dir));
  }
  if (todo.empty())
    throw make_error("compare", "no model has weights in '{}' (--pretrained-only)", config.pretrained_dir);
  const size_t n = todo.size();
  // Phase 1: training, each model in a child process, before this process builds any model of its own.
  for (size_t i = 0; i < n; ++i) {
    const PlannedRun& p = *todo[i];
    const std::string& m = p.model;
    const std::string& run_dir = p.run_dir;
    const run::RunPaths files{run_dir};
    const std::string& file = p.weights;
    const run::TrainConfig c = model_config(config.recipe, m, file);
    if (run::is_musicnn_model(m))
      notes.push_back(fmt::format("{}: musicnn's own input on the same clips and split ({}; dB augmentations off)", m,
                                  run::describe_musicnn_input(c)));
    const std::string tag = fmt::format("[{}/{}] {}", i + 1, n, m);
    const bool has_checkpoint = p.state == PlannedRun::State::kResume;
    if (p.state == PlannedRun::State::kReuse) {
      std::printf("%s: skipped training, reusing the finished run %s\n", tag.c_str(), run_dir.c_str());
      std::fflush(stdout);
      ++summary.reused;
      continue;
    }
    std::vector<std::string> argv = {config.train_exe};
    if (has_checkpoint) {
      argv.insert(argv.end(), {"train", "--resume", run_dir, "--quiet"});
    } else {
      fs::create_directories(run_dir);
      const auto args = train_arguments(c, run_dir);
      argv.insert(argv.end(), args.begin(), args.end());
    }
    std::printf("%s: %s (%s%s, %d epochs, input %lldx%lld)\n", tag.c_str(), has_checkpoint ? "resuming" : "training",
                recipe_of(c).c_str(), file.empty() ? "" : (", " + fs::path(file).filename().string()).c_str(),
                c.epochs, static_cast<long long>(input_height(c)), static_cast<long long>(input_width(c)));
    std::fflush(stdout);
    const ChildUsage usage = run_logged(argv, files.train_log(), "compare");
    const bool ok = WIFEXITED(usage.status) && WEXITSTATUS(usage.status) == 0 && fs::exists(files.result());
    if (!ok) {
      const std::string reason = log_reason(files.train_log());
      failed[m] = fmt::format("training failed ({}{}), see {}",
                              WIFEXITED(usage.status) ? fmt::format("exit code {}", WEXITSTATUS(usage.status))
                                                      : fmt::format("signal {}", WTERMSIG(usage.status)),
                              reason.empty() ? "" : ": " + reason, files.train_log());
      std::printf("%s: FAILED: %s\n", tag.c_str(), failed[m].c_str());
      std::fflush(stdout);
      continue;
    }
    const std::string measures_path = files.compare_json();
    nlohmann::json measures = fs::exists(measures_path) ? read_json(measures_path) : nlohmann::json::object();
    const double peak = usage.max_rss_kib / 1024.0;
    measures["peak_rss_mb"] = std::max(peak, measures.value("peak_rss_mb", 0.0));  // max over resumed calls
    measures["spawner_rss_mb"] = usage.spawner_rss_kib / 1024.0;
    measures["train_wall_seconds"] = measures.value("train_wall_seconds", 0.0) + usage.seconds;
    write_file_atomic(measures_path, measures.dump(2) + "\n");
    const nlohmann::json result = read_json(files.result());
    // best_val_clip_acc is null for a run without a val split (the last epoch is its model).
    const nlohmann::json& best_val = result.at("best_val_clip_acc");
    const std::string best = best_val.is_null()
                                 ? std::string("no val split")
                                 : fmt::format("best val clip accuracy {:.3f} (epoch {})", best_val.get<double>(),
                                               result.at("best_epoch").get<int>());
    std::printf("%s: trained in %.1f s, %d epochs, %s, peak RSS %s\n", tag.c_str(), usage.seconds,
                result.at("epochs_done").get<int>(), best.c_str(), mb(peak).c_str());
    std::fflush(stdout);
    ++(has_checkpoint ? summary.resumed : summary.trained);
  }

  // Phase 2: evaluation and measurements (each skipped where the run already has them).
  MeasureOptions mo;
  mo.timbre_data = config.timbre_data;
  mo.real_data = config.real_data;
  mo.progress = config.progress;
  mo.threads = config.recipe.threads;
  for (size_t i = 0; i < n; ++i) {
    const std::string& m = todo[i]->model;
    const std::string tag = fmt::format("[{}/{}] {}", i + 1, n, m);
    if (failed.count(m)) continue;
    const std::string& run_dir = todo[i]->run_dir;
    const run::RunPaths files{run_dir};
    const bool had = fs::exists(run::EvalPaths{files.eval_dir("test")}.metrics()) && fs::exists(files.compare_json()) &&
                     read_json(files.compare_json()).contains("infer_ms");
    try {
      ModelResult r = collect_run(run_dir, mo);
      std::printf("%s: %s: test clip accuracy %.3f, segment accuracy %.3f, macro-F1 %.3f | %.2fM params, depth %lld, "
                  "%.3f GMACs | train %.1f s, inference %.1f ms/clip, peak RSS %s\n",
                  tag.c_str(), had ? "reused evaluation" : "evaluated", r.test_clip_acc, r.test_segment_acc,
                  r.test_macro_f1, r.parameters / 1e6, static_cast<long long>(r.depth), r.macs / 1e9, r.train_seconds,
                  r.infer_ms, mb(r.peak_rss_mb).c_str());
      std::fflush(stdout);
      summary.results.push_back(std::move(r));
    } catch (const Error& e) {
      failed[m] = e.what();
      std::printf("%s: FAILED: %s\n", tag.c_str(), e.what());
      std::fflush(stdout);
    }
  }
  for (const PlannedRun* p : todo)
    if (failed.count(p->model)) summary.failures.push_back(p->model + ": " + failed[p->model]);
  for (const auto& f : summary.failures) notes.push_back("failed: " + f);
  if (summary.results.empty()) throw make_error("compare", "every model failed: {}", join(summary.failures, "; "));

  label_results(summary.results);
  ReportInfo info;
  info.title = "Model comparison";
  info.command = config.command;
  info.notes = notes;
  write_report(summary.results, config.out_dir, info);
  return summary;
}

}  // namespace mgc::tools
