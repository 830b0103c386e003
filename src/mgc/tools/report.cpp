#include "mgc/tools/report.h"

#include "mgc/eval/gnuplot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/subprocess.h"
#include "mgc/eval/metrics.h"

namespace fs = std::filesystem;

namespace mgc::tools {
namespace {

// Colours of the series (Okabe-Ito, readable by colour-blind readers), cycled.
const char* const kColours[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
                                "#F0E442"};
constexpr int kNumColours = 8;

std::string html_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint8_t(bytes[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

nlohmann::json num_or_null(double v) { return v < 0 || !std::isfinite(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }
std::string num_or_empty(double v) { return v < 0 || !std::isfinite(v) ? "" : fmt::format("{}", v); }
// Differences may be negative: only NaN is unknown.
nlohmann::json signed_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
std::string signed_or_empty(double v) { return std::isfinite(v) ? fmt::format("{}", v) : ""; }
// Test clip accuracy per GMAC of one input window (-1 when MACs are unknown).
double acc_per_gmac(const ModelResult& r) { return r.macs > 0 ? r.test_clip_acc / (double(r.macs) / 1e9) : -1.0; }

// Runs a gnuplot script whose terminal writes to stdout and stores the PNG at path atomically.
void draw(const std::string& gnuplot, const std::string& script, const std::string& path) {
  TempFile file{"mgc-report"};
  write_file_atomic(file.path(), script);
  const ProcessOutput run = run_process({gnuplot, "--default-settings", file.path()}, std::chrono::seconds(60), "report");
  static const char kPng[] = "\x89PNG\r\n\x1a\n";
  if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0 || run.out.compare(0, 8, kPng, 8) != 0) {
    std::string why = run.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw make_error("report", "gnuplot failed to draw '{}': {}", path, why.empty() ? "no PNG produced" : why);
  }
  write_file_atomic(path, run.out);
}

std::string header(int width, int height, const std::string& title) {
  return fmt::format("set terminal pngcairo size {},{} noenhanced font 'DejaVu Sans,10' background rgb 'white'\n"
                     "set output\nset title {} font 'DejaVu Sans Bold,13'\n"
                     "set border 3 lw 1 lc rgb '#808080'\nset tics nomirror textcolor rgb '#1a1a1a'\n"
                     "set grid ytics lc rgb '#e0e0e0' lt 1\n",
                     width, height, eval::gnuplot_quote(title));
}

// x tics naming the rows in `order` at 0, 1, 2...
std::string model_xtics(const std::vector<ModelResult>& rs, const std::vector<size_t>& order) {
  std::string t = "set xtics (";
  for (size_t i = 0; i < order.size(); ++i)
    t += fmt::format("{}{} {}", i ? ", " : "", eval::gnuplot_quote(rs[order[i]].label), i);
  // Labels rotated by 30 degrees reach left by about 0.6 of their length in margin characters; the i-th starts at
  // least 10 characters further right than the first: leave the longest reach as the left margin.
  double reach = 10;
  for (size_t i = 0; i < order.size(); ++i)
    reach = std::max(reach, 0.6 * static_cast<double>(rs[order[i]].label.size()) - 10.0 * static_cast<double>(i));
  return t + fmt::format(") rotate by 30 right scale 0\nset lmargin {}\n", static_cast<int>(std::ceil(reach)));
}

bool known(double v) { return v >= 0 && std::isfinite(v); }

// Whether any row has a known value of `field` (the report then shows that column or series).
bool any_known(const std::vector<ModelResult>& rs, double ModelResult::*field) {
  return std::any_of(rs.begin(), rs.end(), [&](const ModelResult& r) { return known(r.*field); });
}

// Test clip accuracy per model, best first, with its bootstrap interval; beside it macro-F1 and, where measured,
// the crossed split's partial sides and the real-music check, each with its interval.
std::string accuracy_chart(const std::vector<ModelResult>& rs, const std::vector<size_t>& order) {
  const int n = static_cast<int>(rs.size());
  const bool generator = any_known(rs, &ModelResult::generator_clip_acc);
  const bool real = any_known(rs, &ModelResult::real_clip_acc);
  const bool path = any_known(rs, &ModelResult::path_clip_acc);
  struct Series {
    const char* title;
    const char* colour;
    int column;       // value column in $d
    int lo_column;    // interval columns (0: none)
  };
  std::vector<Series> series = {{"test clip accuracy", "#0072B2", 2, 3},
                                {"test clip macro-F1", "#E69F00", 5, 0}};
  if (path) series.push_back({"held-out synthesis path only", "#CC79A7", 10, 13});
  if (generator) series.push_back({"held-out groove files only (in-generator)", "#56B4E9", 6, 11});
  if (real) series.push_back({"real-music check", "#009E73", 7, 8});
  const double width = 0.8 / static_cast<double>(series.size());
  // About 32 px a bar, at most 1600 px wide (a page's width).
  std::string s = header(std::clamp(32 * static_cast<int>(series.size()) * n + 260, 760, 1600), 600,
                         "Clip accuracy per model, best first (bars: 95% bootstrap intervals)");
  s += model_xtics(rs, order);
  s += fmt::format("set xrange [-0.6:{}.6]\nset yrange [0:1.15]\nset ytics 0,0.2,1\n", n - 1);
  s += "set ylabel 'clip accuracy, macro-F1 (0-1)'\nset key below horizontal font 'DejaVu Sans,9'\n";
  s += fmt::format("set style fill solid 0.9 noborder\nset boxwidth {}\nset bars 0.5\n$d << EOD\n", width * 0.95);
  // Unknown values are NaN: gnuplot leaves those bars out.
  auto v = [](double x) { return known(x) ? fmt::format("{:.6f}", x) : std::string("NaN"); };
  for (int i = 0; i < n; ++i) {
    const ModelResult& r = rs[order[static_cast<size_t>(i)]];
    s += fmt::format("{} {:.6f} {} {} {:.6f} {} {} {} {} {} {} {} {} {}\n", i, r.test_clip_acc, v(r.test_clip_acc_lo),
                     v(r.test_clip_acc_hi), r.test_macro_f1, v(r.generator_clip_acc), v(r.real_clip_acc),
                     v(r.real_clip_acc_lo), v(r.real_clip_acc_hi), v(r.path_clip_acc), v(r.generator_clip_acc_lo),
                     v(r.generator_clip_acc_hi), v(r.path_clip_acc_lo), v(r.path_clip_acc_hi));
  }
  s += "EOD\nplot ";
  for (size_t k = 0; k < series.size(); ++k) {
    const double shift = (static_cast<double>(k) - (static_cast<double>(series.size()) - 1) / 2.0) * width;
    const Series& e = series[k];
    // The value above the bar, or above its interval's upper end.
    const int label_y = e.lo_column ? e.lo_column + 1 : e.column;
    s += fmt::format("{}$d using ($1{:+.3f}):{} with boxes lc rgb '{}' title '{}', "
                     "$d using ($1{:+.3f}):{}:(sprintf('%.2f',${})) with labels offset 0,0.6 font 'DejaVu Sans,7' "
                     "notitle",
                     k ? ", " : "", shift, e.column, e.colour, e.title, shift, label_y, e.column);
    if (e.lo_column)
      s += fmt::format(", $d using ($1{:+.3f}):{}:{}:{} with yerrorbars lc rgb '#333333' pt 7 ps 0 lw 1 notitle",
                       shift, e.column, e.lo_column, e.lo_column + 1);
  }
  return s + "\n";
}

// Depth per model, in the accuracy chart's order (the original study's second figure beside its first).
std::string depth_chart(const std::vector<ModelResult>& rs, const std::vector<size_t>& order) {
  const int n = static_cast<int>(rs.size());
  int64_t most = 1;
  for (const auto& r : rs) most = std::max(most, r.depth);
  std::string s = header(std::max(760, 90 * n + 220), 480,
                         "Depth per model (Conv2d + Linear layers), in the accuracy chart's order");
  s += model_xtics(rs, order);
  s += fmt::format("set xrange [-0.6:{}.6]\nset yrange [0:{}]\nunset key\n", n - 1, static_cast<double>(most) * 1.15);
  s += "set ylabel 'weight layers (count)'\nset style fill solid 0.9 noborder\nset boxwidth 0.6\n$d << EOD\n";
  for (int i = 0; i < n; ++i) s += fmt::format("{} {}\n", i, rs[order[static_cast<size_t>(i)]].depth);
  s += "EOD\n";
  s += "plot $d using 1:2 with boxes lc rgb '#009E73', $d using 1:2:(sprintf('%d',int($2))) with labels offset 0,0.8\n";
  return s;
}

// Test clip accuracy against a size of each model (parameters, MACs per input window) on a log x axis, one
// labelled point per row with a known size (> 0); with `intervals`, each point with its 95% interval.
std::string accuracy_vs_chart(const std::vector<ModelResult>& rs, int64_t ModelResult::*size, const char* title,
                              const char* xlabel, bool intervals) {
  double lo = 1e300, hi = 0;
  for (const auto& r : rs)
    if (r.*size > 0) lo = std::min(lo, double(r.*size)), hi = std::max(hi, double(r.*size));
  if (hi <= 0) lo = 1e6, hi = 1e9;
  lo = std::pow(10.0, std::floor(std::log10(lo) - 0.05));
  hi = std::pow(10.0, std::ceil(std::log10(std::max(10.0, hi)) + 0.05));
  std::string s = header(820, 520, title);
  s += "set logscale x 10\nset format x '%.0s%c'\nset grid xtics ytics lc rgb '#e0e0e0' lt 1\nunset key\n";
  s += fmt::format("set xrange [{}:{}]\nset yrange [-0.05:1.1]\nset bars 1\n", lo, hi);
  s += fmt::format("set xlabel '{} (log scale)'\nset ylabel 'test clip accuracy{}'\n", xlabel,
                   intervals ? " (95% interval)" : "");
  int label = 0;
  for (size_t i = 0; i < rs.size(); ++i)
    if (rs[i].*size > 0)  // neighbours' labels above and below, apart
      s += fmt::format("set label {} {} at {},{} offset 0.8,{} font 'DejaVu Sans,9'\n", ++label,
                       eval::gnuplot_quote(rs[i].label), double(rs[i].*size), rs[i].test_clip_acc, i % 2 ? -1.0 : 0.8);
  s += "$d << EOD\n";
  for (size_t i = 0; i < rs.size(); ++i) {
    if (rs[i].*size <= 0) continue;
    const bool ci = known(rs[i].test_clip_acc_lo);
    s += fmt::format("{} {:.6f} {:.6f} {:.6f} {}\n", rs[i].*size, rs[i].test_clip_acc,
                     ci ? rs[i].test_clip_acc_lo : rs[i].test_clip_acc, ci ? rs[i].test_clip_acc_hi : rs[i].test_clip_acc,
                     kColours[i % kNumColours] + 1);
  }
  s += "EOD\n";
  s += intervals ? "plot $d using 1:2:3:4:(int('0x'.strcol(5))) with yerrorbars pt 7 ps 1.6 lc rgb variable\n"
                 : "plot $d using 1:2:(int('0x'.strcol(5))) with points pt 7 ps 1.8 lc rgb variable\n";
  return s;
}

std::string curve_chart(const std::vector<ModelResult>& rs, bool accuracy) {
  std::string s = header(860, 520, accuracy ? "Validation clip accuracy per epoch" : "Training loss per epoch");
  size_t longest = 0;
  for (const auto& r : rs) longest = std::max(longest, r.label.size());
  // Long labels ("efficientnet_lite0 (frozen 2 epochs, then fine-tuned)") go under the plot, or they squeeze it.
  s += longest > 24 ? "set key below left vertical maxrows 4\n" : "set key outside right top vertical\n";
  s += "set xlabel 'epoch'\n";
  s += accuracy ? "set ylabel 'validation clip accuracy'\nset yrange [0:1.05]\n" : "set ylabel 'training loss'\n";
  int most = 1;
  for (const auto& r : rs)
    for (const auto& p : r.curve) most = std::max(most, p.epoch);
  s += fmt::format("set xrange [{}:{}]\n", most > 1 ? 1.0 : 0.5, most > 1 ? most : 1.5);
  s += most <= 12 ? "set xtics 1\n" : "";
  std::string plot = "plot ";
  for (size_t i = 0; i < rs.size(); ++i) {
    s += fmt::format("$c{} << EOD\n", i);
    for (const auto& p : rs[i].curve) s += fmt::format("{} {:.6f}\n", p.epoch, accuracy ? p.val_clip_acc : p.train_loss);
    s += "EOD\n";
    plot += fmt::format("{}$c{} using 1:2 with linespoints lw 2 pt {} ps 1 lc rgb '{}' title {}", i ? ", " : "", i,
                        5 + 2 * (i % 4), kColours[i % kNumColours], eval::gnuplot_quote(rs[i].label));
  }
  return s + plot + "\n";
}


std::string split_statement(const std::vector<ModelResult>& rs) {
  std::set<std::string> splits;
  for (const auto& r : rs) splits.insert(r.split);
  std::string s;
  for (const auto& x : splits) s += (s.empty() ? "" : " | ") + x;
  return s;
}

std::string split_by_all(const std::vector<ModelResult>& rs) {
  std::set<std::string> by;
  for (const auto& r : rs) by.insert(r.split_by);
  std::string s;
  for (const auto& x : by) s += (s.empty() ? "" : ",") + x;
  return s;
}

// The distinct non-empty values of one field over the rows, sorted, joined by ", ".
std::string distinct(const std::vector<ModelResult>& rs, std::string ModelResult::*field) {
  std::set<std::string> values;
  for (const auto& r : rs)
    if (!(r.*field).empty()) values.insert(r.*field);
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ", ") + v;
  return s;
}

std::string image_tag(const std::string& png_path, const std::string& alt) {
  return fmt::format("<img alt=\"{}\" src=\"data:image/png;base64,{}\">", html_escape(alt), base64(read_file(png_path)));
}

}  // namespace

std::string format_or_missing(double v, const char* spec) {
  return known(v) ? fmt::format(fmt::runtime(spec), v) : kMissing;
}

nlohmann::json to_json(const ModelResult& r) {
  return {{"model", r.label},
          {"architecture", r.model},
          {"run", r.run_dir},
          {"pretrained", r.pretrained},
          {"pretrained_file", r.pretrained_file},
          {"recipe", r.recipe},
          {"input", r.input},
          {"parameters", r.parameters},
          {"depth", r.depth},
          {"macs", r.macs < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.macs)},
          {"test_segment_acc", r.test_segment_acc},
          {"test_clip_acc", r.test_clip_acc},
          {"test_macro_f1", r.test_macro_f1},
          {"test_clips", r.test_clips},
          {"epochs", r.epochs},
          {"best_epoch", r.best_epoch},
          {"train_seconds", r.train_seconds},
          {"infer_ms", num_or_null(r.infer_ms)},
          {"peak_rss_mb", num_or_null(r.peak_rss_mb)},
          {"split_by", r.split_by},
          {"split", r.split},
          {"timbre_clip_acc", num_or_null(r.timbre_clip_acc)},
          {"timbre_data", r.timbre_data},
          {"test_clip_acc_lo", num_or_null(r.test_clip_acc_lo)},
          {"test_clip_acc_hi", num_or_null(r.test_clip_acc_hi)},
          {"delta_to_best", signed_or_null(r.delta_to_best)},
          {"delta_to_best_lo", signed_or_null(r.delta_to_best_lo)},
          {"delta_to_best_hi", signed_or_null(r.delta_to_best_hi)},
          {"generator_clip_acc", num_or_null(r.generator_clip_acc)},
          {"generator_clip_acc_lo", num_or_null(r.generator_clip_acc_lo)},
          {"generator_clip_acc_hi", num_or_null(r.generator_clip_acc_hi)},
          {"generator_clips", r.generator_clips},
          {"path_clip_acc", num_or_null(r.path_clip_acc)},
          {"path_clip_acc_lo", num_or_null(r.path_clip_acc_lo)},
          {"path_clip_acc_hi", num_or_null(r.path_clip_acc_hi)},
          {"path_clips", r.path_clips},
          {"real_clip_acc", num_or_null(r.real_clip_acc)},
          {"real_clip_acc_lo", num_or_null(r.real_clip_acc_lo)},
          {"real_clip_acc_hi", num_or_null(r.real_clip_acc_hi)},
          {"real_clips", r.real_clips},
          {"real_data", r.real_data},
          {"clip_acc_per_gmac", num_or_null(acc_per_gmac(r))}};
}

std::string results_csv(const std::vector<ModelResult>& results) {
  std::string s =
      "model,architecture,run,pretrained,pretrained_file,recipe,input,parameters,depth,macs,test_segment_acc,"
      "test_clip_acc,test_macro_f1,test_clips,epochs,best_epoch,train_seconds,infer_ms,peak_rss_mb,split_by,split,"
      "timbre_clip_acc,timbre_data,test_clip_acc_lo,test_clip_acc_hi,delta_to_best,delta_to_best_lo,"
      "delta_to_best_hi,generator_clip_acc,generator_clip_acc_lo,generator_clip_acc_hi,generator_clips,"
      "path_clip_acc,path_clip_acc_lo,path_clip_acc_hi,path_clips,real_clip_acc,real_clip_acc_lo,real_clip_acc_hi,"
      "real_clips,real_data,clip_acc_per_gmac\n";
  for (const auto& r : results) {
    const std::vector<std::string> f = {
        r.label, r.model, r.run_dir, r.pretrained ? "yes" : "no", r.pretrained_file, r.recipe, r.input,
        std::to_string(r.parameters), std::to_string(r.depth), r.macs < 0 ? "" : std::to_string(r.macs),
        fmt::format("{}", r.test_segment_acc), fmt::format("{}", r.test_clip_acc), fmt::format("{}", r.test_macro_f1),
        std::to_string(r.test_clips), std::to_string(r.epochs), std::to_string(r.best_epoch),
        fmt::format("{:.3f}", r.train_seconds), num_or_empty(r.infer_ms), num_or_empty(r.peak_rss_mb), r.split_by,
        r.split, num_or_empty(r.timbre_clip_acc), r.timbre_data, num_or_empty(r.test_clip_acc_lo),
        num_or_empty(r.test_clip_acc_hi), signed_or_empty(r.delta_to_best), signed_or_empty(r.delta_to_best_lo),
        signed_or_empty(r.delta_to_best_hi), num_or_empty(r.generator_clip_acc), num_or_empty(r.generator_clip_acc_lo),
        num_or_empty(r.generator_clip_acc_hi), std::to_string(r.generator_clips), num_or_empty(r.path_clip_acc),
        num_or_empty(r.path_clip_acc_lo), num_or_empty(r.path_clip_acc_hi), std::to_string(r.path_clips),
        num_or_empty(r.real_clip_acc), num_or_empty(r.real_clip_acc_lo), num_or_empty(r.real_clip_acc_hi),
        std::to_string(r.real_clips), r.real_data, num_or_empty(acc_per_gmac(r))};
    for (size_t i = 0; i < f.size(); ++i) s += (i ? "," : "") + csv::cell(f[i]);
    s += "\n";
  }
  return s;
}

std::vector<std::string> report_chart_files() {
  return {"charts/accuracy.png", "charts/depth.png", "charts/accuracy_vs_parameters.png",
          "charts/accuracy_vs_macs.png", "charts/curves_val_clip_acc.png", "charts/curves_train_loss.png"};
}

std::vector<size_t> accuracy_order(const std::vector<ModelResult>& results) {
  std::vector<size_t> order(results.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return results[a].test_clip_acc > results[b].test_clip_acc;
  });
  return order;
}

