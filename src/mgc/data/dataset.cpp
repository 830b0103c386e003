#include "mgc/data/dataset.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <set>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/data/folder_walk.h"

namespace mgc::data {

namespace fs = std::filesystem;

namespace {

constexpr std::array<const char*, 10> kGtzanGenres = {"blues", "classical", "country", "disco",  "hiphop",
                                                      "jazz",  "metal",     "pop",     "reggae", "rock"};
constexpr size_t kNamesInMessage = 5;  // how many offending names an error message quotes

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// "'a', 'b', 'c' and 4 more" from the first few names.
std::string quote_some(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kNamesInMessage; ++i) out += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > kNamesInMessage) out += fmt::format(" and {} more", names.size() - kNamesInMessage);
  return out;
}

// Sorts the clips by path, rejects a path listed twice, fills classes and label indices, rejects an empty dataset.
void finish(Dataset& ds, const std::string& source) {
  if (ds.clips.empty()) throw make_error("data", "'{}' holds no clips", source);
  std::sort(ds.clips.begin(), ds.clips.end(), [](const Clip& a, const Clip& b) { return a.path < b.path; });
  std::vector<std::string> duplicates;
  for (size_t i = 1; i < ds.clips.size(); ++i) {
    if (ds.clips[i].path == ds.clips[i - 1].path && (duplicates.empty() || duplicates.back() != ds.clips[i].path)) {
      duplicates.push_back(ds.clips[i].path);
    }
  }
  if (!duplicates.empty()) {
    throw make_error("data", "'{}' lists {} path{} more than once: {}", source, duplicates.size(),
                     duplicates.size() == 1 ? "" : "s", quote_some(duplicates));
  }
  std::set<std::string> classes;
  for (const Clip& c : ds.clips) classes.insert(c.label);
  ds.classes.assign(classes.begin(), classes.end());
  for (Clip& c : ds.clips) {
    c.label_index =
        static_cast<int>(std::lower_bound(ds.classes.begin(), ds.classes.end(), c.label) - ds.classes.begin());
  }
}

// ---- manifest ----

std::string normalise_split(const std::string& value) {
  const std::string v = lower(value);
  if (v == "train") return "train";
  if (v == "val" || v == "valid" || v == "validation") return "val";
  if (v == "test") return "test";
  return "";
}

Dataset load_manifest(const fs::path& csv) {
  const std::string source = csv.string();
  if (!fs::is_regular_file(csv)) throw make_error("data", "no manifest file '{}'", source);
  const csv::Table table = csv::parse(read_file(source), source, "data");
  if (table.rows.empty()) throw make_error("data", "manifest '{}' is empty (a header row is required)", source);

  std::vector<std::string> header = table.rows[0];
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.size(); ++i) {
    header[i] = lower(header[i]);
    if (header[i].empty()) throw make_error("data", "manifest '{}': header column {} has no name", source, i + 1);
    if (!column.emplace(header[i], i).second) {
      throw make_error("data", "manifest '{}': header names column '{}' twice", source, header[i]);
    }
  }
  if (!column.count("path")) {
    throw make_error("data", "manifest '{}' has no 'path' column (header: {})", source, fmt::join(header, ","));
  }
  const size_t path_col = column.at("path");
  size_t label_col = 0;
  if (column.count("label")) {
    label_col = column.at("label");
  } else if (column.count("genre")) {
    label_col = column.at("genre");
  } else {
    throw make_error("data", "manifest '{}' has no 'label' or 'genre' column (header: {})", source,
                     fmt::join(header, ","));
  }

  const fs::path base = csv.parent_path();
  Dataset ds;
  ds.root = base.empty() ? std::string(".") : base.string();
  ds.kind = "manifest";
  std::vector<std::string> missing;
  for (size_t r = 1; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const int line = table.lines[r];
    if (row.size() != header.size()) {
      throw make_error("data", "manifest '{}' line {}: {} fields, the header has {}", source, line, row.size(),
                       header.size());
    }
    Clip clip;
    const std::string& rel = row[path_col];
    if (rel.empty()) throw make_error("data", "manifest '{}' line {}: empty path", source, line);
    clip.label = row[label_col];
    if (clip.label.empty())
      throw make_error("data", "manifest '{}' line {}: empty {}", source, line, header[label_col]);
    clip.path = (base / fs::path(rel)).lexically_normal().string();
    for (size_t i = 0; i < row.size(); ++i) {
      if (i != path_col && i != label_col) clip.fields[header[i]] = row[i];
    }
    if (column.count("split") && normalise_split(row[column.at("split")]).empty()) {
      throw make_error("data", "manifest '{}' line {}: split '{}' is not train, val, valid, validation or test", source,
                       line, row[column.at("split")]);
    }
    if (!fs::is_regular_file(clip.path)) missing.push_back(rel);
    ds.clips.push_back(std::move(clip));
  }
  if (!missing.empty()) {
    throw make_error("data", "manifest '{}' names {} missing file{} (of {} rows): {}", source, missing.size(),
                     missing.size() == 1 ? "" : "s", ds.clips.size(), quote_some(missing));
  }
  finish(ds, source);
  return ds;
}

