#include "mgc/run/predictor.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>
#include <nlohmann/json.hpp>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/data/feature_cache.h"
#include "mgc/features/mel.h"
#include "mgc/models/classifier.h"
#include "mgc/models/runtime.h"
#include "mgc/run/harmony.h"
#include "mgc/run/model.h"
#include "mgc/run/run_dir.h"

namespace mgc::run {
namespace {

// Windows classified in one forward pass. The activations of a batch are most of a prediction's memory, and on the
// CPU a larger batch is not faster (measured: docs/PERFORMANCE.md, "Music library").
constexpr int64_t kWindowsPerBatch = 16;

}  // namespace

struct Predictor::Impl {
  TrainConfig config;
  std::vector<std::string> classes;
  std::shared_ptr<models::Classifier> model;
  torch::Device device{torch::kCPU};
  StreamConfig stream;
  std::unique_ptr<HarmonyModel> harmony;      // RUN/harmony.json, when the run has one
  std::unique_ptr<features::ChromaCqt> chroma;       // its chroma engine
  bool use_harmony = false;
  mutable std::mutex mutex;  // one forward pass at a time per model

  torch::Tensor probs(const torch::Tensor& db_windows) const {
    std::lock_guard<std::mutex> lock(mutex);
    return predict_probs(*model, db_windows, config, kWindowsPerBatch, device);
  }
  FilePrediction predict_streamed(const std::string& path) const;
  // Whether predict_file streams `path` (StreamConfig; by its header, never throws).
  bool streams(const std::string& path) const;

  // A decoded file's prediction but for the CNN's forward pass: its log-mel, level and (with the harmony model
  // on a file that is music) the harmony model's probabilities. Made on any thread: no libtorch in it.
  struct Prepared {
    features::Spectrogram mel;
    double level_dbfs = 0.0;
    int64_t frames = 0;  // decoded samples (mono)
    int sample_rate = 0;
    std::vector<float> harmony;  // empty: the CNN's vote alone
  };
  Prepared prepare(const audio::Audio& mono, const std::string& name) const;
  // The CNN's windows of a log-mel and their mean (the audio's length is the frames' span; no level).
  FilePrediction cnn(const features::Spectrogram& mel) const;
  // The CNN on a prepared file, combined with the harmony model's probabilities where there are some.
  FilePrediction finish(const Prepared& p, const std::string& name) const;
  // The harmony model's probabilities for a decoded clip (mono at its chroma's rate); empty when the clip is
  // shorter than the longest lag, whose file then keeps the CNN's vote.
  std::vector<float> harmony_probs(const audio::Audio& mono, const std::string& path) const {
    try {
      return harmony->predict(clip_harmony_features(mono, path, *chroma, harmony->options));
    } catch (const Error&) {
      return {};
    }
  }
};

namespace {

// Formats whose length in the header is exact and whose seeks are sample-accurate in libsndfile.
bool exact_seekable(const audio::AudioInfo& info) {
  for (const char* f : {"WAV", "AIFF", "AU ", "W64", "RF64", "CAF", "FLAC"})
    if (info.format.rfind(f, 0) == 0) return true;
  return false;
}

// The level of a signal around its mean, accumulated block by block (double sums: exact enough for hours of audio).
struct Level {
  double sum = 0.0, squares = 0.0;
  int64_t n = 0;
  void add(const float* x, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
      sum += x[i];
      squares += static_cast<double>(x[i]) * x[i];
    }
    n += count;
  }
  double dbfs() const {
    if (n == 0) return -std::numeric_limits<double>::infinity();
    const double mean = sum / static_cast<double>(n);
    const double variance = std::max(0.0, squares / static_cast<double>(n) - mean * mean);
    return variance > 0.0 ? 10.0 * std::log10(variance) : -std::numeric_limits<double>::infinity();
  }
};

// The decoded length in seconds (not the frames' span, which a centred STFT makes up to a hop longer); the
// timeline's last window is cut there.
void set_length(FilePrediction& out, int64_t samples, int sample_rate) {
  out.audio_seconds = sample_rate > 0 ? static_cast<double>(samples) / sample_rate : 0.0;
  for (SegmentResult& s : out.segments) s.end_seconds = std::min(s.end_seconds, out.audio_seconds);
}

}  // namespace

