#pragma once
// Deterministic randomness that gives the same numbers on every platform and standard library (std::shuffle and
// the std:: distributions are not specified exactly): SplitMix64 (Steele, Lea and Flood, 2014), seed derivation,
// and Fisher-Yates shuffles. Header-only: these are a few lines each and sit in inner loops.
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace mgc {

// SplitMix64's output function of one state: a strong 64-bit mix (every input bit affects every output bit).
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A seed for stream (a, b) of `seed`: the trainer's per-epoch, per-rank and per-sample generators. Not SplitMix64;
// kept as it was first written because every training run's data order derives from it.
inline uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b = 0) {
  uint64_t h = seed * 0x9E3779B97F4A7C15ull ^ (a + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
  h ^= (b + 0x94D049BB133111EBull) * 0x2545F4914F6CDD1Dull;
  h ^= h >> 31;
  return h;
}

// The SplitMix64 generator: state advanced by the golden-ratio increment, each output splitmix64 of the old state.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    const uint64_t out = splitmix64(state_);
    state_ += 0x9e3779b97f4a7c15ull;
    return out;
  }
  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // An integer in [lo, hi] (hi >= lo), by modulo: biased by under 2^-50 for the small ranges it is used for.
  int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  // True with probability p.
  bool chance(double p) { return uniform() < p; }
  // One element of a non-empty vector.
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(next() % v.size())];
  }
  // Fisher-Yates with a modulo draw (the corpus generator's shuffle).
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(next() % i)]);
  }

 private:
  uint64_t state_;
};

// Fisher-Yates over std::mt19937_64 (whose output the standard specifies) with an unbiased bounded draw
// (rejection): the same permutation with every standard library.
template <typename T>
void portable_shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const uint64_t n = i;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = rng();
    while (r >= limit);
    std::swap(v[i - 1], v[static_cast<size_t>(r % n)]);
  }
}

}  // namespace mgc
