// The built-in corpus (mgc synth): the groove table against the installed MMA, the clip plans, and the CLI on a
// tiny corpus (2 clips x 10 genres x 3 s), checking the audio, the manifest, determinism and resuming.
#include <gtest/gtest.h>
#include <signal.h>
#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"
#include "mgc/core/lock.h"
#include "mgc/synth/corpus.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/paths.h"
#include "mgc/synth/plan.h"
#include "mgc/synth/profiles.h"
#include "mgc/synth/render.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using mgc::synth::GrooveEntry;
using mgc::synth::SynthConfig;
using mgc::test::run_cli;
using mgc::test::run_command;
using mgc::test::TempDir;

constexpr int kClips = 2;
constexpr double kSeconds = 3.0;
constexpr int kRate = 22050;

struct Wav {
  SF_INFO info{};
  std::vector<short> pcm;
};

Wav read_wav(const std::string& path) {
  Wav w;
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &w.info);
  if (!f) throw std::runtime_error("cannot open " + path);
  w.pcm.resize(static_cast<size_t>(w.info.frames * w.info.channels));
  sf_readf_short(f, w.pcm.data(), w.info.frames);
  sf_close(f);
  return w;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    rows.push_back(f);
  }
  return rows;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const GrooveEntry* find_entry(const std::string& library_file, const std::string& groove) {
  for (const auto& e : mgc::synth::groove_table())
    if (e.library + "/" + e.file == library_file && e.groove == groove) return &e;
  return nullptr;
}

// Mean spectral centroid (Hz) over 2048-sample frames, by a plain DFT on a coarse grid: enough to tell a distorted
// guitar band from strings and piano.
double spectral_centroid(const std::vector<short>& pcm, int rate) {
  const size_t n = 2048;
  double total = 0;
  int frames = 0;
  for (size_t start = 0; start + n <= pcm.size(); start += n * 4) {
    double num = 0, den = 0;
    for (size_t k = 2; k < n / 2; k += 4) {
      double re = 0, im = 0;
      for (size_t t = 0; t < n; ++t) {
        const double win = 0.5 - 0.5 * std::cos(2 * M_PI * t / n);
        const double v = pcm[start + t] * win;
        re += v * std::cos(2 * M_PI * k * t / n);
        im -= v * std::sin(2 * M_PI * k * t / n);
      }
      const double mag = std::sqrt(re * re + im * im);
      num += mag * (static_cast<double>(k) * rate / n);
      den += mag;
    }
    if (den > 0) {
      total += num / den;
      ++frames;
    }
  }
  return frames ? total / frames : 0.0;
}

// ----------------------------------------------------------------------------------------------------------------
// The table.

TEST(SynthTable, GenresAreGtzansTenSorted) {
  const std::vector<std::string> want = {"blues", "classical", "country", "disco",  "hiphop",
                                         "jazz",  "metal",     "pop",     "reggae", "rock"};
  EXPECT_EQ(mgc::synth::genre_names(), want);
}

TEST(SynthTable, EveryGenreHasManyGroovesFromRealFiles) {
  std::set<std::string> seen;
  for (const auto& genre : mgc::synth::genre_names()) {
    const auto grooves = mgc::synth::grooves_of(genre);
    std::set<std::string> files;
    for (const auto& e : grooves) {
      files.insert(e.library + "/" + e.file);
      EXPECT_TRUE(seen.insert(e.mma_name()).second) << "listed twice: " << e.mma_name();
      EXPECT_GT(e.tempo_min, 0) << e.mma_name();
      EXPECT_LE(e.tempo_min, e.tempo_max) << e.mma_name();
      EXPECT_TRUE(e.beats == 3 || e.beats == 4 || e.beats == 6) << e.mma_name();
      if (e.library == "mgc") {
        EXPECT_NE(mgc::synth::builtin_groove_source(e).find("DefGroove " + e.groove), std::string::npos);
      } else {
        EXPECT_TRUE(fs::exists("/usr/share/mma/lib/" + e.library + "/" + e.file + ".mma")) << e.mma_name();
      }
    }
    EXPECT_GE(grooves.size(), 20u) << genre;
    EXPECT_GE(files.size(), 5u) << genre;
  }
  EXPECT_THROW(mgc::synth::grooves_of("polka"), mgc::Error);
}

