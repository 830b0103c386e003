// Splits: grouped and stratified holdout and k-fold, GTZAN's lists, the manifest's split column, "auto".
// Datasets are built in memory (no files) except where loading is part of what is tested.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/data/dataset.h"
#include "mgc/data/split.h"
#include "test_util.h"

namespace fs = std::filesystem;
using mgc::data::Clip;
using mgc::data::Dataset;
using mgc::data::Split;
using mgc::data::SplitConfig;

namespace {

const std::string kListsDir = std::string(MGC_SOURCE_DIR) + "/data/gtzan";

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const mgc::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an mgc::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

void touch(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary).put('\0');
}

// Sorts clips by path and fills classes and label indices, as load_dataset does.
void finish(Dataset& ds) {
  std::sort(ds.clips.begin(), ds.clips.end(), [](const Clip& a, const Clip& b) { return a.path < b.path; });
  std::set<std::string> classes;
  for (const auto& c : ds.clips) classes.insert(c.label);
  ds.classes.assign(classes.begin(), classes.end());
  for (auto& c : ds.clips) {
    c.label_index = static_cast<int>(std::find(ds.classes.begin(), ds.classes.end(), c.label) - ds.classes.begin());
  }
}

// The generated corpus in miniature: `classes` genres, `grooves` grooves per genre, `per_groove` clips per groove.
// `grooves_of` overrides the groove count of single classes.
Dataset synthetic(int classes = 10, int grooves = 6, int per_groove = 4, std::map<int, int> grooves_of = {}) {
  Dataset ds;
  ds.root = "/corpus";
  ds.kind = "manifest";
  for (int c = 0; c < classes; ++c) {
    const std::string genre = "genre" + std::to_string(c);
    const int n = grooves_of.count(c) ? grooves_of[c] : grooves;
    for (int g = 0; g < n; ++g) {
      const std::string groove = genre + "_g" + std::to_string(g);
      for (int k = 0; k < per_groove; ++k) {
        Clip clip;
        clip.path = "/corpus/" + genre + "/" + groove + "_" + std::to_string(k) + ".wav";
        clip.label = genre;
        clip.fields = {{"groove", groove}, {"tempo", std::to_string(90 + g)}, {"seed", std::to_string(k)}};
        ds.clips.push_back(std::move(clip));
      }
    }
  }
  finish(ds);
  return ds;
}

std::set<std::string> values_of(const Dataset& ds, const std::vector<int64_t>& side, const std::string& field) {
  std::set<std::string> out;
  for (int64_t i : side) out.insert(field == "clip" ? ds.clips[i].path : ds.clips[i].field(field));
  return out;
}

bool disjoint(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::none_of(a.begin(), a.end(), [&](const std::string& x) { return b.count(x) > 0; });
}

// Each side sorted, no clip on two sides or twice on one.
void expect_well_formed(const Split& s, size_t n_clips) {
  std::vector<int> seen(n_clips, 0);
  for (const auto* side : {&s.train, &s.val, &s.test}) {
    EXPECT_TRUE(std::is_sorted(side->begin(), side->end()));
    for (int64_t i : *side) {
      ASSERT_GE(i, 0);
      ASSERT_LT(i, static_cast<int64_t>(n_clips));
      ++seen[i];
    }
  }
  for (size_t i = 0; i < n_clips; ++i) ASSERT_LE(seen[i], 1) << "clip " << i << " is on two sides";
}

// Number of distinct groups of each class on a side.
std::map<std::string, size_t> groups_per_class(const Dataset& ds, const std::vector<int64_t>& side,
                                               const std::string& field) {
  std::map<std::string, std::set<std::string>> sets;
  for (int64_t i : side) sets[ds.clips[i].label].insert(field == "clip" ? ds.clips[i].path : ds.clips[i].field(field));
  std::map<std::string, size_t> out;
  for (const auto& [k, v] : sets) out[k] = v.size();
  return out;
}

SplitConfig holdout(const std::string& by, uint64_t seed = 0) {
  SplitConfig c;
  c.by = by;
  c.seed = seed;
  return c;
}