void apply_level(FilePrediction& out, double level_dbfs) {
  out.level_dbfs = level_dbfs;
  out.music = level_dbfs >= kNoMusicDbfs;
  if (out.music) return;
  if (!out.probs.empty()) out.probs.assign(out.probs.size(), 1.0f / static_cast<float>(out.probs.size()));
  out.harmony = false;
  out.cnn_probs.clear();
  out.harmony_probs.clear();
}

double level_dbfs(const float* samples, int64_t n) {
  Level level;
  level.add(samples, n);
  return level.dbfs();
}

namespace {

// Calls fn(power, first_frame, samples, count) with the mel power spectrogram of the file (mono at fc.sample_rate),
// in consecutive runs of frames [first_frame, first_frame + power.cols), and the block's own samples (each sample of the
// file in one call at most), decoding `block_seconds` of audio at a time. Each block
// is decoded with a margin of whole seconds on both sides, so every frame sees the same samples as a whole-file
// STFT would (block starts are whole seconds: exact sample offsets at both the native and the target rate).
template <class Fn>
void for_each_power_block(const std::string& path, const data::FeatureConfig& fc, double block_seconds, Fn&& fn) {
  const int64_t sr = fc.sample_rate;
  const int64_t hop = fc.mel.stft.hop_length;
  const int64_t k = (fc.mel.stft.n_fft / 2 + hop - 1) / hop;  // frames of context either side
  const int64_t block = std::max<int64_t>(1, std::llround(block_seconds));
  const int64_t margin = 1 + (k * hop + fc.mel.stft.n_fft + sr - 1) / sr;  // STFT context + resampler settling
  const features::MelSpectrogram engine(fc.mel);
  int64_t next = 0;
  for (int64_t b = 0;; ++b) {
    const int64_t t0 = b * block;
    const int64_t dec0 = std::max<int64_t>(0, t0 - margin);
    const int64_t dec_seconds = t0 + block + margin - dec0;
    audio::AudioConfig ac;
    ac.sample_rate = fc.sample_rate;
    ac.mono = true;
    ac.offset = static_cast<double>(dec0);
    ac.duration = static_cast<double>(dec_seconds);
    const audio::Audio a = audio::load_audio(path, ac);
    const int64_t g0 = dec0 * sr;  // global index of a.samples[0]
    const int64_t n_end = g0 + static_cast<int64_t>(a.samples.size());
    const bool last = static_cast<int64_t>(a.samples.size()) < dec_seconds * sr;
    const int64_t f0 = next;
    const int64_t f1 = last ? n_end / hop + 1 : ((t0 + block) * sr + hop - 1) / hop;
    if (f1 > f0) {
      const int64_t s0 = std::max<int64_t>(0, f0 - k);  // the slice starts at frame s0's centre
      const int64_t begin = s0 * hop;
      const int64_t end = last ? n_end : std::min(n_end, (f1 - 1 + k) * hop + 1);
      if (begin < g0 || end <= begin)
        throw make_error("predict", "'{}': streaming block {} does not cover frames {}..{}", path, b, f0, f1);
      const features::Spectrogram p = engine.power(a.samples.data() + (begin - g0), end - begin);
      const int64_t skip = f0 - s0;
      if (p.cols < skip + (f1 - f0))
        throw make_error("predict", "'{}': streaming block {} has {} frames, expected {}", path, b, p.cols,
                         skip + (f1 - f0));
      features::Spectrogram own(p.rows, f1 - f0);
      for (int64_t r = 0; r < p.rows; ++r)
        std::copy_n(p.values.begin() + r * p.cols + skip, f1 - f0, own.values.begin() + r * own.cols);
      const int64_t own0 = std::max(g0, t0 * sr), own1 = last ? n_end : std::min(n_end, (t0 + block) * sr);
      fn(own, f0, a.samples.data() + (own0 - g0), std::max<int64_t>(0, own1 - own0));
      next = f1;
    }
    if (last) break;
  }
}

}  // namespace

int FilePrediction::top() const {
  return probs.empty() ? -1 : static_cast<int>(std::max_element(probs.begin(), probs.end()) - probs.begin());
}