// ---- folder layouts ----

std::vector<fs::path> class_folders(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory() && !is_hidden(e.path())) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// GTZAN's file name pattern: <genre>.NNNNN.wav or .au (the extension in any case).
bool is_gtzan_name(const std::string& name, const std::string& genre) {
  if (name.size() < genre.size() + 7 || name.compare(0, genre.size(), genre) != 0) return false;
  size_t i = genre.size();
  if (name[i++] != '.') return false;
  for (int k = 0; k < 5; ++k, ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  }
  const std::string ext = lower(name.substr(i));
  return ext == ".wav" || ext == ".au";
}

bool looks_like_gtzan(const fs::path& dir) {
  if (!fs::is_directory(dir)) return false;
  const auto folders = class_folders(dir);
  if (folders.empty()) return false;
  for (const auto& folder : folders) {
    const std::string genre = folder.filename().string();
    if (std::find(kGtzanGenres.begin(), kGtzanGenres.end(), genre) == kGtzanGenres.end()) return false;
    bool any = false;
    for (const auto& e : fs::directory_iterator(folder)) {
      if (is_hidden(e.path()) || !e.is_regular_file() || !is_audio_file(e.path().string())) continue;
      if (!is_gtzan_name(e.path().filename().string(), genre)) return false;
      any = true;
    }
    if (!any) return false;
  }
  return true;
}

Dataset load_gtzan(const fs::path& dir) {
  Dataset ds;
  ds.root = dir.lexically_normal().string();
  ds.kind = "gtzan";
  for (const auto& folder : class_folders(dir)) {
    const std::string genre = folder.filename().string();
    for (const auto& e : fs::directory_iterator(folder)) {
      if (is_hidden(e.path()) || !e.is_regular_file() || !is_audio_file(e.path().string())) continue;
      Clip clip;
      clip.path = e.path().lexically_normal().string();
      clip.label = genre;
      ds.clips.push_back(std::move(clip));
    }
  }
  finish(ds, ds.root);
  return ds;
}

Dataset load_folder(const fs::path& dir) {
  Dataset ds;
  ds.root = dir.lexically_normal().string();
  ds.kind = "folder";
  const auto folders = class_folders(dir);
  if (folders.empty()) {
    throw make_error("data", "'{}' has neither a manifest.csv nor class sub-folders of audio files", dir.string());
  }
  for (const auto& folder : folders) {
    const std::string label = folder.filename().string();
    size_t found = 0;
    WalkOptions walk;
    walk.follow_symlinks = true;
    walk.skip_unreadable = false;
    for (const WalkEntry& e : walk_folder(folder.string(), is_audio_file, walk)) {
      if (e.kind == WalkEntry::Kind::unlisted) throw make_error("data", "'{}': {}", e.path, e.problem);
      if (e.kind != WalkEntry::Kind::file) continue;
      Clip clip;
      clip.path = fs::path(e.path).lexically_normal().string();
      clip.label = label;
      ds.clips.push_back(std::move(clip));
      ++found;
    }
    if (found == 0) {
      throw make_error("data", "class folder '{}' holds no audio files ({})", folder.string(),
                       fmt::join(audio_extensions(), " "));
    }
  }
  finish(ds, ds.root);
  return ds;
}

}  // namespace

