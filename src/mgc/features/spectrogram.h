#pragma once
// A dense float32 matrix in row-major order: rows are frequency bins (or mel bands, or coefficients), columns are
// frames, the layout of librosa's (n_bins, n_frames) arrays and of a [1, rows, cols] tensor.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mgc::features {

struct Spectrogram {
  int64_t rows = 0;  // frequency bins, mel bands or coefficients
  int64_t cols = 0;  // frames
  std::vector<float> values;  // rows * cols, row-major

  Spectrogram() = default;
  Spectrogram(int64_t r, int64_t c) : rows(r), cols(c), values(static_cast<size_t>(r * c), 0.0f) {}
  float& at(int64_t r, int64_t c) { return values[static_cast<size_t>(r * cols + c)]; }
  float at(int64_t r, int64_t c) const { return values[static_cast<size_t>(r * cols + c)]; }
};

}  // namespace mgc::features
