#include "mgc/synth/render.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sndfile.h>
#include <unistd.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/parallel.h"
#include "mgc/core/random.h"
#include "mgc/core/subprocess.h"
#include "mgc/synth/text.h"

namespace mgc::synth {
namespace {

namespace fs = std::filesystem;
using detail::split;
using detail::split_words;
using detail::trim;

struct ToolRun {
  int exit_code = -1;  // as a shell reports it (128 + signal for a killed tool)
  std::string output;  // stdout and stderr together
};

// Runs argv (argv[0] a path) with stdout and stderr into `log_path` (emptied first), killed after `timeout_s`;
// PYTHONHASHSEED is pinned so that MMA (Python) makes the same choices every run. Throws mgc::Error if it cannot
// start or runs too long.
ToolRun run_tool(const std::vector<std::string>& argv, const std::string& log_path, double timeout_s) {
  LogRunOptions options;
  options.truncate_log = true;
  options.timeout_s = timeout_s;
  options.die_with_parent = true;  // a killed mgc synth leaves no mma or fluidsynth running
  options.environment = {"PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1"};
  const ChildUsage usage = run_logged(argv, log_path, options, "synth");
  return {exit_code(usage.status), read_file(log_path)};
}

// The useful lines of a tool's output for an error message: MMA's plugin-folder warning dropped, at most ~400
// characters, newlines folded.
std::string brief(const std::string& output) {
  std::string s;
  for (const std::string& line : split(output, '\n')) {
    const std::string t = trim(line);
    if (t.empty() || t.find("PLUGIN '") != std::string::npos) continue;
    s += (s.empty() ? "" : " | ") + t;
  }
  if (s.size() > 400) s = s.substr(0, 400) + "...";
  return s.empty() ? "(no output)" : s;
}

constexpr const char* kScratchPrefix = "mgc-synth-";  // then "<pid>-XXXXXX": scratch_owner reads the pid back

// A temporary folder, removed with its contents when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / (kScratchPrefix + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data()))
      throw make_error("synth", "cannot create a temporary folder: {}", std::strerror(errno));
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// Adds the production's tape hiss (white Gaussian noise hiss_db below `rms`) and vinyl crackle (clicks at
// crackle_per_s on average: a random-sign impulse of 0.5-3 x rms decaying over about a millisecond) to `mono`,
// from a stream of the clip's seed: the same clip gets the same noise.
void add_noise(std::vector<double>& mono, const Production& prod, double rms, int sample_rate, uint64_t clip_seed) {
  SplitMix64 rng(splitmix64(clip_seed ^ 0x415cac4e1ull));
  const double sigma = prod.hiss_db > 0 ? rms * std::pow(10.0, -prod.hiss_db / 20.0) : 0.0;
  const double click_p = prod.crackle_per_s / sample_rate;
  const double decay = std::exp(-1.0 / (0.001 * sample_rate));
  double click = 0;
  for (double& v : mono) {
    if (sigma > 0) {  // Box-Muller, one of the pair
      const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
      v += sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    }
    if (click_p > 0) {
      if (rng.chance(click_p)) click += (rng.chance(0.5) ? 1.0 : -1.0) * rng.uniform(0.5, 3.0) * rms;
      v += click;
      click *= decay;
    }
  }
}

}  // namespace

Tools check_synth_tools(const SynthConfig& config) {
  Tools tools;
  tools.mma = find_program(config.mma);
  if (tools.mma.empty())
    throw make_error("synth", "'{}' not found (looked in PATH): install the Debian package mma (apt install mma)",
                     config.mma);
  if (config.production) {
    tools.ffmpeg = find_program(config.ffmpeg);
    if (tools.ffmpeg.empty())
      throw make_error("synth", "'{}' not found (looked in PATH): the corpus's production (lossy codecs, EQ) needs "
                       "it; install the Debian package ffmpeg (apt install ffmpeg), or pass --no-production",
                       config.ffmpeg);
    ScratchDir scratch;
    const ToolRun r = run_tool({tools.ffmpeg, "-hide_banner", "-encoders"}, scratch.file("encoders.log"), 60);
    for (const char* encoder : {"libmp3lame", "libopus"})
      if (r.exit_code != 0 || r.output.find(encoder) == std::string::npos)
        throw make_error("synth", "'{}' has no {} encoder, which the corpus's production needs: install Debian's "
                         "ffmpeg, or pass --no-production", tools.ffmpeg, encoder);
  }
  for (const auto& spec : config.resolved_synth_paths()) {
    const SynthPath path = parse_synth_path(spec);
    const bool fluid = path.engine == Engine::fluidsynth;
    const std::string& program = fluid ? config.fluidsynth : config.timidity;
    check_synth_path(path, program);
    (fluid ? tools.fluidsynth : tools.timidity) = find_program(program);
  }
  return tools;
}

void render_clip(const SynthConfig& config, const ClipPlan& plan, const Tools& tools, const std::string& wav_path) {
  ScratchDir scratch;
  const std::string mma_file = scratch.file("clip.mma");
  const std::string mid = scratch.file("clip.mid");
  const std::string raw = scratch.file("clip.wav");
  {
    std::ofstream out(mma_file, std::ios::binary);
    out << plan.mma_source;
    if (!out) throw make_error("synth", "cannot write '{}'", mma_file);
  }
  const ToolRun m = run_tool({tools.mma, "-f", mid, mma_file}, scratch.file("mma.log"), 120);
  std::error_code ec;
  if (m.exit_code != 0 || !fs::exists(mid, ec) || fs::file_size(mid, ec) == 0)
    throw make_error("synth", "mma failed (exit {}): {}", m.exit_code, brief(m.output));

  const SynthPath& path = plan.synth;
  std::vector<std::string> argv;
  if (path.engine == Engine::fluidsynth) {
    argv = {tools.fluidsynth, "-n",  "-i", "-q",    "-R", "1",
            "-C",             "1",   "-g", "0.5",   "-r", std::to_string(config.sample_rate),
            "-T",             "wav", "-O", "float", "-o", "synth.cpu-cores=1"};
    for (const auto& opt : plan.fluidsynth_options) {
      argv.push_back("-o");
      argv.push_back(opt);
    }
    argv.insert(argv.end(), {"-F", raw, path.sound_set, mid});
  } else {
    // TiMidity++ reads its patch set through a configuration completed with the programs the set lacks.
    const std::string cfg = scratch.file("timidity.cfg");
    {
      std::ofstream out(cfg, std::ios::binary);
      out << complete_timidity_config(read_file(path.sound_set), path.sound_set);
      if (!out) throw make_error("synth", "cannot write '{}'", cfg);
    }
    const auto level = [](double v) { return std::to_string(std::clamp(static_cast<int>(std::lround(v * 127)), 1, 127)); };
    argv = {tools.timidity,
            "-c",
            cfg,
            "-id",
            "-Ow",
            "-s",
            std::to_string(config.sample_rate),
            "--reverb=G," + level(plan.reverb_level),
            "--chorus=n," + level(plan.chorus_level / 2.0),
            "-o",
            raw,
            mid};
  }
  const std::string engine = path.engine == Engine::fluidsynth ? "fluidsynth" : "timidity";
  const ToolRun f = run_tool(argv, scratch.file(engine + ".log"), 120 + 2 * config.seconds);
  if (f.exit_code != 0) throw make_error("synth", "{} failed (exit {}): {}", engine, f.exit_code, brief(f.output));

  // Production: ffmpeg's filters, then its codec there and back.
  std::string rendered = raw;
  const Production& prod = plan.production;
  if (prod.needs_ffmpeg()) {
    const std::string chain = fmt::format("{}", fmt::join(prod.filters, ","));
    const std::vector<std::string> head = {tools.ffmpeg, "-nostdin", "-v", "error", "-y", "-threads", "1", "-i"};
    const double limit = 120 + 2 * config.seconds;
    auto ffmpeg = [&](std::vector<std::string> argv) {
      const ToolRun r = run_tool(argv, scratch.file("ffmpeg.log"), limit);
      if (r.exit_code != 0) throw make_error("synth", "ffmpeg failed (exit {}): {}", r.exit_code, brief(r.output));
    };
    std::vector<std::string> argv = head;
    argv.push_back(raw);
    if (!chain.empty()) argv.insert(argv.end(), {"-af", chain});
    const std::string produced = scratch.file("produced.wav");
    if (prod.codec.empty()) {
      argv.insert(argv.end(), {"-c:a", "pcm_f32le", produced});
      ffmpeg(argv);
    } else {
      const bool opus = prod.codec == "opus";
      const std::string encoded = scratch.file(opus ? "encoded.opus" : "encoded.mp3");
      if (opus) argv.insert(argv.end(), {"-ar", "48000"});  // libopus takes 8/12/16/24/48 kHz only
      argv.insert(argv.end(), {"-c:a", opus ? "libopus" : "libmp3lame", "-b:a",
                               std::to_string(prod.bitrate_kbps) + "k", encoded});
      ffmpeg(argv);
      std::vector<std::string> back = head;
      back.insert(back.end(), {encoded, "-ar", std::to_string(config.sample_rate), "-c:a", "pcm_f32le", produced});
      ffmpeg(back);
    }
    rendered = produced;
  }

  SF_INFO info{};
  SndfilePtr in(sf_open(rendered.c_str(), SFM_READ, &info));
  if (!in)
    throw make_error("synth", "{} wrote no readable audio ({}): {}", engine, sf_strerror(nullptr), brief(f.output));
  if (info.samplerate != config.sample_rate || info.channels < 1)
    throw make_error("synth", "{} wrote {} Hz x {} channels, expected {} Hz", engine, info.samplerate, info.channels,
                     config.sample_rate);
  const int64_t n = config.clip_frames();
  const int64_t start = static_cast<int64_t>(std::llround(plan.offset * config.sample_rate));
  if (info.frames < start + n)
    throw make_error("synth", "rendered only {:.2f} s, {:.2f} s needed: {}",
                     static_cast<double>(info.frames) / config.sample_rate,
                     static_cast<double>(start + n) / config.sample_rate, brief(f.output));
  std::vector<float> inter(static_cast<size_t>(info.frames) * static_cast<size_t>(info.channels));
  if (sf_readf_float(in.get(), inter.data(), info.frames) != info.frames)
    throw make_error("synth", "short read of {}'s output", engine);
  in.reset();

  // The mono mix: the production's left/right weights for a stereo render, an even mean otherwise.
  std::vector<double> weights(static_cast<size_t>(info.channels), 1.0 / info.channels);
  if (info.channels == 2) weights = {prod.left_weight, 1.0 - prod.left_weight};
  std::vector<double> mono(static_cast<size_t>(n));
  double peak = 0, energy = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = 0;
    for (int c = 0; c < info.channels; ++c)
      v += weights[static_cast<size_t>(c)] * inter[static_cast<size_t>((start + i) * info.channels + c)];
    mono[static_cast<size_t>(i)] = v;
    peak = std::max(peak, std::abs(v));
    energy += v * v;
  }
  const double rms = std::sqrt(energy / static_cast<double>(std::max<int64_t>(n, 1)));
  if (peak < 1e-4 || rms < 1e-5)
    throw make_error("synth", "the render is silent (peak {:.2g}); is '{}' a General MIDI sound set? {}", peak,
                     path.sound_set, brief(f.output));
  if (prod.hiss_db > 0 || prod.crackle_per_s > 0) {
    add_noise(mono, prod, rms, config.sample_rate, plan.seed);
    peak = 0;
    for (double v : mono) peak = std::max(peak, std::abs(v));
  }
  // Peak-normalise to -1 dBFS, then the clip's gain (-6..0 dB): level varies, nothing clips.
  const double scale = std::pow(10.0, (-1.0 + plan.gain_db) / 20.0) / peak;
  std::vector<short> pcm(static_cast<size_t>(n));
  for (size_t i = 0; i < pcm.size(); ++i) {
    const double v = std::clamp(mono[i] * scale * 32767.0, -32768.0, 32767.0);
    pcm[i] = static_cast<short>(std::lrint(v));
  }

