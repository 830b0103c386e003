// Dataset loading: the CSV parser, manifests, the folder and GTZAN layouts, and writing manifests back.
// Nothing here decodes audio: folder layouts use empty files, manifests a few tiny WAVs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/data/dataset.h"
#include "mgc/data/folder_walk.h"
#include "test_util.h"

namespace fs = std::filesystem;
using mgc::data::Dataset;

namespace {

// Creates a file (and its folders) holding `text`.
void touch(const std::string& path, const std::string& text = "") {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void tiny_wav(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  mgc::test::write_sound(path, mgc::test::sine(440.0, 8000, 0.01), 8000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
}

// The message of the mgc::Error that f throws; fails the test if it throws nothing or something else.
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

std::string norm(const std::string& p) { return fs::path(p).lexically_normal().string(); }

std::vector<std::string> labels_of(const Dataset& ds) {
  std::vector<std::string> out;
  for (const auto& c : ds.clips) out.push_back(c.label);
  return out;
}

void expect_consistent(const Dataset& ds) {
  ASSERT_TRUE(std::is_sorted(ds.classes.begin(), ds.classes.end()));
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    const auto& c = ds.clips[i];
    ASSERT_GE(c.label_index, 0);
    ASSERT_LT(c.label_index, static_cast<int>(ds.classes.size()));
    EXPECT_EQ(ds.classes[c.label_index], c.label) << c.path;
    if (i > 0) {
      EXPECT_LT(ds.clips[i - 1].path, c.path);
    }
  }
}

}  // namespace

TEST(AudioFiles, AudioExtensionsAreCaseInsensitive) {
  const auto exts = mgc::data::audio_extensions();
  for (const char* e : {"wav", "flac", "ogg", "mp3", "au", "aiff", "m4a", "opus"}) {
    EXPECT_NE(std::find(exts.begin(), exts.end(), e), exts.end()) << e;
  }
  EXPECT_TRUE(mgc::data::is_audio_file("a/b/SONG.WAV"));
  EXPECT_TRUE(mgc::data::is_audio_file("x.Flac"));
  EXPECT_TRUE(mgc::data::is_audio_file("blues.00000.au"));
  EXPECT_FALSE(mgc::data::is_audio_file("notes.txt"));
  EXPECT_FALSE(mgc::data::is_audio_file("wav"));
  EXPECT_FALSE(mgc::data::is_audio_file("manifest.csv"));
}

// ---- manifests ----

TEST(Manifest, PathsAreRelativeToTheManifestFolderAndColumnsBecomeFields) {
  mgc::test::TempDir tmp;
  const std::string dir = tmp.file("corpus");
  tiny_wav(dir + "/clips/b.wav");
  tiny_wav(dir + "/clips/a, quoted.wav");
  tiny_wav(tmp.file("elsewhere/abs.wav"));
  touch(dir + "/manifest.csv",
        "Path,Label,Groove,Tempo,Split\r\n"
        "clips/b.wav,rock,rock_g1,120,train\r\n"
        "\"clips/a, quoted.wav\",blues,blues_g0,\"96\",test\r\n" +
            tmp.file("elsewhere/abs.wav") + ",blues,blues_g1,100,VALID\r\n");

  for (const std::string& given : {dir, dir + "/manifest.csv"}) {
    const Dataset ds = mgc::data::load_dataset(given);
    EXPECT_EQ(ds.kind, "manifest");
    EXPECT_EQ(norm(ds.root), norm(dir));
    EXPECT_EQ(ds.classes, (std::vector<std::string>{"blues", "rock"}));
    ASSERT_EQ(ds.clips.size(), 3u);
    expect_consistent(ds);
    // Sorted by path: corpus/clips/a..., corpus/clips/b.wav, elsewhere/abs.wav.
    EXPECT_EQ(ds.clips[0].path, dir + "/clips/a, quoted.wav");
    EXPECT_EQ(ds.clips[1].path, dir + "/clips/b.wav");
    EXPECT_EQ(ds.clips[2].path, tmp.file("elsewhere/abs.wav"));  // absolute paths stay as they are
    for (const auto& c : ds.clips) EXPECT_TRUE(fs::is_regular_file(c.path)) << c.path;
    EXPECT_EQ(labels_of(ds), (std::vector<std::string>{"blues", "rock", "blues"}));
    EXPECT_EQ(ds.clips[0].label_index, 0);
    EXPECT_EQ(ds.clips[1].label_index, 1);
    EXPECT_EQ(ds.clips[0].field("groove"), "blues_g0");  // header names are lower-cased
    EXPECT_EQ(ds.clips[0].field("tempo"), "96");
    EXPECT_EQ(ds.clips[2].field("split"), "VALID");
    EXPECT_EQ(ds.clips[0].field("artist"), "");
    EXPECT_EQ(ds.clips[0].fields.count("path"), 0u);
    EXPECT_EQ(ds.clips[0].fields.count("label"), 0u);
    EXPECT_TRUE(ds.has_field("groove"));
    EXPECT_TRUE(ds.has_field("split"));
    EXPECT_FALSE(ds.has_field("artist"));
  }
}

TEST(Manifest, RelativeManifestPathGivesPathsRelativeToTheCurrentFolder) {
  mgc::test::TempDir tmp;
  tiny_wav(tmp.file("set/x/one.wav"));
  touch(tmp.file("set/list.csv"), "path,genre\nx/one.wav,pop\n");
  const fs::path old = fs::current_path();
  fs::current_path(tmp.path());
  Dataset ds;
  try {
    ds = mgc::data::load_dataset("set/list.csv");
  } catch (...) {
    fs::current_path(old);
    throw;
  }
  fs::current_path(old);
  ASSERT_EQ(ds.clips.size(), 1u);
  EXPECT_EQ(ds.clips[0].path, "set/x/one.wav");
  EXPECT_EQ(ds.root, "set");
}

TEST(Manifest, GenreColumnIsTheLabelUnlessThereIsALabelColumn) {
  mgc::test::TempDir tmp;
  touch(tmp.file("a.wav"));
  touch(tmp.file("b.wav"));
  touch(tmp.file("g.csv"), "GENRE,path,artist\njazz,a.wav,X\nrock,b.wav,Y\n");
  Dataset ds = mgc::data::load_dataset(tmp.file("g.csv"));
  EXPECT_EQ(labels_of(ds), (std::vector<std::string>{"jazz", "rock"}));
  EXPECT_EQ(ds.clips[1].field("artist"), "Y");
  EXPECT_FALSE(ds.has_field("genre"));

  touch(tmp.file("both.csv"), "path,genre,label\na.wav,jazz,calm\nb.wav,rock,loud\n");
  ds = mgc::data::load_dataset(tmp.file("both.csv"));
  EXPECT_EQ(labels_of(ds), (std::vector<std::string>{"calm", "loud"}));
  EXPECT_EQ(ds.clips[0].field("genre"), "jazz");
}

TEST(Manifest, AllMissingFilesAreReportedInOneError) {
  mgc::test::TempDir tmp;
  touch(tmp.file("present.wav"));
  std::string csv = "path,label\npresent.wav,a\n";
  for (int i = 0; i < 7; ++i) csv += "gone" + std::to_string(i) + ".wav,a\n";
  touch(tmp.file("m.csv"), csv);
  const std::string msg = error_of([&] { mgc::data::load_dataset(tmp.file("m.csv")); });
  EXPECT_EQ(msg.rfind("data: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(tmp.file("m.csv")), std::string::npos) << msg;
  EXPECT_NE(msg.find("7 missing files (of 8 rows)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'gone0.wav', 'gone1.wav'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("and 2 more"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("gone6.wav"), std::string::npos) << msg;  // only the first few are named
}

TEST(Manifest, ErrorsNameTheFileLineAndValue) {
  mgc::test::TempDir tmp;
  touch(tmp.file("a.wav"));
  auto load = [&](const std::string& text) {
    touch(tmp.file("m.csv"), text);
    return error_of([&] { mgc::data::load_dataset(tmp.file("m.csv")); });
  };
  EXPECT_NE(load("file,label\na.wav,x\n").find("no 'path' column"), std::string::npos);
  EXPECT_NE(load("path,artist\na.wav,x\n").find("no 'label' or 'genre' column"), std::string::npos);
  EXPECT_NE(load("path,label\na.wav,x,extra\n").find("line 2: 3 fields, the header has 2"), std::string::npos);
  EXPECT_NE(load("path,label\n\na.wav,\n").find("line 3: empty label"), std::string::npos);
  EXPECT_NE(load("path,label\n,x\n").find("line 2: empty path"), std::string::npos);
  EXPECT_NE(load("path,label,split\na.wav,x,holdout\n").find("split 'holdout'"), std::string::npos);
  EXPECT_NE(load("path,label,path\na.wav,x,a.wav\n").find("column 'path' twice"), std::string::npos);
  EXPECT_NE(load("path,label\n").find("holds no clips"), std::string::npos);
  EXPECT_NE(load("").find("is empty"), std::string::npos);
  EXPECT_NE(load("path,label\n\"a.wav,x\n").find("line 2: quoted field never closed"), std::string::npos);
  const std::string dup = load("path,label\na.wav,x\n./a.wav,y\n");
  EXPECT_NE(dup.find("1 path more than once"), std::string::npos) << dup;
  EXPECT_NE(dup.find(tmp.file("a.wav")), std::string::npos) << dup;

  EXPECT_NE(error_of([&] { mgc::data::load_dataset(tmp.file("nothing-here")); }).find("no such file or folder"),
            std::string::npos);
  touch(tmp.file("list.txt"), "a.wav\n");
  EXPECT_NE(error_of([&] { mgc::data::load_dataset(tmp.file("list.txt")); }).find("neither a manifest"),
            std::string::npos);
}

// ---- folder and GTZAN layouts ----

TEST(Folder, OneSubFolderPerClassWithAudioFilesAnyCase) {
  mgc::test::TempDir tmp;
  const std::string root = tmp.file("music");
  touch(root + "/rock/one.wav");
  touch(root + "/rock/live/two.FLAC");  // nested folders are searched
  touch(root + "/rock/cover.jpg");      // not audio: ignored
  touch(root + "/blues/x.Mp3");
  touch(root + "/jazz/y.ogg");
  touch(root + "/jazz/z.opus");
  touch(root + "/jazz/.hidden.wav");  // hidden: ignored
  touch(root + "/.cache/blob.wav");   // hidden folder: no class
  touch(root + "/stray.wav");         // top level: no class
  touch(root + "/README.txt");
  const Dataset ds = mgc::data::load_dataset(root);
  EXPECT_EQ(ds.kind, "folder");
  EXPECT_EQ(ds.root, root);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"blues", "jazz", "rock"}));
  ASSERT_EQ(ds.clips.size(), 5u);
  expect_consistent(ds);
  EXPECT_EQ(ds.clips[0].path, root + "/blues/x.Mp3");
  EXPECT_EQ(ds.clips[0].label_index, 0);
  EXPECT_EQ(ds.clips[3].path, root + "/rock/live/two.FLAC");
  EXPECT_EQ(ds.clips[3].label, "rock");
  EXPECT_EQ(ds.clips[3].label_index, 2);
  EXPECT_TRUE(ds.clips[3].fields.empty());
  EXPECT_FALSE(ds.has_field("groove"));
}

TEST(Folder, ClassFolderWithoutAudioAndFolderWithoutClassesAreNamed) {
  mgc::test::TempDir tmp;
  touch(tmp.file("m/rock/a.wav"));
  touch(tmp.file("m/empty/notes.txt"));
  std::string msg = error_of([&] { mgc::data::load_dataset(tmp.file("m")); });
  EXPECT_NE(msg.find("class folder '" + tmp.file("m/empty") + "' holds no audio files"), std::string::npos) << msg;

  touch(tmp.file("flat/a.wav"));
  msg = error_of([&] { mgc::data::load_dataset(tmp.file("flat")); });
  EXPECT_NE(msg.find("neither a manifest.csv nor class sub-folders"), std::string::npos) << msg;
}

TEST(Gtzan, GenresFolderIsDetected) {
  mgc::test::TempDir tmp;
  const std::string root = tmp.file("gtzan");
  touch(root + "/genres/blues/blues.00000.wav");
  touch(root + "/genres/blues/blues.00001.au");
  touch(root + "/genres/rock/rock.00099.wav");
  touch(root + "/genres/classical/classical.00010.WAV");
  touch(root + "/genres/bextract_single.mf");  // the original archive's extra files
  touch(root + "/genres/rock/rock.mf");
  const Dataset ds = mgc::data::load_dataset(root);
  EXPECT_EQ(ds.kind, "gtzan");
  EXPECT_EQ(ds.root, root + "/genres");
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"blues", "classical", "rock"}));
  ASSERT_EQ(ds.clips.size(), 4u);
  expect_consistent(ds);
  EXPECT_EQ(ds.clips[1].path, root + "/genres/blues/blues.00001.au");
  EXPECT_EQ(ds.clips[3].label, "rock");
  EXPECT_EQ(ds.clips[3].label_index, 2);
}