// Fold `fold` of a 5-fold split by `by`.
SplitConfig kfold(const std::string& by, int fold, uint64_t seed = 0) {
  SplitConfig c = holdout(by, seed);
  c.method = "kfold";
  c.fold = fold;
  return c;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

// ---- holdout by group ----

TEST(Holdout, NoGrooveOnTwoSidesAndEveryClassOnEverySide) {
  const Dataset ds = synthetic();
  const Split s = mgc::data::make_split(ds, holdout("groove"));
  EXPECT_EQ(s.by, "groove");
  EXPECT_EQ(s.method, "holdout");
  expect_well_formed(s, ds.clips.size());
  EXPECT_EQ(s.train.size() + s.val.size() + s.test.size(), ds.clips.size());  // holdout by group leaves none out

  const auto train = values_of(ds, s.train, "groove"), val = values_of(ds, s.val, "groove"),
             test = values_of(ds, s.test, "groove");
  EXPECT_TRUE(disjoint(train, val));
  EXPECT_TRUE(disjoint(train, test));
  EXPECT_TRUE(disjoint(val, test));
  EXPECT_EQ(train.size() + val.size() + test.size(), 60u);

  // Stratified: every class on every side, each side within one group of its target share of the class's groups.
  const double targets[3] = {0.70, 0.15, 0.15};
  const std::vector<int64_t>* sides[3] = {&s.train, &s.val, &s.test};
  for (int k = 0; k < 3; ++k) {
    const auto per_class = groups_per_class(ds, *sides[k], "groove");
    EXPECT_EQ(per_class.size(), 10u) << "side " << k;
    for (const auto& [genre, n] : per_class) EXPECT_LE(std::abs(double(n) - targets[k] * 6), 1.0) << genre;
    EXPECT_EQ(sides[k]->size() % 4, 0u);  // whole grooves of 4 clips
  }
  EXPECT_NE(s.description.find("holdout by groove"), std::string::npos) << s.description;
  EXPECT_NE(s.description.find("60 grooves"), std::string::npos) << s.description;
  EXPECT_NE(s.description.find("seed 0"), std::string::npos) << s.description;
}

TEST(Holdout, DeterministicForASeedAndDifferentForAnother) {
  const Dataset ds = synthetic();
  const Split a = mgc::data::make_split(ds, holdout("groove", 7));
  const Split b = mgc::data::make_split(ds, holdout("groove", 7));
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.val, b.val);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.description, b.description);
  const Split c = mgc::data::make_split(ds, holdout("groove", 8));
  EXPECT_NE(a.test, c.test);
  EXPECT_NE(a.val, c.val);
  // The assignment does not depend on the order clips come in.
  Dataset shuffled = ds;
  std::reverse(shuffled.clips.begin(), shuffled.clips.end());
  const Split d = mgc::data::make_split(shuffled, holdout("groove", 7));
  EXPECT_EQ(values_of(shuffled, d.test, "groove"), values_of(ds, a.test, "groove"));
}

TEST(Holdout, ByClipPutsNoClipTwiceAndGetsTheSizesRight) {
  const Dataset ds = synthetic();  // 24 clips per class
  const Split s = mgc::data::make_split(ds, holdout("clip"));
  EXPECT_EQ(s.by, "clip");
  expect_well_formed(s, ds.clips.size());
  // round(0.15 * 24) = 4 clips per class on val and on test.
  EXPECT_EQ(s.test.size(), 40u);
  EXPECT_EQ(s.val.size(), 40u);
  EXPECT_EQ(s.train.size(), 160u);
  for (const auto* side : {&s.train, &s.val, &s.test}) EXPECT_EQ(groups_per_class(ds, *side, "clip").size(), 10u);
  // By clip, grooves do straddle the sides: the leak the groove split exists to prevent.
  EXPECT_FALSE(disjoint(values_of(ds, s.train, "groove"), values_of(ds, s.test, "groove")));
}

TEST(Holdout, FractionsFollowTheConfig) {
  const Dataset ds = synthetic(4, 20, 2);
  SplitConfig c = holdout("groove", 3);
  c.val_fraction = 0.1;
  c.test_fraction = 0.3;
  Split s = mgc::data::make_split(ds, c);
  for (const auto& [genre, n] : groups_per_class(ds, s.test, "groove")) EXPECT_EQ(n, 6u) << genre;
  for (const auto& [genre, n] : groups_per_class(ds, s.val, "groove")) EXPECT_EQ(n, 2u) << genre;
  for (const auto& [genre, n] : groups_per_class(ds, s.train, "groove")) EXPECT_EQ(n, 12u) << genre;

  c.val_fraction = 0.0;  // no val side: two groups per class are enough
  const Dataset small = synthetic(3, 2, 3);
  s = mgc::data::make_split(small, c);
  EXPECT_TRUE(s.val.empty());
  EXPECT_EQ(groups_per_class(small, s.test, "groove").size(), 3u);
  EXPECT_EQ(groups_per_class(small, s.train, "groove").size(), 3u);
}

