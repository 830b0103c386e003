#include "mgc/features/image.h"

#include <png.h>

#include <algorithm>
#include <cmath>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"

namespace mgc::features {
namespace {

#include "mgc/features/colormaps.inc"

const unsigned char* color_of(Colormap map, int index) {
  static unsigned char gray[256][3];
  static const bool gray_ready = [] {
    for (int i = 0; i < 256; ++i) gray[i][0] = gray[i][1] = gray[i][2] = static_cast<unsigned char>(i);
    return true;
  }();
  (void)gray_ready;
  switch (map) {
    case Colormap::Magma: return k_magma[index];
    case Colormap::Viridis: return k_viridis[index];
    case Colormap::Inferno: return k_inferno[index];
    case Colormap::Gray: return gray[index];
  }
  return k_magma[index];
}

}  // namespace

std::array<uint8_t, 3> colormap_color(Colormap map, int index) {
  if (index < 0 || index > 255) throw make_error("image", "colour map index {} is outside 0..255", index);
  const unsigned char* c = color_of(map, index);
  return {c[0], c[1], c[2]};
}

Colormap parse_colormap(const std::string& name) {
  if (name == "magma") return Colormap::Magma;
  if (name == "viridis") return Colormap::Viridis;
  if (name == "inferno") return Colormap::Inferno;
  if (name == "gray" || name == "grey") return Colormap::Gray;
  throw make_error("image", "unknown colour map '{}' (known: magma, viridis, inferno, gray)", name);
}

void ImageConfig::validate() const {
  if (!(range_db > 0.0) || !std::isfinite(range_db))
    throw make_error("image", "ImageConfig.range_db must be a positive number of dB, got {}", range_db);
  if (scale_x < 1 || scale_x > 64) throw make_error("image", "ImageConfig.scale_x must be in 1..64, got {}", scale_x);
  if (scale_y < 1 || scale_y > 64) throw make_error("image", "ImageConfig.scale_y must be in 1..64, got {}", scale_y);
}

RgbImage render_spectrogram(const Spectrogram& db, const ImageConfig& config) {
  config.validate();
  if (db.rows <= 0 || db.cols <= 0) throw make_error("image", "cannot render an empty spectrogram");
  const int64_t width = db.cols * config.scale_x;
  const int64_t height = db.rows * config.scale_y;
  if (width * height > (int64_t{1} << 28))
    throw make_error("image", "a {}x{} picture is too large; lower the scale or cut the audio", width, height);
  float vmax = -INFINITY;
  for (float v : db.values) {
    if (!std::isfinite(v)) throw make_error("image", "spectrogram holds a non-finite value");
    vmax = std::max(vmax, v);
  }
  const double vmin = vmax - config.range_db;

  RgbImage img;
  img.width = static_cast<int>(width);
  img.height = static_cast<int>(height);
  img.rgb.resize(static_cast<size_t>(width * height * 3));
  for (int64_t y = 0; y < height; ++y) {
    const int64_t row = db.rows - 1 - y / config.scale_y;  // low frequencies at the bottom
    uint8_t* out = &img.rgb[static_cast<size_t>(y * width * 3)];
    for (int64_t x = 0; x < width; ++x) {
      const double v = db.at(row, x / config.scale_x);
      const double u = std::clamp((v - vmin) / config.range_db, 0.0, 1.0);
      const unsigned char* c = color_of(config.colormap, static_cast<int>(std::lround(u * 255.0)));
      out[x * 3 + 0] = c[0];
      out[x * 3 + 1] = c[1];
      out[x * 3 + 2] = c[2];
    }
  }
  return img;
}

std::string encode_png(const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3)
    throw make_error("image", "encode_png: {}x{} image with {} bytes is inconsistent", image.width, image.height,
                     image.rgb.size());
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) throw make_error("image", "libpng: cannot create a write struct");
  png_infop info = png_create_info_struct(png);
  struct Guard {
    png_structp* p;
    png_infop* i;
    ~Guard() { png_destroy_write_struct(p, i); }
  } guard{&png, &info};
  if (!info) throw make_error("image", "libpng: cannot create an info struct");

  std::string bytes;
  std::vector<png_bytep> rows(static_cast<size_t>(image.height));
  for (int y = 0; y < image.height; ++y)
    rows[static_cast<size_t>(y)] = const_cast<png_bytep>(&image.rgb[static_cast<size_t>(y) * image.width * 3]);
  // libpng reports errors by longjmp; nothing with a destructor is created between setjmp and the writes.
  if (setjmp(png_jmpbuf(png))) throw make_error("image", "libpng failed to encode a {}x{} image", image.width,
                                                image.height);
  png_set_write_fn(
      png, &bytes,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<const char*>(data), n);
      },
      nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_rows(png, info, rows.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  return bytes;
}

void write_png(const std::string& path, const RgbImage& image) { write_file_atomic(path, encode_png(image)); }

}  // namespace mgc::features
