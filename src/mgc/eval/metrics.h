#pragma once
// Classification metrics for genre models: segment predictions, clip-level voting, accuracy, per-class
// precision / recall / F1 (macro-F1 as scikit-learn), top-k accuracy, the confusion matrix, and their reports
// (JSON, CSV, a terminal table; the PNG heat map is eval/plot.h). Definitions: docs/METRICS.md.
// Plain std::vector on purpose: no libtorch here, so this compiles fast and tests without a model.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mgc::eval {

// One model output for one segment (a fixed-length window) of a clip.
struct Prediction {
  int64_t clip = 0;          // id of the clip the segment was cut from (any value; equal ids = same clip)
  int label = 0;             // true class index in [0, num_classes)
  std::vector<float> probs;  // softmax over the classes: num_classes values, finite
};

// How the segments of one clip elect the clip's class.
//  MeanProbability: argmax of the mean of the segments' probability vectors.
//  Majority: the class that is most often a segment's argmax; a tie between classes goes to the one with the
//            higher summed probability over the clip's segments, and if that ties too, to the lowest class index.
// Every argmax (a segment's, or of the mean) breaks exact ties toward the lowest class index, as numpy.argmax.
enum class Vote { MeanProbability, Majority };

// "mean" -> MeanProbability, "majority" -> Majority. Throws mgc::Error ("eval: ...") naming an unknown value.
Vote parse_vote(const std::string& name);
// The inverse of parse_vote: "mean" or "majority".
std::string vote_name(Vote vote);

// One clip after voting.
struct ClipResult {
  int64_t clip = 0;
  int label = 0;             // true class index (the same for every segment of the clip)
  int predicted = 0;         // the class elected by the vote
  std::vector<float> probs;  // mean of the segments' probs (whatever the vote), num_classes values
  int64_t segments = 0;      // how many segments the clip had
};

// Groups segments by clip id and votes. Returns one ClipResult per distinct clip id, in ascending clip id.
// Throws mgc::Error ("eval: ...") if num_classes < 1, a segment's probs do not have num_classes finite values,
// a label is outside [0, num_classes), or two segments of one clip disagree on the label.
std::vector<ClipResult> aggregate_clips(const std::vector<Prediction>& segments, int num_classes, Vote vote);

struct Metrics {
  int64_t n = 0;  // number of examples (segments or clips) scored
  int num_classes = 0;
  double accuracy = 0.0;  // fraction of examples with predicted == label
  // Macro averages: the unweighted mean over ALL num_classes classes of the per-class value, a class with no
  // support and no predictions counting as 0 (scikit-learn's average='macro', labels=range(num_classes),
  // zero_division=0).
  double macro_precision = 0.0;
  double macro_recall = 0.0;
  double macro_f1 = 0.0;
  // Fraction of examples whose true class is among the top_k most probable classes (ties toward the lowest
  // index). top_k is min(requested k, num_classes); 0 and top_k_accuracy NaN when no probabilities were given.
  int top_k = 0;
  double top_k_accuracy = std::numeric_limits<double>::quiet_NaN();
  // Per class, indexed by class. precision = TP/(TP+FP), recall = TP/(TP+FN), f1 = 2TP/(2TP+FP+FN); each is 0
  // where its denominator is 0 (zero_division=0).
  std::vector<double> precision, recall, f1;
  std::vector<int64_t> support;                 // examples whose true class is the class
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted] counts, num_classes x num_classes
  // Mean loss over the examples, if the caller knows it (e.g. the trainer's cross-entropy); NaN if unknown.
  // compute_metrics leaves it NaN.
  double loss = std::numeric_limits<double>::quiet_NaN();
};

// Scores predicted class indices against true ones. `probs` is either empty (no top-k) or one row of num_classes
// finite scores per example (used only for top-k accuracy). top_k >= 1.
// Throws mgc::Error ("eval: ...") on no examples, mismatched lengths, an index outside [0, num_classes), a probs
// row of the wrong size or with a non-finite value, num_classes < 1 or top_k < 1.
Metrics compute_metrics(const std::vector<int>& labels, const std::vector<int>& predicted,
                        const std::vector<std::vector<float>>& probs, int num_classes, int top_k = 3);

// Segment level: predicted = argmax of each segment's probs (lowest index on ties); top-k from its probs.
Metrics compute_metrics(const std::vector<Prediction>& segments, int num_classes, int top_k = 3);

// Clip level: predicted = the clip's voted class; top-k from the clip's mean probs.
Metrics compute_metrics(const std::vector<ClipResult>& clips, int num_classes, int top_k = 3);