Predictor::Predictor(const std::string& run_dir, int threads, const std::string& device, const std::string& weights)
    : Predictor(load_run(run_dir, "predict"), threads, device, weights) {}

Predictor::Predictor(const RunInfo& run, int threads, const std::string& device, const std::string& weights)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = run.config;
  impl_->classes = run.classes;
  set_num_threads(threads);
  impl_->device = resolve_device(device);
  impl_->model = load_run_model(run, weights, "predict");
  impl_->model->to(impl_->device);
  use_fast_memory_format(*impl_->model, impl_->device);
  impl_->model->eval();
  const std::string harmony = run.paths.harmony();
  if (std::filesystem::exists(harmony)) {
    impl_->harmony = std::make_unique<HarmonyModel>(load_harmony(harmony));
    if (impl_->harmony->classes != impl_->classes)
      throw make_error("predict", "'{}' was fitted for other classes than the run's model", harmony);
    impl_->chroma = std::make_unique<features::ChromaCqt>(impl_->harmony->options.cqt);
    impl_->use_harmony = true;
  }
}

bool Predictor::has_harmony() const { return impl_->harmony != nullptr; }
bool Predictor::uses_harmony() const { return impl_->use_harmony; }
void Predictor::set_use_harmony(bool use) {
  if (use && !impl_->harmony) throw make_error("predict", "the run has no harmony model (mgc harmony RUN makes one)");
  impl_->use_harmony = use;
}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;

const std::vector<std::string>& Predictor::classes() const { return impl_->classes; }
const std::string& Predictor::model_name() const { return impl_->config.model; }
double Predictor::segment_seconds() const { return impl_->config.segment_seconds; }

FilePrediction Predictor::predict_features(const features::Spectrogram& mel) const { return impl_->cnn(mel); }

void StreamConfig::validate() const {
  if (!std::isfinite(min_seconds))
    throw make_error("predict", "StreamConfig.min_seconds must be finite, got {}", min_seconds);
  if (!std::isfinite(block_seconds) || block_seconds < 1.0)
    throw make_error("predict", "StreamConfig.block_seconds must be >= 1 s, got {}", block_seconds);
}

void Predictor::set_streaming(const StreamConfig& config) {
  config.validate();
  impl_->stream = config;
}

const StreamConfig& Predictor::streaming() const { return impl_->stream; }

