// mgc predict RUN_DIR FILE|DIR...: genres of audio files, as an aligned table (with a summary line and, on a
// terminal, a progress bar), JSON, JSON Lines or CSV; the timeline also as its own CSV.
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <map>
#include <numeric>
#include <system_error>
#include <unistd.h>

#include "commands.h"
#include "inputs.h"
#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/progress.h"
#include "mgc/core/text.h"
#include "mgc/core/version.h"
#include "mgc/data/dataset.h"
#include "mgc/data/folder_walk.h"
#include "mgc/audio/audio.h"
#include "mgc/features/mel.h"
#include "mgc/run/musicnn_tagger.h"
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
  std::string output;  // -o: the results file ("" = standard output)
  std::string timeline_csv;  // --timeline-csv: every segment's probabilities, one row each
  bool quiet = false;
  std::string weights;
  double stream_seconds = 600.0;
  int decode_ahead = 0;
  std::string zero_shot;  // musicnn checkpoints, comma-separated: genres from their tags, no run
  std::vector<std::string> fuse;  // other runs whose votes are averaged with the run's
};

// The mean of the run's vote and each other run's CNN vote on the same file (as mgc eval --fuse scores it): the
// probabilities, the time spent; the timeline stays the run's. A file below the no-music level keeps its even spread.
void fuse_votes(run::FilePrediction& p, const std::vector<std::unique_ptr<run::Predictor>>& others) {
  std::vector<std::vector<float>> votes = {p.probs};
  for (const auto& other : others) {
    run::FilePrediction q = other->predict_file(p.path);
    votes.push_back(std::move(q.probs));
    p.milliseconds += q.milliseconds;
  }
  if (p.music) p.probs = run::mean_votes(votes);
}

// Zero-shot prediction: the file decoded once at 16 kHz, tagged by each checkpoint, its tags mapped to genres
// (run::zero_shot_genres) for the file (the mean over patches) and for every patch (the timeline).
class ZeroShot {
 public:
  ZeroShot(const std::vector<std::string>& checkpoints, int threads) {
    for (const auto& c : checkpoints) {
      taggers_.push_back(std::make_unique<run::MusicnnTagger>(c, "", threads));
      names_.push_back(taggers_.back()->checkpoint());
    }
    for (const auto& g : run::zero_shot_genre_tags()) classes_.push_back(g.genre);
  }
  const std::vector<std::string>& classes() const { return classes_; }
  const std::vector<std::string>& checkpoints() const { return names_; }

  run::FilePrediction predict_file(const std::string& path) const {
    const auto t0 = std::chrono::steady_clock::now();
    audio::AudioConfig config;
    config.sample_rate = features::musicnn_mel_config().sample_rate;
    audio::Audio audio;
    try {
      audio = audio::load_audio(path, config);
    } catch (const Error& e) {
      throw make_error("predict", "'{}': {}", path, e.what());
    }
    if (audio.samples.empty()) throw make_error("predict", "'{}': no audio in the file", path);
    std::vector<run::TagResult> results;
    for (const auto& t : taggers_) results.push_back(t->tag_samples(audio.samples));
    run::FilePrediction p;
    p.path = path;
    p.audio_seconds = audio.seconds();
    std::vector<std::vector<float>> means;
    for (const auto& r : results) means.push_back(r.mean);
    p.probs = run::zero_shot_genres(names_, means);
    for (size_t k = 0; k < results.front().patches.size(); ++k) {
      std::vector<std::vector<float>> patch;
      for (const auto& r : results) patch.push_back(r.patches[k].probs);
      const auto& first = results.front().patches[k];
      p.segments.push_back({first.start_seconds, first.end_seconds, run::zero_shot_genres(names_, patch)});
    }
    run::apply_level(p, run::level_dbfs(audio.samples.data(), static_cast<int64_t>(audio.samples.size())));
    p.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return p;
  }

 private:
  std::vector<std::unique_ptr<run::MusicnnTagger>> taggers_;
  std::vector<std::string> names_;
  std::vector<std::string> classes_;
};

// The table's genre column width: the longest class name, within [5, 16] characters.
size_t genre_width(const std::vector<std::string>& classes) {
  size_t w = 5;
  for (const auto& c : classes) w = std::max(w, c.size());
  return std::min<size_t>(w, 16);
}

// "genre      p  2nd        p  3rd ..." over the top-k columns, then the audio length, the time and the path.
std::string table_header(int k, size_t width) {
  static const char* const kRanks[] = {"genre", "2nd", "3rd"};
  std::string line;
  for (int i = 0; i < k; ++i)
    line += fit_column(i < 3 ? kRanks[i] : fmt::format("{}th", i + 1), width) + "      p  ";
  return line + "   audio      ms  path\n";
}

