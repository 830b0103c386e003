// mgc predict RUN_DIR FILE|DIR...: genres of audio files, as a table, JSON or CSV.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/data/dataset.h"
#include "mgc/eval/predictor.h"

namespace mgc::cli {
namespace {

struct Options {
  std::string run_dir;
  std::vector<std::string> inputs;
  int top_k = 3;
  std::string format = "table";
  int threads = 0;
  bool timeline = false;
  std::string weights;
};

std::vector<std::string> expand(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    if (std::filesystem::is_directory(in)) {
      std::vector<std::string> found;
      for (const auto& e : std::filesystem::recursive_directory_iterator(in))
        if (e.is_regular_file() && data::is_audio_file(e.path().string())) found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(in);
    }
  }
  return files;
}

std::vector<int> top_indices(const std::vector<float>& p, int k) {
  std::vector<int> idx(p.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return p[a] > p[b]; });
  idx.resize(std::min<size_t>(idx.size(), static_cast<size_t>(k)));
  return idx;
}

}  // namespace

void register_predict(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("predict", "Predict the genres of audio files or folders with a trained run");
  cmd->add_option("run", o->run_dir, "Run folder made by mgc train")->required();
  cmd->add_option("inputs", o->inputs, "Audio files and/or folders (searched recursively)")->required();
  cmd->add_option("--top-k", o->top_k, "Genres to show per file")->capture_default_str();
  cmd->add_option("--format", o->format, "table, json or csv")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Intra-op threads (0: all cores)")->capture_default_str();
  cmd->add_option("--weights", o->weights, "Weights file (default RUN/best.safetensors)");
  cmd->add_flag("--timeline", o->timeline, "Also give every segment's top genre");
  cmd->callback([o] {
    if (o->format != "table" && o->format != "json" && o->format != "csv")
      throw make_error("predict", "--format must be table, json or csv, got '{}'", o->format);
    if (o->top_k < 1) throw make_error("predict", "--top-k must be >= 1, got {}", o->top_k);
    const eval::Predictor predictor(o->run_dir, o->threads, "cpu", o->weights);
    const auto& classes = predictor.classes();
    const int k = std::min<int>(o->top_k, static_cast<int>(classes.size()));
    const auto files = expand(o->inputs);
    if (files.empty()) throw make_error("predict", "no audio files found in the inputs");
    nlohmann::json all = nlohmann::json::array();
    int failed = 0;
    if (o->format == "csv") {
      std::printf("path");
      for (int i = 1; i <= k; ++i) std::printf(",genre%d,p%d", i, i);
      std::printf("\n");
    }
    for (const auto& f : files) {
      eval::FilePrediction p;
      try {
        p = predictor.predict_file(f);
      } catch (const Error& e) {
        std::fprintf(stderr, "mgc: error: %s\n", e.what());
        ++failed;
        continue;
      }
      const auto top = top_indices(p.probs, k);
      if (o->format == "table") {
        std::printf("%s:", f.c_str());
        for (int i : top) std::printf("  %s %.3f", classes[static_cast<size_t>(i)].c_str(), p.probs[static_cast<size_t>(i)]);
        std::printf("  (%.1f s audio, %zu segments, %.0f ms)\n", p.audio_seconds, p.segments.size(), p.milliseconds);
        if (o->timeline)
          for (const auto& s : p.segments) {
            const int t = top_indices(s.probs, 1)[0];
            std::printf("    %7.2f-%7.2f s  %s %.3f\n", s.start_seconds, s.end_seconds,
                        classes[static_cast<size_t>(t)].c_str(), s.probs[static_cast<size_t>(t)]);
          }
      } else if (o->format == "csv") {
        std::printf("%s", data::csv_field(f).c_str());
        for (int i : top) std::printf(",%s,%.6f", classes[static_cast<size_t>(i)].c_str(), p.probs[static_cast<size_t>(i)]);
        std::printf("\n");
      } else {
        nlohmann::json j = {{"path", f}, {"audio_seconds", p.audio_seconds}, {"milliseconds", p.milliseconds}};
        for (int i : top) j["top"].push_back({{"genre", classes[static_cast<size_t>(i)]}, {"p", p.probs[static_cast<size_t>(i)]}});
        for (size_t c = 0; c < classes.size(); ++c) j["probs"][classes[c]] = p.probs[c];
        if (o->timeline)
          for (const auto& s : p.segments) {
            const int t = top_indices(s.probs, 1)[0];
            j["timeline"].push_back({{"start", s.start_seconds}, {"end", s.end_seconds},
                                     {"genre", classes[static_cast<size_t>(t)]}, {"p", s.probs[static_cast<size_t>(t)]}});
          }
        all.push_back(j);
      }
    }
    if (o->format == "json") std::printf("%s\n", all.dump(2).c_str());
    if (failed > 0)
      throw make_error("predict", "{} of {} file(s) could not be classified", failed, files.size());
  });
}

}  // namespace mgc::cli
