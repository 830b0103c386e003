#pragma once
// Tagging a music library with a trained run: classify every file, propose a genre, and (only when asked) write
// it into the file's genre tag with TagLib, through a copy that is verified and renamed into place, logging the
// previous value to a JSON-lines undo log first. Header kept free of TagLib and libtorch.
#include <cstdint>
#include <string>
#include <vector>

namespace mgc::tools {

// The extensions `mgc tag` walks (lower case, no dot): mp3, flac, ogg, m4a, opus, wav.
const std::vector<std::string>& taggable_extensions();

// Audio files under `dir` (recursive, sorted) with a taggable extension. Hidden files and folders (".name") are
// left out, so the undo logs and any leftover temporary copies are never walked. Throws mgc::Error ("tag: ...")
// if `dir` is not a folder.
std::vector<std::string> find_library_files(const std::string& dir);

// A genre tag as found in a file: `present` is false when the file has none (or an empty one).
struct GenreTag {
  bool present = false;
  std::string value;  // UTF-8
};

// Reads the generic genre of a file with TagLib. Throws mgc::Error naming the file if TagLib cannot open it.
GenreTag read_genre(const std::string& path);

// Sets (or, when !genre.present, removes) the genre of `path` without ever leaving a damaged file: copies it to a
// temporary file in the same folder, tags the copy, reopens it to check that the genre and the audio properties
// read back, gives it the original's permissions (and the original's access/modification times when keep_mtime),
// then renames it over the original. On any failure the copy is removed, the original is untouched, and
// mgc::Error ("tag: ...") naming the file is thrown.
void write_genre_safely(const std::string& path, const GenreTag& genre, bool keep_mtime = true);

// True when the file and its folder may be written. As root, access(2) allows every write, so a file or folder
// with no write bit at all (chmod a-w) also counts as read-only: the user marked it so on purpose.
bool is_writable(const std::string& path);

enum class TagAction {
  tagged,          // the genre was written (with --write)
  would_tag,       // dry run: it would be written
  already_tagged,  // the current genre equals the proposal (case-insensitive): nothing to do
  low_confidence,  // the top probability is below min_confidence
  read_only,       // no write permission on the file or its folder
  kept_existing,   // the file has another, non-empty genre and `force` is off
  restored,        // undo: the previous genre was put back
  changed_since,   // undo: the genre is no longer the one mgc wrote and `force` is off
  failed,          // decode, tag read or tag write failed: see `message`
};

// A short lower-case name for a TagAction ("tagged", "would tag", "already tagged" ...).
const char* action_name(TagAction action);

struct TagRow {
  std::string path;
  std::string proposed;     // proposed genre (tag) or genre to restore (undo); empty if unknown
  double confidence = 0.0;  // probability of the proposed genre (tag only)
  GenreTag current;         // the genre found in the file before any change
  TagAction action = TagAction::failed;
  std::string message;  // why it failed or was skipped, for the user
};

struct TagOptions {
  bool write = false;           // false: dry run, nothing is written
  double min_confidence = 0.5;  // in [0, 1]: proposals below it are skipped
  std::string field = "genre";  // the tag field to write; only "genre" is supported
  int threads = 0;              // files decoded and classified at once (0 = all cores)
  bool force = false;           // replace an existing different genre; undo over a genre changed since
  bool keep_mtime = true;       // give the tagged file the original's modification time
  std::string log_path;         // undo log (with write), appended to if it exists; empty = a new
                                // <library>/.mgc-tag-log-<timestamp>[-N].jsonl, removed again if nothing changed
  bool progress = true;         // progress bar on stderr
  // Called once per file as soon as it is done, from worker threads but never two at a time (e.g. to print).
  void (*on_row)(const TagRow& row, void* user) = nullptr;
  void* on_row_user = nullptr;
};

struct TagSummary {
  std::vector<TagRow> rows;  // one per file, in path order
  std::string log_path;      // the undo log written, empty if nothing was changed
  bool undo = false;         // made by undo_tags: line() speaks of restoring
  std::vector<std::string> leftovers;  // hidden copies a killed tag run left in the library: removed first when
                                       // writing, only listed in a dry run
  int64_t count(TagAction action) const;
  int64_t failed() const { return count(TagAction::failed); }
  // "12 files: 8 tagged, 3 skipped (2 already tagged, 1 low confidence, 0 read-only, 0 kept existing), 1 failed";
  // for an undo "4 files: 3 restored, 1 skipped (0 already restored, 1 changed since, 0 read-only), 0 failed".
  std::string line() const;
};

// Checks options (field == "genre", min_confidence in [0, 1], threads >= 0). Throws mgc::Error ("tag: ...").
void validate(const TagOptions& options);

// Classifies every file of `library_dir` with the run in `run_dir` and proposes its top genre; with
// options.write, writes it (see write_genre_safely) after appending {path, had_genre, previous, genre, time} to
// the undo log. A file that fails is reported in its row and the others go on. Throws mgc::Error for a bad run,
// bad options, an empty library, or an undo log that cannot be created.
TagSummary tag_library(const std::string& run_dir, const std::string& library_dir, const TagOptions& options);

// Writes the rows as CSV (path,proposed_genre,confidence,current_genre,had_genre,action,message) atomically.
void write_tag_csv(const TagSummary& summary, const std::string& path);

// Restores the previous genres recorded in an undo log through write_genre_safely: per file, the previous genre
// of its first entry (a file logged twice gets its original back). A file whose genre is no longer the one mgc wrote is
// left alone unless options.force. Uses options.keep_mtime, force, progress and on_row. Throws mgc::Error if the log
// cannot be read or a line is not a valid entry (naming the line).
TagSummary undo_tags(const std::string& log_path, const TagOptions& options);

}  // namespace mgc::tools