// Every groove of the table loads in this MMA and has the bar length the table says (one bar each, no audio).
TEST(SynthTable, EveryGrooveLoadsInMma) {
  const auto& table = mgc::synth::groove_table();
  const auto check = mgc::synth::check_grooves(table);
  EXPECT_EQ(check.checked, static_cast<int>(table.size()));
  for (const auto& f : check.failures) ADD_FAILURE() << f;
  std::printf("checked %d grooves in %.1f s\n", check.checked, check.seconds);
}

// ----------------------------------------------------------------------------------------------------------------
// Plans.

TEST(SynthPlan, IsDeterministicAndCyclesThroughTheFilesThenTheirGrooves) {
  SynthConfig c;
  c.seed = 42;
  c.seconds = 10;
  const auto jazz = mgc::synth::grooves_of("jazz");
  std::map<std::string, std::set<std::string>> grooves_in_file;
  for (const auto& g : jazz) grooves_in_file[g.library + "/" + g.file].insert(g.mma_name());
  size_t most = 0;
  for (const auto& [file, gs] : grooves_in_file) most = std::max(most, gs.size());
  const int files = static_cast<int>(grooves_in_file.size());
  ASSERT_GE(files, 20);
  ASSERT_GE(most, 4u);
  std::set<std::string> used;
  std::map<std::string, int> clips_of_file;
  for (int i = 0; i < files * static_cast<int>(most); ++i) {
    const auto p = mgc::synth::plan_clip(c, "jazz", i);
    EXPECT_EQ(p.mma_source, mgc::synth::plan_clip(c, "jazz", i).mma_source);
    used.insert(p.groove.mma_name());
    ++clips_of_file[p.groove.library + "/" + p.groove.file];
    if (i == files - 1) EXPECT_EQ(clips_of_file.size(), grooves_in_file.size()) << "the first n clips use n files";
    EXPECT_GE(p.tempo, p.groove.tempo_min);
    EXPECT_LE(p.tempo, p.groove.tempo_max);
    EXPECT_GE(p.gain_db, -6.0);
    EXPECT_LE(p.gain_db, 0.0);
    EXPECT_GE(p.bars * p.groove.beats * 60.0 / p.tempo, p.offset + c.seconds);
  }
  for (const auto& [file, n] : clips_of_file)
    EXPECT_EQ(n, static_cast<int>(most)) << file << ": every file weighs the same";
  EXPECT_EQ(used.size(), jazz.size()) << "a file's k-th clip takes its k-th groove, so every groove is used";
  const auto a = mgc::synth::plan_clip(c, "jazz", 3);
  EXPECT_NE(a.groove.mma_name(), mgc::synth::plan_clip(c, "jazz", 3, 1).groove.mma_name()) << "a retry changes groove";
  SynthConfig other = c;
  other.seed = 43;
  EXPECT_NE(a.mma_source, mgc::synth::plan_clip(other, "jazz", 3).mma_source);
  EXPECT_THROW(mgc::synth::plan_clip(c, "polka", 0), mgc::Error);
}

