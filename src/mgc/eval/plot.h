#pragma once
// Pictures of scores, drawn by gnuplot: the confusion matrix as a heat map. The arithmetic is eval/metrics.h.
#include <string>
#include <vector>

#include "mgc/eval/metrics.h"

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

}  // namespace mgc::eval
