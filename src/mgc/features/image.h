#pragma once
// Spectrogram pictures: a dB spectrogram rendered through a perceptual colour map and encoded as PNG (libpng).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mgc/features/spectrogram.h"

namespace mgc::features {

enum class Colormap { Magma, Viridis, Inferno, Gray };

// "magma", "viridis", "inferno" or "gray". Throws mgc::Error naming the unknown value.
Colormap parse_colormap(const std::string& name);

// The colour map's colour at `index` of its 256 steps (0: the lowest value), as {r, g, b}. Throws mgc::Error for
// an index outside 0..255.
std::array<uint8_t, 3> colormap_color(Colormap map, int index);

struct ImageConfig {
  Colormap colormap = Colormap::Magma;
  double range_db = 80.0;  // colours span [max - range_db, max] dB; lower values take the darkest colour
  int scale_x = 1;         // pixels per frame
  int scale_y = 1;         // pixels per frequency row

  void validate() const;
};

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // height * width * 3, top row first
};

// Renders a dB spectrogram [rows, cols]: time runs left to right, row 0 (lowest frequency) is at the bottom.
// Throws mgc::Error on an empty spectrogram, non-finite values or an image over 2^28 pixels.
RgbImage render_spectrogram(const Spectrogram& db, const ImageConfig& config = {});

// PNG bytes of an 8-bit RGB image. Throws mgc::Error if libpng fails.
std::string encode_png(const RgbImage& image);

// Writes encode_png(image) to path atomically. Throws mgc::Error ("image: ...") naming the path on failure.
void write_png(const std::string& path, const RgbImage& image);

}  // namespace mgc::features