TEST(Holdout, TooFewGroupsNamesTheClassAndWhatIsNeeded) {
  const Dataset ds = synthetic(10, 6, 4, {{3, 2}});
  const std::string msg = error_of([&] { mgc::data::make_split(ds, holdout("groove")); });
  EXPECT_EQ(msg.rfind("data: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("class 'genre3' has 2 grooves"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at least 3 per class"), std::string::npos) << msg;
}

TEST(Holdout, AGroupSpanningClassesGoesWhereItsMajorityClassGoes) {
  Dataset ds = synthetic(3, 4, 4);
  // Relabel one clip of genre0_g0 as genre1: the groove is mixed, 3 to 1.
  for (auto& c : ds.clips) {
    if (c.field("groove") == "genre0_g0" && c.field("seed") == "0") c.label = "genre1";
  }
  finish(ds);
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const Split s = mgc::data::make_split(ds, holdout("groove", seed));
    const auto train = values_of(ds, s.train, "groove"), val = values_of(ds, s.val, "groove"),
               test = values_of(ds, s.test, "groove");
    EXPECT_TRUE(disjoint(train, val) && disjoint(train, test) && disjoint(val, test));
    EXPECT_NE(s.description.find("1 groove span several classes"), std::string::npos) << s.description;
  }
}

TEST(Holdout, UnknownFieldAndClipsWithoutAValueAreErrors) {
  Dataset ds = synthetic(3, 4, 2);
  std::string msg = error_of([&] { mgc::data::make_split(ds, holdout("artist")); });
  EXPECT_NE(msg.find("cannot split by 'artist'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fields: groove, seed, tempo"), std::string::npos) << msg;
  ds.clips[5].fields.erase("groove");
  msg = error_of([&] { mgc::data::make_split(ds, holdout("groove")); });
  EXPECT_NE(msg.find("1 clip of '/corpus' have no value"), std::string::npos) << msg;
  EXPECT_NE(msg.find(ds.clips[5].path), std::string::npos) << msg;
}

TEST(Holdout, AnyFieldCanBeTheGroup) {
  Dataset ds = synthetic(3, 6, 4);
  for (auto& c : ds.clips) c.fields["artist"] = c.label + "_artist" + std::to_string(c.field("groove").back() % 3);
  const Split s = mgc::data::make_split(ds, holdout("artist"));
  EXPECT_EQ(s.by, "artist");
  expect_well_formed(s, ds.clips.size());
  const auto train = values_of(ds, s.train, "artist"), val = values_of(ds, s.val, "artist"),
             test = values_of(ds, s.test, "artist");
  EXPECT_TRUE(disjoint(train, val) && disjoint(train, test) && disjoint(val, test));
  EXPECT_EQ(train.size() + val.size() + test.size(), 9u);
  EXPECT_NE(s.description.find("9 artists"), std::string::npos) << s.description;

  // Tempo 90..95 is shared by all genres: every tempo group has genre0 as its (tied) majority, so the other
  // genres own no group and cannot be stratified.
  const std::string msg = error_of([&] { mgc::data::make_split(ds, holdout("tempo")); });
  EXPECT_NE(msg.find("class 'genre1' has 0 tempos"), std::string::npos) << msg;
  EXPECT_NE(msg.find("majority"), std::string::npos) << msg;
}

// ---- k-fold ----

TEST(KFold, EveryClipIsInExactlyOneTestFoldAndGroupsAreNeverSplit) {
  const Dataset ds = synthetic();
  SplitConfig c = holdout("groove", 11);
  c.method = "kfold";
  c.folds = 3;
  std::vector<int> in_test(ds.clips.size(), 0);
  std::vector<std::vector<int64_t>> tests(3), vals(3);
  for (int f = 0; f < c.folds; ++f) {
    c.fold = f;
    const Split s = mgc::data::make_split(ds, c);
    EXPECT_EQ(s.method, "kfold");
    EXPECT_EQ(s.fold, f);
    EXPECT_EQ(s.folds, 3);
    expect_well_formed(s, ds.clips.size());
    EXPECT_EQ(s.train.size() + s.val.size() + s.test.size(), ds.clips.size());
    const auto train = values_of(ds, s.train, "groove"), val = values_of(ds, s.val, "groove"),
               test = values_of(ds, s.test, "groove");
    EXPECT_TRUE(disjoint(train, val) && disjoint(train, test) && disjoint(val, test));
    for (const auto* side : {&s.train, &s.val, &s.test}) {
      const auto per_class = groups_per_class(ds, *side, "groove");
      EXPECT_EQ(per_class.size(), 10u);
      for (const auto& [genre, n] : per_class) EXPECT_EQ(n, 2u) << genre;  // 6 grooves dealt into 3 folds
    }
    for (int64_t i : s.test) ++in_test[i];
    tests[f] = s.test;
    vals[f] = s.val;
  }
  for (size_t i = 0; i < in_test.size(); ++i) EXPECT_EQ(in_test[i], 1) << ds.clips[i].path;
  for (int f = 0; f < 3; ++f) EXPECT_EQ(vals[f], tests[(f + 1) % 3]);  // val is the next fold
}

