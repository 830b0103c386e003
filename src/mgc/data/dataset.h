#pragma once
// Datasets of labelled audio clips, found on disk in one of three layouts (docs/DATA.md):
//   manifest  a CSV with a header, a `path` column and a `label` (or `genre`) column; every other column is kept
//             as a per-clip field (groove, tempo, seed, split, artist ...). Paths are relative to the CSV's folder.
//   gtzan     GTZAN's tree: `genres/<genre>/<genre>.NNNNN.wav|au` (or the genre folders directly).
//   folder    one sub-folder per class holding audio files (searched recursively).
// Loading only lists and checks files; nothing is decoded here.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mgc::data {

struct Clip {
  std::string path;      // usable path: absolute, or relative to the current directory as the dataset was given
  std::string label;     // class name
  int label_index = -1;  // index into Dataset::classes
  // Every other manifest column by its (lower-cased) header name: groove, tempo, seed, split, artist ...
  // Empty for the folder and GTZAN layouts.
  std::map<std::string, std::string> fields;

  // The value of a field, "" if the clip has none.
  std::string field(const std::string& name) const;
};

struct Dataset {
  std::string root;  // manifest: the CSV's folder; folder: the folder given; gtzan: the folder of the genre folders
  std::string kind;  // "manifest", "folder" or "gtzan"
  std::vector<std::string> classes;  // sorted (byte order); Clip::label_index indexes this
  std::vector<Clip> clips;           // sorted by path, no path twice

  // True if at least one clip has a non-empty value for the field.
  bool has_field(const std::string& name) const;
};

// Lower-case extensions (without the dot) that count as audio in the folder and GTZAN layouts:
// wav flac ogg mp3 au aiff aif m4a opus. Matching is case-insensitive.
std::vector<std::string> audio_extensions();

// True if the file name ends in one of audio_extensions() (any case).
bool is_audio_file(const std::string& path);

// Loads a dataset, detecting its layout:
//   - a .csv file, or a folder holding manifest.csv                      -> "manifest"
//   - a folder holding genres/ (or genres_original/) laid out as GTZAN,
//     or GTZAN's genre folders directly (every class folder one of GTZAN's ten genres, and every audio file in it
//     named <genre>.NNNNN.wav|au)                                        -> "gtzan"
//   - any other folder with one sub-folder per class holding audio files -> "folder"
// Hidden files and folders (".x") and files at the top level of a folder layout are ignored.
// Manifest rules: the header is required; column names are trimmed and lower-cased; `path` is required, the label is
// `label` or else `genre`; an optional `split` column holds train, val, valid, validation or test (any case).
// Throws mgc::Error ("data: ...") naming the file or value: path missing, not a .csv, malformed CSV (with the line),
// missing columns, empty path or label, bad split value, manifest rows naming missing files (one error with the
// count and the first few names), a path listed twice, a class folder with no audio files, an empty dataset.
Dataset load_dataset(const std::string& path);

// Writes the dataset as a manifest CSV (atomically; creates the folder if needed): columns path, label, then every
// field name in sorted order. Paths are written relative to the CSV's folder, so load_dataset(csv_path) gives the
// same clips back. Throws mgc::Error if a field is named "path" or "label", or if the file cannot be written.
void write_manifest(const Dataset& dataset, const std::string& csv_path);

// One line such as "gtzan 'data/genres': 1000 clips in 10 classes".
std::string describe(const Dataset& dataset);

}  // namespace mgc::data
