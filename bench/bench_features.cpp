// Micro-benchmarks of the log-mel and chroma paths (Google Benchmark), one thread, on a 30 s synthetic clip at 22050 Hz:
// where the milliseconds of `mgc_bench logmel` go. No peer here; bench/run.sh gives the ratios.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "mgc/features/chroma.h"
#include "mgc/features/mel.h"
#include "mgc/features/stft.h"
#include "mgc/features/tempo.h"

namespace {

std::vector<float> clip(double seconds = 30.0, int rate = 22050) {
  std::vector<float> x(static_cast<size_t>(seconds * rate));
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.5f * static_cast<float>(std::sin(2.0 * M_PI * (220.0 + 0.01 * static_cast<double>(i) / rate) * i / rate)) +
           noise(rng);
  return x;
}

void BM_PowerStft(benchmark::State& state) {
  const auto x = clip();
  const mgc::features::PowerStft stft(mgc::features::StftConfig{});
  for (auto _ : state) {
    float acc = 0.0f;
    stft.for_each_frame(x.data(), static_cast<int64_t>(x.size()), [&](int64_t, const float* s) { acc += s[1]; });
    benchmark::DoNotOptimize(acc);
  }
}
BENCHMARK(BM_PowerStft)->Unit(benchmark::kMillisecond);

void BM_MelPower(benchmark::State& state) {
  const auto x = clip();
  const mgc::features::MelSpectrogram mel(mgc::features::MelConfig{});
  for (auto _ : state) benchmark::DoNotOptimize(mel.power(x).values.data());
}
BENCHMARK(BM_MelPower)->Unit(benchmark::kMillisecond);

void BM_LogMel(benchmark::State& state) {
  const auto x = clip();
  const mgc::features::MelSpectrogram mel(mgc::features::MelConfig{});
  const mgc::features::DbConfig db{true, 1.0, 1e-10, 80.0};
  for (auto _ : state) benchmark::DoNotOptimize(mel.log_mel(x, db).values.data());
}
BENCHMARK(BM_LogMel)->Unit(benchmark::kMillisecond);

void BM_PowerToDb(benchmark::State& state) {
  const auto x = clip();
  const mgc::features::MelSpectrogram mel(mgc::features::MelConfig{});
  const auto p = mel.power(x);
  const mgc::features::DbConfig db{true, 1.0, 1e-10, 80.0};
  for (auto _ : state) {
    auto s = p;
    mgc::features::power_to_db(s, db);
    benchmark::DoNotOptimize(s.values.data());
  }
}
BENCHMARK(BM_PowerToDb)->Unit(benchmark::kMillisecond);

// Building the constant-Q kernel (252 bins, one 65,536-point FFT each), once per ChromaCqt.
void BM_ChromaCqtKernel(benchmark::State& state) {
  for (auto _ : state) {
    const mgc::features::ChromaCqt engine;
    benchmark::DoNotOptimize(&engine);
  }
}
BENCHMARK(BM_ChromaCqtKernel)->Unit(benchmark::kMillisecond);

// Chroma of the 30 s clip with a built kernel.
void BM_ChromaCqt(benchmark::State& state) {
  const auto x = clip();
  const mgc::features::ChromaCqt engine;
  for (auto _ : state) benchmark::DoNotOptimize(engine.chroma(x.data(), static_cast<int64_t>(x.size())).values.data());
}
BENCHMARK(BM_ChromaCqt)->Unit(benchmark::kMillisecond);

// Tempo of the 30 s clip as librosa.feature.tempo(y=...) computes it: log-mel, onset strength, tempogram (one
// 1,024-point double FFT pair per frame), prior. The harmony model runs it once per clip.
void BM_EstimateTempo(benchmark::State& state) {
  const auto x = clip();
  for (auto _ : state)
    benchmark::DoNotOptimize(mgc::features::estimate_tempo(x.data(), static_cast<int64_t>(x.size()), 22050));
}
BENCHMARK(BM_EstimateTempo)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