// How the clips of one split group (a groove file, an artist) and one true class fared: held-out groups are
// missed whole or not at all more often than single clips, and this is where that shows.
struct GroupResult {
  std::string group;       // the group's name (the split_by field)
  int label = 0;           // the true class of these clips
  int64_t clips = 0;       // clips of the group with this label
  int64_t correct = 0;     // of them, voted right
  int top_prediction = 0;  // the class voted most often for them (ties toward the lowest index)
  int64_t top_count = 0;   // how many of them got top_prediction
  double accuracy() const { return clips ? static_cast<double>(correct) / static_cast<double>(clips) : 0.0; }
};

// One GroupResult per distinct (group, true class) of `clips`, where group_of_clip[c.clip] names clip c's group;
// sorted by accuracy (lowest first), then group name, then label. A group with clips of two classes (an artist in
// two genres) gives two rows. Throws mgc::Error ("eval: ...") if num_classes < 1, a clip id is negative or not
// below group_of_clip.size(), or a label or predicted class is outside [0, num_classes).
std::vector<GroupResult> group_results(const std::vector<ClipResult>& clips,
                                       const std::vector<std::string>& group_of_clip, int num_classes);

// Groups as CSV (RFC 4180 quoting, "\n" line ends) with the header `<group_column>,label,clips,correct,accuracy,
// top_prediction,top_count`, in the order given, accuracy with 4 decimals; written atomically. Throws mgc::Error
// if class_names does not name every class used or the file cannot be written.
void write_groups_csv(const std::string& path, const std::vector<GroupResult>& groups,
                      const std::vector<std::string>& class_names, const std::string& group_column);

// The summary that metrics.json keeps: {"rows": number of (group, class) rows, "mean_accuracy": unweighted mean of
// the rows' accuracies (each group weighs the same, however many clips it has), "missed": rows with no clip
// right, "all_right": rows with every clip right}. An empty list gives zeros and a null mean.
nlohmann::json groups_summary(const std::vector<GroupResult>& groups);

// A statistic with a confidence interval: estimate on the data as given, [lo, hi] its percentile bootstrap
// interval (Efron's percentile method: the (1-level)/2 and (1+level)/2 quantiles of the statistic over `resamples`
// resamples of the items with replacement, quantiles interpolated linearly between order statistics as numpy's
// default). Deterministic: resample r draws its indices from SplitMix64(seed) in order.
struct Interval {
  double estimate = 0.0;
  double lo = 0.0;
  double hi = 0.0;
  double level = 0.95;
  int resamples = 0;
};

// The mean of `values` (per clip 1 = right, 0 = wrong: the accuracy) with its bootstrap interval.
// Throws mgc::Error ("eval: ...") if values is empty, resamples < 1, or level is not in (0, 1).
Interval bootstrap_mean(const std::vector<double>& values, int resamples = 10000, uint64_t seed = 0,
                        double level = 0.95);

// Paired: the mean of a[i] - b[i] (two models scored on the same clips, item i the same clip in both), resampling
// the items jointly, so the interval reflects how the two models differ clip by clip, not each model's own
// spread. An interval that excludes 0 says the difference is more than the choice of test clips explains.
// Throws mgc::Error ("eval: ...") as bootstrap_mean, or if a and b differ in length.
Interval bootstrap_mean_difference(const std::vector<double>& a, const std::vector<double>& b, int resamples = 10000,
                                   uint64_t seed = 0, double level = 0.95);

// Machine-readable metrics:
//   {"n", "accuracy", "macro_precision", "macro_recall", "macro_f1", "top_k", "top_k_accuracy", "loss",
//    "classes": [names in class order],
//    "per_class": {name: {"precision", "recall", "f1", "support"}},
//    "confusion": [[counts]]  (rows = true class, columns = predicted class, both in "classes" order)}
// NaN values (no top-k, unknown loss) are written as null. `class_names` has num_classes distinct names, or is
// empty to name the classes "0", "1", ... Throws mgc::Error ("eval: ...") otherwise.
nlohmann::json to_json(const Metrics& metrics, const std::vector<std::string>& class_names);

// The confusion matrix as CSV (RFC 4180 quoting, "\n" line ends): a header row "true\predicted,<names...>", then
// one row per true class: its name and the counts per predicted class. Written atomically.
// Throws mgc::Error on bad class names (as to_json) or if the file cannot be written.
void write_confusion_csv(const std::string& path, const Metrics& metrics, const std::vector<std::string>& class_names);

// The class names to print: class_names as given, or "0", "1", ... when empty. Throws mgc::Error ("eval: ...") if
// metrics has no num_classes x num_classes confusion matrix or per-class values, on a wrong count of names, or on a
// name given twice.
std::vector<std::string> class_names_for(const Metrics& metrics, const std::vector<std::string>& class_names);

// A plain-text table for a terminal, in the manner of scikit-learn's classification_report: one row per class
// (precision, recall, f1-score, support), then accuracy, macro average, top-k accuracy (if known) and loss (if
// known). Values with 4 decimals. Throws mgc::Error on bad class names (as to_json).
std::string format_report(const Metrics& metrics, const std::vector<std::string>& class_names);

}  // namespace mgc::eval