TEST(Gtzan, GenreFoldersGivenDirectlyAndKaggleLayout) {
  mgc::test::TempDir tmp;
  touch(tmp.file("g/jazz/jazz.00003.wav"));
  touch(tmp.file("g/pop/pop.00004.wav"));
  Dataset ds = mgc::data::load_dataset(tmp.file("g"));
  EXPECT_EQ(ds.kind, "gtzan");
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"jazz", "pop"}));

  touch(tmp.file("k/genres_original/metal/metal.00001.wav"));
  ds = mgc::data::load_dataset(tmp.file("k"));
  EXPECT_EQ(ds.kind, "gtzan");
  EXPECT_EQ(ds.root, tmp.file("k/genres_original"));
}

TEST(Gtzan, OtherNamesOrGenresMakeAPlainFolder) {
  mgc::test::TempDir tmp;
  touch(tmp.file("a/blues/blues.00000.wav"));
  touch(tmp.file("a/blues/my song.wav"));  // not GTZAN's name pattern
  EXPECT_EQ(mgc::data::load_dataset(tmp.file("a")).kind, "folder");
  touch(tmp.file("b/blues/blues.00000.wav"));
  touch(tmp.file("b/techno/techno.00000.wav"));  // not one of GTZAN's genres
  EXPECT_EQ(mgc::data::load_dataset(tmp.file("b")).kind, "folder");
  touch(tmp.file("c/rock/rock.0001.wav"));  // four digits
  EXPECT_EQ(mgc::data::load_dataset(tmp.file("c")).kind, "folder");
}