TEST(KFold, WithoutValTheRestIsTrainAndFoldsStayBalanced) {
  const Dataset ds = synthetic(7, 5, 1);  // 35 grooves into 4 folds: 8 or 9 each
  SplitConfig c = holdout("groove");
  c.method = "kfold";
  c.folds = 4;
  c.val_fraction = 0.0;
  for (int f = 0; f < 4; ++f) {
    c.fold = f;
    const Split s = mgc::data::make_split(ds, c);
    EXPECT_TRUE(s.val.empty());
    EXPECT_EQ(s.train.size() + s.test.size(), ds.clips.size());
    EXPECT_GE(s.test.size(), 8u);
    EXPECT_LE(s.test.size(), 9u);
  }
}

TEST(KFold, AClassWithFewerGroupsThanFoldsIsNamed) {
  const Dataset ds = synthetic(10, 6, 2, {{7, 4}});
  SplitConfig c = holdout("groove");
  c.method = "kfold";
  const std::string msg = error_of([&] { mgc::data::make_split(ds, c); });
  EXPECT_NE(msg.find("class 'genre7' has 4 grooves"), std::string::npos) << msg;
  EXPECT_NE(msg.find("5-fold needs at least 5 per class"), std::string::npos) << msg;
}

TEST(SplitConfig, ValidateNamesTheField) {
  auto msg = [](auto edit) {
    SplitConfig c;
    edit(c);
    return error_of([&] { c.validate(); });
  };
  EXPECT_NO_THROW(SplitConfig().validate());
  EXPECT_NE(msg([](SplitConfig& c) { c.method = "random"; }).find("SplitConfig.method"), std::string::npos);
  EXPECT_NE(msg([](SplitConfig& c) { c.val_fraction = -0.1; }).find("SplitConfig.val_fraction"), std::string::npos);
  EXPECT_NE(msg([](SplitConfig& c) { c.test_fraction = 1.0; }).find("SplitConfig.test_fraction"), std::string::npos);
  EXPECT_NE(msg([](SplitConfig& c) { c.val_fraction = c.test_fraction = 0.5; }).find("below 1"), std::string::npos);
  EXPECT_NE(msg([](SplitConfig& c) { c.by = ""; }).find("SplitConfig.by"), std::string::npos);
  EXPECT_NE(msg([](SplitConfig& c) {
              c.method = "kfold";
              c.folds = 1;
            }).find("SplitConfig.folds"),
            std::string::npos);
  EXPECT_NE(msg([](SplitConfig& c) {
              c.method = "kfold";
              c.folds = 2;
            }).find("with a val fold"),
            std::string::npos);
  EXPECT_NE(msg([](SplitConfig& c) {
              c.method = "kfold";
              c.fold = 5;
            }).find("SplitConfig.fold must"),
            std::string::npos);
}

// ---- GTZAN lists ----

TEST(GtzanLists, ShippedListsAreTheFaultFilteredSplit) {
  const auto train = read_lines(kListsDir + "/train_filtered.txt");
  const auto val = read_lines(kListsDir + "/valid_filtered.txt");
  const auto test = read_lines(kListsDir + "/test_filtered.txt");
  EXPECT_EQ(train.size(), 443u);
  EXPECT_EQ(val.size(), 197u);
  EXPECT_EQ(test.size(), 290u);
  std::set<std::string> all(train.begin(), train.end());
  all.insert(val.begin(), val.end());
  all.insert(test.begin(), test.end());
  EXPECT_EQ(all.size(), 930u);  // no name on two lists
  EXPECT_EQ(mgc::data::gtzan_lists_dir("", kListsDir), fs::path(kListsDir).lexically_normal().string());
}

