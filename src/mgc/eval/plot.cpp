#include "mgc/eval/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/subprocess.h"
#include "mgc/eval/gnuplot.h"
#include "mgc/features/mel.h"

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

// Runs gnuplot on `script` (which writes to standard output) and writes what it printed to `path` atomically,
// after checking that it starts with `signature` (the format's first bytes).
void draw_with_gnuplot(const std::string& path, const std::string& script, const std::string& signature,
                       const char* temp_stem) {
  const std::string gnuplot = find_on_path("gnuplot");
  if (gnuplot.empty())
    throw make_error("eval", "cannot draw '{}': gnuplot is not installed (apt-get install gnuplot-nox)", path);
  TempFile file(temp_stem);
  write_file_atomic(file.path(), script);
  const ProcessOutput run = run_process({gnuplot, "--default-settings", file.path()}, std::chrono::seconds(60), "eval");
  const bool ok = WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0;
  if (!ok || run.out.compare(0, signature.size(), signature) != 0) {
    std::string why = run.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw make_error("eval", "gnuplot failed to draw '{}': {}", path, why.empty() ? "nothing drawn" : why);
  }
  write_file_atomic(path, run.out);
}

// "m:ss" for a time in seconds from a minute on, the number of seconds below.
std::string time_label(double seconds, bool minutes) {
  if (!minutes) return fmt::format("{:g}", seconds);
  const auto whole = static_cast<int64_t>(std::lround(seconds));
  return fmt::format("{}:{:02}", whole / 60, whole % 60);
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

  draw_with_gnuplot(path, s, "\x89PNG\r\n\x1a\n", "mgc-confusion");
}

bool is_svg_path(const std::string& path) {
  const auto ends_with = [&](const char* tail) {
    const size_t n = std::strlen(tail);
    return path.size() >= n && path.compare(path.size() - n, n, tail) == 0;
  };
  return ends_with(".svg") || ends_with(".SVG");
}

void SpectrogramFigure::validate() const {
  if (width < 320 || width > 8000 || height < 200 || height > 4000)
    throw make_error("eval", "a figure must be 320x200 to 8000x4000, got {}x{}", width, height);
  if (sample_rate <= 0 || hop_length <= 0)
    throw make_error("eval", "a figure needs a sample rate and hop length > 0, got {} and {}", sample_rate, hop_length);
  const double top = fmax > 0 ? fmax : sample_rate / 2.0;
  if (axis == Axis::mel && !(fmin >= 0 && fmin < top && top <= sample_rate / 2.0 + 1e-9))
    throw make_error("eval", "a figure's frequencies must be 0 <= fmin < fmax <= {} Hz, got {} and {}",
                     sample_rate / 2.0, fmin, top);
}

