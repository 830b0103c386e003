// mgc tags FILE|DIR...: musicnn's 50 tags of audio files with its pretrained checkpoints (no training), as
// musicnn's own tagger gives them: the top tags of the file and, with --timeline, the taggram (every 3 s patch).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "commands.h"
#include "inputs.h"
#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/text.h"
#include "mgc/models/musicnn.h"
#include "mgc/run/musicnn_tagger.h"

namespace mgc::cli {
namespace {

struct Options {
  std::vector<std::string> inputs;
  std::string model = "msd_musicnn";
  int top = 5;
  std::string format = "table";
  bool timeline = false;
  int threads = 0;
};

std::vector<size_t> ranked(const std::vector<float>& p) {
  std::vector<size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  return idx;
}

nlohmann::json top_json(const std::vector<float>& p, const std::vector<std::string>& tags, int top) {
  nlohmann::json out = nlohmann::json::array();
  const auto r = ranked(p);
  for (int i = 0; i < top; ++i) out.push_back({{"tag", tags[r[static_cast<size_t>(i)]]}, {"p", p[r[static_cast<size_t>(i)]]}});
  return out;
}

void print_table_row(const std::vector<float>& p, const std::vector<std::string>& tags, int top) {
  const auto r = ranked(p);
  for (int i = 0; i < top; ++i)
    std::printf("  %s %.3f", tags[r[static_cast<size_t>(i)]].c_str(), p[r[static_cast<size_t>(i)]]);
}

}  // namespace

void register_tags(CLI::App& app) {
  auto o = std::make_shared<Options>();
  std::string names;
  for (const auto& c : models::musicnn_checkpoints()) {
    std::string lower = c.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    names += (names.empty() ? "" : ", ") + lower;
  }
  CLI::App* cmd = add_command(app, "tags");
  cmd->add_option("inputs", o->inputs, "Audio files and/or folders (searched recursively)")->required();
  cmd->add_option("--model", o->model, "Checkpoint: " + names + " (MSD: Million Song Dataset, MTT: MagnaTagATune)")
      ->capture_default_str();
  cmd->add_option("--top", o->top, "Tags to show per file")->capture_default_str();
  cmd->add_option("--format", o->format, "table, json or csv (csv: every tag's probability)")->capture_default_str();
  cmd->add_flag("--timeline", o->timeline, "Also give the taggram: every 3 s patch's tags");
  cmd->add_option("--threads", o->threads, "Intra-op threads (0: all cores)")->capture_default_str();
  cmd->callback([o] {
    if (o->format != "table" && o->format != "json" && o->format != "csv")
      throw make_error("tags", "--format must be table, json or csv, got '{}'", o->format);
    if (o->top < 1) throw make_error("tags", "--top must be >= 1, got {}", o->top);
    const run::MusicnnTagger tagger(o->model, "", o->threads);
    const auto& tags = tagger.tags();
    const int top = std::min<int>(o->top, static_cast<int>(tags.size()));
    const auto files = expand_inputs(o->inputs);
    if (files.empty()) throw make_error("tags", "no audio files found in the inputs");
    if (o->format == "csv") {
      std::printf("path,start,end");
      for (const auto& t : tags) std::printf(",%s", csv::cell(t).c_str());
      std::printf("\n");
    }
    nlohmann::json all = nlohmann::json::array();
    int failed = 0;
    for (const auto& [f, problem] : files) {
      run::TagResult r;
      try {
        if (!problem.empty()) throw make_error("tags", "'{}': {}", f, problem);
        r = tagger.tag_file(f);
      } catch (const std::exception& e) {  // one file's failure is reported; the others go on
        print_error(e.what());
        std::fflush(stderr);
        ++failed;
        continue;
      }
      if (o->format == "table") {
        std::printf("%s:", escape_control(f).c_str());
        print_table_row(r.mean, tags, top);
        std::printf("  (%.1f s audio, %zu patches, %.0f ms)\n", r.audio_seconds, r.patches.size(), r.milliseconds);
        if (o->timeline)
          for (const auto& p : r.patches) {
            std::printf("    %7.2f-%7.2f s", p.start_seconds, p.end_seconds);
            print_table_row(p.probs, tags, top);
            std::printf("\n");
          }
      } else if (o->format == "csv") {
        auto row = [&](double start, double end, const std::vector<float>& probs) {
          std::printf("%s,%.3f,%.3f", csv::cell(f).c_str(), start, end);
          for (float p : probs) std::printf(",%.6f", p);
          std::printf("\n");
        };
        row(0.0, r.audio_seconds, r.mean);  // the file: the mean over patches
        if (o->timeline)
          for (const auto& p : r.patches) row(p.start_seconds, p.end_seconds, p.probs);
      } else {
        nlohmann::json j = {{"path", f},
                            {"model", tagger.checkpoint()},
                            {"audio_seconds", r.audio_seconds},
                            {"milliseconds", r.milliseconds},
                            {"top", top_json(r.mean, tags, top)}};
        nlohmann::json probs = nlohmann::json::object();
        for (size_t i = 0; i < tags.size(); ++i) probs[tags[i]] = r.mean[i];
        j["probs"] = probs;
        if (o->timeline) {
          nlohmann::json patches = nlohmann::json::array();
          for (const auto& p : r.patches)
            patches.push_back({{"start", p.start_seconds}, {"end", p.end_seconds}, {"top", top_json(p.probs, tags, top)},
                               {"probs", p.probs}});
          j["taggram"] = patches;
        }
        all.push_back(j);
      }
    }
    if (o->format == "json")
      std::printf("%s\n", all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    if (failed > 0) throw make_error("tags", "{} of {} file(s) could not be tagged", failed, files.size());
  });
}

}  // namespace mgc::cli
