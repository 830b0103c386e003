#pragma once
// Log-mel features computed once per clip and kept on disk. An entry is keyed by the audio file's content hash
// and every setting that shapes the features (FeatureConfig::key()), written atomically, and carries a checksum:
// a truncated or corrupted entry is detected, reported and recomputed, never used.
#include <cstdint>
#include <string>
#include <vector>

#include "mgc/audio/audio.h"
#include "mgc/features/mel.h"

namespace mgc::data {

struct Dataset;

struct FeatureConfig {
  int sample_rate = 22050;         // Hz the audio is resampled to (mono)
  features::MelConfig mel;         // n_fft 2048, hop 512, 128 Slaney mels (librosa's defaults)
  features::DbConfig db{true, 1.0, 1e-10, 80.0};  // dB relative to the clip's maximum, 80 dB range: [-80, 0]
  // How mel power becomes the feature: "db" (power_to_db with `db` above: mgc's log-mel) or "musicnn"
  // (features::musicnn_log_compress, log10(1 + 10000 * float16(x)): the input musicnn's checkpoints were trained on;
  // `db` is then unused).
  std::string scale = "db";
  bool is_db() const { return scale == "db"; }

  // Throws mgc::Error naming the field on an invalid setting (also checks mel.sample_rate == sample_rate).
  void validate() const;
  // Canonical text of every setting; part of each cache key.
  std::string key() const;
  // Frames per second of the log-mel (sample_rate / hop).
  double frame_rate() const { return static_cast<double>(sample_rate) / mel.stft.hop_length; }
};

// Decodes a file and computes its log-mel [n_mels, frames] (in dB, or musicnn's log: FeatureConfig::scale).
// Throws mgc::Error on bad audio.
features::Spectrogram compute_features(const std::string& audio_path, const FeatureConfig& config);
// The same from decoded audio, which must be mono at config.sample_rate (audio::load_audio with those settings);
// throws mgc::Error ("features: ...") otherwise or when it holds no samples.
features::Spectrogram compute_features(const audio::Audio& mono, const FeatureConfig& config);

// The feature cache's folder: `given` when not empty, else $MGC_CACHE_DIR, else $XDG_CACHE_HOME/mgc/features,
// else ~/.cache/mgc/features, else ".mgc-cache" (no HOME). Never throws.
std::string cache_folder(const std::string& given);

class FeatureCache {
 public:
  // Creates `dir` if needed. Throws mgc::Error if it cannot, or on an invalid config.
  FeatureCache(std::string dir, FeatureConfig config);

  const FeatureConfig& config() const { return config_; }
  const std::string& dir() const { return dir_; }

  // The clip's log-mel, from the cache when a valid entry exists (*hit = true), else computed and stored.
  // A corrupt entry is reported on stderr and replaced. Throws mgc::Error if the audio cannot be decoded.
  // Thread-safe: distinct threads may ask for the same or different clips.
  features::Spectrogram get(const std::string& audio_path, bool* hit = nullptr) const;
  // get() in its two steps, for a caller that tells a clip it cannot decode from an entry it cannot write.
  // load_or_compute: the cached log-mel (*hit = true) or one computed now and not stored; *entry gets the
  // entry's path. Throws mgc::Error if the audio cannot be read or decoded.
  features::Spectrogram load_or_compute(const std::string& audio_path, bool* hit, std::string* entry) const;
  // store: writes an entry atomically, creating its folder. Throws mgc::Error ("cache: ..." or "io: ...") naming
  // the entry when it cannot (disk full, read-only cache, a file where its folder should be).
  void store(const std::string& entry, const features::Spectrogram& s) const;

  // Where the entry of this audio file lives (hashes the file's content).
  std::string entry_path(const std::string& audio_path) const;

 private:
  std::string dir_;
  FeatureConfig config_;
  std::string config_key_;
};

// Reads a cache entry. Throws mgc::Error ("cache: ...") naming the file if it is missing, truncated or fails
// its checksum.
features::Spectrogram read_feature_file(const std::string& path);
// Writes a cache entry atomically.
void write_feature_file(const std::string& path, const features::Spectrogram& s);

struct ExtractReport {
  int64_t computed = 0;
  int64_t reused = 0;
  int64_t failed = 0;                // clips with no entry: undecodable + unwritable
  int64_t undecodable = 0;           // the audio could not be read or decoded
  int64_t unwritable = 0;            // computed, but the entry could not be written (disk full, permissions)
  int64_t leftovers = 0;            // temporary entries of interrupted runs found in the cache and removed
  std::vector<std::string> errors;  // one line per failed clip
  double seconds = 0.0;
};

// Fills the cache for every clip of the dataset on `threads` threads (0: all cores) with a progress bar.
// A clip that cannot be decoded, or whose entry cannot be written, is counted (apart) and reported, and the rest
// go on. First removes the temporary entries
// that a killed run left in the cache (core/fs.h remove_leftovers).
ExtractReport extract_features(const Dataset& dataset, const FeatureCache& cache, int threads, bool progress = true);

// Start frames of fixed windows of `window` frames every `hop` frames over a clip of `frames` frames. A clip
// shorter than a window gives one window at 0 (the caller pads). The last window ends at or before the end,
// plus a final window flush with the end when the regular ones leave more than half a hop uncovered.
std::vector<int64_t> segment_starts(int64_t frames, int64_t window, int64_t hop);

// The window [start, start + window) of s as a [rows, window] matrix, padded with `pad_value` past the end.
features::Spectrogram crop_frames(const features::Spectrogram& s, int64_t start, int64_t window, float pad_value);

}  // namespace mgc::data
