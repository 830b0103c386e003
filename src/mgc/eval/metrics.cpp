#include "mgc/eval/metrics.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/random.h"
#include "mgc/core/subprocess.h"
#include "mgc/eval/gnuplot.h"

namespace mgc::eval {
namespace {

// Index of the largest value; the lowest index wins an exact tie (as numpy.argmax).
template <typename T>
int argmax(const std::vector<T>& v) {
  int best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best]) best = static_cast<int>(i);
  return best;
}

void check_num_classes(int num_classes) {
  if (num_classes < 1) throw make_error("eval", "num_classes must be at least 1, got {}", num_classes);
}

void check_class(int value, int num_classes, const char* what, size_t index) {
  if (value < 0 || value >= num_classes)
    throw make_error("eval", "{} {} at index {} is outside [0, {})", what, value, index, num_classes);
}

void check_probs(const std::vector<float>& probs, int num_classes, const char* what, size_t index) {
  if (probs.size() != static_cast<size_t>(num_classes))
    throw make_error("eval", "{} at index {} has {} probabilities, expected {}", what, index, probs.size(),
                     num_classes);
  for (size_t c = 0; c < probs.size(); ++c)
    if (!std::isfinite(probs[c]))
      throw make_error("eval", "{} at index {} has a non-finite probability for class {}", what, index, c);
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

std::vector<std::string> class_names_for(const Metrics& m, const std::vector<std::string>& class_names) {
  const size_t k = static_cast<size_t>(std::max(m.num_classes, 0));
  bool square = m.num_classes >= 1 && m.confusion.size() == k;
  for (const auto& row : m.confusion) square = square && row.size() == k;
  if (!square)
    throw make_error("eval", "metrics hold no {} x {} confusion matrix (not made by compute_metrics?)", m.num_classes,
                     m.num_classes);
  if (m.precision.size() != k || m.recall.size() != k || m.f1.size() != k || m.support.size() != k)
    throw make_error("eval", "metrics hold per-class values for other than {} classes", m.num_classes);
  if (class_names.empty()) {
    std::vector<std::string> names;
    for (int c = 0; c < m.num_classes; ++c) names.push_back(std::to_string(c));
    return names;
  }
  if (class_names.size() != static_cast<size_t>(m.num_classes))
    throw make_error("eval", "{} class names given for {} classes", class_names.size(), m.num_classes);
  std::set<std::string> seen;
  for (const auto& name : class_names)
    if (!seen.insert(name).second) throw make_error("eval", "class name '{}' appears twice", name);
  return class_names;
}

Vote parse_vote(const std::string& name) {
  if (name == "mean") return Vote::MeanProbability;
  if (name == "majority") return Vote::Majority;
  throw make_error("eval", "unknown vote '{}' (expected 'mean' or 'majority')", name);
}

std::string vote_name(Vote vote) { return vote == Vote::Majority ? "majority" : "mean"; }

std::vector<ClipResult> aggregate_clips(const std::vector<Prediction>& segments, int num_classes, Vote vote) {
  check_num_classes(num_classes);
  struct Accumulator {
    int label = 0;
    int64_t segments = 0;
    std::vector<double> sum;     // summed probabilities per class
    std::vector<int64_t> votes;  // segment argmax counts per class
  };
  std::map<int64_t, Accumulator> clips;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Prediction& s = segments[i];
    check_class(s.label, num_classes, "segment label", i);
    check_probs(s.probs, num_classes, "segment", i);
    auto [it, inserted] = clips.try_emplace(s.clip);
    Accumulator& a = it->second;
    if (inserted) {
      a.label = s.label;
      a.sum.assign(num_classes, 0.0);
      a.votes.assign(num_classes, 0);
    } else if (a.label != s.label) {
      throw make_error("eval", "clip {} has segments labelled {} and {} (segment index {})", s.clip, a.label, s.label,
                       i);
    }
    ++a.segments;
    for (int c = 0; c < num_classes; ++c) a.sum[c] += s.probs[c];
    ++a.votes[argmax(s.probs)];
  }

  std::vector<ClipResult> results;
  results.reserve(clips.size());
  for (const auto& [clip, a] : clips) {
    ClipResult r;
    r.clip = clip;
    r.label = a.label;
    r.segments = a.segments;
    r.probs.resize(num_classes);
    for (int c = 0; c < num_classes; ++c) r.probs[c] = static_cast<float>(a.sum[c] / a.segments);
    if (vote == Vote::MeanProbability) {
      r.predicted = argmax(a.sum);  // same order as the mean, without the rounding to float
    } else {
      int best = 0;
      for (int c = 1; c < num_classes; ++c)
        if (a.votes[c] > a.votes[best] || (a.votes[c] == a.votes[best] && a.sum[c] > a.sum[best])) best = c;
      r.predicted = best;
    }
    results.push_back(std::move(r));
  }
  return results;
}

