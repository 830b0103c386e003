#include <gtest/gtest.h>
#include <png.h>

#include "mgc/core/error.h"
#include "mgc/features/image.h"
#include "test_util.h"

using namespace mgc::features;

namespace {

RgbImage decode_png(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) throw std::runtime_error("not a PNG");
  image.format = PNG_FORMAT_RGB;
  RgbImage out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr)) throw std::runtime_error("bad PNG");
  return out;
}

}  // namespace

TEST(Image, LowFrequenciesAtBottomTimeLeftToRight) {
  Spectrogram db(3, 2);
  // row 0 (lowest band) loud, row 2 quiet; column 1 quieter than column 0.
  db.values = {0.0f, -40.0f,  //
               -40.0f, -60.0f,  //
               -80.0f, -80.0f};
  ImageConfig cfg;
  cfg.colormap = Colormap::Gray;
  const RgbImage img = render_spectrogram(db, cfg);
  ASSERT_EQ(img.width, 2);
  ASSERT_EQ(img.height, 3);
  auto px = [&](int x, int y) { return img.rgb[(y * img.width + x) * 3]; };
  EXPECT_EQ(px(0, 2), 255);  // bottom-left: row 0, frame 0, the maximum
  EXPECT_EQ(px(0, 0), 0);    // top-left: row 2 at max - 80 dB
  EXPECT_EQ(px(1, 2), 128);  // -40 dB is half way: round(0.5 * 255)
  EXPECT_EQ(px(1, 1), 64);   // -60 dB: round(0.25 * 255)
}

TEST(Image, ScalingAndMagmaEnds) {
  Spectrogram db(2, 2);
  db.values = {0.0f, 0.0f, -100.0f, -100.0f};
  ImageConfig cfg;
  cfg.scale_x = 3;
  cfg.scale_y = 2;
  const RgbImage img = render_spectrogram(db, cfg);
  ASSERT_EQ(img.width, 6);
  ASSERT_EQ(img.height, 4);
  // magma: darkest (0,0,4) at the top (quiet row 1), brightest (252,253,191) at the bottom.
  EXPECT_EQ(img.rgb[0], 0);
  EXPECT_EQ(img.rgb[2], 4);
  const size_t last = img.rgb.size() - 3;
  EXPECT_EQ(img.rgb[last], 252);
  EXPECT_EQ(img.rgb[last + 1], 253);
  EXPECT_EQ(img.rgb[last + 2], 191);
}

TEST(Image, PngRoundTrips) {
  Spectrogram db(8, 5);
  for (size_t i = 0; i < db.values.size(); ++i) db.values[i] = -static_cast<float>(i * 2);
  const RgbImage img = render_spectrogram(db);
  const RgbImage back = decode_png(encode_png(img));
  EXPECT_EQ(back.width, img.width);
  EXPECT_EQ(back.height, img.height);
  EXPECT_EQ(back.rgb, img.rgb);
}

TEST(Image, RejectsBadInput) {
  EXPECT_THROW(render_spectrogram(Spectrogram{}), mgc::Error);
  Spectrogram db(1, 1);
  db.values = {NAN};
  EXPECT_THROW(render_spectrogram(db), mgc::Error);
  EXPECT_THROW(parse_colormap("rainbow"), mgc::Error);
  EXPECT_EQ(parse_colormap("viridis"), Colormap::Viridis);
  ImageConfig cfg;
  cfg.range_db = 0;
  EXPECT_THROW(cfg.validate(), mgc::Error);
}
