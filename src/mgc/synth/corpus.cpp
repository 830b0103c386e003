#include "mgc/synth/corpus.h"

#include <fmt/format.h>
#include <sndfile.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/lock.h"
#include "mgc/core/parallel.h"
#include "mgc/core/progress.h"
#include "mgc/core/subprocess.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/plan.h"
#include "mgc/synth/render.h"

namespace mgc::synth {
namespace {

namespace fs = std::filesystem;

// Bump when a change alters what a given (seed, genre, index) renders: a corpus made by another generator
// version is not resumed into.
// 4: synthesis paths; 5: one shared progression pool and per-clip production (issue #30).
constexpr const char* kGenerator = "mgc-synth-5";

// ---------------------------------------------------------------------------------------------------------------
// Manifest.

struct ManifestRow {
  std::string path, genre, groove, groove_file;
  int tempo = 0;
  std::string key;
  double seconds = 0;
  uint64_t seed = 0;
  std::string synth, progression, production;
};

const std::vector<std::string> kManifestColumns = {"path",  "genre", "groove",      "groove_file", "tempo", "key",
                                                   "seconds", "seed", "synth", "progression", "production"};

// Rows of an existing manifest by path; a missing, unparsable or foreign file gives none (everything is re-checked
// anyway), and so does a row of the wrong width or whose numbers do not parse.
std::map<std::string, ManifestRow> read_manifest(const std::string& path) {
  std::map<std::string, ManifestRow> rows;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return rows;
  csv::Table table;
  try {
    table = csv::parse(read_file(path), path, "synth");
  } catch (const Error&) {
    return rows;
  }
  if (table.rows.empty() || table.rows[0] != kManifestColumns) return rows;
  for (size_t i = 1; i < table.rows.size(); ++i) {
    const auto& f = table.rows[i];
    if (f.size() != kManifestColumns.size()) continue;
    try {
      ManifestRow r{f[0], f[1],  f[2], f[3], std::stoi(f[4]), f[5], std::stod(f[6]), std::stoull(f[7]),
                    f[8], f[9], f[10]};
      rows[r.path] = r;
    } catch (const std::exception&) {
      continue;
    }
  }
  return rows;
}

std::string manifest_text(const std::map<std::string, ManifestRow>& rows) {
  std::string s = csv::row(kManifestColumns) + "\n";
  for (const auto& [path, r] : rows)
    s += csv::row({r.path, r.genre, r.groove, r.groove_file, std::to_string(r.tempo), r.key,
                   fmt::format("{:g}", r.seconds), std::to_string(r.seed), r.synth, r.progression, r.production}) +
         "\n";
  return s;
}

std::string clip_name(const std::string& genre, int index) { return fmt::format("{}.{:05d}", genre, index); }

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// True if `path` is a mono 16-bit WAV of exactly `frames` frames at `rate`.
bool clip_is_complete(const std::string& path, int rate, int64_t frames) {
  SF_INFO info{};
  SndfilePtr f(sf_open(path.c_str(), SFM_READ, &info));
  if (!f) return false;
  return info.channels == 1 && info.samplerate == rate && info.frames == frames &&
         (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV && (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16;
}

std::vector<std::string> active_genres(const SynthConfig& c) {
  if (c.genres.empty()) return genre_names();
  std::vector<std::string> g = c.genres;
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

struct ClipOutcome {
  bool ok = false;
  ManifestRow row;
  std::vector<std::string> errors;
};

}  // namespace

SynthReport synthesize_corpus(const SynthConfig& config) {
  config.validate();
  const Tools tools = check_synth_tools(config);
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::string> synth_paths = config.resolved_synth_paths();
  const fs::path root(config.out_dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw make_error("synth", "cannot create '{}': {}", config.out_dir, ec.message());
  // One writer per corpus: a second synth into the folder would remove this one's half-written clips and race on
  // the manifest. Locked through the folder itself (core/lock.h), so the corpus holds no lock file.
  const FolderLock lock(config.out_dir, "", "synth");

  // A corpus folder holds one (seed, length, rate, synthesis paths, generator): refuse to mix.
  const fs::path json_path = root / "synth.json";
  if (fs::exists(json_path, ec)) {
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(read_file(json_path.string()));
    } catch (const nlohmann::json::exception& e) {
      throw make_error("synth", "'{}' is not valid JSON ({}); remove it or use another --out", json_path.string(),
                       e.what());
    }
    auto differs = [&](const char* key, const nlohmann::json& now) {
      if (old.contains(key) && old[key] != now)
        throw make_error("synth", "'{}' holds a corpus made with {} {} (this run: {}); use another --out or remove it",
                         config.out_dir, key, old[key].dump(), now.dump());
    };
    differs("generator", kGenerator);
    differs("seed", config.seed);
    differs("seconds", config.seconds);
    differs("sample_rate", config.sample_rate);
    differs("synth_paths", synth_paths);
    differs("production", config.production);
  }

  const auto genres = active_genres(config);
  const int64_t frames = config.clip_frames();
  std::map<std::string, ManifestRow> rows = read_manifest((root / "manifest.csv").string());
  // Drop listed clips whose file is gone or incomplete; they are rendered again if in range.
  for (auto it = rows.begin(); it != rows.end();) {
    if (!clip_is_complete((root / it->first).string(), config.sample_rate, frames))
      it = rows.erase(it);
    else
      ++it;
  }

  // The effective configuration, written before rendering (so a resumed run is checked against it) and after.
  auto write_synth_json = [&](size_t listed) {
    std::map<std::string, int> per_genre;
    for (const auto& e : groove_table()) ++per_genre[e.genre];
    const nlohmann::json j = {{"generator", kGenerator},
                              {"out_dir", config.out_dir},
                              {"clips_per_genre", config.clips_per_genre},
                              {"seconds", config.seconds},
                              {"seed", config.seed},
                              {"synth_paths", synth_paths},
                              {"production", config.production},
                              {"sample_rate", config.sample_rate},
                              {"channels", 1},
                              {"format", "WAV PCM 16-bit"},
                              {"threads", resolve_threads(config.threads)},
                              {"genres", genres},
                              {"grooves_per_genre", per_genre},
                              {"mma", tools.mma},
                              {"fluidsynth", tools.fluidsynth},
                              {"timidity", tools.timidity},
                              {"ffmpeg", tools.ffmpeg},
                              {"clips_listed", listed}};
    write_file_atomic(json_path.string(), j.dump(2) + "\n");
  };
  write_synth_json(rows.size());

  SynthReport report;
  struct Job {
    std::string genre;
    int index;
  };
  std::vector<Job> jobs;
  for (const auto& genre : genres) {
    fs::create_directories(root / genre, ec);
    if (ec) throw make_error("synth", "cannot create '{}': {}", (root / genre).string(), ec.message());
    for (int i = 0; i < config.clips_per_genre; ++i) {
      const std::string rel = genre + "/" + clip_name(genre, i) + ".wav";
      if (rows.count(rel))
        ++report.skipped;
      else
        jobs.push_back({genre, i});
    }
  }

  // Leftovers of killed runs: their scratch folders (core/fs.h remove_leftovers: only a dead process's), then
  // half-written clips (".<name>.wav.tmp").
  report.leftovers = static_cast<int>(remove_leftovers(fs::temp_directory_path().string(), scratch_owner).size());
  for (const auto& genre : genres)
    for (const auto& e : fs::directory_iterator(root / genre, ec)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 8 && name[0] == '.' && name.compare(name.size() - 8, 8, ".wav.tmp") == 0)
        fs::remove(e.path(), ec);
    }

  std::vector<ClipOutcome> outcomes(jobs.size());
  {
    Progress progress("synth", static_cast<int64_t>(jobs.size()), !config.quiet);
    std::atomic<int> failures{0};
    // The manifest is rewritten every 20 s during the run, so an interrupted run resumes with little lost.
    std::mutex manifest_mutex;
    std::map<std::string, ManifestRow> live_rows = rows;
    auto last_write = std::chrono::steady_clock::now();
    parallel_for(static_cast<int64_t>(jobs.size()), config.threads, [&](int64_t j, int) {
      const Job& job = jobs[static_cast<size_t>(j)];
      ClipOutcome& out = outcomes[static_cast<size_t>(j)];
      const std::string rel = job.genre + "/" + clip_name(job.genre, job.index) + ".wav";
      for (int attempt = 0; attempt < 2 && !out.ok; ++attempt) {
        ClipPlan plan;
        try {
          plan = plan_clip(config, job.genre, job.index, attempt);
          render_clip(config, plan, tools, (root / rel).string());
          out.ok = true;
          out.row = {rel,        job.genre, plan.groove.groove, plan.groove.library + "/" + plan.groove.file,
                     plan.tempo, plan.key,  config.seconds,     plan.seed,
                     plan.synth.name, plan.progression, plan.production.summary};
        } catch (const std::exception& e) {
          std::string why = e.what();
          if (why.rfind("synth: ", 0) == 0) why = why.substr(7);
          out.errors.push_back(
              fmt::format("{} ({}, attempt {} of 2): {}", rel, plan.groove.mma_name(), attempt + 1, why));
        }
      }
      if (!out.ok) ++failures;
      {
        std::lock_guard<std::mutex> lock(manifest_mutex);
        if (out.ok) live_rows[out.row.path] = out.row;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_write > std::chrono::seconds(20)) {
          last_write = now;
          write_file_atomic((root / "manifest.csv").string(), manifest_text(live_rows));
        }
      }
      progress.tick(1, failures.load() ? fmt::format("{} failed", failures.load()) : "");
    });
  }

  for (const auto& o : outcomes) {
    if (o.ok) {
      ++report.rendered;
      rows[o.row.path] = o.row;
    } else {
      ++report.failed;
    }
    report.errors.insert(report.errors.end(), o.errors.begin(), o.errors.end());
  }

  write_file_atomic((root / "manifest.csv").string(), manifest_text(rows));
  write_synth_json(rows.size());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace mgc::synth