// Two passes: the first finds the whole file's peak power and frame count (the dB reference and the windows),
// the second converts each block to dB and classifies every window as soon as its frames are in. Memory: one
// block of audio and features plus one window batch, whatever the file's length.
FilePrediction Predictor::Impl::predict_streamed(const std::string& path) const {
  const data::FeatureConfig& fc = config.features;
  const double block = stream.block_seconds;
  const features::DbConfig& db = fc.db;
  float peak_power = static_cast<float>(db.amin);
  int64_t total = 0;
  Level level;
  for_each_power_block(path, fc, block, [&](const features::Spectrogram& p, int64_t first, const float* x, int64_t n) {
    peak_power = std::max(peak_power, features::power_peak(p, db));
    total = first + p.cols;
    level.add(x, n);
  });

  const int64_t window = config.segment_frames();
  const auto starts = data::segment_starts(total, window, config.eval_hop_frames());
  FilePrediction out;
  out.streamed = true;
  const double fps = fc.frame_rate();
  out.audio_seconds = static_cast<double>(total) / fps;
  const int64_t rows = fc.mel.n_mels;
  std::vector<float> frames;  // dB, frame-major: frames [buf_first, buf_first + frames.size() / rows)
  int64_t buf_first = 0;
  size_t next_window = 0;

  auto classify = [&](size_t from, size_t to) {
    torch::Tensor x = torch::empty({static_cast<int64_t>(to - from), 1, rows, window}, torch::kFloat32);
    float* dst = x.data_ptr<float>();
    for (size_t i = from; i < to; ++i)
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < window; ++c)
          *dst++ = frames[static_cast<size_t>((starts[i] - buf_first + c) * rows + r)];
    const torch::Tensor probs = this->probs(x);
    const auto acc = probs.accessor<float, 2>();
    const int64_t k = probs.size(1);
    if (out.probs.empty()) out.probs.assign(static_cast<size_t>(k), 0.0f);
    for (size_t i = from; i < to; ++i) {
      SegmentResult s;
      s.start_seconds = static_cast<double>(starts[i]) / fps;
      s.end_seconds = std::min(out.audio_seconds, static_cast<double>(starts[i] + window) / fps);
      const auto row = static_cast<int64_t>(i - from);
      for (int64_t j = 0; j < k; ++j) {
        s.probs.push_back(acc[row][j]);
        out.probs[static_cast<size_t>(j)] += acc[row][j] / static_cast<float>(starts.size());
      }
      out.segments.push_back(std::move(s));
    }
  };

  for_each_power_block(path, fc, block, [&](const features::Spectrogram& p, int64_t first, const float*, int64_t) {
    if (first != buf_first + static_cast<int64_t>(frames.size()) / rows)
      throw make_error("predict", "'{}' changed while it was read (frame {} after {})", path, first,
                       buf_first + static_cast<int64_t>(frames.size()) / rows);
    // The whole file's peak: each block's dB equal to the in-memory path's for the same frames.
    features::Spectrogram block_db = p;
    if (fc.is_db())
      features::power_to_db_with_peak(block_db, db, peak_power);
    else
      features::musicnn_log_compress(block_db);  // frame by frame: no whole-file reference
    const size_t old = frames.size();
    frames.resize(old + static_cast<size_t>(p.cols * rows));
    for (int64_t c = 0; c < p.cols; ++c)
      for (int64_t r = 0; r < rows; ++r) frames[old + static_cast<size_t>(c * rows + r)] = block_db.at(r, c);
    const int64_t buf_end = buf_first + static_cast<int64_t>(frames.size()) / rows;
    // Every window whose frames are all in, in batches; then drop the frames no later window needs.
    size_t ready = next_window;
    while (ready < starts.size() && starts[ready] + window <= buf_end) ++ready;
    for (size_t i = next_window; i < ready; i += kWindowsPerBatch) classify(i, std::min(ready, i + kWindowsPerBatch));
    next_window = ready;
    const int64_t keep_from = next_window < starts.size() ? starts[next_window] : buf_end;
    frames.erase(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>((keep_from - buf_first) * rows));
    buf_first = keep_from;
  });
  if (next_window != starts.size() || total < window)
    throw make_error("predict", "'{}': streaming classified {} of {} windows (file shorter than announced?)", path,
                     next_window, starts.size());
  set_length(out, level.n, fc.sample_rate);
  apply_level(out, level.dbfs());
  return out;
}

bool Predictor::Impl::streams(const std::string& path) const {
  const data::FeatureConfig& fc = config.features;
  if (stream.min_seconds <= 0.0 || !fc.mel.stft.center) return false;
  try {
    const audio::AudioInfo info = audio::probe_audio(path);
    const double seconds = static_cast<double>(info.frames) / info.sample_rate;
    return exact_seekable(info) && info.frames > 0 && seconds >= stream.min_seconds &&
           seconds * fc.frame_rate() > 2.0 * static_cast<double>(config.segment_frames());
  } catch (const Error&) {
    return false;  // not streamable by its header: the in-memory path decodes it or reports why it cannot
  }
}