// "predict: 12 files: 11 classified, 1 failed; 330.0 s of audio in 4.2 s (2.6 files/s); top genre: rock 5, ..."
std::string table_summary(size_t files, int failed, double audio_seconds, double wall_seconds,
                          const std::map<std::string, int>& top_counts) {
  std::vector<std::pair<std::string, int>> counts(top_counts.begin(), top_counts.end());
  std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string top;
  for (const auto& [genre, n] : counts) top += fmt::format("{}{} {}", top.empty() ? "" : ", ", escape_control(genre), n);
  return fmt::format("predict: {} files: {} classified, {} failed; {:.1f} s of audio in {:.1f} s ({:.2f} files/s){}\n",
                     files, files - static_cast<size_t>(failed), failed, audio_seconds, wall_seconds,
                     wall_seconds > 0 ? static_cast<double>(files) / wall_seconds : 0.0,
                     top.empty() ? "" : "; top genre: " + top);
}

}  // namespace

void register_predict(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = add_command(app, "predict");
  cmd->add_option("run", o->run_dir, "Run folder made by mgc train (none with --model)");
  cmd->add_option("inputs", o->inputs, "Audio files and/or folders (searched recursively)");
  cmd->add_option("--model", o->zero_shot,
                  "Zero-shot, instead of a run: genres from musicnn checkpoints' tags (msd_musicnn, mtt_musicnn, "
                  "msd_vgg, mtt_vgg; several, comma-separated, are combined; docs/MUSICNN.md lists each genre's tags)");
  cmd->add_option("--top-k", o->top_k, "Genres to show per file")->capture_default_str();
  cmd->add_option("--format", o->format,
                  "table; json (one array); jsonl (JSON Lines: one object per file, as each is done); csv (the top "
                  "genres, then every genre's probability)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));
  cmd->add_option("-o,--output", o->output, "Write the results to this file (atomically, when all are done) instead of "
                  "standard output");
  cmd->add_option("--threads", o->threads, "Intra-op threads (0: all cores)")->capture_default_str();
  cmd->add_option("--weights", o->weights, "Weights file (default RUN/best.safetensors)");
  cmd->add_option("--stream-seconds", o->stream_seconds,
                  "Decode files at least this long block by block, in bounded memory (0: never)")
      ->capture_default_str();
  cmd->add_option("--fuse", o->fuse,
                  "Also these runs (comma-separated, the same classes; e.g. a musicnn transfer beside audio_cnn): "
                  "the file's vote is the mean of the run's and their CNN votes; the timeline stays the run's")
      ->delimiter(',')
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);  // one value per --fuse: no positional swallowed
  cmd->add_option("--decode-ahead", o->decode_ahead,
                  "Files decoded (and their log-mels made) on another thread while one is classified; 0: one "
                  "after another (faster on 2 cores, docs/PERFORMANCE.md)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--timeline", o->timeline,
                "Also give every segment's top genre (table), and every class's probability (json, jsonl)");
  cmd->add_option("--timeline-csv", o->timeline_csv,
                  "Also write the timeline as CSV (atomically): path,start,end,genre,p, then p_<genre> for every "
                  "genre, one row per segment");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar and no summary line (table)");
  cmd->add_flag("--no-harmony", o->no_harmony,
                "Use the CNN alone even if the run has a harmony model (mgc harmony); by default the two are combined");
  cmd->callback([o] {
    if (o->format == "csv" && o->timeline)
      throw CLI::ValidationError("predict", "--timeline has no CSV form in a row per file: --timeline-csv FILE "
                                            "writes it as its own CSV");
    const bool as_json = o->format == "json" || o->format == "jsonl";
    if (o->top_k < 1) throw make_error("predict", "--top-k must be >= 1, got {}", o->top_k);
    std::unique_ptr<run::Predictor> predictor;
    std::unique_ptr<ZeroShot> zero_shot;
    std::vector<std::unique_ptr<run::Predictor>> others;  // --fuse
    if (o->zero_shot.empty()) {
      if (o->run_dir.empty() || o->inputs.empty())
        throw CLI::ValidationError("predict", "give a run folder and audio files or folders (or --model for zero-shot)");
      predictor = std::make_unique<run::Predictor>(o->run_dir, o->threads, "cpu", o->weights);
      run::StreamConfig stream;
      stream.min_seconds = o->stream_seconds;
      predictor->set_streaming(stream);
      if (o->no_harmony && predictor->has_harmony()) predictor->set_use_harmony(false);
      for (const auto& dir : o->fuse) {
        auto other = std::make_unique<run::Predictor>(dir, o->threads, "cpu");
        if (other->classes() != predictor->classes())
          throw make_error("predict", "cannot fuse '{}': its classes are not {}'s, in the same order", dir, o->run_dir);
        other->set_streaming(stream);
        if (other->has_harmony()) other->set_use_harmony(false);
        others.push_back(std::move(other));
      }
    } else {
      if (!o->fuse.empty()) throw CLI::ValidationError("predict", "--fuse takes runs beside a run, not --model");
      if (!o->weights.empty()) throw CLI::ValidationError("predict", "--weights belongs to a run, not to --model");
      if (!o->run_dir.empty()) o->inputs.insert(o->inputs.begin(), o->run_dir);  // no run: every name is an input
      if (o->inputs.empty()) throw CLI::ValidationError("predict", "give audio files or folders to predict");
      zero_shot = std::make_unique<ZeroShot>(split_list(o->zero_shot), o->threads);
      const auto missing = run::zero_shot_missing(zero_shot->checkpoints());
      if (!missing.empty())
        print_warning(fmt::format("predict: zero-shot: no tag of {} names {}: they get probability 0",
                                fmt::join(zero_shot->checkpoints(), " + "), fmt::join(missing, ", ")));
    }
    const auto& classes = predictor ? predictor->classes() : zero_shot->classes();
    const int k = std::min<int>(o->top_k, static_cast<int>(classes.size()));
    const auto files = expand_inputs(o->inputs);
    if (files.empty()) throw make_error("predict", "no audio files found in the inputs");
    nlohmann::json all = nlohmann::json::array();
    int failed = 0;
    // Results go to standard output as each file is done, or with -o into one file written when all are.
    std::string buffered;
    // A progress bar on a terminal only (never lines in a log), out of the way of the rows (Progress::print_above).
    const bool bar = !o->quiet && files.size() > 1 && o->output.empty() && ::isatty(STDERR_FILENO) == 1;
    Progress progress("predict", static_cast<int64_t>(files.size()), bar);
    const auto out = [&](const std::string& text) {
      if (!o->output.empty()) return void(buffered += text);
      progress.print_above([&] { std::fwrite(text.data(), 1, text.size(), stdout); });
    };
    const std::string model = predictor ? predictor->model_name() : fmt::format("{}", fmt::join(zero_shot->checkpoints(), "+"));
    // Every JSON entry says what made it (JSON Lines entries stand alone). Invalid UTF-8 in names becomes U+FFFD.
    const auto json_entry = [&](nlohmann::json j) {
      j["model"] = model;
      j["mgc_version"] = mgc::version();
      if (o->format == "jsonl") out(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      else all.push_back(std::move(j));
    };
    if (o->format == "csv") {
      std::string head = "path";
      for (int i = 1; i <= k; ++i) head += fmt::format(",genre{},p{}", i, i);
      for (const auto& c : classes) head += "," + csv::cell("p_" + c);
      out(head + "\n");
    }
    const size_t width = genre_width(classes);
    if (o->format == "table") out(table_header(k, width));
    double audio_total = 0;
    std::map<std::string, int> top_counts;  // files per top genre (table summary)
    std::string timeline_rows;              // --timeline-csv
    const auto started = std::chrono::steady_clock::now();
    // One file's result, in the order of `files`.
    const auto emit = [&](const std::string& f, const run::FilePrediction& p) {
      std::vector<int> top = run::ranked_classes(p.probs);
      top.resize(static_cast<size_t>(k));
      if (o->format == "table") {
        std::string line;
        for (int r = 0; r < k; ++r) {
          const auto c = static_cast<size_t>(top[static_cast<size_t>(r)]);
          if (!p.music) line += fit_column(r == 0 ? "-" : "", width) + (r == 0 ? "      -  " : "         ");
          else line += fit_column(escape_control(classes[c]), width) + fmt::format(" {:6.3f}  ", p.probs[c]);
        }
        // What the vote is beyond the CNN's, and files below the music level, after the path.
        std::vector<std::string> notes;
        if (!p.music) notes.push_back(fmt::format("no music (level {:.1f} dBFS)", p.level_dbfs));
        if (p.harmony) notes.push_back("CNN + harmony");
        if (!others.empty()) notes.push_back(fmt::format("fused with {} run(s)", others.size()));
        if (p.streamed) notes.push_back("streamed");
        line += fmt::format("{:6.1f} s {:7.0f}  {}{}\n", p.audio_seconds, p.milliseconds, escape_control(f),
                            notes.empty() ? "" : fmt::format("  ({})", fmt::join(notes, ", ")));
        if (o->timeline)
          for (const auto& s : p.segments) {
            const int t = run::ranked_classes(s.probs).front();
            line += fmt::format("    {:7.2f}-{:7.2f} s  {} {:.3f}\n", s.start_seconds, s.end_seconds,
                                escape_control(classes[static_cast<size_t>(t)]), s.probs[static_cast<size_t>(t)]);
          }
        out(line);
        audio_total += p.audio_seconds;
        ++top_counts[p.music ? classes[static_cast<size_t>(top[0])] : "no music"];
      } else if (o->format == "csv") {
        std::string row = csv::cell(f);
        for (int i : top)
          row += fmt::format(",{},{:.6f}", csv::cell(classes[static_cast<size_t>(i)]), p.probs[static_cast<size_t>(i)]);
        for (float v : p.probs) row += fmt::format(",{:.6f}", v);
        out(row + "\n");
      } else {
        nlohmann::json j = run::prediction_json(p, classes, k, o->timeline);
        j["path"] = f;
        j["milliseconds"] = p.milliseconds;
        j["streamed"] = p.streamed;
        if (!others.empty()) j["fused_with"] = o->fuse;
        json_entry(std::move(j));
      }
      if (!o->timeline_csv.empty())
        for (const auto& s : p.segments) {
          const auto t = static_cast<size_t>(run::ranked_classes(s.probs).front());
          timeline_rows += fmt::format("{},{:.6f},{:.6f},{},{:.6f}", csv::cell(f), s.start_seconds, s.end_seconds,
                                       csv::cell(classes[t]), s.probs[t]);
          for (float v : s.probs) timeline_rows += fmt::format(",{:.6f}", v);
          timeline_rows += "\n";
        }
    };
    // A file that failed: named on stderr, and in JSON output an entry of its own in its place.
    const auto fail = [&](const std::string& path, const std::string& message) {
      progress.print_above([&] { print_error(message); });
      ++failed;
      if (as_json) json_entry({{"path", path}, {"error", message}});
    };
    if (zero_shot) {
      for (const auto& [f, problem] : files) {
        try {
          if (!problem.empty()) throw make_error("predict", "'{}': {}", f, problem);
          emit(f, zero_shot->predict_file(f));
        } catch (const std::exception& e) {  // mgc::Error, and anything else one file can cause: report, go on
          fail(f, e.what());
        }
        progress.tick();
      }
    } else {
      // Files with a problem known before decoding are reported in their place among the others.
      std::vector<std::string> paths;
      std::vector<size_t> position;
      for (size_t i = 0; i < files.size(); ++i)
        if (files[i].problem.empty()) {
          paths.push_back(files[i].path);
          position.push_back(i);
        }
      size_t reported = 0;  // files before this one are reported
      const auto report_problems_before = [&](size_t end) {
        for (; reported < end; ++reported)
          if (!files[reported].problem.empty()) {
            fail(files[reported].path, fmt::format("predict: '{}': {}", files[reported].path, files[reported].problem));
            progress.tick();
          }
      };
      predictor->predict_files(paths, o->decode_ahead, [&](size_t i, run::FilePrediction* p, const std::string& error) {
        report_problems_before(position[i]);
        reported = position[i] + 1;
        if (p) {
          try {
            if (!others.empty()) fuse_votes(*p, others);
            emit(paths[i], *p);
          } catch (const std::exception& e) {
            fail(paths[i], e.what());
          }
        } else {
          fail(paths[i], error);
        }
        progress.tick();
      });
      report_problems_before(files.size());
    }
    progress.finish();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // File names need not be UTF-8 (Latin-1 libraries): invalid bytes become U+FFFD in JSON.
    if (o->format == "json") out(all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (o->format == "table" && !o->quiet && files.size() > 1)
      out(table_summary(files.size(), failed, audio_total, wall, top_counts));
    if (!o->output.empty()) write_file_atomic(o->output, buffered);
    if (!o->timeline_csv.empty()) {
      std::string head = "path,start,end,genre,p";
      for (const auto& c : classes) head += "," + csv::cell("p_" + c);
      write_file_atomic(o->timeline_csv, head + "\n" + timeline_rows);
    }
    if (failed > 0)
      throw make_error("predict", "{} of {} file(s) could not be classified", failed, files.size());
  });
}

}  // namespace mgc::cli