  const std::string tmp = fs::path(wav_path).parent_path() / ("." + fs::path(wav_path).filename().string() + ".tmp");
  {
    SF_INFO out_info{};
    out_info.samplerate = config.sample_rate;
    out_info.channels = 1;
    out_info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SndfilePtr out(sf_open(tmp.c_str(), SFM_WRITE, &out_info));
    if (!out) throw make_error("synth", "cannot create '{}': {}", tmp, sf_strerror(nullptr));
    if (sf_writef_short(out.get(), pcm.data(), n) != n) {
      out.reset();
      fs::remove(tmp, ec);
      throw make_error("synth", "cannot write '{}'", tmp);
    }
  }
  fs::rename(tmp, wav_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw make_error("synth", "cannot rename '{}' into place: {}", tmp, ec.message());
  }
}

GrooveCheck check_grooves(const std::vector<GrooveEntry>& entries, const std::string& mma) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string program = find_program(mma);
  if (program.empty())
    throw make_error("synth", "'{}' not found (looked in PATH): install the Debian package mma (apt install mma)", mma);
  // mma loads a chunk of grooves per process, one bar each, printing each groove's bar length; a groove that fails
  // stops its process, is recorded, and a new process goes on after it. Chunks stay small because MMA slows down
  // (and runs out of MIDI channels) as tracks pile up in one process; they run in parallel.
  constexpr size_t kChunk = 12;
  struct Part {
    int checked = 0;
    std::vector<std::string> failures;
  };
  const size_t n_chunks = (entries.size() + kChunk - 1) / kChunk;
  std::vector<Part> parts(n_chunks);
  parallel_for(static_cast<int64_t>(n_chunks), 0, [&](int64_t c, int) {
    Part& part = parts[static_cast<size_t>(c)];
    ScratchDir scratch;
    size_t next = static_cast<size_t>(c) * kChunk;
    const size_t stop = std::min(entries.size(), next + kChunk);
    while (next < stop) {
      std::string s = "Tempo 120\n";
      std::set<std::string> defined;
      for (size_t i = next; i < stop; ++i)
        if (entries[i].library == "mgc" && defined.insert(entries[i].groove).second)
          s += builtin_groove_source(entries[i]);
      for (size_t i = next; i < stop; ++i)
        s += fmt::format("Groove {}\nPrint MGC-CHECK {} $_Time\n{} C\n", entries[i].mma_name(), i, i - next + 1);
      {
        std::ofstream out(scratch.file("check.mma"), std::ios::binary);
        out << s;
      }
      const ToolRun r = run_tool({program, "-f", scratch.file("check.mid"), scratch.file("check.mma")},
                                 scratch.file("check.log"), 300);
      size_t resume = next;
      std::string other;
      for (const std::string& line : split(r.output, '\n')) {
        const auto w = split_words(line);
        if (w.size() != 3 || w[0] != "MGC-CHECK") {
          other += line + "\n";
          continue;
        }
        const size_t i = std::stoul(w[1]);
        if (std::abs(std::stod(w[2]) - entries[i].beats) > 1e-6)
          part.failures.push_back(fmt::format("{}: MMA's bar has {} beats, the table says {}", entries[i].mma_name(),
                                              w[2], entries[i].beats));
        ++part.checked;
        resume = i + 1;
      }
      if (r.exit_code == 0 && resume == stop) break;
      // The groove after the last one that printed did not load (or mma failed after the last print).
      if (resume >= stop) {
        part.failures.push_back(
            fmt::format("{}: mma failed after loading it: {}", entries[stop - 1].mma_name(), brief(other)));
        break;
      }
      part.failures.push_back(fmt::format("{}: {}", entries[resume].mma_name(), brief(other)));
      ++part.checked;
      next = resume + 1;
    }
  });
  GrooveCheck check;
  for (const Part& p : parts) {
    check.checked += p.checked;
    check.failures.insert(check.failures.end(), p.failures.begin(), p.failures.end());
  }
  check.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return check;
}

long scratch_owner(const std::string& name) { return name_pid(name, kScratchPrefix); }

}  // namespace mgc::synth