// ---- writing manifests ----

TEST(WriteManifest, RoundTripsPathsLabelsAndAwkwardFields) {
  mgc::test::TempDir tmp;
  touch(tmp.file("audio/rock/r1.wav"));
  touch(tmp.file("audio/rock/r, 2.wav"));
  touch(tmp.file("audio/blues/b1.wav"));
  Dataset ds = mgc::data::load_dataset(tmp.file("audio"));
  ds.clips[0].fields["groove"] = "g \"one\", take 2";
  ds.clips[1].fields["note"] = "line1\nline2";
  ds.clips[2].fields["groove"] = "g2";

  const std::string csv = tmp.file("lists/out/manifest.csv");  // folder created on the way
  mgc::data::write_manifest(ds, csv);
  const std::string text = mgc::read_file(csv);
  EXPECT_EQ(text.rfind("path,label,groove,note\n", 0), 0u) << text;
  EXPECT_NE(text.find("../../audio/blues/b1.wav,blues,"), std::string::npos) << text;  // relative to the CSV
  size_t files = 0;  // the temporary file was renamed into place
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.file("lists/out"))) ++files;
  EXPECT_EQ(files, 1u);

  const Dataset back = mgc::data::load_dataset(tmp.file("lists/out"));
  EXPECT_EQ(back.kind, "manifest");
  EXPECT_EQ(back.classes, ds.classes);
  ASSERT_EQ(back.clips.size(), ds.clips.size());
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    EXPECT_EQ(back.clips[i].path, ds.clips[i].path);
    EXPECT_EQ(back.clips[i].label, ds.clips[i].label);
    EXPECT_EQ(back.clips[i].label_index, ds.clips[i].label_index);
    EXPECT_EQ(back.clips[i].field("groove"), ds.clips[i].field("groove"));
    EXPECT_EQ(back.clips[i].field("note"), ds.clips[i].field("note"));
  }
}