void compare_to_best(std::vector<ModelResult>& results) {
  if (results.empty()) return;
  // `best` is one of the rows below: only their delta fields are written.
  const ModelResult& best = results[accuracy_order(results).front()];
  const std::map<std::string, double> best_by_path(best.test_correct.begin(), best.test_correct.end());
  const size_t clips = best.test_correct.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto& r : results) {
    r.delta_to_best = r.delta_to_best_lo = r.delta_to_best_hi = nan;
    if (r.test_correct.empty() || r.test_correct.size() != clips) continue;
    std::vector<double> mine, theirs;
    for (const auto& [path, right] : r.test_correct) {
      const auto it = best_by_path.find(path);
      if (it == best_by_path.end()) break;
      mine.push_back(right);
      theirs.push_back(it->second);
    }
    if (mine.size() != clips) continue;
    const eval::Interval d = eval::bootstrap_mean_difference(mine, theirs, kBootstrapResamples, 0);
    r.delta_to_best = d.estimate;
    r.delta_to_best_lo = d.lo;
    r.delta_to_best_hi = d.hi;
  }
}

std::vector<EpochPoint> read_curve(const std::string& metrics_csv) {
  std::istringstream in(read_file(metrics_csv));
  std::string line;
  if (!std::getline(in, line)) throw make_error("report", "'{}' is empty", metrics_csv);
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream ls(l);
    while (std::getline(ls, cell, ',')) out.push_back(cell);
    return out;
  };
  const auto head = split(line);
  auto column = [&](const char* name) {
    auto it = std::find(head.begin(), head.end(), name);
    if (it == head.end()) throw make_error("report", "'{}' has no column '{}'", metrics_csv, name);
    return static_cast<size_t>(it - head.begin());
  };
  const size_t ce = column("epoch"), cl = column("train_loss"), ca = column("val_clip_acc"), cs = column("seconds");
  std::vector<EpochPoint> points;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split(line);
    if (cells.size() != head.size()) throw make_error("report", "'{}': malformed row '{}'", metrics_csv, line);
    try {
      points.push_back({std::stoi(cells[ce]), std::stod(cells[cl]), std::stod(cells[ca]), std::stod(cells[cs])});
    } catch (const std::exception&) {
      throw make_error("report", "'{}': malformed row '{}'", metrics_csv, line);
    }
  }
  return points;
}