TEST(GtzanLists, ListedClipsLandOnTheirSideAndUnlistedOnesAreLeftOut) {
  std::vector<std::string> lists[3] = {read_lines(kListsDir + "/train_filtered.txt"),
                                       read_lines(kListsDir + "/valid_filtered.txt"),
                                       read_lines(kListsDir + "/test_filtered.txt")};
  std::set<std::string> listed;
  for (const auto& l : lists) listed.insert(l.begin(), l.end());
  ASSERT_FALSE(lists[0].empty());

  mgc::test::TempDir tmp;
  const std::string genres = tmp.file("gtzan/genres");
  std::set<std::string> expected[3];  // "genre/genre.NNNNN" per side
  for (int side = 0; side < 3; ++side) {
    const auto& l = lists[side];
    for (size_t pick : {size_t{0}, l.size() / 2, l.size() - 1}) {  // three names, from different genres
      std::string name = l[pick];
      if (side == 2 && pick == 0) name = name.substr(0, name.size() - 4) + ".au";  // .au matches the .wav entry
      touch(genres + "/" + name);
      expected[side].insert(name.substr(0, name.rfind('.')));
    }
  }
  // Two files GTZAN has but the lists leave out (duplicates or mislabelled excerpts).
  std::vector<std::string> unlisted;
  for (const std::string genre : {"pop", "reggae"}) {  // blues and rock have none
    for (int n = 0; n < 100; ++n) {
      const std::string name = fmt::format("{}/{}.{:05d}.wav", genre, genre, n);
      if (!listed.count(name)) {
        unlisted.push_back(name);
        break;
      }
    }
  }
  ASSERT_EQ(unlisted.size(), 2u);
  for (const auto& name : unlisted) touch(genres + "/" + name);

  const Dataset ds = mgc::data::load_dataset(tmp.file("gtzan"));
  ASSERT_EQ(ds.kind, "gtzan");
  ASSERT_EQ(ds.clips.size(), 11u);
  SplitConfig c;
  c.by = "lists";
  c.lists_dir = kListsDir;
  const Split s = mgc::data::make_split(ds, c);
  EXPECT_EQ(s.by, "lists");
  expect_well_formed(s, ds.clips.size());
  const std::vector<int64_t>* sides[3] = {&s.train, &s.val, &s.test};
  for (int side = 0; side < 3; ++side) {
    std::set<std::string> got;
    for (int64_t i : *sides[side]) {
      const fs::path p(ds.clips[i].path);
      got.insert((p.parent_path().filename() / p.stem()).string());
    }
    EXPECT_EQ(got, expected[side]) << "side " << side;
  }
  EXPECT_EQ(s.train.size() + s.val.size() + s.test.size(), 9u);  // the two unlisted files are left out
  EXPECT_NE(s.description.find("2 clips in no list left out"), std::string::npos) << s.description;

  // "auto" picks the lists for a GTZAN tree; the fallback argument finds them.
  const Split a = mgc::data::make_split(ds, SplitConfig(), kListsDir);
  EXPECT_EQ(a.by, "lists");
  EXPECT_EQ(a.test, s.test);
}

TEST(GtzanLists, ListsThatMatchNothingOrCannotBeFoundAreErrors) {
  const Dataset ds = synthetic(2, 3, 1);
  SplitConfig c;
  c.by = "lists";
  c.lists_dir = kListsDir;
  std::string msg = error_of([&] { mgc::data::make_split(ds, c); });
  EXPECT_NE(msg.find("none of the 6 clips"), std::string::npos) << msg;
  mgc::test::TempDir tmp;
  c.lists_dir = tmp.path();
  msg = error_of([&] { mgc::data::make_split(ds, c); });
  EXPECT_NE(msg.find("does not hold GTZAN's train_filtered.txt"), std::string::npos) << msg;
  c.method = "kfold";
  c.lists_dir = kListsDir;
  msg = error_of([&] { mgc::data::make_split(ds, c); });
  EXPECT_NE(msg.find("cannot be k-fold"), std::string::npos) << msg;
}

// ---- the manifest's split column and "auto" ----

