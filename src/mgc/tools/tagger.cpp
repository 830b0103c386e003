#include "mgc/tools/tagger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <taglib/audioproperties.h>
#include <taglib/fileref.h>
#include <taglib/tag.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <tuple>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/lock.h"
#include "mgc/core/parallel.h"
#include "mgc/core/progress.h"
#include "mgc/data/dataset.h"
#include "mgc/data/folder_walk.h"
#include "mgc/run/predictor.h"

namespace mgc::tools {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Removes a file when it goes out of scope unless released: the temporary copy on every failure path.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

struct FdCloser {
  void operator()(const int* fd) const {
    if (*fd >= 0) ::close(*fd);
    delete fd;
  }
};

constexpr const char* kTagCopyMark = ".mgc-tag-";  // a hidden copy being tagged: ".NAME.mgc-tag-<pid>-<hex>.EXT"

// ".<name>.mgc-tag-<pid>-<random><ext>" beside `path`: TagLib picks the format by the extension, so it must be
// kept; the pid lets a later run tell a dead run's leftover from a live run's copy (tag_copy_owner).
std::string temp_name(const fs::path& path) {
  static std::mutex m;
  static std::mt19937_64 rng(std::random_device{}());
  uint64_t r;
  {
    std::lock_guard<std::mutex> lock(m);
    r = rng();
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r));
  return (path.parent_path() / ("." + path.stem().string() + kTagCopyMark + std::to_string(::getpid()) + "-" + buf +
                                 path.extension().string()))
      .string();
}

// The pid in the name of a copy that temp_name made (".NAME.mgc-tag-<pid>-<hex>.EXT"), or 0 for any other name.
long tag_copy_owner(const std::string& name) {
  return !name.empty() && name[0] == '.' ? name_pid(name, kTagCopyMark, std::string::npos) : 0;
}

// Copies src to a new file dst (O_EXCL) with the given mode, and fsyncs it.
void copy_contents(const std::string& src, const std::string& dst, mode_t mode) {
  const std::string bytes = read_file(src);
  const int fd = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
  if (fd < 0) throw make_error("tag", "cannot create a temporary copy of '{}': {}", src, std::strerror(errno));
  std::unique_ptr<int, FdCloser> guard(new int(fd));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw make_error("tag", "cannot write a temporary copy of '{}': {}", src, std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw make_error("tag", "cannot flush a temporary copy of '{}': {}", src, std::strerror(errno));
}

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

// The JSON-lines undo log: one entry per changed file, flushed to disk before the file is changed.
class UndoLog {
 public:
  // unique: never reuse an existing file (two runs in the same second get "-2", "-3" ... before the extension);
  // otherwise an existing log is appended to.
  UndoLog(const std::string& path, bool unique) : path_(path) {
    for (int n = 1; fd_ < 0; ++n) {
      if (n > 1) {
        if (!unique || n > 1000) break;
        const fs::path p(path);
        path_ = (p.parent_path() / (p.stem().string() + "-" + std::to_string(n) + p.extension().string())).string();
      }
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
      if (fd_ < 0 && errno != EEXIST) break;
      created_ = fd_ >= 0;
    }
    if (fd_ < 0 && !unique) fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) throw make_error("tag", "cannot create the undo log '{}': {}", path_, std::strerror(errno));
  }
  ~UndoLog() {
    if (fd_ >= 0) ::close(fd_);
    if (created_ && entries_ == 0) ::unlink(path_.c_str());  // nothing changed: no log to keep
  }
  UndoLog(const UndoLog&) = delete;
  UndoLog& operator=(const UndoLog&) = delete;

  void append(const std::string& file, const GenreTag& previous, const GenreTag& genre) {
    const nlohmann::json j = {{"path", file},
                              {"had_genre", previous.present()},
                              {"previous", previous.values},
                              {"genre", genre.values},
                              {"time", now_iso8601()}};
    const std::string line = j.dump() + "\n";
    std::lock_guard<std::mutex> lock(mutex_);
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd_) != 0)
      throw make_error("tag", "cannot write the undo log '{}': {}", path_, std::strerror(errno));
    ++entries_;
  }
  int64_t entries() const { return entries_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  int64_t entries_ = 0;
  std::mutex mutex_;
};

// Runs `work(i)` for each index on `threads` workers, catching mgc::Error / std::exception into a failed row,
// ticking the progress bar and calling on_row one at a time.
template <typename Work>
void run_rows(std::vector<TagRow>& rows, const TagOptions& options, const char* label, int threads, Work work) {
  Progress bar(label, static_cast<int64_t>(rows.size()), options.progress);
  std::mutex row_mutex;
  parallel_for(static_cast<int64_t>(rows.size()), threads, [&](int64_t i, int) {
    TagRow& row = rows[static_cast<size_t>(i)];
    try {
      work(row);
    } catch (const std::exception& e) {
      row.action = TagAction::failed;
      row.message = e.what();
    }
    if (options.on_row) {
      std::lock_guard<std::mutex> lock(row_mutex);
      bar.print_above([&] { options.on_row(row, options.on_row_user); });
    }
    bar.tick();
  });
}

}  // namespace