// Whole clip files (groove, added band, lead line, voice substitutions, chords) compile with mma: for every genre
// the first clip of each band kind and a few more.
TEST(SynthPlan, ClipFilesCompileWithMma) {
  TempDir dir;
  SynthConfig c;
  c.seed = 5;
  c.seconds = 4;
  int compiled = 0, with_lead = 0;
  for (const auto& genre : mgc::synth::genre_names()) {
    const int n = static_cast<int>(mgc::synth::grooves_of(genre).size());
    std::set<std::string> bands;
    for (int i = 0; i < n; ++i) {
      const auto p = mgc::synth::plan_clip(c, genre, i);
      const bool new_band = bands.insert(p.groove.band).second;
      if (i >= 3 && !new_band && p.groove.library != "mgc") continue;
      with_lead += p.mma_source.find("Begin Aria-MgcLead") != std::string::npos;
      const std::string mma = dir.file("c.mma"), mid = dir.file("c.mid");
      std::ofstream(mma) << p.mma_source;
      const auto r = run_command("mma -f " + mid + " " + mma);
      EXPECT_EQ(r.exit_code, 0) << genre << " clip " << i << " (" << p.groove.mma_name() << "):\n"
                                << r.output << "\n"
                                << p.mma_source;
      EXPECT_TRUE(fs::exists(mid));
      fs::remove(mid);
      ++compiled;
    }
  }
  EXPECT_GE(compiled, 40);
  EXPECT_GE(with_lead, 10) << "some plans carry a lead line";
}

