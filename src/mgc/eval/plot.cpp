#include "mgc/eval/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/subprocess.h"
#include "mgc/eval/gnuplot.h"

namespace mgc::eval {
namespace {

// At most `max_chars` UTF-8 characters of s, with "..." in place of the rest.
std::string shorten(const std::string& s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars - 3) {
      size_t rest = 0;
      for (size_t j = i; j < s.size(); ++j) rest += (static_cast<unsigned char>(s[j]) & 0xC0) != 0x80;
      if (rest > 3) return s.substr(0, i) + "...";
      return s;
    }
    ++chars;
  }
  return s;
}

// Cell side, margins and image size of the confusion heat map, in pixels.
struct Layout {
  int cell, left, right, top, bottom, grid, width, height;
};

Layout confusion_layout(int num_classes) {
  if (num_classes < 1) throw make_error("eval", "num_classes must be at least 1, got {}", num_classes);
  Layout l{};
  l.cell = std::clamp(600 / num_classes, 24, 200);
  l.grid = l.cell * num_classes;
  l.left = 200;    // true-class names (up to 20 characters) and the axis label
  l.bottom = 150;  // predicted-class names at 45 degrees and the axis label
  l.top = 60;      // title
  l.right = 140;   // colour bar and its label
  l.width = l.left + l.grid + l.right;
  l.height = l.top + l.grid + l.bottom;
  return l;
}

}  // namespace

ImageSize confusion_png_size(int num_classes) {
  const Layout l = confusion_layout(num_classes);
  return {l.width, l.height};
}

void write_confusion_png(const std::string& path, const Metrics& metrics, const std::vector<std::string>& class_names,
                         const std::string& title) {
  const std::vector<std::string> names = class_names_for(metrics, class_names);
  const int n = metrics.num_classes;
  const Layout l = confusion_layout(n);

  const std::string gnuplot = find_on_path("gnuplot");
  if (gnuplot.empty())
    throw make_error("eval", "cannot draw '{}': gnuplot is not installed (apt-get install gnuplot-nox)", path);

  // Font sizes follow the cell size so that counts fit in their cells.
  const int count_font = std::clamp(l.cell / 4, 7, 16);
  const int name_font = std::clamp(l.cell / 5, 8, 11);
  auto sx = [&](int px) { return static_cast<double>(px) / l.width; };
  auto sy = [&](int px) { return static_cast<double>(px) / l.height; };

  std::string s;
  s += fmt::format("set terminal pngcairo size {},{} noenhanced font 'DejaVu Sans,{}' background rgb 'white'\n",
                   l.width, l.height, name_font);
  s += "set output\n";  // standard output, read back and written atomically below
  s += fmt::format("set lmargin at screen {:.6f}\nset rmargin at screen {:.6f}\n", sx(l.left), sx(l.left + l.grid));
  s += fmt::format("set tmargin at screen {:.6f}\nset bmargin at screen {:.6f}\n", 1.0 - sy(l.top),
                   1.0 - sy(l.top + l.grid));
  s += fmt::format("set title {} font 'DejaVu Sans Bold,13' offset 0,0.5\n", gnuplot_quote(title));
  s += "unset key\n";
  s += fmt::format("set xrange [-0.5:{}.5]\nset yrange [{}.5:-0.5]\n", n - 1, n - 1);
  auto tics = [&](const char* axis, const char* options) {
    std::string t = fmt::format("set {}tics (", axis);
    for (int c = 0; c < n; ++c) t += fmt::format("{}{} {}", c ? ", " : "", gnuplot_quote(shorten(names[c], 20)), c);
    return t + ") " + options + "\n";
  };
  s += tics("x", "rotate by 45 right scale 0 nomirror textcolor rgb '#1a1a1a'");
  s += tics("y", "scale 0 nomirror textcolor rgb '#1a1a1a'");
  s += "set xlabel 'Predicted class' font 'DejaVu Sans Bold,11'\n";
  s += "set ylabel 'True class' font 'DejaVu Sans Bold,11' offset -1,0\n";
  s += "set border lw 1 lc rgb '#808080'\n";
  // matplotlib's "Blues", as scikit-learn's ConfusionMatrixDisplay.
  s += "set palette defined (0 '#f7fbff', 0.125 '#deebf7', 0.25 '#c6dbef', 0.375 '#9ecae1', 0.5 '#6baed6', "
       "0.625 '#4292c6', 0.75 '#2171b5', 0.875 '#08519c', 1 '#08306b')\n";
  s += "set cbrange [0:1]\nset cbtics 0.2 textcolor rgb '#1a1a1a'\n";
  s += fmt::format("set colorbox user origin screen {:.6f},{:.6f} size screen {:.6f},{:.6f}\n",
                   sx(l.left + l.grid + 24), 1.0 - sy(l.top + l.grid), sx(20), sy(l.grid));
  s += "set cblabel 'fraction of the true class (row-normalised)' offset 1,0\n";
  // Data: x = predicted, y = true, row-normalised value, count, label colour (white on dark cells, grey zeros).
  s += "$cells << EOD\n";
  for (int t = 0; t < n; ++t) {
    int64_t row = 0;
    for (int64_t v : metrics.confusion[t]) row += v;
    for (int p = 0; p < n; ++p) {
      const int64_t count = metrics.confusion[t][p];
      const double value = row > 0 ? static_cast<double>(count) / row : 0.0;
      s += fmt::format("{} {} {:.6f} {} {}\n", p, t, value, count,
                       count == 0     ? 0xa0a0a0
                       : value > 0.55 ? 0xffffff
                                      : 0x1a1a1a);
    }
  }
  s += "EOD\n";
  s += fmt::format(
      "plot $cells using 1:2:(0.5):(0.5):3 with boxxyerror fillstyle solid 1.0 border lc rgb '#ffffff' "
      "fillcolor palette, "
      "$cells using 1:2:(strcol(4)):5 with labels textcolor rgb variable font 'DejaVu Sans,{}'\n",
      count_font);

  TempFile script("mgc-confusion");
  write_file_atomic(script.path(), s);
  const ProcessOutput run =
      run_process({gnuplot, "--default-settings", script.path()}, std::chrono::seconds(60), "eval");
  const bool ok = WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0;
  static const char kPngSignature[] = "\x89PNG\r\n\x1a\n";
  if (!ok || run.out.compare(0, 8, kPngSignature, 8) != 0) {
    std::string why = run.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw make_error("eval", "gnuplot failed to draw '{}': {}", path, why.empty() ? "no PNG produced" : why);
  }
  write_file_atomic(path, run.out);
}

}  // namespace mgc::eval