const std::vector<std::string>& taggable_extensions() {
  static const std::vector<std::string> exts = {"mp3", "flac", "ogg", "m4a", "opus", "wav"};
  return exts;
}

std::vector<std::string> find_library_files(const std::string& dir) {
  if (!fs::is_directory(dir)) throw make_error("tag", "'{}' is not a folder", dir);
  const auto& exts = taggable_extensions();
  const auto taggable = [&](const std::string& path) {
    const std::string ext = fs::path(path).extension().string();
    return ext.size() >= 2 && std::find(exts.begin(), exts.end(), lower(ext.substr(1))) != exts.end();
  };
  std::vector<std::string> files;
  for (const data::WalkEntry& e : data::walk_folder(dir, taggable))
    if (e.kind == data::WalkEntry::Kind::file) files.push_back(e.path);
  return files;
}

bool is_writable(const std::string& path) {
  const fs::path p(path);
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  struct stat fst {
  }, dst{};
  if (::stat(path.c_str(), &fst) != 0 || ::stat(dir.c_str(), &dst) != 0) return false;
  if (::access(path.c_str(), W_OK) != 0 || ::access(dir.c_str(), W_OK | X_OK) != 0) return false;
  const mode_t any_write = S_IWUSR | S_IWGRP | S_IWOTH;
  return (fst.st_mode & any_write) != 0 && (dst.st_mode & any_write) != 0;
}

void write_genre_safely(const std::string& path, const GenreTag& genre, bool keep_mtime) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw make_error("tag", "cannot stat '{}': {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw make_error("tag", "'{}' is not a regular file", path);

  // The properties of the original, to check that the tagged copy still holds the same audio.
  int length_ms = -1, sample_rate = -1, channels = -1;
  {
    TagLib::FileRef orig(path.c_str(), true, TagLib::AudioProperties::Fast);
    if (orig.isNull() || !orig.tag()) throw make_error("tag", "cannot read the tags of '{}'", path);
    if (const auto* ap = orig.audioProperties()) {
      length_ms = ap->lengthInMilliseconds();
      sample_rate = ap->sampleRate();
      channels = ap->channels();
    }
  }

  TempFile tmp(temp_name(path));
  copy_contents(path, tmp.path(), st.st_mode);
  const GenreTag want = write_genre(tmp.path(), genre);
  {
    TagLib::FileRef check(tmp.path().c_str(), true, TagLib::AudioProperties::Fast);
    if (check.isNull() || !check.tag()) throw make_error("tag", "the tagged copy of '{}' does not open again", path);
    const GenreTag got = read_genre(*check.file());
    if (got.values != want.values)
      throw make_error("tag", "the tagged copy of '{}' reads back genre '{}', not '{}'", path, got.joined(),
                       want.joined());
    const auto* ap = check.audioProperties();
    if (length_ms >= 0 && (!ap || ap->sampleRate() != sample_rate || ap->channels() != channels ||
                           std::abs(ap->lengthInMilliseconds() - length_ms) > 1))
      throw make_error("tag", "the tagged copy of '{}' has different audio properties: not replacing it", path);
  }
  // Same permissions and, where allowed, owner as the original.
  ::chmod(tmp.path().c_str(), st.st_mode & 07777);
  if (::geteuid() == 0) (void)::chown(tmp.path().c_str(), st.st_uid, st.st_gid);
  if (keep_mtime) {
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, tmp.path().c_str(), times, 0) != 0)
      throw make_error("tag", "cannot keep the modification time of '{}': {}", path, std::strerror(errno));
  }
  if (::rename(tmp.path().c_str(), path.c_str()) != 0)
    throw make_error("tag", "cannot replace '{}' with its tagged copy: {}", path, std::strerror(errno));
  tmp.release();
  // Make the rename durable.
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

const char* action_name(TagAction action) {
  switch (action) {
    case TagAction::tagged:
      return "tagged";
    case TagAction::would_tag:
      return "would tag";
    case TagAction::already_tagged:
      return "already tagged";
    case TagAction::low_confidence:
      return "low confidence";
    case TagAction::read_only:
      return "read-only";
    case TagAction::kept_existing:
      return "kept existing";
    case TagAction::restored:
      return "restored";
    case TagAction::changed_since:
      return "changed since";
    case TagAction::failed:
      return "failed";
  }
  return "?";
}

