#pragma once
// Short-time Fourier transform with librosa 0.10's defaults: periodic Hann window, center=True with zero
// ("constant") padding of n_fft/2 on both sides, frames every hop_length samples, real FFT (FFTW).
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "mgc/features/spectrogram.h"

namespace mgc::features {

enum class PadMode { Constant, Reflect };

struct StftConfig {
  int n_fft = 2048;              // FFT size in samples
  int hop_length = 512;          // samples between frames
  int win_length = 0;            // Hann window length; 0 means n_fft. Centered in n_fft when shorter.
  bool center = true;            // pad n_fft/2 on both sides so frame t is centred at t * hop_length
  PadMode pad_mode = PadMode::Constant;  // librosa 0.10 pads with zeros

  // Throws mgc::Error ("features: StftConfig.<field> ...") on out-of-range values.
  void validate() const;
  int effective_win_length() const { return win_length > 0 ? win_length : n_fft; }
  int n_bins() const { return n_fft / 2 + 1; }
};

// Number of frames librosa's stft yields for n_samples: 1 + n/hop when centred (n_fft even).
// Throws mgc::Error if the signal is too short (not centred: shorter than n_fft; reflect padding: n <= n_fft/2).
int64_t num_frames(int64_t n_samples, const StftConfig& config);

// scipy.signal.get_window('hann', win_length, fftbins=True) zero-padded to n_fft and centred (float64).
std::vector<double> hann_window(int win_length, int n_fft);

// Computes |STFT|^power frame by frame. Construction plans the FFT once; compute() is const and thread-safe.
class PowerStft {
 public:
  // power: 2 for a power spectrogram, 1 for magnitude. Throws mgc::Error on an invalid config or power <= 0.
  PowerStft(const StftConfig& config, double power = 2.0);
  ~PowerStft();
  PowerStft(PowerStft&&) noexcept;
  PowerStft& operator=(PowerStft&&) noexcept;

  const StftConfig& config() const { return config_; }
  int n_bins() const { return config_.n_bins(); }

  // Spectrogram of n samples: [n_fft/2 + 1, num_frames(n)] float32. Throws mgc::Error if too short.
  Spectrogram compute(const float* samples, int64_t n) const;

  // Frames are transformed kBlock at a time (one batched FFTW plan); see for_each_block.
  static constexpr int kBlock = 16;

  // Visits every frame's spectrum in order: fn(frame_index, const float* spectrum /* n_bins values */).
  template <typename Fn>
  void for_each_frame(const float* samples, int64_t n, Fn&& fn) const;

  // Visits the frames in blocks of up to kBlock, in order: fn(first_frame, count, const float* power), where
  // power is bin-major: power[k * kBlock + j] is bin k of frame first_frame + j (j < count). The mel projection
  // reads it with unit stride across frames; compute() copies its rows out.
  template <typename Fn>
  void for_each_block(const float* samples, int64_t n, Fn&& fn) const;

 private:
  struct Plan;
  using BlockFn = void (*)(void* ctx, int64_t first, int count, const float* power);
  void run(const float* samples, int64_t n, BlockFn fn, void* ctx) const;

  StftConfig config_;
  double power_;
  std::vector<float> window_;  // n_fft, float32 copy of the centred Hann window
  std::unique_ptr<Plan> plan_;
};

template <typename Fn>
void PowerStft::for_each_block(const float* samples, int64_t n, Fn&& fn) const {
  using F = std::remove_reference_t<Fn>;
  run(samples, n,
      [](void* ctx, int64_t first, int count, const float* power) { (*static_cast<F*>(ctx))(first, count, power); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

template <typename Fn>
void PowerStft::for_each_frame(const float* samples, int64_t n, Fn&& fn) const {
  std::vector<float> spectrum(static_cast<size_t>(n_bins()));
  for_each_block(samples, n, [&](int64_t first, int count, const float* power) {
    for (int j = 0; j < count; ++j) {
      for (size_t k = 0; k < spectrum.size(); ++k) spectrum[k] = power[k * kBlock + static_cast<size_t>(j)];
      fn(first + j, static_cast<const float*>(spectrum.data()));
    }
  });
}

}  // namespace mgc::features
