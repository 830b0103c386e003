// mgc predict RUN_DIR FILE|DIR...: genres of audio files, as a table, JSON or CSV.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <system_error>

#include "commands.h"
#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/text.h"
#include "mgc/data/dataset.h"
#include "mgc/data/folder_walk.h"
#include "mgc/run/predictor.h"

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
    data::WalkOptions walk;
    walk.skip_hidden = false;
    for (const data::WalkEntry& e : data::walk_folder(in, data::is_audio_file, walk)) files.push_back({e.path, e.problem});
  }
  return files;
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
    run::Predictor predictor(o->run_dir, o->threads, "cpu", o->weights);
    run::StreamConfig stream;
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
      run::FilePrediction p;
      try {
        if (!problem.empty()) throw make_error("predict", "'{}': {}", f, problem);
        p = predictor.predict_file(f);
      } catch (const std::exception& e) {  // mgc::Error, and anything else one file can cause: report, go on
        print_error(e.what());
        std::fflush(stderr);
        ++failed;
        continue;
      }
      std::vector<int> top = run::ranked_classes(p.probs);
      top.resize(static_cast<size_t>(k));
      if (o->format == "table") {
        std::printf("%s:", escape_control(f).c_str());
        if (p.music)
          for (int i : top)
            std::printf("  %s %.3f", classes[static_cast<size_t>(i)].c_str(), p.probs[static_cast<size_t>(i)]);
        else
          std::printf("  no music (level %.1f dBFS)", p.level_dbfs);
        // With a harmony model the vote is the CNN's and the harmony model's together; the timeline is the CNN's.
        std::printf("  (%.1f s audio, %zu segments, %s%s%.0f ms)\n", p.audio_seconds, p.segments.size(),
                    p.streamed ? "streamed, " : "", p.harmony ? "CNN + harmony, " : "", p.milliseconds);
        if (o->timeline)
          for (const auto& s : p.segments) {
            const int t = run::ranked_classes(s.probs).front();
            std::printf("    %7.2f-%7.2f s  %s %.3f\n", s.start_seconds, s.end_seconds,
                        classes[static_cast<size_t>(t)].c_str(), s.probs[static_cast<size_t>(t)]);
          }
      } else if (o->format == "csv") {
        std::printf("%s", csv::cell(f).c_str());
        for (int i : top)
          std::printf(",%s,%.6f", csv::cell(classes[static_cast<size_t>(i)]).c_str(), p.probs[static_cast<size_t>(i)]);
        std::printf("\n");
      } else {
        nlohmann::json j = run::prediction_json(p, classes, k, o->timeline);
        j["path"] = f;
        j["milliseconds"] = p.milliseconds;
        j["streamed"] = p.streamed;
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
