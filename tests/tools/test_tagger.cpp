// `mgc tag` end to end: a toy run classifies a small music library converted by ffmpeg to mp3/flac/ogg/m4a/opus/wav;
// the dry run changes nothing, --write tags through a verified copy (audio and mtime intact), skips what it must, a
// second run is a no-op, --undo restores, and a corrupt file fails alone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <taglib/fileref.h>
#include <taglib/tag.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mgc/audio/audio.h"
#include "mgc/core/csv.h"
#include "mgc/core/fs.h"
#include "mgc/core/lock.h"
#include "mgc/tools/genre_tags.h"
#include "mgc/tools/tagger.h"
#include "test_util.h"
#include "train/toy_dataset.h"

namespace fs = std::filesystem;
using mgc::test::run_cli;
using mgc::test::run_command;
using mgc::test::TempDir;

namespace {

// Library file -> toy clip it is made from (its class is the expected genre).
const std::map<std::string, std::string> kLibrary = {
    {"high.mp3", "high_0_0.wav"},      {"low.flac", "low_1_0.wav"},      {"noisy.ogg", "noisy_2_0.wav"},
    {"sub/high2.m4a", "high_3_1.wav"}, {"noisy2.opus", "noisy_1_1.wav"}, {"low2.wav", "low_3_2.wav"}};
const std::string kN = std::to_string(kLibrary.size());

// The genre mgc tag writes for a library file: its class ("high") as taggers spell genres ("High").
std::string expected_genre(const std::string& name) {
  const std::string stem = fs::path(name).stem().string();
  return stem.rfind("high", 0) == 0 ? "High" : stem.rfind("low", 0) == 0 ? "Low" : "Noisy";
}

std::string taglib_genre(const std::string& path) {
  TagLib::FileRef f(path.c_str(), false);
  if (f.isNull() || !f.tag()) return "<unreadable>";
  return f.tag()->genre().to8Bit(true);
}

int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

void set_old_mtime(const std::string& path) {
  const struct timespec t[2] = {{1000000000, 123456789}, {1000000000, 123456789}};  // 2001-09-09
  ::utimensat(AT_FDCWD, path.c_str(), t, 0);
}

std::vector<std::string> hidden_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string()[0] == '.') out.push_back(e.path().string());
  return out;
}

// path -> CSV columns (proposed_genre, confidence, current_genre, had_genre, action); paths have no commas here.
std::map<std::string, std::vector<std::string>> read_csv(const std::string& path) {
  std::map<std::string, std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cols.push_back(c);
    const std::string p = cols.at(0);
    rows[fs::path(p).filename().string()] = std::vector<std::string>(cols.begin() + 1, cols.end());
  }
  return rows;
}

std::string undo_log_from(const std::string& output) {
  const auto at = output.find("undo log: ");
  if (at == std::string::npos) return "";
  const auto end = output.find(' ', at + 10);
  return output.substr(at + 10, end - at - 10);
}

class Tagger : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string toy = dir_->file("toy");
    fs::create_directories(toy);
    const std::string manifest = mgc::test::make_toy_dataset(toy, 3, 2.0);
    mgc::run::TrainConfig c = mgc::test::toy_train_config(manifest, dir_->file("cache"), 15);
    // No validation side: the model is the last of the 15 epochs. With one, the best validation loss came at
    // epoch 4 on one machine, a model that put the 2 kHz tone of high_0_0.wav at 0.52 "low" (the tests below
    // check tagging, not how early a toy model can stop).
    c.val_fraction = 0;
    run_ = dir_->file("run");
    mgc::test::train_quietly(c, run_);
    // One converted library, copied fresh for every test.
    master_ = dir_->file("library");
    fs::create_directories(master_ + "/sub");
    for (const auto& [name, clip] : kLibrary) {
      const auto r = run_command("ffmpeg -nostdin -hide_banner -loglevel error -y -i " + toy + "/" + clip + " " +
                                 master_ + "/" + name);
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    // Undo logs go to $XDG_STATE_HOME/mgc/tag: this test's own folder, not the user's.
    state_ = work_.file("state");
    ::setenv("XDG_STATE_HOME", state_.c_str(), 1);
    lib_ = work_.file("library");
    fs::copy(master_, lib_, fs::copy_options::recursive);
    for (const auto& [name, clip] : kLibrary) set_old_mtime(lib_ + "/" + name);
  }
  std::string file(const std::string& name) const { return lib_ + "/" + name; }
  std::string tag_args(const std::string& extra) const {
    return "tag " + run_ + " " + lib_ + " -q --jobs 2 " + extra;
  }

  static TempDir* dir_;
  static std::string run_, master_;
  TempDir work_;
  std::string lib_, state_;
};
TempDir* Tagger::dir_ = nullptr;
std::string Tagger::run_;
std::string Tagger::master_;

}  // namespace