TEST(SynthConfig, ValidateNamesTheField) {
  SynthConfig c;
  c.out_dir = "x";
  EXPECT_NO_THROW(c.validate());
  auto message = [](SynthConfig bad) {
    try {
      bad.validate();
    } catch (const mgc::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  SynthConfig b = c;
  b.clips_per_genre = 0;
  EXPECT_NE(message(b).find("clips_per_genre"), std::string::npos);
  b = c;
  b.seconds = -1;
  EXPECT_NE(message(b).find("seconds"), std::string::npos);
  b = c;
  b.sample_rate = 100;
  EXPECT_NE(message(b).find("sample_rate"), std::string::npos);
  b = c;
  b.genres = {"polka"};
  EXPECT_NE(message(b).find("polka"), std::string::npos);
  b = c;
  b.out_dir.clear();
  EXPECT_NE(message(b).find("--out"), std::string::npos);
}

TEST(SynthTools, MissingToolsNameTheDebianPackage) {
  SynthConfig c;
  c.out_dir = "x";
  auto message = [](const SynthConfig& cfg) {
    try {
      mgc::synth::check_synth_tools(cfg);
    } catch (const mgc::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(c), "no error");
  SynthConfig b = c;
  b.mma = "/nonexistent/mma";
  EXPECT_NE(message(b).find("apt install mma"), std::string::npos) << message(b);
  b = c;
  b.fluidsynth = "no-such-fluidsynth";
  EXPECT_NE(message(b).find("apt install fluidsynth"), std::string::npos) << message(b);
  b = c;
  b.timidity = "no-such-timidity";
  EXPECT_NE(message(b).find("apt install timidity"), std::string::npos) << message(b);
  b.synth_paths = {"fluidsynth/TimGM6mb"};  // a timidity that no configured path needs is not looked for
  EXPECT_EQ(message(b), "no error");
  b = c;
  b.ffmpeg = "no-such-ffmpeg";
  EXPECT_NE(message(b).find("apt install ffmpeg"), std::string::npos) << message(b);
  b.production = false;  // nor an ffmpeg that no production needs
  EXPECT_EQ(message(b), "no error");
  b = c;
  b.synth_paths = {"fluidsynth:/nonexistent/font.sf2"};
  EXPECT_NE(message(b).find("fluid-soundfont-gm"), std::string::npos) << message(b);
  b.synth_paths = {"fluidsynth:" MGC_SOURCE_DIR "/CMakeLists.txt"};
  EXPECT_NE(message(b).find("not a SoundFont"), std::string::npos) << message(b);
  b.synth_paths = {"timidity:/nonexistent/patches.cfg"};
  EXPECT_NE(message(b).find("freepats"), std::string::npos) << message(b);
  // Every built-in path names its package when its sound set is missing (checked through a renamed copy).
  for (const auto& p : mgc::synth::known_synth_paths()) EXPECT_FALSE(p.package.empty()) << p.name;
}

TEST(SynthPaths, SpecsAreNamesOrEngineAndFile) {
  using mgc::synth::parse_synth_path;
  EXPECT_EQ(parse_synth_path("fluidsynth/OPL3_FM").sound_set, "/usr/share/sounds/sf2/OPL-3_FM_128M.sf2");
  EXPECT_EQ(parse_synth_path("timidity/freepats").engine, mgc::synth::Engine::timidity);
  const auto custom = parse_synth_path("fluidsynth:/x/My Font.sf2");
  EXPECT_EQ(custom.name, "fluidsynth/My Font");
  EXPECT_EQ(custom.sound_set, "/x/My Font.sf2");
  EXPECT_EQ(parse_synth_path("timidity:/etc/x.cfg").name, "timidity/x");
  try {
    parse_synth_path("fluidsynth/Nope");
    ADD_FAILURE() << "no error";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("fluidsynth/FluidR3_GM"), std::string::npos) << e.what();
  }
  SynthConfig c;
  c.out_dir = "x";
  c.synth_paths = {"fluidsynth/TimGM6mb", "fluidsynth/TimGM6mb", "timidity/freepats"};
  EXPECT_EQ(c.resolved_synth_paths(), (std::vector<std::string>{"fluidsynth/TimGM6mb", "timidity/freepats"}));
  c.synth_paths = {"bogus"};
  EXPECT_THROW(c.validate(), mgc::Error);
}

// TiMidity++ with FreePats: every General MIDI program gets a patch, a missing one its family's nearest.
TEST(SynthPaths, TimidityConfigMapsMissingProgramsToTheirFamily) {
  const std::string cfg = "dir /p\ndrumset 0\n 35 Drum/kick.pat\nbank 0\n 0 Tone/000_Piano.pat amp=90\n"
                          " 16 Tone/016_Organ.pat\n 48 Tone/048_Strings.pat\n";
  const std::string out = mgc::synth::complete_timidity_config(cfg, "/etc/timidity/x.cfg");
  EXPECT_EQ(out.find("dir /etc/timidity\n"), out.find('\n') + 1) << out;
  EXPECT_NE(out.find(cfg), std::string::npos);
  EXPECT_NE(out.find("\n 1 Tone/000_Piano.pat amp=90\n"), std::string::npos) << out;   // piano family
  EXPECT_NE(out.find("\n 17 Tone/016_Organ.pat\n"), std::string::npos) << out;        // organ family
  EXPECT_NE(out.find("\n 52 Tone/048_Strings.pat\n"), std::string::npos) << out;      // ensemble family
  EXPECT_NE(out.find("\n 127 Tone/048_Strings.pat\n"), std::string::npos) << out;     // no family member: nearest
  // The drum kit's 35 is not melodic program 35, which is mapped (no bass in the set: the nearest, strings).
  EXPECT_NE(out.find("\n 35 Tone/048_Strings.pat\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("35 Drum/kick.pat"), out.rfind("35 Drum/kick.pat")) << out;
  int mapped = 0;
  for (size_t at = out.rfind("bank 0"); (at = out.find("\n ", at + 1)) != std::string::npos;) ++mapped;
  EXPECT_EQ(mapped, 125);  // the 128 programs less the 3 present
  // Debian's FreePats: 72 melodic programs present, so 56 mapped.
  const std::string freepats = mgc::read_file("/etc/timidity/freepats.cfg");
  const std::string full = mgc::synth::complete_timidity_config(freepats, "/etc/timidity/freepats.cfg");
  int added = 0;
  for (size_t at = full.rfind("\nbank 0\n"); (at = full.find("\n ", at + 1)) != std::string::npos;) ++added;
  EXPECT_EQ(added, 56);
}

// ----------------------------------------------------------------------------------------------------------------
// The CLI.

TEST(SynthCli, HelpListsTheOptions) {
  const auto r = run_cli("synth --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--out", "--clips-per-genre", "--seconds", "--seed", "--soundfont", "--synth-paths",
                          "--timidity", "--jobs", "--sample-rate", "--genres", "--list-grooves",
                          "--list-synth-paths", "--check-grooves"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}

TEST(SynthCli, BadSoundfontIsNamed) {
  TempDir dir;
  const auto r =
      run_cli("synth --out " + dir.file("c") + " --clips-per-genre 1 --seconds 1 --soundfont /nonexistent/font.sf2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/font.sf2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fluid-soundfont-gm"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.file("c/manifest.csv")));
}

// A clip whose render fails is retried with another groove; the warning carries the tool's message.
TEST(SynthCli, FailedClipIsRetriedWithAnotherGroove) {
  TempDir dir;
  const std::string fake = dir.file("mma-fails-first");
  std::ofstream(fake) << "#!/bin/sh\nfor a in \"$@\"; do f=\"$a\"; done\n"
                         "if grep -q 'attempt 1 ' \"$f\"; then echo 'mma: pretend failure' >&2; exit 1; fi\n"
                         "exec mma \"$@\"\n";
  fs::permissions(fake, fs::perms::owner_all);
  const auto r =
      run_cli("synth --out " + dir.file("c") + " --clips-per-genre 1 --seconds 1 --genres blues --mma " + fake);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("attempt 1 of 2): mma failed (exit 1): mma: pretend failure"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rendered 1, skipped 0, failed 0"), std::string::npos) << r.output;
  SynthConfig c;
  c.seconds = 1;
  const auto retry = mgc::synth::plan_clip(c, "blues", 0, 1);
  const auto rows = read_csv(dir.file("c/manifest.csv"));
  ASSERT_EQ(rows.size(), 2u);
  const auto first = mgc::synth::plan_clip(c, "blues", 0).groove;
  EXPECT_EQ(rows[1][3] + ":" + rows[1][2], retry.groove.library + "/" + retry.groove.file + ":" + retry.groove.groove);
  EXPECT_NE(rows[1][3] + ":" + rows[1][2], first.library + "/" + first.file + ":" + first.groove);
}

// A clip that fails twice is counted, its message printed, and the command fails; the manifest stays valid.
TEST(SynthCli, ClipThatFailsTwiceFailsTheCommand) {
  TempDir dir;
  const std::string fake = dir.file("fluidsynth-broken");
  std::ofstream(fake) << "#!/bin/sh\necho 'fluidsynth: error: boom' >&2\nexit 3\n";
  fs::permissions(fake, fs::perms::owner_all);
  const auto r =
      run_cli("synth --out " + dir.file("c") + " --clips-per-genre 1 --seconds 1 --genres rock --fluidsynth " + fake);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("fluidsynth: error: boom"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("failed 1"), std::string::npos) << r.output;
  const auto rows = read_csv(dir.file("c/manifest.csv"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "path");
}

// Issue #33, the next class: a second synth into a corpus being written is refused (it would remove the first's
// half-written clips and race on the manifest), and nothing is left in the folder by the lock.
TEST(SynthCli, ASecondWriterOfACorpusIsRefused) {
  TempDir dir;
  const std::string out = dir.file("c");
  fs::create_directories(out);
  {
    const mgc::FolderLock writer(out, "", "synth");  // what a running mgc synth holds
    const auto r = run_cli("synth --out " + out + " --clips-per-genre 1 --seconds 1 --genres blues -q");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("mgc: error: synth: '" + out + "' is in use by another mgc process"), std::string::npos)
        << r.output;
    EXPECT_TRUE(fs::is_empty(out));
  }
  const auto r = run_cli("synth --out " + out + " --clips-per-genre 1 --seconds 1 --genres blues -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// Issue #33: a SIGKILLed mgc synth leaves no tool running (the kernel kills its children with it), and the next run
// removes the scratch folder it left, and says so.
TEST(SynthCli, KilledRunLeavesNoToolRunningAndItsScratchFolderIsRemoved) {
  TempDir dir;
  // Its own temporary folder: another test's mgc synth, running beside it under ctest -j2, would otherwise remove
  // the killed run's scratch folder first (it is a dead process's leftover in the shared /tmp).
  const std::string tmp = dir.file("tmp");
  fs::create_directory(tmp);
  const std::string env = "TMPDIR=" + tmp + " ";
  const std::string pid_file = dir.file("mma.pid");
  const std::string slow = dir.file("mma-slow");
  std::ofstream(slow) << "#!/bin/sh\necho $$ > " << pid_file << "\nexec sleep 60\n";
  fs::permissions(slow, fs::perms::owner_all);
  const auto started = mgc::test::run_command(env + MGC_CLI + " synth --out " + dir.file("c") +
                                              " --clips-per-genre 1 --seconds 1 --genres blues --jobs 1 -q --mma " +
                                              slow + " > " + dir.file("log") + " 2>&1 & echo $!");
  const long mgc_pid = std::stol(started.output);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(pid_file) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the pid written
  ASSERT_TRUE(fs::exists(pid_file)) << mgc::read_file(dir.file("log"));
  const long tool_pid = std::stol(mgc::read_file(pid_file));
  std::vector<std::string> scratch;
  for (const auto& e : fs::directory_iterator(tmp))
    if (e.path().filename().string().rfind("mgc-synth-" + std::to_string(mgc_pid) + "-", 0) == 0)
      scratch.push_back(e.path().string());
  ASSERT_EQ(scratch.size(), 1u);
  ASSERT_EQ(::kill(static_cast<pid_t>(mgc_pid), SIGKILL), 0);
  mgc::test::run_command("while kill -0 " + std::to_string(mgc_pid) + " 2>/dev/null; do sleep 0.05; done");
  // The tool is gone (or a zombie waiting for init): it did not outlive mgc.
  const auto alive = [&] {
    std::ifstream stat("/proc/" + std::to_string(tool_pid) + "/stat");
    std::string pid, name, state;
    return stat >> pid >> name >> state && state != "Z";
  };
  const auto tool_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (alive() && std::chrono::steady_clock::now() < tool_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(alive()) << "the tool outlived the killed mgc synth";
  EXPECT_TRUE(fs::exists(scratch[0]));

  const auto again = mgc::test::run_command(env + MGC_CLI + " synth --out " + dir.file("c") +
                                            " --clips-per-genre 1 --seconds 1 --genres blues");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("scratch folder(s) that a killed run left"), std::string::npos) << again.output;
  EXPECT_FALSE(fs::exists(scratch[0]));
}

TEST(SynthCli, ListGroovesPrintsTheTable) {
  const auto r = run_cli("synth --list-grooves");
  EXPECT_EQ(r.exit_code, 0);
  size_t lines = std::count(r.output.begin(), r.output.end(), '\n');
  EXPECT_EQ(lines, mgc::synth::groove_table().size() + 1);
  EXPECT_NE(r.output.find("blues,stdlib,blues,BluesTriple"), std::string::npos);
}

// The tiny corpus: 2 clips x 10 genres x 3 s on 2 threads, rendered once and then examined part by part (one
// test, because ctest runs every test in its own process and the render is the slow part).
std::string synth_args(const std::string& out, int seed) {
  return "synth --out " + out + " --seconds 3 --seed " + std::to_string(seed);
}

std::string clip(const std::string& root, const std::string& genre, int i) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s/%s.%05d.wav", genre.c_str(), genre.c_str(), i);
  return root + "/" + name;
}

void expect_exact_clips(const std::string& root) {
  int count = 0;
  for (const auto& genre : mgc::synth::genre_names()) {
    for (int i = 0; i < kClips; ++i) {
      const std::string path = clip(root, genre, i);
      ASSERT_TRUE(fs::exists(path)) << path;
      const Wav w = read_wav(path);
      EXPECT_EQ(w.info.samplerate, kRate);
      EXPECT_EQ(w.info.channels, 1);
      EXPECT_EQ(w.info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
      EXPECT_EQ(w.info.frames, static_cast<sf_count_t>(kSeconds * kRate)) << path;
      double energy = 0;
      int peak = 0;
      size_t at_rail = 0;
      for (short s : w.pcm) {
        energy += static_cast<double>(s) * s;
        peak = std::max(peak, std::abs(static_cast<int>(s)));
        at_rail += (s >= 32767 || s <= -32768);
      }
      const double rms = std::sqrt(energy / w.pcm.size()) / 32768.0;
      EXPECT_GT(rms, 0.01) << path << " is (nearly) silent";
      EXPECT_EQ(at_rail, 0u) << path << " is clipped";
      EXPECT_GT(peak, 32768 * 0.4) << path << ": peak-normalised to -1 dBFS minus at most 6 dB";
      ++count;
    }
  }
  EXPECT_EQ(count, 20);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) files += e.is_regular_file();
  EXPECT_EQ(files, 22u) << "20 clips + manifest.csv + synth.json, no temporaries left";
}

void expect_manifest(const std::string& root) {
  const auto rows = read_csv(root + "/manifest.csv");
  ASSERT_EQ(rows.size(), 21u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"path", "genre", "groove", "groove_file", "tempo", "key", "seconds",
                                               "seed", "synth", "progression", "production"}));
  std::map<std::string, std::set<std::string>> grooves, paths_of_genre;
  std::map<std::string, int> clips_of_path;
  std::set<std::string> productions;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    ASSERT_EQ(r.size(), 11u);
    paths_of_genre[r[1]].insert(r[8]);
    ++clips_of_path[r[8]];
    EXPECT_NO_THROW(mgc::synth::progression_named(r[9])) << r[9];
    EXPECT_FALSE(r[10].empty());
    productions.insert(r[10]);
    if (i > 1) EXPECT_LT(rows[i - 1][0], r[0]) << "sorted by path";
    EXPECT_EQ(r[0].substr(0, r[0].find('/')), r[1]);
    EXPECT_TRUE(fs::exists(root + "/" + r[0]));
    const GrooveEntry* e = find_entry(r[3], r[2]);
    ASSERT_NE(e, nullptr) << r[3] << ":" << r[2];
    EXPECT_EQ(e->genre, r[1]);
    const int tempo = std::stoi(r[4]);
    EXPECT_GE(tempo, e->tempo_min) << r[0];
    EXPECT_LE(tempo, e->tempo_max) << r[0];
    EXPECT_FALSE(r[5].empty());
    EXPECT_EQ(std::stod(r[6]), kSeconds);
    EXPECT_FALSE(r[7].empty());
    grooves[r[1]].insert(r[3] + ":" + r[2]);
  }
  EXPECT_EQ(grooves.size(), 10u);
  for (const auto& [genre, set] : grooves) EXPECT_EQ(set.size(), 2u) << genre << ": its two clips share a groove";
  // Synthesis paths: a genre's two clips take two paths, and the 20 clips meet every default path.
  for (const auto& [genre, set] : paths_of_genre) EXPECT_EQ(set.size(), 2u) << genre << ": its clips share a path";
  std::string counts;
  for (const auto& [path, n] : clips_of_path) counts += " " + path + ":" + std::to_string(n);
  std::printf("clips per synthesis path:%s\n", counts.c_str());
  for (const auto& name : mgc::synth::default_synth_paths()) EXPECT_GE(clips_of_path[name], 1) << name << counts;
  EXPECT_EQ(clips_of_path.size(), mgc::synth::default_synth_paths().size()) << counts;
  EXPECT_GE(productions.size(), 10u) << "20 clips, their productions drawn apart";
  const std::string json = slurp(root + "/synth.json");
  EXPECT_NE(json.find("\"seed\": 7"), std::string::npos) << json;
  EXPECT_NE(json.find("\"sample_rate\": 22050"), std::string::npos) << json;
}

void expect_deterministic(const std::string& root) {
  TempDir again;
  const auto r = run_cli(synth_args(again.path(), 7) + " --clips-per-genre 1 --genres blues,metal,classical -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* genre : {"blues", "metal", "classical"})
    EXPECT_EQ(slurp(clip(again.path(), genre, 0)), slurp(clip(root, genre, 0))) << genre;
  TempDir other;
  const auto o = run_cli(synth_args(other.path(), 8) + " --clips-per-genre 1 --genres jazz -q");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(slurp(clip(other.path(), "jazz", 0)), slurp(clip(root, "jazz", 0)));
  // A folder made with seed 7 does not take clips made with seed 8.
  const auto mixed = run_cli(synth_args(root, 8) + " --clips-per-genre 2 -q");
  EXPECT_NE(mixed.exit_code, 0);
  EXPECT_NE(mixed.output.find("seed 7 (this run: 8)"), std::string::npos) << mixed.output;
  // Without production: the same music, other bytes, "none" in the manifest; not mixed into a produced corpus.
  TempDir plain;
  const auto p = run_cli(synth_args(plain.path(), 7) + " --clips-per-genre 1 --genres metal --no-production -q");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(slurp(clip(plain.path(), "metal", 0)), slurp(clip(root, "metal", 0)));
  const auto plain_rows = read_csv(plain.path() + "/manifest.csv");
  ASSERT_EQ(plain_rows.size(), 2u);
  EXPECT_EQ(plain_rows[1].back(), "none");
  const auto unproduced = run_cli(synth_args(root, 7) + " --clips-per-genre 2 --no-production -q");
  EXPECT_NE(unproduced.exit_code, 0);
  EXPECT_NE(unproduced.output.find("production true (this run: false)"), std::string::npos) << unproduced.output;
}

void expect_resumes(const std::string& root) {
  std::map<std::string, uint64_t> before;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().extension() == ".wav") before[e.path().string()] = mgc::hash_file(e.path().string());
  const auto r = run_cli(synth_args(root, 7) + " --clips-per-genre 2 --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rendered 0, skipped 20, failed 0"), std::string::npos) << r.output;
  for (const auto& [path, h] : before) EXPECT_EQ(mgc::hash_file(path), h) << path;
  // A deleted clip is rendered again, identically.
  const std::string victim = clip(root, "reggae", 1);
  fs::remove(victim);
  const auto again = run_cli(synth_args(root, 7) + " --clips-per-genre 2 --jobs 2");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("rendered 1, skipped 19, failed 0"), std::string::npos) << again.output;
  EXPECT_EQ(mgc::hash_file(victim), before[victim]);
}

// Something measurable differs between genres: distorted metal is brighter than orchestral classical. Measured on
// the music as one synthesiser plays it (FluidR3_GM, --no-production): the paths' timbres and the production's
// random EQ and band limits, drawn alike for every genre, would make two clips a genre a coin toss.
void expect_metal_brighter_than_classical() {
  TempDir plain;
  const auto r = run_cli(synth_args(plain.path(), 7) + " --clips-per-genre 2 --genres metal,classical --no-production "
                                                  "--synth-paths fluidsynth/FluidR3_GM -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto centroid = [&](const std::string& genre) {
    double sum = 0;
    for (int i = 0; i < kClips; ++i) sum += spectral_centroid(read_wav(clip(plain.path(), genre, i)).pcm, kRate);
    return sum / kClips;
  };
  const double metal = centroid("metal"), classical = centroid("classical");
  std::printf("spectral centroid: metal %.0f Hz, classical %.0f Hz\n", metal, classical);
  EXPECT_GT(metal, 1.2 * classical);
}

TEST(SynthCli, TinyCorpusEndToEnd) {
  TempDir dir;
  const std::string root = dir.path();
  const auto r = run_cli(synth_args(root, 7) + " --clips-per-genre 2 --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rendered 20, skipped 0, failed 0"), std::string::npos) << r.output;
  {
    SCOPED_TRACE("20 exact mono clips, neither silent nor clipped");
    expect_exact_clips(root);
  }
  {
    SCOPED_TRACE("manifest.csv and synth.json");
    expect_manifest(root);
  }
  {
    SCOPED_TRACE("the same seed renders the same bytes, another seed differs");
    expect_deterministic(root);
  }
  {
    SCOPED_TRACE("running again skips what is there");
    expect_resumes(root);
  }
  {
    SCOPED_TRACE("genres differ measurably");
    expect_metal_brighter_than_classical();
  }
}

}  // namespace
