#include "mgc/data/feature_cache.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"  // to_hex
#include "mgc/core/parallel.h"
#include "mgc/core/progress.h"
#include "mgc/core/text.h"
#include "mgc/data/dataset.h"

namespace mgc::data {
namespace {

// Version 02: checksum and key by content_hash (01 used FNV-1a; its entries are simply not found any more).
constexpr char kMagic[8] = {'M', 'G', 'C', 'M', 'E', 'L', '0', '2'};
constexpr size_t kHeader = 8 + 8 + 8 + 8;  // magic, rows, cols, checksum

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull, kP2 = 0xC2B2AE3D27D4EB4Full, kP3 = 0x165667B19E3779F9ull,
                   kP4 = 0x85EBCA77C2B2AE63ull, kP5 = 0x27D4EB2F165667C5ull;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t round64(uint64_t acc, uint64_t w) { return rotl(acc + w * kP2, 31) * kP1; }
inline uint64_t load64(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// 64-bit content hash after XXH64's design: four independent lanes over 8-byte words, so it runs near memory
// speed. FNV-1a's byte-serial multiply chain (core/hash.h) cost about 1.5 ns/byte, 30% of a cold extract and
// most of a warm one (the 1.3 MB WAV is hashed for the key, the 0.66 MB log-mel for the checksum).
// Not cryptographic. Values are for little-endian machines (the words are read in native order).
uint64_t content_hash(const void* data, size_t n, uint64_t seed = 0) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
    for (; p + 32 <= end; p += 32) {
      v1 = round64(v1, load64(p));
      v2 = round64(v2, load64(p + 8));
      v3 = round64(v3, load64(p + 16));
      v4 = round64(v4, load64(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    for (uint64_t v : {v1, v2, v3, v4}) h = (h ^ round64(0, v)) * kP1 + kP4;
  } else {
    h = seed + kP5;
  }
  h += static_cast<uint64_t>(n);
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round64(0, load64(p)), 27) * kP1 + kP4;
  for (; p < end; ++p) h = rotl(h ^ (*p * kP5), 11) * kP1;
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

}  // namespace

void FeatureConfig::validate() const {
  if (sample_rate < audio::kMinSampleRate || sample_rate > audio::kMaxSampleRate)
    throw make_error("cache", "FeatureConfig.sample_rate must be in {}..{} Hz, got {}", audio::kMinSampleRate,
                     audio::kMaxSampleRate, sample_rate);
  if (mel.sample_rate != sample_rate)
    throw make_error("cache", "FeatureConfig.mel.sample_rate ({}) must equal FeatureConfig.sample_rate ({})",
                     mel.sample_rate, sample_rate);
  mel.validate();
  db.validate();
  if (scale != "db" && scale != "musicnn")
    throw make_error("cache", "FeatureConfig.scale must be db or musicnn, got '{}'", scale);
}

std::string FeatureConfig::key() const {
  return fmt::format(
      "sr={};n_fft={};hop={};win={};center={};pad={};power={};n_mels={};fmin={};fmax={};htk={};norm={};"
      "ref_max={};ref={};amin={};top_db={}",
      sample_rate, mel.stft.n_fft, mel.stft.hop_length, mel.stft.effective_win_length(), mel.stft.center,
      mel.stft.pad_mode == features::PadMode::Reflect ? "reflect" : "constant", mel.power, mel.n_mels, mel.fmin,
      mel.effective_fmax(), mel.htk, mel.norm == features::MelNorm::Slaney ? "slaney" : "none", db.ref_max,
      db.ref_value, db.amin, db.top_db) + (is_db() ? "" : ";scale=" + scale);  // db keys stay as they were
}

features::Spectrogram compute_features(const std::string& audio_path, const FeatureConfig& config) {
  audio::AudioConfig ac;
  ac.sample_rate = config.sample_rate;
  ac.mono = true;
  return compute_features(audio::load_audio(audio_path, ac), config);
}

features::Spectrogram compute_features(const audio::Audio& a, const FeatureConfig& config) {
  if (a.channels != 1 || a.sample_rate != config.sample_rate)
    throw make_error("features", "log-mel needs mono audio at {} Hz, got {} channel(s) at {} Hz", config.sample_rate,
                     a.channels, a.sample_rate);
  if (a.samples.empty()) throw make_error("features", "log-mel of audio with no samples");
  // One engine per thread and configuration: the FFT plan and filter bank are built once.
  thread_local std::string engine_key;
  thread_local std::unique_ptr<features::MelSpectrogram> engine;
  const std::string key = config.key();
  if (!engine || engine_key != key) {
    engine = std::make_unique<features::MelSpectrogram>(config.mel);
    engine_key = key;
  }
  if (config.is_db()) return engine->log_mel(a.samples, config.db);
  features::Spectrogram s = engine->power(a.samples);
  features::musicnn_log_compress(s);
  return s;
}

FeatureCache::FeatureCache(std::string dir, FeatureConfig config)
    : dir_(std::move(dir)), config_(std::move(config)) {
  config_.validate();
  config_key_ = config_.key();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw make_error("cache", "cannot create cache folder '{}': {}", dir_, ec.message());
}

std::string FeatureCache::entry_path(const std::string& audio_path) const {
  const std::string bytes = read_file(audio_path);
  const uint64_t h = content_hash(bytes.data(), bytes.size(), content_hash(config_key_.data(), config_key_.size()));
  const std::string hex = to_hex(h);
  return dir_ + "/" + hex.substr(0, 2) + "/" + hex + ".mel";
}

features::Spectrogram FeatureCache::get(const std::string& audio_path, bool* hit) const {
  bool found = false;
  std::string entry;
  features::Spectrogram s = load_or_compute(audio_path, &found, &entry);
  if (hit) *hit = found;
  if (!found) store(entry, s);
  return s;
}

features::Spectrogram FeatureCache::load_or_compute(const std::string& audio_path, bool* hit,
                                                    std::string* entry) const {
  *entry = entry_path(audio_path);
  *hit = false;
  if (std::filesystem::exists(*entry)) {
    try {
      features::Spectrogram s = read_feature_file(*entry);
      *hit = true;
      return s;
    } catch (const Error& e) {
      print_warning(std::string(e.what()) + "; recomputing it");
    }
  }
  return compute_features(audio_path, config_);
}

void FeatureCache::store(const std::string& entry, const features::Spectrogram& s) const {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(entry).parent_path(), ec);
  if (ec) throw make_error("cache", "cannot create the folder of '{}': {}", entry, ec.message());
  write_feature_file(entry, s);
}

features::Spectrogram read_feature_file(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < kHeader || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw make_error("cache", "'{}' is not a feature file (bad magic or truncated header)", path);
  int64_t rows, cols;
  uint64_t checksum;
  std::memcpy(&rows, bytes.data() + 8, 8);
  std::memcpy(&cols, bytes.data() + 16, 8);
  std::memcpy(&checksum, bytes.data() + 24, 8);
  if (rows <= 0 || cols <= 0 || rows > 4096 || cols > (int64_t{1} << 30))
    throw make_error("cache", "'{}' declares an impossible {}x{} matrix", path, rows, cols);
  const size_t payload = static_cast<size_t>(rows * cols) * sizeof(float);
  if (bytes.size() != kHeader + payload)
    throw make_error("cache", "'{}' is truncated or padded: {} bytes, expected {}", path, bytes.size(),
                     kHeader + payload);
  if (content_hash(bytes.data() + kHeader, payload) != checksum)
    throw make_error("cache", "'{}' fails its checksum (corrupted)", path);
  features::Spectrogram s(rows, cols);
  std::memcpy(s.values.data(), bytes.data() + kHeader, payload);
  return s;
}

void write_feature_file(const std::string& path, const features::Spectrogram& s) {
  const size_t payload = s.values.size() * sizeof(float);
  std::string bytes(kHeader + payload, '\0');
  std::memcpy(bytes.data(), kMagic, 8);
  std::memcpy(bytes.data() + 8, &s.rows, 8);
  std::memcpy(bytes.data() + 16, &s.cols, 8);
  const uint64_t checksum = content_hash(s.values.data(), payload);
  std::memcpy(bytes.data() + 24, &checksum, 8);
  std::memcpy(bytes.data() + kHeader, s.values.data(), payload);
  write_file_atomic(path, bytes, /*sync=*/false);  // checksummed: a crash leaves a detectable entry
}

ExtractReport extract_features(const Dataset& dataset, const FeatureCache& cache, int threads, bool progress) {
  ExtractReport report;
  report.leftovers = static_cast<int64_t>(remove_leftovers(cache.dir(), atomic_temp_owner, true).size());
  std::mutex mutex;
  Progress bar("extract", static_cast<int64_t>(dataset.clips.size()), progress);
  const auto n = static_cast<int64_t>(dataset.clips.size());
  parallel_for(n, threads, [&](int64_t i, int) {
    const std::string& path = dataset.clips[static_cast<size_t>(i)].path;
    bool hit = false, computed = false;
    try {
      std::string entry;
      const features::Spectrogram s = cache.load_or_compute(path, &hit, &entry);
      computed = true;
      if (!hit) cache.store(entry, s);
      std::lock_guard<std::mutex> lock(mutex);
      (hit ? report.reused : report.computed)++;
    } catch (const Error& e) {
      std::lock_guard<std::mutex> lock(mutex);
      report.failed++;
      (computed ? report.unwritable : report.undecodable)++;
      report.errors.push_back(e.what());
    }
    bar.tick();
  });
  bar.finish();
  report.seconds = bar.elapsed_seconds();
  return report;
}

std::vector<int64_t> segment_starts(int64_t frames, int64_t window, int64_t hop) {
  if (window <= 0 || hop <= 0)
    throw make_error("cache", "segment window and hop must be positive frames, got {} and {}", window, hop);
  std::vector<int64_t> starts;
  if (frames <= window) return {0};
  for (int64_t s = 0; s + window <= frames; s += hop) starts.push_back(s);
  const int64_t covered = starts.back() + window;
  if (frames - covered > hop / 2) starts.push_back(frames - window);
  return starts;
}

features::Spectrogram crop_frames(const features::Spectrogram& s, int64_t start, int64_t window, float pad_value) {
  if (start < 0 || window <= 0) throw make_error("cache", "crop_frames: bad window [{}, +{})", start, window);
  features::Spectrogram out(s.rows, window);
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t c = 0; c < window; ++c) {
      const int64_t src = start + c;
      out.at(r, c) = src < s.cols ? s.at(r, src) : pad_value;
    }
  }
  return out;
}

std::string cache_folder(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* d = std::getenv("MGC_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/mgc/features";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/mgc/features";
  return ".mgc-cache";
}

}  // namespace mgc::data