TEST_F(Tagger, DryRunWritesNothingAndProposesTheRightGenres) {
  std::map<std::string, std::string> before;
  for (const auto& [name, clip] : kLibrary) before[name] = mgc::read_file(file(name));
  const std::string csv = work_.file("proposals.csv");
  const auto r = run_cli(tag_args("--csv " + csv));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(kN + " files: " + kN + " would be tagged, 0 tagged"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dry run"), std::string::npos);
  for (const auto& [name, clip] : kLibrary) {
    EXPECT_EQ(mgc::read_file(file(name)), before[name]) << name;  // byte-identical
    EXPECT_EQ(mtime_ns(file(name)), 1000000000LL * 1000000000 + 123456789) << name;
  }
  EXPECT_TRUE(hidden_files(lib_).empty());  // no undo log, no temporary copies
  const auto rows = read_csv(csv);
  ASSERT_EQ(rows.size(), kLibrary.size());
  std::printf("%s", mgc::read_file(csv).c_str());  // the proposals and their confidences, for a failing run's log
  for (const auto& [name, clip] : kLibrary) {
    const auto& row = rows.at(fs::path(name).filename().string());
    EXPECT_EQ(row.at(0), expected_genre(name)) << name;
    EXPECT_GT(std::stod(row.at(1)), 0.5) << name;
    EXPECT_EQ(row.at(3), "0") << name;  // no genre before
    EXPECT_EQ(row.at(4), "would tag") << name;
  }
}

TEST_F(Tagger, WriteTagsEveryFormatKeepsAudioAndMtimeThenSkipsAndUndoes) {
  std::map<std::string, std::vector<float>> audio;
  for (const auto& [name, clip] : kLibrary) audio[name] = mgc::audio::load_audio(file(name)).samples;
  const int64_t old = mtime_ns(file("high.mp3"));

  const auto r = run_cli(tag_args("--write"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(kN + " files: " + kN + " tagged"), std::string::npos) << r.output;
  const std::string log = undo_log_from(r.output);
  EXPECT_EQ(r.output.find(log + " (mgc tag --undo"), r.output.find("undo log: ") + 10) << r.output;
  ASSERT_FALSE(log.empty()) << r.output;
  EXPECT_EQ(fs::path(log).parent_path(), fs::path(state_) / "mgc" / "tag");  // outside the library
  EXPECT_EQ(fs::path(log).filename().string().rfind("library-", 0), 0u) << log;
  EXPECT_TRUE(hidden_files(lib_).empty());  // no log, no temporary copy left
  for (const auto& [name, clip] : kLibrary) {
    EXPECT_EQ(taglib_genre(file(name)), expected_genre(name)) << name;
    EXPECT_EQ(mgc::audio::load_audio(file(name)).samples, audio[name]) << name << ": audio changed";
    EXPECT_EQ(mtime_ns(file(name)), old) << name;
  }
  std::ifstream in(log);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    EXPECT_NE(line.find("\"had_genre\":false"), std::string::npos) << line;
  }
  EXPECT_EQ(lines, static_cast<int>(kLibrary.size()));

  // Resumable: a second run finds everything tagged and writes nothing, not even a log.
  const auto again = run_cli(tag_args("--write"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find(kN + " files: 0 tagged, " + kN + " skipped (" + kN + " already tagged"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(undo_log_from(again.output), "");
  EXPECT_TRUE(fs::exists(log));  // a run in the same second neither reuses nor removes the first run's log

  // A genre the user set is kept unless --force; its undo puts it back.
  const auto set = run_command("cd " + lib_ +
                               " && ffmpeg -nostdin -loglevel error -y -i low.flac -map 0 -c copy "
                               "-metadata genre=Jazz .x.flac && mv .x.flac low.flac");
  ASSERT_EQ(set.exit_code, 0) << set.output;
  ASSERT_EQ(taglib_genre(file("low.flac")), "Jazz");
  const auto kept = run_cli(tag_args("--write"));
  EXPECT_NE(kept.output.find("1 kept existing"), std::string::npos) << kept.output;
  EXPECT_EQ(taglib_genre(file("low.flac")), "Jazz");
  const auto forced = run_cli(tag_args("--write --force --touch"));
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(forced.output.find(kN + " files: 1 tagged"), std::string::npos) << forced.output;
  EXPECT_EQ(taglib_genre(file("low.flac")), "Low");
  EXPECT_GT(mtime_ns(file("low.flac")), old);  // --touch
  const std::string log2 = undo_log_from(forced.output);
  ASSERT_FALSE(log2.empty());

  const auto undo2 = run_cli("tag -q --undo " + log2);
  ASSERT_EQ(undo2.exit_code, 0) << undo2.output;
  EXPECT_NE(undo2.output.find("1 files: 1 restored"), std::string::npos) << undo2.output;
  EXPECT_EQ(taglib_genre(file("low.flac")), "Jazz");

  // Undoing the first run: the three files still carrying mgc's genre lose it again (they had none); the one
  // the user changed since (Jazz) is left alone without --force.
  const auto undo = run_cli("tag -q --undo " + log);
  ASSERT_EQ(undo.exit_code, 0) << undo.output;
  EXPECT_NE(undo.output.find(kN + " files: " + std::to_string(kLibrary.size() - 1) + " restored"), std::string::npos)
      << undo.output;
  EXPECT_NE(undo.output.find("1 changed since"), std::string::npos) << undo.output;
  for (const auto& [name, clip] : kLibrary) {
    EXPECT_EQ(taglib_genre(file(name)), name == "low.flac" ? "Jazz" : "") << name;
    if (name != "low.flac") {
      EXPECT_EQ(mgc::audio::load_audio(file(name)).samples, audio[name]) << name;
      EXPECT_EQ(mtime_ns(file(name)), old) << name;
    }
  }
  const auto undo_force = run_cli("tag -q --force --undo " + log);
  ASSERT_EQ(undo_force.exit_code, 0) << undo_force.output;
  const std::string rest = std::to_string(kLibrary.size() - 1);
  EXPECT_NE(undo_force.output.find("1 restored, " + rest + " skipped (" + rest + " already restored"),
            std::string::npos)
      << undo_force.output;
  EXPECT_EQ(taglib_genre(file("low.flac")), "");
}

TEST_F(Tagger, ReadOnlyFileIsSkippedAndUnchanged) {
  const std::string ro = file("noisy.ogg");
  const std::string bytes = mgc::read_file(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const auto r = run_cli(tag_args("--write"));
  fs::permissions(ro, fs::perms::owner_write, fs::perm_options::add);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(std::to_string(kLibrary.size() - 1) +
                          " tagged, 1 skipped (0 already tagged, 0 low confidence, 1 read-only"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("no write permission"), std::string::npos) << r.output;
  EXPECT_EQ(mgc::read_file(ro), bytes);
  EXPECT_EQ(taglib_genre(file("high.mp3")), "High");
}

TEST_F(Tagger, MinConfidenceSkipsLowProposals) {
  // An ambiguous clip (the high and the low tone together) next to the clear ones.
  const auto mix = run_command("ffmpeg -nostdin -loglevel error -y -i " + file("high.mp3") + " -i " + file("low.flac") +
                               " -filter_complex amix=inputs=2 " + file("mixed.flac"));
  ASSERT_EQ(mix.exit_code, 0) << mix.output;
  const std::string csv = work_.file("p.csv");
  const auto r = run_cli(tag_args("--write --min-confidence 0.99 --csv " + csv));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int low = 0;
  for (const auto& [name, row] : read_csv(csv)) {
    const double p = std::stod(row.at(1));
    const std::string path = name == "high2.m4a" ? file("sub/" + name) : file(name);
    if (p < 0.99) {
      ++low;
      EXPECT_EQ(row.at(4), "low confidence") << name;
      EXPECT_EQ(taglib_genre(path), "") << name;
    } else {
      EXPECT_EQ(row.at(4), "tagged") << name;
      EXPECT_EQ(taglib_genre(path), row.at(0)) << name;
    }
  }
  EXPECT_NE(r.output.find(std::to_string(low) + " low confidence"), std::string::npos) << r.output;
  EXPECT_GE(low, 1) << r.output;  // the mixed clip at least: the threshold was exercised
  // Nothing passes a threshold of 1 but a probability of exactly 1.
  const auto all = run_cli("tag " + run_ + " " + lib_ + " -q --min-confidence 1.0 --field genre");
  EXPECT_EQ(all.exit_code, 0) << all.output;
}

TEST_F(Tagger, CorruptFileFailsAloneAndExitsOne) {
  std::mt19937 rng(5);
  std::string junk(20000, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  mgc::write_file_atomic(file("bad.mp3"), junk);
  const auto r = run_cli(tag_args("--write"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(std::to_string(kLibrary.size() + 1) + " files: " + kN + " tagged"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("1 failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mgc: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad.mp3"), std::string::npos) << r.output;
  EXPECT_EQ(mgc::read_file(file("bad.mp3")), junk);
  for (const auto& [name, clip] : kLibrary) EXPECT_EQ(taglib_genre(file(name)), expected_genre(name)) << name;
}

// Issue #33: what files say (genre tags, file names) reaches neither a spreadsheet as a formula nor the terminal as
// control characters.
TEST_F(Tagger, HostileTagsAndNamesAreNeutralisedInCsvAndOnTheTerminal) {
  const std::string formula = "=HYPERLINK(\"http://evil.example/?x\",\"click\")";
  const std::string escapes = "\x1b[2J\x1b]0;pwned\a\nFAKE LINE";
  for (const auto& [name, genre] : {std::pair<std::string, std::string>{"high.mp3", formula}, {"low.flac", escapes}}) {
    TagLib::FileRef f(file(name).c_str(), false);
    ASSERT_FALSE(f.isNull());
    f.tag()->setGenre(TagLib::String(genre, TagLib::String::UTF8));
    ASSERT_TRUE(f.save());
  }
  const auto r = run_cli(tag_args("--csv " + work_.file("tags.csv")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\a'), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\\e[2J\\e]0;pwned\\x07\\nFAKE LINE"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\nFAKE LINE"), std::string::npos) << r.output;
  const std::string csv = mgc::read_file(work_.file("tags.csv"));
  EXPECT_NE(csv.find(",\"'=HYPERLINK("), std::string::npos) << csv;  // guarded, and quoted for its commas
  EXPECT_EQ(csv.find(",=HYPERLINK"), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",\"=HYPERLINK"), std::string::npos) << csv;
  // mgc reads its own CSV back as written.
  bool found = false;
  for (const auto& row : mgc::csv::parse(csv, "tags.csv").rows) found = found || (row.size() > 3 && row[3] == formula);
  EXPECT_TRUE(found) << csv;

  // mgc predict --format csv: a file named like a formula, given as a relative path (the cell starts with '=').
  fs::copy_file(file("low2.wav"), file("=cmd|calc!A1.wav"));
  const auto p = run_command("cd " + lib_ + " && " + std::string(MGC_CLI) + " predict " + run_ +
                             " '=cmd|calc!A1.wav' --format csv");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("\n'=cmd|calc!A1.wav,"), std::string::npos) << p.output;
  EXPECT_EQ(p.output.find("\n=cmd"), std::string::npos) << p.output;
}

// Issue #33: silence, a constant offset and a faint hiss are no music: no genre is claimed, none is written.
TEST_F(Tagger, SilenceAndDcAreNoMusicAndNeverTagged) {
  const int rate = 22050;
  std::vector<float> hiss(3 * rate);
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.0003f);  // about -70 dBFS
  for (auto& x : hiss) x = noise(rng);
  mgc::test::write_sound(file("silence.wav"), std::vector<float>(3 * rate, 0.0f), rate, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  mgc::test::write_sound(file("dc.wav"), std::vector<float>(3 * rate, 0.5f), rate, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  mgc::test::write_sound(file("hiss.wav"), hiss, rate, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  const auto p = run_cli("predict " + run_ + " " + file("silence.wav") + " " + file("dc.wav") + " " + file("hiss.wav") +
                         " " + file("low2.wav") + " --format json");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  const auto j = nlohmann::json::parse(p.output.substr(p.output.find('[')));
  ASSERT_EQ(j.size(), 4u);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& f : j) by_name[fs::path(f.at("path").get<std::string>()).filename().string()] = f;
  for (const char* quiet : {"silence.wav", "dc.wav", "hiss.wav"}) {
    const auto& f = by_name.at(quiet);
    EXPECT_EQ(f.at("music"), false) << f.dump();
    EXPECT_FALSE(f.at("harmony").get<bool>()) << f.dump();
    for (const auto& [genre, prob] : f.at("probs").items()) EXPECT_NEAR(prob.get<double>(), 1.0 / 3.0, 1e-6) << quiet;
  }
  EXPECT_TRUE(by_name.at("silence.wav").at("level_dbfs").is_null());  // digital silence
  EXPECT_TRUE(by_name.at("dc.wav").at("level_dbfs").is_null());  // a constant: nothing varies around the mean
  EXPECT_NEAR(by_name.at("hiss.wav").at("level_dbfs").get<double>(), -70.5, 1.0);
  EXPECT_EQ(by_name.at("low2.wav").at("music"), true);
  EXPECT_GT(by_name.at("low2.wav").at("level_dbfs").get<double>(), -30.0);
  const auto table = run_cli("predict " + run_ + " " + file("dc.wav"));
  EXPECT_NE(table.output.find("no music (level"), std::string::npos) << table.output;

  const auto r = run_cli(tag_args("--write --min-confidence 0"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* quiet : {"silence.wav", "dc.wav", "hiss.wav"}) EXPECT_EQ(taglib_genre(file(quiet)), "") << quiet;
  EXPECT_NE(r.output.find("no music"), std::string::npos) << r.output;
  for (const auto& [name, clip] : kLibrary) EXPECT_EQ(taglib_genre(file(name)), expected_genre(name)) << name;
}

// Issue #33: the hidden copy a killed `mgc tag --write` left is removed by the next run that writes, which says so;
// a dry run only reports it; a copy of a run still alive is left alone.
TEST_F(Tagger, AKilledRunsCopyIsRemovedByTheNext) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  const std::string dead = file("sub/.high2.mgc-tag-" + std::to_string(child) + "-0123456789abcdef.m4a");
  const std::string live = file(".low.mgc-tag-" + std::to_string(::getpid()) + "-0123456789abcdef.flac");
  fs::copy_file(file("sub/high2.m4a"), dead);
  fs::copy_file(file("low.flac"), live);
  const auto dry = run_cli(tag_args(""));
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("tag: '" + dead + "' is a copy that a killed tag run left (--write removes it)"),
            std::string::npos)
      << dry.output;
  EXPECT_TRUE(fs::exists(dead));  // a dry run changes nothing
  const auto r = run_cli(tag_args("--write"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tag: removed '" + dead + "', a copy that a killed tag run left"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_EQ(r.output.find(live), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(kN + " files"), std::string::npos) << r.output;  // the copies were never tagged
}

// Issue #33, the next class: two tag --write runs on one library at once. The second is refused before it reads a
// file; a dry run beside a writer is allowed (it changes nothing).
TEST_F(Tagger, ASecondWriterOfALibraryIsRefused) {
  {
    const mgc::FolderLock writer(lib_, "", "tag");  // what a running `mgc tag --write` holds
    const auto r = run_cli(tag_args("--write"));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("mgc: error: tag: '" + lib_ + "' is in use by another mgc process"), std::string::npos)
        << r.output;
    const auto dry = run_cli(tag_args(""));
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
  }
  const auto r = run_cli(tag_args("--write"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// Issue #33: audio_seconds is the decoded length (it was the frames' span: 5.0155 for 5.000 s, 0.023 for 1 sample).
TEST_F(Tagger, AudioSecondsIsTheDecodedLength) {
  const int rate = 22050;
  std::vector<float> tone(5 * rate);
  for (size_t i = 0; i < tone.size(); ++i) tone[i] = 0.5f * std::sin(2.0f * 3.14159265f * 440.0f * i / rate);
  mgc::test::write_sound(file("five.wav"), tone, rate, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  mgc::test::write_sound(file("one.wav"), {0.5f}, rate, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const auto p = run_cli("predict " + run_ + " " + file("five.wav") + " " + file("one.wav") + " --format json --timeline");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  const auto j = nlohmann::json::parse(p.output.substr(p.output.find('[')));
  ASSERT_EQ(j.size(), 2u);
  for (const auto& f : j) {
    const bool five = f.at("path").get<std::string>() == file("five.wav");
    EXPECT_DOUBLE_EQ(f.at("audio_seconds").get<double>(), five ? 5.0 : 1.0 / rate) << f.dump();
    for (const auto& seg : f.at("timeline")) EXPECT_LE(seg.at("end").get<double>(), f.at("audio_seconds").get<double>());
  }
}

// What mutagen (python3-mutagen, a reader independent of TagLib) reads from files: path -> {genres, id3, id3v1}.
nlohmann::json mutagen_genres(const std::vector<std::string>& paths) {
  std::string command = "/usr/bin/python3 " MGC_SOURCE_DIR "/tests/tools/read_genres.py";
  for (const auto& p : paths) command += " '" + p + "'";
  const auto r = run_command(command);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output.substr(r.output.find('{')));
}

// Issue #34: several genres per file, each format in its own way (ID3v2.4: one TCON frame of null-separated values;
// ID3v2.3: one value joined with "/", as Picard writes it; Vorbis comments: one GENRE field per value; MP4: ©gen with
// every value), read back by TagLib and by mutagen; the file's ID3 version kept, no ID3v1 tag added (an existing
// one kept); --undo removes them all again. An undo log of an earlier mgc (one string per genre) is still undone.
TEST_F(Tagger, SeveralGenresAreWrittenNativelyPerFormatAndReadByTwoReaders) {
  const std::string wav = file("low2.wav");
  for (const auto& [name, flags] : {std::pair<std::string, std::string>{"v23.mp3", "-id3v2_version 3"},
                                    {"v1.mp3", "-write_id3v1 1"}}) {
    const auto made = run_command("ffmpeg -nostdin -loglevel error -y -i " + wav + " " + flags +
                                  " -metadata title=Title " + file(name));
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }
  std::vector<std::string> paths;
  for (const auto& [name, clip] : kLibrary) paths.push_back(file(name));
  paths.push_back(file("v23.mp3"));
  paths.push_back(file("v1.mp3"));
  const auto before = mutagen_genres(paths);
  ASSERT_EQ(before.at(file("v23.mp3")).at("id3"), "2.3");
  ASSERT_EQ(before.at(file("high.mp3")).at("id3v1"), false);
  ASSERT_EQ(before.at(file("v1.mp3")).at("id3v1"), true);

  const std::string csv = work_.file("p.csv");
  const auto r = run_cli(tag_args("--write --top-k 3 --min-prob 0 --csv " + csv));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rows = read_csv(csv);
  const auto after = mutagen_genres(paths);
  for (const auto& path : paths) {
    const std::string name = fs::path(path).filename().string();
    // The three classes, most probable first, as the CSV gives them ("High; Noisy; Low").
    std::vector<std::string> want;
    std::stringstream ss(rows.at(name).at(0));
    for (std::string v; std::getline(ss, v, ';');) want.push_back(v.substr(v[0] == ' ' ? 1 : 0));
    ASSERT_EQ(want.size(), 3u) << name;
    EXPECT_EQ(want[0], expected_genre(name == "v23.mp3" || name == "v1.mp3" ? "low" : name)) << name;
    const bool v23 = name == "v23.mp3";
    const std::vector<std::string> stored = v23 ? std::vector<std::string>{want[0] + "/" + want[1] + "/" + want[2]} : want;
    EXPECT_EQ(mgc::tools::read_genre(path).values, stored) << name;
    const auto& m = after.at(path);
    EXPECT_EQ(m.at("genres").get<std::vector<std::string>>(), stored) << name << ": " << m.dump();
    EXPECT_EQ(m.at("id3v1"), name == "v1.mp3") << name;  // kept where it was, added nowhere
    if (fs::path(path).extension() == ".mp3") EXPECT_EQ(m.at("id3"), v23 ? "2.3" : "2.4") << name;
  }

  const std::string log = undo_log_from(r.output);
  const auto undo = run_cli("tag -q --undo " + log);
  ASSERT_EQ(undo.exit_code, 0) << undo.output;
  EXPECT_NE(undo.output.find(std::to_string(paths.size()) + " restored"), std::string::npos) << undo.output;
  const auto undone = mutagen_genres(paths);
  for (const auto& path : paths) {
    EXPECT_TRUE(undone.at(path).at("genres").empty()) << path << ": " << undone.at(path).dump();
    EXPECT_FALSE(mgc::tools::read_genre(path).present()) << path;
  }
  EXPECT_EQ(undone.at(file("v23.mp3")).at("id3"), "2.3");

  // A log line as mgc wrote them before: one lower-case class name, "" for no previous genre.
  ASSERT_EQ(run_cli(tag_args("--write")).exit_code, 0);
  ASSERT_EQ(taglib_genre(file("high.mp3")), "High");
  const std::string old_log = work_.file("old.jsonl");
  mgc::write_file_atomic(old_log, "{\"path\":\"" + file("high.mp3") +
                                      "\",\"had_genre\":false,\"previous\":\"\",\"genre\":\"high\",\"time\":\"x\"}\n");
  const auto old = run_cli("tag -q --undo " + old_log);
  ASSERT_EQ(old.exit_code, 0) << old.output;
  EXPECT_NE(old.output.find("1 files: 1 restored"), std::string::npos) << old.output;
  EXPECT_EQ(taglib_genre(file("high.mp3")), "");
}

// Issue #34: genre names as taggers spell them, and genres compared as taggers would.
TEST(GenreTags, DisplayNamesAndComparison) {
  using mgc::tools::genre_display_name;
  EXPECT_EQ(genre_display_name("hiphop"), "Hip-Hop");
  EXPECT_EQ(genre_display_name("rnb"), "R&B");
  EXPECT_EQ(genre_display_name("classical"), "Classical");
  EXPECT_EQ(genre_display_name("drum_and_bass"), "Drum and Bass");
  EXPECT_EQ(genre_display_name("post-rock"), "Post-Rock");
  EXPECT_EQ(genre_display_name("the_blues_of_old"), "The Blues of Old");
  EXPECT_EQ(genre_display_name("McLuhan"), "McLuhan");  // a name with a capital is the user's spelling
  EXPECT_TRUE(mgc::tools::same_genre("hiphop", "Hip-Hop"));
  EXPECT_TRUE(mgc::tools::same_genre("Hip Hop", "HIP-HOP"));
  EXPECT_FALSE(mgc::tools::same_genre("pop", "k-pop"));
  EXPECT_TRUE(mgc::tools::same_genres({"Rock", "Pop"}, {"Rock/Pop"}));
  EXPECT_FALSE(mgc::tools::same_genres({"Pop", "Rock"}, {"Rock/Pop"}));

  mgc::tools::TagOptions o;
  const std::vector<std::string> classes = {"blues", "hiphop", "rock"};
  const std::vector<float> probs = {0.2f, 0.5f, 0.3f};
  auto [one, p1] = mgc::tools::propose_genres(classes, probs, o);
  EXPECT_EQ(one.values, std::vector<std::string>{"Hip-Hop"});
  EXPECT_EQ(p1, std::vector<double>{0.5f});
  o.top_k = 3;
  o.min_prob = 0.25;
  EXPECT_EQ(mgc::tools::propose_genres(classes, probs, o).first.values, (std::vector<std::string>{"Hip-Hop", "Rock"}));
  o.min_prob = 0;
  o.raw_names = true;
  EXPECT_EQ(mgc::tools::propose_genres(classes, probs, o).first.values,
            (std::vector<std::string>{"hiphop", "rock", "blues"}));
  o.min_prob = 0.9;  // never drops the top genre: min_confidence decides about that one
  EXPECT_EQ(mgc::tools::propose_genres(classes, probs, o).first.values, std::vector<std::string>{"hiphop"});
}

// Option errors come before the run is loaded: no trained run needed.
TEST(TagCli, RejectsOtherFieldsAndBadOptions) {
  TempDir work;
  fs::create_directories(work.file("lib"));
  const std::string base = "tag " + work.file("no-run") + " ";
  const auto field = run_cli(base + work.file("lib") + " --field artist");
  EXPECT_EQ(field.exit_code, 1);
  EXPECT_NE(field.output.find("only 'genre'"), std::string::npos) << field.output;
  const auto conf = run_cli(base + work.file("lib") + " --min-confidence 1.5");
  EXPECT_EQ(conf.exit_code, 1);
  EXPECT_NE(conf.output.find("--min-confidence"), std::string::npos) << conf.output;
  const auto missing = run_cli(base + work.file("nothing"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("is not a folder"), std::string::npos) << missing.output;
  const auto empty = run_cli(base + work.file("lib"));
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.output.find("no audio files"), std::string::npos) << empty.output;
  for (const std::string bad : {"--top-k 0", "--min-prob -0.1", "--jobs -1"}) {
    const auto r = run_cli(base + work.file("lib") + " " + bad);
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_NE(r.output.find(bad.substr(0, bad.find(' '))), std::string::npos) << r.output;
  }
  const auto threads = run_cli(base + work.file("lib") + " --threads 2");
  EXPECT_EQ(threads.exit_code, 2) << threads.output;
  EXPECT_NE(threads.output.find("--jobs"), std::string::npos) << threads.output;
  const auto undo = run_cli("tag --undo " + work.file("no-log.jsonl"));
  EXPECT_EQ(undo.exit_code, 1);
  EXPECT_NE(undo.output.find("cannot read the undo log"), std::string::npos) << undo.output;
}