nlohmann::json shared_recipe(const std::vector<ModelResult>& results) {
  nlohmann::json shared = nlohmann::json::object();
  if (results.empty()) return shared;
  for (const auto& [key, value] : results.front().config.items()) {
    const bool everywhere = std::all_of(results.begin(), results.end(), [&](const ModelResult& r) {
      const auto it = r.config.find(key);
      return it != r.config.end() && *it == value;
    });
    if (everywhere) shared[key] = value;
  }
  return shared;
}

void write_report(const std::vector<ModelResult>& given, const std::string& out_dir, const ReportInfo& info) {
  if (given.empty()) throw make_error("report", "no runs to report on ('{}')", out_dir);
  std::vector<ModelResult> results = given;
  compare_to_best(results);
  const std::vector<size_t> order = accuracy_order(results);
  const std::string gnuplot = find_on_path("gnuplot");
  if (gnuplot.empty())
    throw make_error("report", "cannot draw the charts of '{}': gnuplot is not installed (apt-get install gnuplot-nox)",
                     out_dir);
  fs::create_directories(out_dir + "/charts");

  const std::string split = split_statement(results);
  const std::string split_by = split_by_all(results);
  write_file_atomic(out_dir + "/results.csv", results_csv(results));
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : results) rows.push_back(to_json(r));
  for (size_t i = 0; i < results.size(); ++i) rows[i]["config"] = results[i].config;
  const nlohmann::json recipe = shared_recipe(results);
  const nlohmann::json all = {{"split_by", split_by}, {"split", split}, {"recipe", recipe},
                              {"notes", info.notes}, {"results", rows}};
  write_file_atomic(out_dir + "/results.json", all.dump(2) + "\n");

  const auto charts = report_chart_files();
  draw(gnuplot, accuracy_chart(results, order), out_dir + "/" + charts[0]);
  draw(gnuplot, depth_chart(results, order), out_dir + "/" + charts[1]);
  draw(gnuplot, accuracy_vs_chart(results, &ModelResult::parameters, "Test clip accuracy vs parameters", "parameters",
                                  false),
       out_dir + "/" + charts[2]);
  draw(gnuplot, accuracy_vs_chart(results, &ModelResult::macs, "Test clip accuracy vs compute per input window",
                                  "multiply-accumulates per input window", true),
       out_dir + "/" + charts[3]);
  draw(gnuplot, curve_chart(results, true), out_dir + "/" + charts[4]);
  draw(gnuplot, curve_chart(results, false), out_dir + "/" + charts[5]);

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += "<title>" + html_escape(info.title) + "</title>\n<style>\n"
       "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1180px;color:#1a1a1a}\n"
       "table{border-collapse:collapse;font-size:13px;margin:8px 0}\n"
       "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f0f4f8}\n"
       "td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #eee;margin:6px 0}\n"
       ".grid{display:flex;flex-wrap:wrap;gap:14px}.grid figure{margin:0;width:560px}\n"
       ".split{background:#fff8e1;border-left:4px solid #E69F00;padding:8px 12px}\n"
       "pre{background:#f6f6f6;padding:10px;font-size:12px;overflow-x:auto}\n</style></head><body>\n";
  h += "<h1>" + html_escape(info.title) + "</h1>\n";
  if (split_by.find(',') == std::string::npos) {
    h += "<p class=\"split\"><b>Split</b> (by <b>" + html_escape(split_by) + "</b>): " + html_escape(split) +
         ". Every model was trained and tested on this split; no " + html_escape(split_by) +
         " appears on two sides.</p>\n";
  } else {
    h += "<p class=\"split\"><b>Splits differ between rows</b> (by <b>" + html_escape(split_by) + "</b>): " +
         html_escape(split) + ". Compare a row with rows of the same split; the gap between a split by clip and "
         "a split by group measures how much a score owes to groups seen in training (docs/ROBUSTNESS.md).</p>\n";
  }
  const bool timbre = any_known(results, &ModelResult::timbre_clip_acc);
  const bool generator = any_known(results, &ModelResult::generator_clip_acc);
  const bool real = any_known(results, &ModelResult::real_clip_acc);
  const bool path = any_known(results, &ModelResult::path_clip_acc);
  // An accuracy's interval (unknown: negative) and a difference's (unknown: NaN).
  auto interval = [](double lo, double hi) {
    return known(lo) && known(hi) ? fmt::format(" [{:.3f}, {:.3f}]", lo, hi) : std::string();
  };
  // The cell of a set scored beside the test side: kMissing when this row was not scored on it; no cell when no
  // row was.
  auto side_cell = [&](bool shown, double acc, double lo, double hi, int64_t clips) {
    if (!shown) return std::string();
    if (!known(acc)) return fmt::format("<td>{}</td>", kMissing);
    return fmt::format("<td>{:.3f}{} ({} clips)</td>", acc, interval(lo, hi), clips);
  };
  auto signed_interval = [](double lo, double hi) {
    return std::isfinite(lo) && std::isfinite(hi) ? fmt::format(" [{:+.3f}, {:+.3f}]", lo, hi) : std::string();
  };
  h += "<h2>Results</h2>\n<table>\n<tr><th class=\"l\">model</th><th class=\"l\">recipe</th>"
       "<th class=\"l\">pretrained file</th><th class=\"l\">input</th><th>parameters (M)</th><th>depth</th>"
       "<th>GMACs / input window</th><th>test clip acc [95% interval]</th><th>minus the best [95% paired interval]</th>" +
       std::string(path ? "<th>held-out path only clip acc [95% interval]</th>" : "") +
       std::string(generator ? "<th>in-generator clip acc [95% interval]</th>" : "") +
       std::string(real ? "<th>real-music clip acc [95% interval]</th>" : "") +
       "<th>test segment acc</th><th>clip macro-F1</th><th>clip acc per GMAC</th><th>epochs</th>"
       "<th>training s</th><th>inference ms / clip</th><th>peak RSS MB</th><th class=\"l\">split by</th>" +
       std::string(timbre ? "<th>test clip acc, other timbre</th>" : "") + "</tr>\n";
  for (const auto& r : results) {
    const double per_gmac = acc_per_gmac(r);
    h += fmt::format(
        "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{:.3f}{}</td><td>{}</td>{}{}{}<td>{:.3f}</td><td>{:.3f}</td><td>{}</td>"
        "<td>{} (best {})</td><td>{:.1f}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td>{}</tr>\n",
        html_escape(r.label), html_escape(r.recipe), html_escape(r.pretrained ? r.pretrained_file : "none (scratch)"),
        html_escape(r.input), fmt::format("{:.2f}", double(r.parameters) / 1e6), r.depth,
        r.macs < 0 ? kMissing : fmt::format("{:.3f}", double(r.macs) / 1e9),
        r.test_clip_acc, interval(r.test_clip_acc_lo, r.test_clip_acc_hi),
        std::isfinite(r.delta_to_best)
            ? fmt::format("{:+.3f}{}", r.delta_to_best, signed_interval(r.delta_to_best_lo, r.delta_to_best_hi))
            : kMissing,
        side_cell(path, r.path_clip_acc, r.path_clip_acc_lo, r.path_clip_acc_hi, r.path_clips),
        side_cell(generator, r.generator_clip_acc, r.generator_clip_acc_lo, r.generator_clip_acc_hi, r.generator_clips),
        side_cell(real, r.real_clip_acc, r.real_clip_acc_lo, r.real_clip_acc_hi, r.real_clips),
        r.test_segment_acc, r.test_macro_f1, format_or_missing(per_gmac, "{:.3f}"), r.epochs, r.best_epoch,
        r.train_seconds, format_or_missing(r.infer_ms, "{:.1f}"), format_or_missing(r.peak_rss_mb, "{:.0f}"),
        html_escape(r.split_by), !timbre ? "" : "<td>" + format_or_missing(r.timbre_clip_acc, "{:.3f}") + "</td>");
  }
  h += "</table>\n<p>Test scores on " + std::to_string(results.front().test_clips) +
       " test clips (clip = mean of the segment probabilities). Intervals: 95% percentile bootstrap over the test "
       "clips (" + std::to_string(kBootstrapResamples) + " resamples); <i>minus the best</i> is this row's accuracy "
       "minus the best row's on the same clips, resampled in pairs: an interval that holds 0 means the test clips "
       "cannot tell the two apart. Parameters in millions; GMACs: billions of multiply-accumulates of one forward "
       "pass of one input window (convolutions and linear layers); clip acc per GMAC divides the test clip accuracy "
       "by them. Inference: median wall time per test clip from its log-mel (windows, batched forward, vote). "
       "Peak RSS: the training process's maximum resident set size. <b>\u2014</b>: not measured for this row (a "
       "run reused from before the measure existed, a model the MAC counter cannot trace, a set this row was not "
       "scored on); such values are empty in results.csv and null in results.json. Details in docs/COMPARE.md."
       "</p>\n";
  if (generator || path)
    h += "<p><b>Partly held out</b> (a crossed split's other clips): <i>held-out path only</i> are clips played by "
         "the synthesis path held out of training but with groove files heard in training (test_synth); "
         "<i>in-generator</i> are clips of held-out groove files played by paths heard in training "
         "(test_groove_file). Our generator can flatter both; the test clip accuracy (groove file and synthesis path "
         "both held out) is the headline.</p>\n";
  if (real) {
    h += "<p><b>Real-music check</b>: recorded music no one here made (" +
         html_escape(distinct(results, &ModelResult::real_data)) +
         "), every clip scored, never trained on; it covers only the genres its recordings carry "
         "(scripts/real-music-check.sh).</p>\n";
  }
  if (timbre) {
    h += "<p><b>Other timbre</b>: the same test clips (same MIDI, same groove files) rendered with other sounds (" +
         html_escape(distinct(results, &ModelResult::timbre_data)) + "), scored by the same model: the share of the accuracy that survives a change of "
         "instruments and synthesis.</p>\n";
  }
  if (!info.notes.empty()) {
    h += "<h3>Notes</h3>\n<ul>\n";
    for (const auto& n : info.notes) h += "<li>" + html_escape(n) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<h2>Charts</h2>\n";
  const char* alts[] = {"test clip accuracy per model", "depth per model", "test clip accuracy vs parameters",
                        "test clip accuracy vs MACs", "validation clip accuracy per epoch", "training loss per epoch"};
  for (size_t i = 0; i < charts.size(); ++i) h += "<div>" + image_tag(out_dir + "/" + charts[i], alts[i]) + "</div>\n";
  // Each matrix beside the report at full size (confusion/<row>.png), the page's copy a link to it.
  h += "<h2>Confusion matrices (test clips)</h2>\n<p>Click a matrix to open it at full size.</p>\n"
       "<div class=\"grid\">\n";
  fs::create_directories(out_dir + "/confusion");
  for (const auto& r : results) {
    h += "<figure>";
    if (r.confusion_png.empty()) {
      h += "<p>(no confusion.png)</p>";
    } else {
      std::string file;
      for (const char ch : r.label) file += std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ? ch : '-';
      file = "confusion/" + file + ".png";
      write_file_atomic(out_dir + "/" + file, read_file(r.confusion_png));
      h += "<a href=\"" + html_escape(file) + "\" target=\"_blank\">" +
           image_tag(r.confusion_png, r.label + " confusion matrix") + "</a>";
    }
    h += "<figcaption>" + html_escape(r.label) + "</figcaption></figure>\n";
  }
  // The recipe as the runs used it: what every row shares, then what is each row's own.
  h += "</div>\n<h2>Configuration</h2>\n<p>The recipe every row was trained with (each run's config.json; paths "
       "as the run used them):</p>\n<pre>" + html_escape(recipe.dump(2)) + "</pre>\n";
  std::vector<std::string> own;
  for (const auto& r : results)
    for (const auto& [key, value] : r.config.items())
      if (!recipe.contains(key) && std::find(own.begin(), own.end(), key) == own.end()) own.push_back(key);
  if (!own.empty()) {
    h += "<p>What each row has of its own:</p>\n<table>\n<tr><th class=\"l\">row</th>";
    for (const auto& key : own) h += "<th class=\"l\">" + html_escape(key) + "</th>";
    h += "</tr>\n";
    for (const auto& r : results) {
      h += "<tr><td class=\"l\">" + html_escape(r.label) + "</td>";
      for (const auto& key : own) {
        const auto it = r.config.find(key);
        const std::string v = it == r.config.end() ? kMissing : it->is_string() ? it->get<std::string>() : it->dump();
        h += "<td class=\"l\">" + html_escape(v.empty() ? "(none)" : v) + "</td>";
      }
      h += "</tr>\n";
    }
    h += "</table>\n";
  }
  if (!info.command.empty()) h += "<p>Made with: <code>" + html_escape(info.command) + "</code></p>\n";
  h += "<p>Runs: ";
  for (size_t i = 0; i < results.size(); ++i) h += (i ? ", " : "") + html_escape(results[i].run_dir);
  h += "</p>\n</body></html>\n";
  write_file_atomic(out_dir + "/report.html", h);
}

}  // namespace mgc::tools