int64_t TagSummary::count(TagAction action) const {
  return std::count_if(rows.begin(), rows.end(), [&](const TagRow& r) { return r.action == action; });
}

std::string TagSummary::line() const {
  const int64_t already = count(TagAction::already_tagged), low = count(TagAction::low_confidence),
                ro = count(TagAction::read_only), kept = count(TagAction::kept_existing),
                changed = count(TagAction::changed_since);
  std::ostringstream s;
  s << rows.size() << " files: ";
  if (undo) {
    s << count(TagAction::restored) << " restored, " << (already + ro + changed) << " skipped (" << already
      << " already restored, " << changed << " changed since, " << ro << " read-only), ";
  } else {
    if (count(TagAction::would_tag) > 0) s << count(TagAction::would_tag) << " would be tagged, ";
    s << count(TagAction::tagged) << " tagged, " << (already + low + ro + kept) << " skipped (" << already
      << " already tagged, " << low << " low confidence, " << ro << " read-only, " << kept << " kept existing), ";
  }
  s << failed() << " failed";
  return s.str();
}

void validate(const TagOptions& o) {
  if (o.field != "genre")
    throw make_error("tag", "--field '{}' is not supported: only 'genre' can be written", o.field);
  if (!(o.min_confidence >= 0.0 && o.min_confidence <= 1.0))
    throw make_error("tag", "--min-confidence must be in [0, 1], got {}", o.min_confidence);
  if (!(o.min_prob >= 0.0 && o.min_prob <= 1.0))
    throw make_error("tag", "--min-prob must be in [0, 1], got {}", o.min_prob);
  if (o.top_k < 1) throw make_error("tag", "--top-k must be >= 1, got {}", o.top_k);
  if (o.jobs < 0) throw make_error("tag", "--jobs must be >= 0, got {}", o.jobs);
}

std::pair<GenreTag, std::vector<double>> propose_genres(const std::vector<std::string>& classes,
                                                        const std::vector<float>& probs, const TagOptions& options) {
  if (classes.size() != probs.size() || classes.empty())
    throw make_error("tag", "{} probabilities for {} classes", probs.size(), classes.size());
  std::vector<size_t> order(classes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return probs[a] > probs[b]; });
  std::pair<GenreTag, std::vector<double>> out;
  for (size_t rank = 0; rank < order.size() && rank < static_cast<size_t>(options.top_k); ++rank) {
    const size_t c = order[rank];
    if (rank > 0 && probs[c] < options.min_prob) break;
    out.first.values.push_back(options.raw_names ? classes[c] : genre_display_name(classes[c]));
    out.second.push_back(probs[c]);
  }
  return out;
}

TagSummary tag_library(const std::string& run_dir, const std::string& library_dir, const TagOptions& options) {
  validate(options);
  const auto files = find_library_files(library_dir);
  if (files.empty())
    throw make_error("tag", "no audio files ({}) found in '{}'", "mp3, flac, ogg, m4a, opus, wav", library_dir);
  // One writer per library: two tag --write runs would tag the same files at once and log each other's tags as the
  // state to undo to. Locked through the folder itself (core/lock.h): nothing is added to the library.
  std::optional<FolderLock> lock;
  if (options.write) lock.emplace(library_dir, "", "tag");
  const int workers = resolve_threads(options.jobs);
  // Inference is serialised inside the Predictor: one intra-op thread per worker keeps the cores busy decoding.
  const run::Predictor predictor(run_dir, 1);
  const auto& classes = predictor.classes();

  TagSummary summary;
  // Copies a killed `mgc tag --write` left beside the files it was tagging (only a dead process's): removed when
  // writing, only listed in a dry run (which changes nothing in the library).
  summary.leftovers = options.write ? remove_leftovers(library_dir, tag_copy_owner, true)
                                    : find_leftovers(library_dir, tag_copy_owner, true);
  std::unique_ptr<UndoLog> log;
  if (options.write) {
    if (options.log_path.empty()) {
      // Outside the library: a music folder holds music, and may be shared, synced or read-only.
      const fs::path dir = fs::path(user_state_dir()) / "tag";
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) throw make_error("tag", "cannot create the folder for undo logs '{}': {}", dir.string(), ec.message());
      std::string name = fs::absolute(library_dir).lexically_normal().filename().string();
      if (name.empty()) name = fs::absolute(library_dir).lexically_normal().parent_path().filename().string();
      if (name.empty() || name[0] == '.') name = "library";
      log = std::make_unique<UndoLog>((dir / (name + "-" + stamp() + ".jsonl")).string(), true);
    } else {
      log = std::make_unique<UndoLog>(options.log_path, false);
    }
  }

  summary.rows.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i) summary.rows[i].path = files[i];
  run_rows(summary.rows, options, "tag", workers, [&](TagRow& row) {
    const run::FilePrediction p = predictor.predict_file(row.path);
    std::tie(row.proposed, row.probs) = propose_genres(classes, p.probs, options);
    row.confidence = row.probs.at(0);
    row.current = read_genre(row.path);
    if (!p.music) {
      row.proposed = {};
      row.probs.clear();
      row.confidence = 0.0;
      row.action = TagAction::low_confidence;
      row.message = fmt::format("no music (level {:.1f} dBFS, below {:.0f}): never tagged", p.level_dbfs,
                                run::kNoMusicDbfs);
    } else if (row.confidence < options.min_confidence) {
      row.action = TagAction::low_confidence;
      row.message = fmt::format("confidence {:.3f} < {:.3f}", row.confidence, options.min_confidence);
    } else if (row.current.present() && same_genres(row.current.values, row.proposed.values)) {
      row.action = TagAction::already_tagged;
    } else if (row.current.present() && !options.force) {
      row.action = TagAction::kept_existing;
      row.message = fmt::format("has genre '{}' (--force replaces it)", row.current.joined());
    } else if (!is_writable(row.path)) {
      row.action = TagAction::read_only;
      row.message = "no write permission on the file or its folder";
    } else if (!options.write) {
      row.action = TagAction::would_tag;
    } else {
      log->append(fs::absolute(row.path).lexically_normal().string(), row.current, row.proposed);
      write_genre_safely(row.path, row.proposed, options.keep_mtime);
      row.action = TagAction::tagged;
    }
  });
  if (log && log->entries() > 0) summary.log_path = log->path();
  return summary;
}