namespace {

audio::AudioConfig mono_at(int sample_rate) {
  audio::AudioConfig ac;
  ac.sample_rate = sample_rate;
  ac.mono = true;
  return ac;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

FilePrediction Predictor::predict_file(const std::string& path) const {
  const auto t0 = std::chrono::steady_clock::now();
  FilePrediction out = impl_->streams(path)
                           ? impl_->predict_streamed(path)
                           : predict_audio(audio::load_audio(path, mono_at(impl_->config.features.sample_rate)), path);
  out.path = path;
  out.milliseconds = ms_since(t0);
  return out;
}

void Predictor::predict_files(const std::vector<std::string>& paths, int ahead, const FileDone& done) const {
  if (ahead < 0) throw make_error("predict", "files decoded ahead must be >= 0, got {}", ahead);
  const auto classify = [&](size_t i, const std::function<FilePrediction()>& work) {
    FilePrediction p;
    bool ok = true;
    std::string error;
    try {
      p = work();
    } catch (const std::exception& e) {  // mgc::Error, and anything else one file can cause
      ok = false;
      error = e.what();
    }
    done(i, ok ? &p : nullptr, error);
  };
  if (ahead == 0) {
    for (size_t i = 0; i < paths.size(); ++i) classify(i, [&] { return predict_file(paths[i]); });
    return;
  }
  struct Ready {
    bool stream = false;
    Impl::Prepared prepared;
    std::string error;
    double milliseconds = 0.0;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Ready> queue;
  bool stop = false;
  const int rate = impl_->config.features.sample_rate;
  std::thread decoder([&] {
    for (size_t i = 0; i < paths.size(); ++i) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stop || queue.size() < static_cast<size_t>(ahead); });
        if (stop) return;
      }
      Ready r;
      const auto t0 = std::chrono::steady_clock::now();
      try {
        r.stream = impl_->streams(paths[i]);
        if (!r.stream) r.prepared = impl_->prepare(audio::load_audio(paths[i], mono_at(rate)), paths[i]);
      } catch (const std::exception& e) {
        r.error = e.what();
      } catch (...) {
        r.error = fmt::format("predict: '{}': unknown error", paths[i]);
      }
      r.milliseconds = ms_since(t0);
      {
        std::lock_guard<std::mutex> lock(mutex);
        queue.push_back(std::move(r));
      }
      changed.notify_all();
    }
  });
  // The decoder stops and is joined however this function ends (a `done` that throws included).
  struct Join {
    std::mutex& mutex;
    std::condition_variable& changed;
    bool& stop;
    std::thread& thread;
    ~Join() {
      {
        std::lock_guard<std::mutex> lock(mutex);
        stop = true;
      }
      changed.notify_all();
      thread.join();
    }
  } join{mutex, changed, stop, decoder};
  for (size_t i = 0; i < paths.size(); ++i) {
    Ready r;
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return !queue.empty(); });
      r = std::move(queue.front());
      queue.pop_front();
    }
    changed.notify_all();
    if (!r.error.empty()) {
      done(i, nullptr, r.error);
      continue;
    }
    classify(i, [&] {
      // The decoder has probed the file already (r.milliseconds); a streamed file is decoded here, block by block.
      const auto t0 = std::chrono::steady_clock::now();
      FilePrediction p = r.stream ? impl_->predict_streamed(paths[i]) : impl_->finish(r.prepared, paths[i]);
      p.path = paths[i];
      p.milliseconds = r.milliseconds + ms_since(t0);
      return p;
    });
  }
}

int Predictor::sample_rate() const { return impl_->config.features.sample_rate; }

Predictor::Impl::Prepared Predictor::Impl::prepare(const audio::Audio& a, const std::string& name) const {
  Prepared p;
  p.mel = data::compute_features(a, config.features);
  Level level;
  level.add(a.samples.data(), static_cast<int64_t>(a.samples.size()));
  p.level_dbfs = level.dbfs();
  p.frames = a.frames();
  p.sample_rate = a.sample_rate;
  if (p.level_dbfs >= kNoMusicDbfs && use_harmony) {
    // Decoded once for both experts; the chroma is resampled only if the harmony model was fitted at another rate.
    const int rate = harmony->options.cqt.sample_rate;
    if (rate == a.sample_rate) {
      p.harmony = harmony_probs(a, name);
    } else {
      audio::Audio other;
      other.samples = audio::resample(a.samples, a.sample_rate, rate);
      other.sample_rate = rate;
      other.channels = 1;
      p.harmony = harmony_probs(other, name);
    }
  }
  return p;
}

FilePrediction Predictor::Impl::cnn(const features::Spectrogram& mel) const {
  const TrainConfig& c = config;
  const int64_t window = c.segment_frames();
  const auto starts = data::segment_starts(mel.cols, window, c.eval_hop_frames());
  const torch::Tensor db = windows_tensor(mel, starts, window);
  const torch::Tensor probs_tensor = probs(db);
  FilePrediction out;
  const double fps = c.features.frame_rate();
  out.audio_seconds = static_cast<double>(mel.cols) / fps;
  const auto acc = probs_tensor.accessor<float, 2>();
  const int64_t k = probs_tensor.size(1);
  out.probs.assign(static_cast<size_t>(k), 0.0f);
  for (size_t i = 0; i < starts.size(); ++i) {
    SegmentResult s;
    s.start_seconds = static_cast<double>(starts[i]) / fps;
    s.end_seconds = std::min(out.audio_seconds, static_cast<double>(starts[i] + window) / fps);
    for (int64_t j = 0; j < k; ++j) {
      s.probs.push_back(acc[static_cast<int64_t>(i)][j]);
      out.probs[static_cast<size_t>(j)] += acc[static_cast<int64_t>(i)][j] / static_cast<float>(starts.size());
    }
    out.segments.push_back(std::move(s));
  }
  return out;
}