TEST(ManifestSplit, TheSplitColumnDecides) {
  Dataset ds = synthetic(2, 3, 2);  // 12 clips
  const char* values[] = {"train", "TRAIN", "val",   "valid", "Validation", "test",
                          "test",  "",      "train", "train", "train",      "train"};
  for (size_t i = 0; i < ds.clips.size(); ++i) ds.clips[i].fields["split"] = values[i];
  const Split s = mgc::data::make_split(ds, SplitConfig());
  EXPECT_EQ(s.by, "manifest");
  EXPECT_EQ(s.train, (std::vector<int64_t>{0, 1, 8, 9, 10, 11}));
  EXPECT_EQ(s.val, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(s.test, (std::vector<int64_t>{5, 6}));
  EXPECT_NE(s.description.find("1 clips without a split left out"), std::string::npos) << s.description;

  ds.clips[7].fields["split"] = "dev";
  const std::string msg = error_of([&] { mgc::data::make_split(ds, SplitConfig()); });
  EXPECT_NE(msg.find("split 'dev'"), std::string::npos) << msg;
}

TEST(SplitAuto, ResolvesToManifestListsGrooveOrClip) {
  Dataset grooves = synthetic(3, 4, 2);
  EXPECT_EQ(mgc::data::make_split(grooves, SplitConfig()).by, "groove");

  Dataset plain = grooves;
  for (auto& c : plain.clips) c.fields.clear();
  plain.kind = "folder";
  EXPECT_EQ(mgc::data::make_split(plain, SplitConfig()).by, "clip");

  Dataset with_split = grooves;
  for (size_t i = 0; i < with_split.clips.size(); ++i) with_split.clips[i].fields["split"] = i % 2 ? "train" : "test";
  EXPECT_EQ(mgc::data::make_split(with_split, SplitConfig()).by, "manifest");

  Dataset gtzan = plain;
  gtzan.kind = "gtzan";
  SplitConfig c;
  c.lists_dir = kListsDir;
  EXPECT_NE(error_of([&] { mgc::data::make_split(gtzan, c); }).find("GTZAN lists"), std::string::npos);

  // K-fold cannot use a fixed split: auto falls back to groups and says so.
  c.method = "kfold";
  c.folds = 4;
  c.val_fraction = 0.0;
  const Split k = mgc::data::make_split(with_split, c);
  EXPECT_EQ(k.by, "groove");
  EXPECT_NE(k.description.find("kfold ignores the manifest's split column"), std::string::npos) << k.description;
  EXPECT_EQ(mgc::data::make_split(gtzan, c).by, "clip");
}

TEST(SplitAuto, TheGrooveFileWinsOverTheGroove) {
  // As in the generated corpus: grooves come in files (variants of one pattern share drums and bass), so auto holds
  // out whole files, and no file, hence no groove either, straddles two sides.
  Dataset ds = synthetic(3, 8, 2);
  for (auto& c : ds.clips) {
    const std::string g = c.field("groove");
    c.fields["groove_file"] = c.label + "/file" + std::to_string((g.back() - '0') / 2);  // 4 files of 2 grooves
  }
  const Split s = mgc::data::make_split(ds, SplitConfig());
  EXPECT_EQ(s.by, "groove_file");
  for (const char* field : {"groove_file", "groove"}) {
    const auto train = values_of(ds, s.train, field), val = values_of(ds, s.val, field),
               test = values_of(ds, s.test, field);
    EXPECT_TRUE(disjoint(train, test) && disjoint(train, val) && disjoint(val, test)) << field;
  }
  for (const auto* side : {&s.train, &s.val, &s.test}) EXPECT_EQ(groups_per_class(ds, *side, "groove_file").size(), 3u);
  EXPECT_NE(s.description.find("12 groove files"), std::string::npos) << s.description;
}

TEST(SplitAuto, AGeneratedManifestOnDiskSplitsByGroove) {
  mgc::test::TempDir tmp;
  Dataset ds = synthetic(3, 4, 2);
  for (auto& c : ds.clips) {
    c.path = tmp.file("corpus" + c.path.substr(std::string("/corpus").size()));
    touch(c.path);
  }
  finish(ds);
  mgc::data::write_manifest(ds, tmp.file("corpus/manifest.csv"));
  const Dataset loaded = mgc::data::load_dataset(tmp.file("corpus"));
  EXPECT_EQ(loaded.kind, "manifest");
  const Split s = mgc::data::make_split(loaded, SplitConfig());
  EXPECT_EQ(s.by, "groove");
  EXPECT_TRUE(disjoint(values_of(loaded, s.train, "groove"), values_of(loaded, s.test, "groove")));
  EXPECT_EQ(s.train, mgc::data::make_split(ds, SplitConfig()).train);
}

TEST(SplitJson, JsonCarriesTheResolvedSplit) {
  const Dataset ds = synthetic(3, 4, 2);
  const Split s = mgc::data::make_split(ds, holdout("groove", 5));
  const auto j = nlohmann::json::parse(mgc::data::to_json(s, &ds));
  EXPECT_EQ(j["by"], "groove");
  EXPECT_EQ(j["method"], "holdout");
  EXPECT_EQ(j["seed"], 5);
  EXPECT_EQ(j["description"], s.description);
  EXPECT_EQ(j["sizes"]["test"], s.test.size());
  ASSERT_EQ(j["clips"]["test"].size(), s.test.size());
  EXPECT_EQ(std::string("/corpus/") + j["clips"]["test"][0].get<std::string>(), ds.clips[s.test[0]].path);
  int64_t total = 0;
  for (const auto& [genre, counts] : j["per_class"].items()) total += counts["train"].get<int64_t>();
  EXPECT_EQ(total, static_cast<int64_t>(s.train.size()));
  const auto bare = nlohmann::json::parse(mgc::data::to_json(s));
  EXPECT_EQ(bare["clips"]["val"][0], s.val[0]);
}

// ---- crossed splits (issue #30: a figure the generator cannot flatter) ----

namespace {

// The generated corpus with synthesis paths: every groove is rendered through each of `paths` paths (the values
// of the `synth` field span every class).
Dataset with_paths(int paths, int classes = 4, int grooves = 10) {
  Dataset ds = synthetic(classes, grooves, paths);
  for (auto& c : ds.clips) c.fields["synth"] = "path" + c.fields["seed"];  // seed k = 0..paths-1 in each groove
  return ds;
}

void expect_crossed(const Dataset& ds, const Split& s, const std::vector<std::string>& fields) {
  expect_well_formed(s, ds.clips.size());
  for (const auto& f : fields) {
    SCOPED_TRACE(f);
    EXPECT_TRUE(disjoint(values_of(ds, s.test, f), values_of(ds, s.train, f)));
    EXPECT_TRUE(disjoint(values_of(ds, s.test, f), values_of(ds, s.val, f)));
    EXPECT_TRUE(disjoint(values_of(ds, s.val, f), values_of(ds, s.train, f)));
  }
}

}  // namespace

TEST(Crossed, NoGrooveAndNoSynthesisPathIsSharedBetweenSides) {
  const Dataset ds = with_paths(5);
  SplitConfig c = holdout("groove+synth", 3);
  const Split s = mgc::data::make_split(ds, c);
  expect_crossed(ds, s, {"groove", "synth"});
  // Paths are dealt as one pool: 1 test, 1 val, 3 train of 5; grooves per class: 2/2/6 of 10 (0.15 of 10 rounds to 2).
  EXPECT_EQ(values_of(ds, s.test, "synth").size(), 1u);
  EXPECT_EQ(values_of(ds, s.val, "synth").size(), 1u);
  EXPECT_EQ(values_of(ds, s.train, "synth").size(), 3u);
  EXPECT_EQ(s.test.size(), 4u * 2u * 1u);   // classes x test grooves x test paths, one clip each
  EXPECT_EQ(s.val.size(), 4u * 2u * 1u);
  EXPECT_EQ(s.train.size(), 4u * 6u * 3u);
  for (const auto& [cls, n] : groups_per_class(ds, s.test, "groove")) EXPECT_EQ(n, 2u) << cls;
  EXPECT_EQ(s.by, "groove+synth");
  EXPECT_EQ(s.method, "holdout");
  EXPECT_EQ(s.description,
            "crossed holdout by groove+synth: no groove and no synth shared between sides (72/8/8 clips; 112 left "
            "out, their groove and synth fall on different sides: of them 24 test_groove, 24 test_synth) in 4 "
            "classes, seed 3");
  // The partial sides: held out by one field alone (the in-generator figure, and the timbre-only one).
  ASSERT_EQ(s.extra.size(), 2u);
  const auto& by_groove = s.extra.at("test_groove");
  const auto& by_synth = s.extra.at("test_synth");
  EXPECT_EQ(by_groove.size(), 4u * 2u * 3u);  // test grooves x training paths
  EXPECT_EQ(by_synth.size(), 4u * 6u * 1u);   // training grooves x the test path
  EXPECT_EQ(values_of(ds, by_groove, "groove"), values_of(ds, s.test, "groove"));
  EXPECT_EQ(values_of(ds, by_groove, "synth"), values_of(ds, s.train, "synth"));
  EXPECT_EQ(values_of(ds, by_synth, "groove"), values_of(ds, s.train, "groove"));
  EXPECT_EQ(values_of(ds, by_synth, "synth"), values_of(ds, s.test, "synth"));
  const nlohmann::json j = nlohmann::json::parse(mgc::data::to_json(s, &ds));
  EXPECT_EQ(j.at("sizes").at("test_groove"), 24);
  EXPECT_EQ(j.at("clips").at("test_synth").size(), 24u);
  EXPECT_EQ(j.at("per_class").at("genre0").at("test_groove"), 6);
  const Clip& first = ds.clips[static_cast<size_t>(s.test[0])];
  EXPECT_EQ(mgc::data::group_of(first, "groove+synth"), first.field("groove") + "+" + first.field("synth"));
  EXPECT_EQ(mgc::data::group_of(first, "synth"), first.field("synth"));
  EXPECT_EQ(mgc::data::group_of(first, "clip"), "");
  // Deterministic for a seed.
  const Split again = mgc::data::make_split(ds, c);
  EXPECT_EQ(again.test, s.test);
  EXPECT_EQ(again.train, s.train);
}

TEST(Crossed, KFoldTestSidesAreDisjointAndCoverEveryPathOnce) {
  const Dataset ds = with_paths(5, 3, 10);
  std::set<int64_t> tested;
  std::set<std::string> test_paths;
  for (int fold = 0; fold < 5; ++fold) {
    const Split s = mgc::data::make_split(ds, kfold("groove+synth", fold, 1));
    SCOPED_TRACE("fold " + std::to_string(fold));
    expect_crossed(ds, s, {"groove", "synth"});
    const auto paths = values_of(ds, s.test, "synth");
    ASSERT_EQ(paths.size(), 1u);
    test_paths.insert(*paths.begin());
    EXPECT_EQ(s.test.size(), 3u * 2u);  // 3 classes x 2 test grooves x 1 path
    EXPECT_EQ(s.train.size(), 3u * 6u * 3u);
    for (int64_t i : s.test) EXPECT_TRUE(tested.insert(i).second) << "clip " << i << " tested twice";
    EXPECT_EQ(s.folds, 5);
    EXPECT_EQ(s.fold, fold);
  }
  EXPECT_EQ(test_paths.size(), 5u);
}

// Three fields (generator mgc-synth-5: a progression pool shared by the genres): a test clip's groove, synthesis
// path and progression were all unheard in training; clips held out by exactly one field get that field's side.
TEST(Crossed, ThreeFieldsGrooveSynthAndProgressionShareNothing) {
  Dataset ds = synthetic(3, 10, 35);  // every groove played through 5 paths x 7 progressions, one clip each
  for (auto& c : ds.clips) {
    const int k = std::stoi(c.fields["seed"]);
    c.fields["synth"] = "path" + std::to_string(k % 5);
    c.fields["progression"] = "prog" + std::to_string(k / 5);
  }
  std::set<int64_t> tested;
  for (int fold = 0; fold < 5; ++fold) {
    const Split s = mgc::data::make_split(ds, kfold("groove+synth+progression", fold, 1));
    SCOPED_TRACE("fold " + std::to_string(fold));
    expect_crossed(ds, s, {"groove", "synth", "progression"});
    EXPECT_FALSE(s.train.empty());
    for (int64_t i : s.test) EXPECT_TRUE(tested.insert(i).second) << "clip " << i << " tested twice";
    ASSERT_EQ(s.extra.count("test_progression"), 1u);
    for (const char* f : {"groove", "synth", "progression"}) {
      const auto& side = s.extra.at(std::string("test_") + f);
      EXPECT_FALSE(side.empty()) << f;
      // Held out by this field, heard by the other two.
      for (const char* g : {"groove", "synth", "progression"}) {
        const auto values = values_of(ds, side, g);
        if (std::string(f) == g)
          EXPECT_TRUE(disjoint(values, values_of(ds, s.train, g))) << f << " side, field " << g;
        else
          for (const auto& v : values)
            EXPECT_TRUE(values_of(ds, s.train, g).count(v)) << f << " side, " << g << " " << v;
      }
    }
  }
  EXPECT_FALSE(tested.empty());
}

TEST(Crossed, BadFieldListsAndTooFewValuesAreNamed) {
  const Dataset ds = with_paths(2);
  EXPECT_NE(error_of([&] { mgc::data::make_split(ds, holdout("groove+synth")); }).find("synth"), std::string::npos);
  EXPECT_NE(error_of([&] { mgc::data::make_split(ds, holdout("groove+groove")); }).find("named twice"),
            std::string::npos);
  EXPECT_NE(error_of([&] { mgc::data::make_split(ds, holdout("groove+clip")); }).find("takes fields"),
            std::string::npos);
  EXPECT_NE(error_of([&] { mgc::data::make_split(ds, holdout("groove+nope")); }).find("nope"), std::string::npos);
  const Dataset three = with_paths(3);
  SplitConfig c = holdout("groove+synth");
  c.method = "kfold";
  EXPECT_NE(error_of([&] { mgc::data::make_split(three, c); }).find("5-fold needs at least 5"), std::string::npos);
}