void write_tag_csv(const TagSummary& summary, const std::string& path) {
  std::string out = "path,proposed_genres,probabilities,current_genres,had_genre,action,message\n";
  for (const auto& r : summary.rows)
    out += fmt::format("{},{},{:.6f},{},{},{},{}\n", csv::cell(r.path), csv::cell(r.proposed.joined()),
                       fmt::join(r.probs, "; "), csv::cell(r.current.joined()), r.current.present() ? 1 : 0,
                       csv::cell(action_name(r.action)), csv::cell(r.message));
  write_file_atomic(path, out);
}

TagSummary undo_tags(const std::string& log_path, const TagOptions& options) {
  if (options.jobs < 0) throw make_error("tag", "--jobs must be >= 0, got {}", options.jobs);
  std::ifstream in(log_path);
  if (!in) throw make_error("tag", "cannot read the undo log '{}'", log_path);
  // Per file: the first entry's previous genre (the original) and the last entry's genre (what mgc wrote last).
  struct Entry {
    GenreTag original;
    GenreTag written;
  };
  // A list of values; an earlier version's log holds one string ("" for none).
  const auto values = [](const nlohmann::json& j) {
    GenreTag g;
    if (j.is_string()) {
      if (!j.get<std::string>().empty()) g.values = {j.get<std::string>()};
    } else {
      g.values = j.get<std::vector<std::string>>();
    }
    return g;
  };
  std::map<std::string, Entry> entries;
  std::vector<std::string> order;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      const std::string path = j.at("path").get<std::string>();
      auto [it, fresh] = entries.try_emplace(path);
      if (fresh) {
        it->second.original = values(j.at("previous"));
        order.push_back(path);
      }
      it->second.written = values(j.at("genre"));
    } catch (const nlohmann::json::exception& e) {
      throw make_error("tag", "'{}' line {} is not an undo log entry: {}", log_path, n, e.what());
    }
  }
  TagSummary summary;
  summary.log_path = log_path;
  summary.undo = true;
  summary.rows.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) summary.rows[i].path = order[i];
  run_rows(summary.rows, options, "undo", resolve_threads(options.jobs), [&](TagRow& row) {
    const Entry& e = entries.at(row.path);
    row.proposed = e.original;
    row.current = read_genre(row.path);
    // An ID3v2.3 file's values come back joined with "/" (write_genre).
    if (row.current.values == e.original.values || row.current.joined("/") == e.original.joined("/")) {
      row.action = TagAction::already_tagged;
      row.message = "already has its previous genre";
    } else if (!same_genres(row.current.values, e.written.values) && !options.force) {
      row.action = TagAction::changed_since;
      row.message = fmt::format("genre is now '{}', not '{}' as mgc wrote it (--force restores anyway)",
                                row.current.joined(), e.written.joined());
    } else if (!is_writable(row.path)) {
      row.action = TagAction::read_only;
      row.message = "no write permission on the file or its folder";
    } else {
      write_genre_safely(row.path, e.original, options.keep_mtime);
      row.action = TagAction::restored;
    }
  });
  return summary;
}

}  // namespace mgc::tools