Metrics compute_metrics(const std::vector<int>& labels, const std::vector<int>& predicted,
                        const std::vector<std::vector<float>>& probs, int num_classes, int top_k) {
  check_num_classes(num_classes);
  if (top_k < 1) throw make_error("eval", "top_k must be at least 1, got {}", top_k);
  if (labels.empty()) throw make_error("eval", "no predictions to score");
  if (predicted.size() != labels.size())
    throw make_error("eval", "{} predictions for {} labels", predicted.size(), labels.size());
  if (!probs.empty() && probs.size() != labels.size())
    throw make_error("eval", "{} probability rows for {} labels", probs.size(), labels.size());

  const size_t k = static_cast<size_t>(num_classes);
  Metrics m;
  m.n = static_cast<int64_t>(labels.size());
  m.num_classes = num_classes;
  m.confusion.assign(k, std::vector<int64_t>(k, 0));
  for (size_t i = 0; i < labels.size(); ++i) {
    check_class(labels[i], num_classes, "label", i);
    check_class(predicted[i], num_classes, "prediction", i);
    ++m.confusion[labels[i]][predicted[i]];
  }

  m.precision.assign(k, 0.0);
  m.recall.assign(k, 0.0);
  m.f1.assign(k, 0.0);
  m.support.assign(k, 0);
  int64_t correct = 0;
  for (size_t c = 0; c < k; ++c) {
    const int64_t tp = m.confusion[c][c];
    int64_t row = 0, column = 0;
    for (size_t j = 0; j < k; ++j) {
      row += m.confusion[c][j];
      column += m.confusion[j][c];
    }
    const int64_t fn = row - tp, fp = column - tp;
    correct += tp;
    m.support[c] = row;
    if (column > 0) m.precision[c] = static_cast<double>(tp) / column;
    if (row > 0) m.recall[c] = static_cast<double>(tp) / row;
    if (2 * tp + fp + fn > 0) m.f1[c] = static_cast<double>(2 * tp) / (2 * tp + fp + fn);
    m.macro_precision += m.precision[c];
    m.macro_recall += m.recall[c];
    m.macro_f1 += m.f1[c];
  }
  m.macro_precision /= num_classes;
  m.macro_recall /= num_classes;
  m.macro_f1 /= num_classes;
  m.accuracy = static_cast<double>(correct) / m.n;

  if (!probs.empty()) {
    m.top_k = std::min(top_k, num_classes);
    int64_t hits = 0;
    for (size_t i = 0; i < probs.size(); ++i) {
      check_probs(probs[i], num_classes, "probability row", i);
      const std::vector<float>& p = probs[i];
      const int y = labels[i];
      // Rank of the true class: classes scored higher, or equal with a lower index, come before it.
      int rank = 0;
      for (int c = 0; c < num_classes; ++c)
        if (p[c] > p[y] || (p[c] == p[y] && c < y)) ++rank;
      if (rank < m.top_k) ++hits;
    }
    m.top_k_accuracy = static_cast<double>(hits) / m.n;
  }
  return m;
}

Metrics compute_metrics(const std::vector<Prediction>& segments, int num_classes, int top_k) {
  check_num_classes(num_classes);
  std::vector<int> labels, predicted;
  std::vector<std::vector<float>> probs;
  labels.reserve(segments.size());
  predicted.reserve(segments.size());
  probs.reserve(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    check_probs(segments[i].probs, num_classes, "segment", i);
    labels.push_back(segments[i].label);
    predicted.push_back(argmax(segments[i].probs));
    probs.push_back(segments[i].probs);
  }
  return compute_metrics(labels, predicted, probs, num_classes, top_k);
}

