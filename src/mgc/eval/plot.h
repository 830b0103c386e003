#pragma once
// Pictures of scores, drawn by gnuplot: the confusion matrix as a heat map. The arithmetic is eval/metrics.h.
#include <string>
#include <vector>

#include "mgc/eval/metrics.h"
#include "mgc/features/image.h"
#include "mgc/features/spectrogram.h"

namespace mgc::eval {

// Pixel size of write_confusion_png's image for num_classes classes: square cells of
// clamp(600 / num_classes, 24, 200) pixels (a 600-pixel grid for 3 to 25 classes), plus margins for names, title
// and colour bar of 340 pixels across and 210 down (940 x 810 for 10 classes). Throws if num_classes < 1.
struct ImageSize {
  int width = 0;
  int height = 0;
};
ImageSize confusion_png_size(int num_classes);

// Draws the confusion matrix as a heat map PNG of confusion_png_size(num_classes) pixels: true classes down the
// left (first class at the top), predicted classes along the bottom, each cell coloured by its share of the
// true class's row (row-normalised, 0..1, with a colour bar) and showing its count, and `title` above.
// Class names and title are drawn literally (no gnuplot markup, no shell); names over 20 characters are cut to
// 17 and "...". Runs `gnuplot` (Debian: gnuplot-nox) from PATH
// with its pngcairo terminal and writes the file atomically.
// Throws mgc::Error ("eval: ...") if gnuplot is not installed (saying to install gnuplot-nox), if it fails or
// runs over 60 s, on bad class names (as to_json), or if the file cannot be written.
void write_confusion_png(const std::string& path, const Metrics& metrics, const std::vector<std::string>& class_names,
                         const std::string& title);

// A spectrogram as a figure, as librosa.display.specshow draws one with a colour bar: time along the bottom (seconds,
// or m:ss from a minute on), frequency up the left (Hz at mel-spaced ticks, or the twelve note names for chroma),
// a colour bar (dB for the log-mel, 0..1 for chroma) and a title.
struct SpectrogramFigure {
  enum class Axis { mel, chroma };
  Axis axis = Axis::mel;
  int sample_rate = 22050;    // Hz
  int hop_length = 512;       // samples per frame
  double fmin = 0.0;          // mel: the lowest band's lower edge, Hz
  double fmax = 0.0;          // mel: the highest band's upper edge, Hz (0: sample_rate / 2)
  bool htk = false;           // mel: HTK's mel scale instead of Slaney's
  double start_seconds = 0.0; // the time of frame 0 (an --offset into the file)
  std::string title;          // drawn literally
  features::Colormap colormap = features::Colormap::Magma;
  int width = 1000;           // pixels (PNG) or points (SVG); frames are averaged in runs so that at most one
  int height = 420;           // column of the plot area's pixels shows one run: a long file stays readable

  // Throws mgc::Error ("eval: ...") on a size under 320 x 200 or over 8000 x 4000, a rate or hop <= 0, or
  // fmin/fmax out of [0, sample_rate / 2] or not increasing.
  void validate() const;
};

// Whether write_spectrogram_figure writes `path` as SVG (it ends in ".svg" or ".SVG") rather than PNG.
bool is_svg_path(const std::string& path);

// Draws `values` ([bands, frames]: dB for Axis::mel, 0..1 for Axis::chroma, row 0 at the bottom) as a figure and
// writes it atomically. The colour bar spans the values' minimum to maximum (dB; matplotlib's default, as
// specshow's), 0..1 for chroma. Written as SVG when is_svg_path(path), PNG otherwise; runs gnuplot (pngcairo or
// svg terminal).
// Throws mgc::Error ("eval: ...") on an empty or non-finite spectrogram, a chroma without 12 rows, a bad figure
// (validate), when gnuplot is missing or fails, or when the file cannot be written.
void write_spectrogram_figure(const std::string& path, const features::Spectrogram& values,
                              const SpectrogramFigure& figure);

}  // namespace mgc::eval
