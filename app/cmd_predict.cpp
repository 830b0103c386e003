// mgc predict RUN_DIR FILE|DIR...: genres of audio files, as a table, JSON or CSV.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <system_error>

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
  bool no_harmony = false;
  std::string weights;
  double stream_seconds = 600.0;
};

// One input file, or a reason it cannot be read that is known before decoding.
struct Input {
  std::string path;
  std::string problem;  // non-empty: report this instead of decoding
};

// Files of the inputs; folders are searched recursively (sorted). In a folder, an entry named like audio that is
// not a regular file (dangling link, FIFO, socket) is listed with its problem so it is reported, not skipped or
// opened (opening a FIFO would block). An unreadable subfolder is reported and the walk goes on.
std::vector<Input> expand(const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::vector<Input> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (!fs::is_directory(in, ec)) {
      files.push_back({in, ""});
      continue;
    }
    std::vector<Input> found;
    fs::recursive_directory_iterator it(in, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) found.push_back({in, "cannot list folder: " + ec.message()});
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      if (!data::is_audio_file(p.string())) continue;
      std::error_code st;
      const fs::file_status s = fs::status(p, st);
      if (fs::is_directory(s)) continue;  // a folder named like a file is searched like any folder
      if (fs::is_regular_file(s)) {
        found.push_back({p.string(), ""});
      } else if (!fs::exists(s)) {
        found.push_back({p.string(), "no such file (dangling link?)"});
      } else {
        found.push_back({p.string(), "not a regular file (FIFO, socket or device), skipped"});
      }
    }
    if (ec) found.push_back({in, "cannot list folder: " + ec.message()});
    std::sort(found.begin(), found.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
    files.insert(files.end(), found.begin(), found.end());
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
  cmd->add_option("--stream-seconds", o->stream_seconds,
                  "Decode files at least this long block by block, in bounded memory (0: never)")
      ->capture_default_str();
  cmd->add_flag("--timeline", o->timeline, "Also give every segment's top genre");
  cmd->add_flag("--no-harmony", o->no_harmony,
                "Use the CNN alone even if the run has a harmony model (mgc harmony); by default the two are combined");
  cmd->callback([o] {
    if (o->format != "table" && o->format != "json" && o->format != "csv")
      throw make_error("predict", "--format must be table, json or csv, got '{}'", o->format);
    if (o->top_k < 1) throw make_error("predict", "--top-k must be >= 1, got {}", o->top_k);
    eval::Predictor predictor(o->run_dir, o->threads, "cpu", o->weights);
    eval::StreamConfig stream;
    stream.min_seconds = o->stream_seconds;
    predictor.set_streaming(stream);
    if (o->no_harmony && predictor.has_harmony()) predictor.set_use_harmony(false);
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
    for (const auto& [f, problem] : files) {
      eval::FilePrediction p;
      try {
        if (!problem.empty()) throw make_error("predict", "'{}': {}", f, problem);
        p = predictor.predict_file(f);
      } catch (const std::exception& e) {  // mgc::Error, and anything else one file can cause: report, go on
        std::fprintf(stderr, "mgc: error: %s\n", e.what());
        std::fflush(stderr);
        ++failed;
        continue;
      }
      const auto top = top_indices(p.probs, k);
      if (o->format == "table") {
        std::printf("%s:", f.c_str());
        for (int i : top) std::printf("  %s %.3f", classes[static_cast<size_t>(i)].c_str(), p.probs[static_cast<size_t>(i)]);
        // With a harmony model the vote is the CNN's and the harmony model's together; the timeline is the CNN's.
        std::printf("  (%.1f s audio, %zu segments, %s%s%.0f ms)\n", p.audio_seconds, p.segments.size(),
                    p.streamed ? "streamed, " : "", p.harmony ? "CNN + harmony, " : "", p.milliseconds);
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
        nlohmann::json j = {{"path", f}, {"audio_seconds", p.audio_seconds}, {"milliseconds", p.milliseconds},
                          {"streamed", p.streamed}, {"harmony", p.harmony}};
        for (int i : top) j["top"].push_back({{"genre", classes[static_cast<size_t>(i)]}, {"p", p.probs[static_cast<size_t>(i)]}});
        for (size_t c = 0; c < classes.size(); ++c) j["probs"][classes[c]] = p.probs[c];
        if (p.harmony)
          for (size_t c = 0; c < classes.size(); ++c) {
            j["cnn_probs"][classes[c]] = p.cnn_probs[c];
            j["harmony_probs"][classes[c]] = p.harmony_probs[c];
          }
        if (o->timeline)
          for (const auto& s : p.segments) {
            const int t = top_indices(s.probs, 1)[0];
            j["timeline"].push_back({{"start", s.start_seconds}, {"end", s.end_seconds},
                                     {"genre", classes[static_cast<size_t>(t)]}, {"p", s.probs[static_cast<size_t>(t)]}});
          }
        all.push_back(j);
      }
    }
    // File names need not be UTF-8 (Latin-1 libraries): invalid bytes become U+FFFD in JSON.
    if (o->format == "json")
      std::printf("%s\n", all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    if (failed > 0)
      throw make_error("predict", "{} of {} file(s) could not be classified", failed, files.size());
  });
}

}  // namespace mgc::cli