Metrics compute_metrics(const std::vector<ClipResult>& clips, int num_classes, int top_k) {
  std::vector<int> labels, predicted;
  std::vector<std::vector<float>> probs;
  labels.reserve(clips.size());
  predicted.reserve(clips.size());
  probs.reserve(clips.size());
  for (const ClipResult& c : clips) {
    labels.push_back(c.label);
    predicted.push_back(c.predicted);
    probs.push_back(c.probs);
  }
  return compute_metrics(labels, predicted, probs, num_classes, top_k);
}

nlohmann::json to_json(const Metrics& metrics, const std::vector<std::string>& class_names) {
  const std::vector<std::string> names = class_names_for(metrics, class_names);
  nlohmann::json j;
  j["n"] = metrics.n;
  j["accuracy"] = metrics.accuracy;
  j["macro_precision"] = metrics.macro_precision;
  j["macro_recall"] = metrics.macro_recall;
  j["macro_f1"] = metrics.macro_f1;
  j["top_k"] = metrics.top_k;
  j["top_k_accuracy"] = number_or_null(metrics.top_k_accuracy);
  j["loss"] = number_or_null(metrics.loss);
  j["classes"] = names;
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < names.size(); ++c) {
    per_class[names[c]] = {{"precision", metrics.precision.at(c)},
                           {"recall", metrics.recall.at(c)},
                           {"f1", metrics.f1.at(c)},
                           {"support", metrics.support.at(c)}};
  }
  j["per_class"] = std::move(per_class);
  j["confusion"] = metrics.confusion;
  return j;
}

void write_confusion_csv(const std::string& path, const Metrics& metrics, const std::vector<std::string>& class_names) {
  const std::vector<std::string> names = class_names_for(metrics, class_names);
  std::string csv = csv::cell("true\\predicted");
  for (const auto& name : names) csv += "," + csv::cell(name);
  csv += "\n";
  for (size_t t = 0; t < names.size(); ++t) {
    csv += csv::cell(names[t]);
    for (int64_t count : metrics.confusion[t]) csv += "," + std::to_string(count);
    csv += "\n";
  }
  write_file_atomic(path, csv);
}

std::vector<GroupResult> group_results(const std::vector<ClipResult>& clips,
                                       const std::vector<std::string>& group_of_clip, int num_classes) {
  check_num_classes(num_classes);
  std::map<std::pair<std::string, int>, std::vector<int64_t>> votes;  // (group, label) -> count per predicted class
  for (size_t i = 0; i < clips.size(); ++i) {
    const ClipResult& c = clips[i];
    if (c.clip < 0 || static_cast<size_t>(c.clip) >= group_of_clip.size())
      throw make_error("eval", "clip id {} at index {} has no group ({} groups given)", c.clip, i,
                       group_of_clip.size());
    check_class(c.label, num_classes, "label", i);
    check_class(c.predicted, num_classes, "predicted class", i);
    auto& v = votes[{group_of_clip[static_cast<size_t>(c.clip)], c.label}];
    if (v.empty()) v.assign(static_cast<size_t>(num_classes), 0);
    ++v[static_cast<size_t>(c.predicted)];
  }
  std::vector<GroupResult> out;
  for (const auto& [key, v] : votes) {
    GroupResult g;
    g.group = key.first;
    g.label = key.second;
    for (int64_t n : v) g.clips += n;
    g.correct = v[static_cast<size_t>(g.label)];
    g.top_prediction = argmax(v);
    g.top_count = v[static_cast<size_t>(g.top_prediction)];
    out.push_back(std::move(g));
  }
  // Accuracy compared exactly, as cross products; stable, so equal accuracies keep the map's (group, label) order.
  std::stable_sort(out.begin(), out.end(), [](const GroupResult& a, const GroupResult& b) {
    return a.correct * b.clips < b.correct * a.clips;
  });
  return out;
}

void write_groups_csv(const std::string& path, const std::vector<GroupResult>& groups,
                      const std::vector<std::string>& class_names, const std::string& group_column) {
  auto name = [&](int c) {
    if (c < 0 || static_cast<size_t>(c) >= class_names.size())
      throw make_error("eval", "class {} has no name ({} class names given)", c, class_names.size());
    return csv::cell(class_names[static_cast<size_t>(c)]);
  };
  std::string csv = csv::cell(group_column) + ",label,clips,correct,accuracy,top_prediction,top_count\n";
  for (const auto& g : groups)
    csv += fmt::format("{},{},{},{},{:.4f},{},{}\n", csv::cell(g.group), name(g.label), g.clips, g.correct,
                       g.accuracy(), name(g.top_prediction), g.top_count);
  write_file_atomic(path, csv);
}

