// Issue #10: the CLI's batch commands (predict, extract, info) over a folder of hostile inputs. Each bad file gets
// exactly one clear error line naming it, the good ones are processed, and the summary and exit code count the
// failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "reliability/bad_corpus.h"
#include "train/toy_dataset.h"

using mgc::test::CorpusEntry;
using mgc::test::run_cli;
using mgc::test::TempDir;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Lines that mention `name` as a path component ("/name" followed by ':', ',', the quote that closes it, or the
// line's end: a table row's path is its last column).
std::vector<std::string> lines_naming(const std::vector<std::string>& lines, const std::string& name) {
  std::vector<std::string> out;
  const std::string tail = "/" + name;
  for (const auto& l : lines)
    if (l.find(tail + "'") != std::string::npos || l.find(tail + ":") != std::string::npos ||
        l.find(tail + ",") != std::string::npos ||
        (l.size() >= tail.size() && l.compare(l.size() - tail.size(), tail.size(), tail) == 0))
      out.push_back(l);
  return out;
}

int count_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  return static_cast<int>(std::count_if(lines.begin(), lines.end(),
                                        [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
}

class BadInputs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const std::string manifest = mgc::test::make_toy_dataset(dir_->path(), 1, 2.0);
    const auto r = run_cli("train --data " + manifest + " --out " + run() + " --cache " + dir_->file("cache") +
                           " --epochs 1 --batch-size 4 --segment 1 --val 0.25 --test 0.25 --patience 0 --threads 1 -q");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::filesystem::create_directories(library());
    entries_ = mgc::test::make_bad_corpus(library());
  }
  static void TearDownTestSuite() {
    chmod((library() + "/unreadable.wav").c_str(), 0600);
    dir_.reset();
  }
  static std::string run() { return dir_->file("run"); }
  static std::string library() { return dir_->file("library"); }
  static int bad_count() {
    return static_cast<int>(std::count_if(entries_.begin(), entries_.end(), [](const CorpusEntry& e) { return !e.good; }));
  }

  static std::unique_ptr<TempDir> dir_;
  static std::vector<CorpusEntry> entries_;
};
std::unique_ptr<TempDir> BadInputs::dir_;
std::vector<CorpusEntry> BadInputs::entries_;

TEST_F(BadInputs, PredictReportsEachBadFileOnceAndClassifiesTheGoodOnes) {
  const auto r = run_cli("predict " + run() + " " + library() + " --threads 1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto lines = lines_of(r.output);
  int good = 0;
  for (const auto& e : entries_) {
    const auto named = lines_naming(lines, e.name);
    ASSERT_EQ(named.size(), 1u) << e.name << "\n" << r.output;
    if (e.good) {
      ++good;
      EXPECT_NE(named[0].find(" s "), std::string::npos) << named[0];  // a table row: ... audio length, ms, path
      EXPECT_EQ(named[0].find("mgc: error"), std::string::npos) << named[0];
    } else {
      EXPECT_EQ(named[0].rfind("mgc: error: ", 0), 0u) << named[0];
      EXPECT_NE(named[0].find(e.cause), std::string::npos) << e.name << ": " << named[0];
    }
  }
  EXPECT_EQ(count_prefix(lines, "mgc: error: ") - 1, bad_count()) << r.output;  // + the summary line
  const std::string summary = "mgc: error: predict: " + std::to_string(bad_count()) + " of " +
                              std::to_string(entries_.size()) + " file(s) could not be classified";
  EXPECT_EQ(std::count(lines.begin(), lines.end(), summary), 1) << r.output;
  EXPECT_GE(good, 4);
}

TEST_F(BadInputs, PredictJsonSurvivesNonUtf8Names) {
  const auto r = mgc::test::run_command("(" + std::string(MGC_CLI) + " predict " + run() + " " + library() +
                                        " --threads 1 --format json 2>/dev/null)");
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.output);  // valid JSON although a file name is Latin-1
  int good = 0;
  for (const auto& e : entries_) good += e.good ? 1 : 0;
  // Every file has its entry: the good ones their probabilities, the bad ones their error.
  ASSERT_EQ(j.size(), entries_.size()) << r.output;
  bool replaced = false;
  int classified = 0;
  for (const auto& f : j) {
    if (f.contains("error")) {
      EXPECT_FALSE(f.contains("probs")) << f;
      EXPECT_FALSE(f.at("error").get<std::string>().empty());
    } else {
      EXPECT_EQ(f.at("probs").size(), 3u);
      ++classified;
    }
    replaced |= f.at("path").get<std::string>().find("caf\xef\xbf\xbd_") != std::string::npos;  // U+FFFD
  }
  EXPECT_EQ(classified, good);
  EXPECT_TRUE(replaced) << r.output;
}

TEST_F(BadInputs, TagDryRunReportsEachBadFileAndGoesOn) {
  const auto r = run_cli("tag " + run() + " " + library() + " --jobs 1 -q");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto lines = lines_of(r.output);
  for (const auto& e : entries_) {
    if (e.name == "dangling.wav" || e.name == "fifo.wav" || e.name.find(".ogg") != std::string::npos) continue;
    int errors = 0;
    for (const auto& l : lines)
      if (l.rfind("mgc: error: ", 0) == 0 && l.find("/" + e.name + "'") != std::string::npos) ++errors;
    EXPECT_EQ(errors, e.good ? 0 : 1) << e.name << "\n" << r.output;
  }
}

TEST_F(BadInputs, InfoDescribesGoodFilesAndNamesEachBadOne) {
  // info reads headers only: damage past a valid header (cut FLAC frames, NaN samples) is predict's to find.
  const std::vector<std::string> header_ok = {"truncated.flac", "nan.wav", "inf.wav"};
  std::string args;
  for (const auto& e : entries_)
    if (e.name != "fifo.wav") args += " '" + library() + "/" + e.name + "'";
  std::filesystem::create_directories(library() + "/album.flac");
  args += " '" + library() + "/album.flac'";
  const auto r = run_cli("info" + args);
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = lines_of(r.output);
  int bad = 1, total = 1;  // the folder
  for (const auto& e : entries_) {
    if (e.name == "fifo.wav") continue;
    ++total;
    const auto named = lines_naming(lines, e.name);
    ASSERT_EQ(named.size(), 1u) << e.name << "\n" << r.output;
    const bool listed = e.good || std::find(header_ok.begin(), header_ok.end(), e.name) != header_ok.end();
    if (listed) {
      EXPECT_NE(named[0].find(" Hz, "), std::string::npos) << named[0];
    } else {
      ++bad;
      EXPECT_EQ(named[0].rfind("mgc: error: audio: cannot decode '", 0), 0u) << named[0];
      EXPECT_NE(named[0].find(e.cause), std::string::npos) << e.name << ": " << named[0];
    }
  }
  const auto folder = lines_naming(lines, "album.flac");
  ASSERT_EQ(folder.size(), 1u) << r.output;
  EXPECT_NE(folder[0].find("is a directory"), std::string::npos);
  const std::string summary = "mgc: error: info: " + std::to_string(bad) + " of " + std::to_string(total) +
                              " file(s) could not be read";
  EXPECT_EQ(std::count(lines.begin(), lines.end(), summary), 1) << r.output;
}

TEST_F(BadInputs, ExtractCountsFailedClipsAndCachesTheRest) {
  // A folder-per-genre dataset: the corpus is the one genre folder.
  const std::string ds = dir_->file("ds");
  std::filesystem::create_directories(ds);
  std::filesystem::create_directory_symlink(library(), ds + "/mixed");
  std::filesystem::create_directories(ds + "/clean");
  mgc::test::write_sound(ds + "/clean/tone.wav", mgc::test::sine(500.0, 22050, 2.0), 22050, 1,
                         SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const auto r = run_cli("extract " + ds + " --cache " + dir_->file("xcache") + " --jobs 1 -q");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto lines = lines_of(r.output);
  int good = 1, bad = 0;
  for (const auto& e : entries_) {
    if (e.name == "dangling.wav" || e.name == "fifo.wav") continue;  // a dataset lists regular files only
    const auto named = lines_naming(lines, e.name);
    if (e.good) {
      ++good;
      EXPECT_TRUE(named.empty()) << e.name << "\n" << r.output;
    } else {
      ++bad;
      ASSERT_EQ(named.size(), 1u) << e.name << "\n" << r.output;
      EXPECT_EQ(named[0].rfind("mgc: error: ", 0), 0u) << named[0];
      EXPECT_NE(named[0].find(e.cause), std::string::npos) << e.name << ": " << named[0];
    }
  }
  const std::string summary = "extract: " + std::to_string(good + bad) + " clip(s): " + std::to_string(good) +
                              " computed, 0 reused from ";
  bool found = false;
  for (const auto& l : lines)
    if (l.rfind(summary, 0) == 0) {
      found = true;
      EXPECT_NE(l.find(", " + std::to_string(bad) + " failed, "), std::string::npos) << l;
    }
  EXPECT_TRUE(found) << r.output;
  const std::string failure = "mgc: error: extract: " + std::to_string(bad) + " clip(s) could not be decoded";
  EXPECT_EQ(std::count(lines.begin(), lines.end(), failure), 1) << r.output;
}

}  // namespace

// Issue #33: a clip whose features are computed but cannot be stored (disk full, read-only cache; here a file
// where its shard folder should be, which fails for root too) is counted as unwritable, not as undecodable.
TEST(ExtractWrites, EntriesThatCannotBeWrittenAreNotCalledUndecodable) {
  TempDir dir;
  const std::string ds = dir.file("ds");
  std::filesystem::create_directories(ds + "/tones");
  for (int i = 0; i < 2; ++i)
    mgc::test::write_sound(ds + "/tones/tone" + std::to_string(i) + ".wav",
                           mgc::test::sine(400.0 + 100.0 * i, 22050, 1.0), 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const std::string extract = "extract " + ds + " --cache " + dir.file("cache") + " --jobs 1 -q";
  ASSERT_EQ(run_cli(extract).exit_code, 0);
  // Each entry's folder becomes a file.
  int blocked = 0;
  std::vector<std::filesystem::path> shards;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.file("cache")))
    if (e.path().extension() == ".mel") shards.push_back(e.path().parent_path());
  for (const auto& shard : shards) {
    if (!std::filesystem::exists(shard)) continue;  // both entries in one folder
    std::filesystem::remove_all(shard);
    std::ofstream(shard) << "not a folder";
    ++blocked;
  }
  ASSERT_GE(blocked, 1);
  const auto r = run_cli(extract);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto lines = lines_of(r.output);
  EXPECT_EQ(count_prefix(lines, "extract: 2 clip(s): 0 computed, 0 reused from "), 1) << r.output;
  EXPECT_NE(r.output.find(", 2 failed, "), std::string::npos) << r.output;
  EXPECT_EQ(std::count(lines.begin(), lines.end(),
                       "mgc: error: extract: 2 clip(s) could not be written to the cache (is the disk full?)"),
            1)
      << r.output;
  EXPECT_EQ(r.output.find("could not be decoded"), std::string::npos) << r.output;
  EXPECT_EQ(count_prefix(lines, "mgc: error: cache: cannot create the folder of "), 2) << r.output;
}