FilePrediction Predictor::Impl::finish(const Prepared& p, const std::string& name) const {
  FilePrediction out = cnn(p.mel);
  out.path = name;
  if (!p.harmony.empty()) {
    out.cnn_probs = out.probs;
    out.harmony_probs = p.harmony;
    out.probs = fuse_probabilities(out.cnn_probs, out.harmony_probs);
    out.harmony = true;
  }
  set_length(out, p.frames, p.sample_rate);
  apply_level(out, p.level_dbfs);
  return out;
}

FilePrediction Predictor::predict_audio(const audio::Audio& a, const std::string& name,
                                        features::Spectrogram* mel_out) const {
  const auto t0 = std::chrono::steady_clock::now();
  Impl::Prepared p = impl_->prepare(a, name);
  FilePrediction out = impl_->finish(p, name);
  if (mel_out) *mel_out = std::move(p.mel);
  out.milliseconds = ms_since(t0);
  return out;
}

std::vector<float> mean_votes(const std::vector<std::vector<float>>& votes) {
  if (votes.empty()) throw make_error("predict", "no votes to average");
  std::vector<double> sum(votes.front().size(), 0.0);
  for (const auto& v : votes) {
    if (v.size() != sum.size())
      throw make_error("predict", "votes over {} and {} classes cannot be averaged", sum.size(), v.size());
    for (size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
  }
  std::vector<float> mean(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) mean[i] = static_cast<float>(sum[i] / static_cast<double>(votes.size()));
  return mean;
}

std::vector<int> ranked_classes(const std::vector<float>& probs) {
  std::vector<int> idx(probs.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return probs[a] > probs[b]; });
  return idx;
}

nlohmann::json prediction_json(const FilePrediction& p, const std::vector<std::string>& classes, int top_k,
                               bool timeline) {
  const auto check = [&](const std::vector<float>& v, const char* what) {
    if (v.size() != classes.size())
      throw make_error("predict", "{} has {} values for {} classes", what, v.size(), classes.size());
  };
  const auto by_class = [&](const std::vector<float>& v) {
    nlohmann::json j = nlohmann::json::object();
    for (size_t c = 0; c < classes.size(); ++c) j[classes[c]] = v[c];
    return j;
  };
  check(p.probs, "probs");
  nlohmann::json j = {{"audio_seconds", p.audio_seconds}, {"harmony", p.harmony}, {"music", p.music}};
  if (std::isfinite(p.level_dbfs)) j["level_dbfs"] = p.level_dbfs;
  else j["level_dbfs"] = nullptr;  // samples that do not vary
  const std::vector<int> order = ranked_classes(p.probs);
  j["top"] = nlohmann::json::array();
  for (size_t i = 0; i < order.size() && static_cast<int>(i) < top_k; ++i) {
    const auto c = static_cast<size_t>(order[i]);
    j["top"].push_back({{"genre", classes[c]}, {"p", p.probs[c]}});
  }
  j["probs"] = by_class(p.probs);
  if (p.harmony) {
    check(p.cnn_probs, "cnn_probs");
    check(p.harmony_probs, "harmony_probs");
    j["cnn_probs"] = by_class(p.cnn_probs);
    j["harmony_probs"] = by_class(p.harmony_probs);
  }
  if (timeline) {
    j["timeline"] = nlohmann::json::array();
    for (const auto& s : p.segments) {
      check(s.probs, "a segment's probs");
      const auto t = static_cast<size_t>(ranked_classes(s.probs).front());
      j["timeline"].push_back({{"start", s.start_seconds},
                               {"end", s.end_seconds},
                               {"genre", classes[t]},
                               {"p", s.probs[t]},
                               {"probs", by_class(s.probs)}});
    }
  }
  return j;
}

}  // namespace mgc::run