nlohmann::json groups_summary(const std::vector<GroupResult>& groups) {
  double sum = 0;
  int64_t missed = 0, all_right = 0;
  for (const auto& g : groups) {
    sum += g.accuracy();
    missed += g.correct == 0;
    all_right += g.correct == g.clips;
  }
  return {{"rows", groups.size()},
          {"mean_accuracy", groups.empty() ? nlohmann::json(nullptr) : nlohmann::json(sum / groups.size())},
          {"missed", missed},
          {"all_right", all_right}};
}

std::string format_report(const Metrics& metrics, const std::vector<std::string>& class_names) {
  const std::vector<std::string> names = class_names_for(metrics, class_names);
  size_t width = 14;  // "top-10 accuracy" needs 15; names may need more
  for (const auto& name : names) width = std::max(width, name.size());
  if (metrics.top_k > 0) width = std::max(width, fmt::format("top-{} accuracy", metrics.top_k).size());

  std::string r =
      fmt::format("{:>{}}  {:>9}  {:>9}  {:>9}  {:>9}\n", "", width, "precision", "recall", "f1-score", "support");
  for (size_t c = 0; c < names.size(); ++c)
    r += fmt::format("{:>{}}  {:>9.4f}  {:>9.4f}  {:>9.4f}  {:>9}\n", names[c], width, metrics.precision.at(c),
                     metrics.recall.at(c), metrics.f1.at(c), metrics.support.at(c));
  r += "\n";
  r += fmt::format("{:>{}}  {:>9}  {:>9}  {:>9.4f}  {:>9}\n", "accuracy", width, "", "", metrics.accuracy, metrics.n);
  r += fmt::format("{:>{}}  {:>9.4f}  {:>9.4f}  {:>9.4f}  {:>9}\n", "macro avg", width, metrics.macro_precision,
                   metrics.macro_recall, metrics.macro_f1, metrics.n);
  if (metrics.top_k > 0 && std::isfinite(metrics.top_k_accuracy))
    r += fmt::format("{:>{}}  {:>9}  {:>9}  {:>9.4f}  {:>9}\n", fmt::format("top-{} accuracy", metrics.top_k), width,
                     "", "", metrics.top_k_accuracy, metrics.n);
  if (std::isfinite(metrics.loss))
    r += fmt::format("{:>{}}  {:>9}  {:>9}  {:>9.4f}\n", "loss", width, "", "", metrics.loss);
  return r;
}

namespace {

// The q-quantile of sorted values, linear between order statistics (numpy.quantile's default).
double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (pos - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

// The percentile interval of the mean of d over resamples of its items (bootstrap_mean's contract).
Interval bootstrap(const std::vector<double>& d, int resamples, uint64_t seed, double level) {
  if (d.empty()) throw make_error("eval", "cannot bootstrap an empty sample");
  if (resamples < 1) throw make_error("eval", "bootstrap needs at least one resample, not {}", resamples);
  if (!(level > 0.0 && level < 1.0)) throw make_error("eval", "confidence level {} is not in (0, 1)", level);
  const size_t n = d.size();
  double sum = 0.0;
  for (double v : d) sum += v;
  Interval out;
  out.estimate = sum / static_cast<double>(n);
  out.level = level;
  out.resamples = resamples;
  SplitMix64 rng(seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  for (double& m : means) {
    double s = 0.0;
    for (size_t k = 0; k < n; ++k) s += d[static_cast<size_t>(rng.next() % n)];
    m = s / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  out.lo = quantile(means, (1.0 - level) / 2.0);
  out.hi = quantile(means, (1.0 + level) / 2.0);
  return out;
}

}  // namespace

Interval bootstrap_mean(const std::vector<double>& values, int resamples, uint64_t seed, double level) {
  return bootstrap(values, resamples, seed, level);
}

Interval bootstrap_mean_difference(const std::vector<double>& a, const std::vector<double>& b, int resamples,
                                   uint64_t seed, double level) {
  if (a.size() != b.size())
    throw make_error("eval", "a paired bootstrap needs the same items on both sides ({} vs {})", a.size(), b.size());
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return bootstrap(d, resamples, seed, level);
}

}  // namespace mgc::eval