std::string Clip::field(const std::string& name) const {
  const auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

bool Dataset::has_field(const std::string& name) const {
  return std::any_of(clips.begin(), clips.end(), [&](const Clip& c) { return !c.field(name).empty(); });
}

std::vector<std::string> audio_extensions() {
  return {"wav", "flac", "ogg", "mp3", "au", "aiff", "aif", "m4a", "opus"};
}

bool is_audio_file(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext.size() < 2) return false;
  const auto exts = audio_extensions();
  return std::find(exts.begin(), exts.end(), lower(ext.substr(1))) != exts.end();
}

Dataset load_dataset(const std::string& path) {
  try {
    const fs::path p(path);
    if (!fs::exists(p)) throw make_error("data", "no such file or folder '{}'", path);
    if (fs::is_regular_file(p)) {
      if (lower(p.extension().string()) != ".csv") {
        throw make_error("data", "'{}' is neither a manifest (.csv) nor a folder", path);
      }
      return load_manifest(p);
    }
    if (!fs::is_directory(p)) throw make_error("data", "'{}' is neither a manifest (.csv) nor a folder", path);
    if (fs::is_regular_file(p / "manifest.csv")) return load_manifest(p / "manifest.csv");
    for (const char* sub : {"genres", "genres_original"}) {
      if (looks_like_gtzan(p / sub)) return load_gtzan(p / sub);
    }
    if (looks_like_gtzan(p)) return load_gtzan(p);
    return load_folder(p);
  } catch (const fs::filesystem_error& e) {
    throw make_error("data", "cannot read '{}': {}", path, e.what());
  }
}

void write_manifest(const Dataset& dataset, const std::string& csv_path) {
  std::set<std::string> names;
  for (const Clip& c : dataset.clips) {
    for (const auto& [k, v] : c.fields) names.insert(k);
  }
  for (const char* reserved : {"path", "label"}) {
    if (names.count(reserved)) {
      throw make_error("data", "cannot write manifest '{}': a clip field is named '{}'", csv_path, reserved);
    }
  }
  std::error_code ec;
  const fs::path dir = fs::absolute(csv_path, ec).parent_path().lexically_normal();
  if (ec) throw make_error("data", "cannot write manifest '{}': {}", csv_path, ec.message());
  fs::create_directories(dir, ec);
  if (ec) throw make_error("data", "cannot create the folder of manifest '{}': {}", csv_path, ec.message());

  std::string out = "path,label";
  for (const auto& n : names) out += "," + csv::cell(n);
  out += "\n";
  for (const Clip& c : dataset.clips) {
    const fs::path abs = fs::absolute(c.path, ec).lexically_normal();
    if (ec) throw make_error("data", "cannot write manifest '{}': bad path '{}'", csv_path, c.path);
    fs::path rel = abs.lexically_relative(dir);
    if (rel.empty()) rel = abs;
    out += csv::cell(rel.string()) + "," + csv::cell(c.label);
    for (const auto& n : names) out += "," + csv::cell(c.field(n));
    out += "\n";
  }
  write_file_atomic(csv_path, out);
}

std::string describe(const Dataset& dataset) {
  return fmt::format("{} '{}': {} clips in {} classes", dataset.kind, dataset.root, dataset.clips.size(),
                     dataset.classes.size());
}

}  // namespace mgc::data