void write_spectrogram_figure(const std::string& path, const features::Spectrogram& values,
                              const SpectrogramFigure& f) {
  f.validate();
  const bool chroma = f.axis == SpectrogramFigure::Axis::chroma;
  if (values.rows < 1 || values.cols < 1 || values.values.size() != static_cast<size_t>(values.rows * values.cols))
    throw make_error("eval", "cannot draw '{}': the spectrogram is empty or malformed", path);
  if (chroma && values.rows != 12)
    throw make_error("eval", "cannot draw '{}': a chroma has 12 rows, this one {}", path, values.rows);
  float bottom = INFINITY, top = -INFINITY;
  for (const float v : values.values) {
    if (!std::isfinite(v)) throw make_error("eval", "cannot draw '{}': the spectrogram has non-finite values", path);
    bottom = std::min(bottom, v);
    top = std::max(top, v);
  }
  if (top - bottom < 1e-3f) top = bottom + 1.0f;  // a constant: one colour, and still a colour bar

  // The plot area, and runs of frames averaged into one column each so that a long file keeps a readable width.
  const int left = 95, right = 140, upper = 45, lower = 62;
  const int plot_w = f.width - left - right, plot_h = f.height - upper - lower;
  const int64_t run = std::max<int64_t>(1, (values.cols + plot_w - 1) / plot_w);
  const int64_t columns = (values.cols + run - 1) / run;
  std::vector<float> cells(static_cast<size_t>(values.rows * columns));
  for (int64_t r = 0; r < values.rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      const int64_t begin = c * run, end = std::min(values.cols, begin + run);
      double sum = 0;
      for (int64_t t = begin; t < end; ++t) sum += values.at(r, t);
      cells[static_cast<size_t>(r * columns + c)] = static_cast<float>(sum / static_cast<double>(end - begin));
    }
  const double frame_s = static_cast<double>(f.hop_length) / f.sample_rate;
  const double duration = static_cast<double>(values.cols) * frame_s;
  const double end_s = f.start_seconds + duration;

  const bool svg = is_svg_path(path);
  std::string s;
  s += fmt::format("set terminal {} size {},{} noenhanced font 'DejaVu Sans,10' background rgb 'white'\n",
                   svg ? "svg" : "pngcairo", f.width, f.height);
  s += "set output\n";  // standard output, read back and written atomically
  auto sx = [&](int px) { return static_cast<double>(px) / f.width; };
  auto sy = [&](int px) { return static_cast<double>(px) / f.height; };
  s += fmt::format("set lmargin at screen {:.6f}\nset rmargin at screen {:.6f}\n", sx(left), sx(left + plot_w));
  s += fmt::format("set tmargin at screen {:.6f}\nset bmargin at screen {:.6f}\n", 1.0 - sy(upper), sy(lower));
  if (!f.title.empty()) s += fmt::format("set title {} font 'DejaVu Sans Bold,12'\n", gnuplot_quote(f.title));
  s += "unset key\nset border lw 1 lc rgb '#404040'\nset tics out nomirror textcolor rgb '#1a1a1a'\n";

  // Time: at most 8 ticks on a round step; m:ss from a minute on, as librosa's time axis.
  const bool minutes = end_s >= 60.0;
  double step = 3600;
  for (const double candidate : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0,
                                 1200.0, 1800.0, 3600.0})
    if (duration / candidate <= 8 && (!minutes || candidate >= 1.0)) {
      step = candidate;
      break;
    }
  std::string xt;
  for (double t = std::ceil(f.start_seconds / step - 1e-9) * step + 0.0; t <= end_s + 1e-9; t += step)
    xt += fmt::format("{}{} {:.6f}", xt.empty() ? "" : ", ", gnuplot_quote(time_label(t, minutes)), t);
  s += fmt::format("set xrange [{:.6f}:{:.6f}]\nset xtics ({})\n", f.start_seconds, end_s, xt);
  s += fmt::format("set xlabel '{}'\n", minutes ? "Time (m:ss)" : "Time (s)");

  // Frequency: band r is drawn over [r - 0.5, r + 0.5].
  s += fmt::format("set yrange [-0.5:{}.5]\n", values.rows - 1);
  std::string yt;
  if (chroma) {
    static const char* const kNotes[12] = {"C",  "C♯", "D",  "E♭", "E",  "F",
                                           "F♯", "G", "A♭", "A", "B♭", "B"};
    for (int p = 0; p < 12; ++p) yt += fmt::format("{}{} {}", p ? ", " : "", gnuplot_quote(kNotes[p]), p);
    s += "set ylabel 'Pitch class'\n";
  } else {
    // Hz at powers of two on the mel scale (librosa's mel axis), none closer than 36 pixels to the one below.
    const double fmax = f.fmax > 0 ? f.fmax : f.sample_rate / 2.0;
    const double m0 = features::hz_to_mel(f.fmin, f.htk), m1 = features::hz_to_mel(fmax, f.htk);
    double last_px = -1e9;
    for (const double hz : {0.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0}) {
      if (hz < f.fmin || hz > fmax) continue;
      const double y = (features::hz_to_mel(hz, f.htk) - m0) / (m1 - m0) * static_cast<double>(values.rows) - 0.5;
      const double px = (y + 0.5) / static_cast<double>(values.rows) * plot_h;
      if (px - last_px < 36) continue;
      last_px = px;
      yt += fmt::format("{}'{:g}' {:.6f}", yt.empty() ? "" : ", ", hz, y);
    }
    s += "set ylabel 'Hz'\n";
  }
  s += fmt::format("set ytics ({})\n", yt);

  // Colour bar: the colour map's 256 steps.
  std::string palette;
  for (int i = 0; i < 256; ++i) {
    const auto c = features::colormap_color(f.colormap, i);
    palette += fmt::format("{}{} '#{:02x}{:02x}{:02x}'", i ? ", " : "", i, c[0], c[1], c[2]);
  }
  s += "set palette defined (" + palette + ")\n";
  s += fmt::format("set colorbox user origin screen {:.6f},{:.6f} size screen {:.6f},{:.6f}\n", sx(left + plot_w + 18),
                   sy(lower), sx(18), sy(plot_h));
  if (chroma) {
    s += "set cbrange [0:1]\nset cbtics 0.2 format '%.1f'\n";
  } else {
    s += fmt::format("set cbrange [{:.6f}:{:.6f}]\nset cbtics 10 format '%+.0f dB'\n", bottom, top);
  }

  TempFile data("mgc-figure-data");
  write_file_atomic(data.path(), std::string_view(reinterpret_cast<const char*>(cells.data()),
                                                  cells.size() * sizeof(float)), false);
  const double dx = static_cast<double>(run) * frame_s;
  s += fmt::format("plot {} binary array=({},{}) format='%float32' origin=({:.9f},0) dx={:.9f} dy=1 with image\n",
                   gnuplot_quote(data.path()), columns, values.rows, f.start_seconds + dx / 2, dx);
  draw_with_gnuplot(path, s, svg ? "<?xml" : "\x89PNG\r\n\x1a\n", "mgc-figure");
}

}  // namespace mgc::eval