TEST(WriteManifest, RejectsAFieldNamedLikeAColumn) {
  mgc::test::TempDir tmp;
  Dataset ds;
  ds.clips.push_back({tmp.file("a.wav"), "x", 0, {{"label", "y"}}});
  const std::string msg = error_of([&] { mgc::data::write_manifest(ds, tmp.file("m.csv")); });
  EXPECT_NE(msg.find("a clip field is named 'label'"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(tmp.file("m.csv")));
}

// ---- The folder walk (data/folder_walk.h) that datasets, mgc predict and mgc tag share ----

TEST(FolderWalk, ListsWantedFilesSortedAndReportsWhatItCannotRead) {
  mgc::test::TempDir dir;
  const std::string root = dir.file("lib");
  touch(root + "/b/song.wav");
  touch(root + "/a.flac");
  touch(root + "/notes.txt");
  touch(root + "/.hidden.wav");
  touch(root + "/.cache/inside.wav");
  fs::create_directories(root + "/folder.mp3");
  touch(root + "/folder.mp3/deep.ogg");
  fs::create_symlink(root + "/missing.wav", root + "/dangling.wav");
  fs::create_symlink(root + "/zloop.wav", root + "/zloop.wav");

  using Kind = mgc::data::WalkEntry::Kind;
  const auto entries = mgc::data::walk_folder(root, mgc::data::is_audio_file);
  std::vector<std::string> files, problems;
  for (const auto& e : entries) (e.kind == Kind::file ? files : problems).push_back(e.path);
  EXPECT_EQ(files, (std::vector<std::string>{root + "/a.flac", root + "/b/song.wav", root + "/folder.mp3/deep.ogg"}));
  ASSERT_EQ(problems, (std::vector<std::string>{root + "/dangling.wav", root + "/zloop.wav"}));
  EXPECT_NE(entries[2].problem.find("dangling"), std::string::npos) << entries[2].problem;
  EXPECT_EQ(entries.back().problem, "a symbolic link loop");

  mgc::data::WalkOptions all;
  all.skip_hidden = false;
  size_t hidden = 0;
  for (const auto& e : mgc::data::walk_folder(root, mgc::data::is_audio_file, all))
    hidden += e.path.find("/.") != std::string::npos;
  EXPECT_EQ(hidden, 2u);

  const auto missing = mgc::data::walk_folder(dir.file("nope"), mgc::data::is_audio_file);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].kind, Kind::unlisted);
}
