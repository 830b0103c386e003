#pragma once
// Tagging a music library with a trained run: classify every file, propose genres, and (only when asked) write
// them into the file's genre tag with TagLib (genre_tags.h), through a copy that is verified and renamed into place,
// logging the previous values to a JSON-lines undo log first. Header kept free of TagLib and libtorch.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mgc/tools/genre_tags.h"

namespace mgc::tools {

// The extensions `mgc tag` walks (lower case, no dot): mp3, flac, ogg, m4a, opus, wav.
const std::vector<std::string>& taggable_extensions();

// Audio files under `dir` (recursive, sorted) with a taggable extension. Hidden files and folders (".name") are
// left out, so leftover temporary copies (and earlier versions' undo logs) are never walked. Throws mgc::Error ("tag: ...")
// if `dir` is not a folder.
std::vector<std::string> find_library_files(const std::string& dir);

// Sets (or, when !genre.present(), removes) the genre of `path` (natively per format: write_genre) without ever
// leaving a damaged file: copies it to a temporary file in the same folder, tags the copy, reopens it to check that
// the genre and the audio properties read back, gives it the original's permissions (and the original's access/modification times when keep_mtime),
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
  GenreTag proposed;           // proposed genres, most probable first (tag) or the genre to restore (undo)
  std::vector<double> probs;   // the probability of each proposed genre (tag only)
  double confidence = 0.0;     // the top genre's probability (tag only; also when it is below min_confidence)
  GenreTag current;            // the genre found in the file before any change
  TagAction action = TagAction::failed;
  std::string message;  // why it failed or was skipped, for the user
};

struct TagOptions {
  bool write = false;           // false: dry run, nothing is written
  double min_confidence = 0.5;  // in [0, 1]: a file whose top genre is below it is skipped
  int top_k = 1;                // genres written per file, at most (>= 1): the top one, then the next ones ...
  double min_prob = 0.25;       // in [0, 1]: ... that each reach this probability
  bool raw_names = false;       // write the run's class names ("hiphop"), not genre_display_name ("Hip-Hop")
  std::string field = "genre";  // the tag field to write; only "genre" is supported
  int jobs = 0;                 // files decoded and classified at once (0 = all cores)
  bool force = false;           // replace an existing different genre; undo over a genre changed since
  bool keep_mtime = true;       // give the tagged file the original's modification time
  std::string log_path;         // undo log (with write), appended to if it exists; empty = a new
                                // <user_state_dir()>/tag/<library name>-<timestamp>[-N].jsonl, outside the library,
                                // removed again if nothing changed
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

// Checks options (field == "genre", min_confidence and min_prob in [0, 1], top_k >= 1, jobs >= 0). Throws
// mgc::Error ("tag: ...").
void validate(const TagOptions& options);

// The genres proposed for one file from its class probabilities (`classes[i]` has `probs[i]`): the top class, then
// up to top_k - 1 more in order of probability that each reach min_prob, named by genre_display_name unless
// raw_names. Ties keep the class order. Returns the names and their probabilities.
std::pair<GenreTag, std::vector<double>> propose_genres(const std::vector<std::string>& classes,
                                                        const std::vector<float>& probs, const TagOptions& options);

// Classifies every file of `library_dir` with the run in `run_dir` and proposes genres (propose_genres); with
// options.write, writes them (see write_genre_safely) after appending {path, had_genre, previous, genre, time} to
// the undo log (previous and genre: lists of values). A file that fails is reported in its row and the others go on. Throws mgc::Error for a bad run,
// bad options, an empty library, or an undo log that cannot be created.
TagSummary tag_library(const std::string& run_dir, const std::string& library_dir, const TagOptions& options);

// Writes the rows as CSV atomically: path,proposed_genres,probabilities,current_genres,had_genre,action,message,
// several values joined with "; " (probabilities with 6 decimals, in the genres' order).
void write_tag_csv(const TagSummary& summary, const std::string& path);

// Restores the previous genres recorded in an undo log through write_genre_safely: per file, the previous genre
// of its first entry (a file logged twice gets its original back). Reads the logs of earlier versions too (previous
// and genre as one string). A file whose genre is no longer the one mgc wrote is
// left alone unless options.force. Uses options.jobs, keep_mtime, force, progress and on_row. Throws mgc::Error if the log
// cannot be read or a line is not a valid entry (naming the line).
TagSummary undo_tags(const std::string& log_path, const TagOptions& options);

}  // namespace mgc::tools
