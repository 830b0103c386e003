#include "mgc/run/harmony.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/json_file.h"
#include "mgc/core/parallel.h"
#include "mgc/core/progress.h"

namespace mgc::run {

void HarmonyOptions::validate() const {
  cqt.validate();
  features.validate();
  tempo.validate();
  if (features.bass_octaves >= cqt.n_octaves)
    throw make_error("harmony", "HarmonyOptions.features.bass_octaves ({}) must be below cqt.n_octaves ({})",
                     features.bass_octaves, cqt.n_octaves);
  if (!(c > 0.0) || !std::isfinite(c)) throw make_error("harmony", "HarmonyOptions.c must be > 0, got {}", c);
  if (max_iterations < 1)
    throw make_error("harmony", "HarmonyOptions.max_iterations must be >= 1, got {}", max_iterations);
}

std::vector<float> HarmonyModel::predict(const std::vector<float>& features) const {
  const int64_t d = num_features();
  if (static_cast<int64_t>(features.size()) != d)
    throw make_error("harmony", "the model takes {} features, got {}", d, features.size());
  const size_t k = classes.size();
  std::vector<double> logits(k);
  for (size_t c = 0; c < k; ++c) {
    double z = bias[c];
    for (int64_t i = 0; i < d; ++i)
      z += weight[c * static_cast<size_t>(d) + static_cast<size_t>(i)] *
           ((features[static_cast<size_t>(i)] - mean[static_cast<size_t>(i)]) / scale[static_cast<size_t>(i)]);
    logits[c] = z;
  }
  const double top = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (double& z : logits) sum += (z = std::exp(z - top));
  std::vector<float> p(k);
  for (size_t c = 0; c < k; ++c) p[c] = static_cast<float>(logits[c] / sum);
  return p;
}

std::vector<float> clip_harmony_features(const std::string& path, const features::ChromaCqt& engine,
                                         const HarmonyOptions& options) {
  audio::AudioConfig ac;
  ac.sample_rate = engine.config().sample_rate;
  return clip_harmony_features(audio::load_audio(path, ac), path, engine, options);
}

std::vector<float> clip_harmony_features(const audio::Audio& a, const std::string& name,
                                         const features::ChromaCqt& engine, const HarmonyOptions& options) {
  if (a.channels != 1 || a.sample_rate != engine.config().sample_rate)
    throw make_error("harmony", "'{}': the chroma needs mono audio at {} Hz, got {} channel(s) at {} Hz", name,
                     engine.config().sample_rate, a.channels, a.sample_rate);
  try {
    const auto n = static_cast<int64_t>(a.samples.size());
    const features::Spectrogram cqt = engine.cqt(a.samples.data(), n);
    const features::HarmonyConfig& config = options.features;
    const double bpm =
        config.lags_beats.empty() ? 0.0 : features::estimate_tempo(a.samples.data(), n, a.sample_rate, options.tempo);
    return features::harmony_features(cqt, engine.config(), config, bpm);
  } catch (const Error& e) {
    throw make_error("harmony", "'{}': {}", name, e.what());
  }
}

std::vector<ClipHarmony> clips_harmony_features(const std::vector<std::string>& paths,
                                                const features::ChromaCqt& engine,
                                                const HarmonyOptions& options, int threads,
                                                const std::string& label, bool progress) {
  std::vector<ClipHarmony> out(paths.size());
  std::mutex mu;
  Progress bar(label, static_cast<int64_t>(paths.size()), progress);
  parallel_for(static_cast<int64_t>(paths.size()), threads, [&](int64_t i, int) {
    ClipHarmony& r = out[static_cast<size_t>(i)];
    try {
      r.features = clip_harmony_features(paths[static_cast<size_t>(i)], engine, options);
    } catch (const Error& e) {
      r.error = e.what();
    }
    std::lock_guard<std::mutex> lock(mu);
    bar.tick();
  });
  bar.finish();
  return out;
}

nlohmann::json to_json(const HarmonyModel& m) {
  const auto& q = m.options.cqt;
  return {{"format", "mgc-harmony-1"},
          {"classes", m.classes},
          {"cqt",
           {{"sample_rate", q.sample_rate},
            {"hop_length", q.hop_length},
            {"fmin", q.fmin},
            {"n_octaves", q.n_octaves},
            {"bins_per_octave", q.bins_per_octave},
            {"filter_scale", q.filter_scale},
            {"sparsity", q.sparsity}}},
          {"lags_seconds", m.options.features.lags_seconds},
          {"bass_octaves", m.options.features.bass_octaves},
          {"lags_beats", m.options.features.lags_beats},
          {"tempo",
           {{"start_bpm", m.options.tempo.start_bpm},
            {"std_bpm", m.options.tempo.std_bpm},
            {"ac_size", m.options.tempo.ac_size},
            {"max_tempo", m.options.tempo.max_tempo}}},
          {"c", m.options.c},
          {"max_iterations", m.options.max_iterations},
          {"train_clips", m.train_clips},
          {"train_accuracy", m.train_accuracy},
          {"mean", m.mean},
          {"scale", m.scale},
          {"weight", m.weight},
          {"bias", m.bias}};
}

HarmonyModel harmony_from_json(const nlohmann::json& j) {
  HarmonyModel m;
  try {
    if (j.at("format").get<std::string>() != "mgc-harmony-1")
      throw make_error("harmony", "unknown format '{}'", j.at("format").get<std::string>());
    m.classes = j.at("classes").get<std::vector<std::string>>();
    const auto& q = j.at("cqt");
    auto& c = m.options.cqt;
    c.sample_rate = q.at("sample_rate").get<int>();
    c.hop_length = q.at("hop_length").get<int>();
    c.fmin = q.at("fmin").get<double>();
    c.n_octaves = q.at("n_octaves").get<int>();
    c.bins_per_octave = q.at("bins_per_octave").get<int>();
    c.filter_scale = q.at("filter_scale").get<double>();
    c.sparsity = q.at("sparsity").get<double>();
    m.options.features.lags_seconds = j.at("lags_seconds").get<std::vector<double>>();
    // Models fitted before the bass line existed have no such field and were fitted without it.
    m.options.features.bass_octaves = j.value("bass_octaves", 0);
    // Nor lags in beats, which came next.
    m.options.features.lags_beats = j.value("lags_beats", std::vector<double>{});
    if (j.contains("tempo")) {
      const auto& t = j.at("tempo");
      m.options.tempo.start_bpm = t.at("start_bpm").get<double>();
      m.options.tempo.std_bpm = t.at("std_bpm").get<double>();
      m.options.tempo.ac_size = t.at("ac_size").get<double>();
      m.options.tempo.max_tempo = t.at("max_tempo").get<double>();
    }
    m.options.c = j.at("c").get<double>();
    m.options.max_iterations = j.at("max_iterations").get<int>();
    m.train_clips = j.at("train_clips").get<int64_t>();
    m.train_accuracy = j.at("train_accuracy").get<double>();
    m.mean = j.at("mean").get<std::vector<double>>();
    m.scale = j.at("scale").get<std::vector<double>>();
    m.weight = j.at("weight").get<std::vector<double>>();
    m.bias = j.at("bias").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    throw make_error("harmony", "bad model: {}", e.what());
  }
  m.options.validate();
  const size_t d = m.mean.size(), k = m.classes.size();
  if (k < 2 || d != static_cast<size_t>(m.options.features.size()) || m.scale.size() != d ||
      m.weight.size() != k * d || m.bias.size() != k)
    throw make_error("harmony", "bad model: {} classes, {} features, {} weights, {} biases (expected {} features)", k,
                     d, m.weight.size(), m.bias.size(), m.options.features.size());
  for (double s : m.scale)
    if (!(s > 0.0)) throw make_error("harmony", "bad model: a feature scale is not positive");
  return m;
}

void save_harmony(const std::string& path, const HarmonyModel& model) {
  write_file_atomic(path, to_json(model).dump(1) + "\n");
}

HarmonyModel load_harmony(const std::string& path) {
  const nlohmann::json j = read_json_file(path, "harmony");
  try {
    return harmony_from_json(j);
  } catch (const Error& e) {
    throw make_error("harmony", "'{}': {}", path, e.what());
  }
}

std::vector<float> fuse_probabilities(const std::vector<float>& cnn, const std::vector<float>& harmony) {
  if (cnn.empty() || cnn.size() != harmony.size())
    throw make_error("harmony", "cannot combine {} and {} class probabilities", cnn.size(), harmony.size());
  std::vector<double> g(cnn.size());
  double sum = 0.0;
  for (size_t i = 0; i < g.size(); ++i)
    sum += (g[i] = std::sqrt(std::max(0.0, double(cnn[i])) * std::max(0.0, double(harmony[i]))));
  std::vector<float> out(g.size());
  for (size_t i = 0; i < g.size(); ++i)
    out[i] = sum > 0.0 ? static_cast<float>(g[i] / sum) : static_cast<float>((cnn[i] + harmony[i]) / 2.0);
  return out;
}

}  // namespace mgc::run
