#include "mgc/data/split.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"
#include "mgc/core/random.h"

namespace mgc::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* kListFiles[3] = {"train_filtered.txt", "valid_filtered.txt", "test_filtered.txt"};
constexpr size_t kNamesInMessage = 5;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string quote_some(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kNamesInMessage; ++i) out += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > kNamesInMessage) out += fmt::format(" and {} more", names.size() - kNamesInMessage);
  return out;
}

// "6 grooves", "1 clip", "3 'genres' values".
std::string count_of(size_t n, const std::string& by) {
  if (!by.empty() && by.back() == 's') return fmt::format("{} '{}' values", n, by);
  std::string words = by;  // "groove_file" -> "groove files"
  std::replace(words.begin(), words.end(), '_', ' ');
  return fmt::format("{} {}{}", n, words, n == 1 ? "" : "s");
}

// FNV-1a's offset basis as the split was first written: a digit short of FNV's 14695981039346656037. Kept, since
// every split ever made (and every run's test side) derives from it.
constexpr uint64_t kSplitHashBasis = 1469598103934665603ull;

// One generator per class, seeded from the seed and the class name, so a class's assignment does not depend on the
// other classes.
template <typename T>
void shuffle(std::vector<T>& v, uint64_t seed, const std::string& salt) {
  std::mt19937_64 rng(splitmix64(seed ^ fnv1a64(salt, kSplitHashBasis)));
  portable_shuffle(v, rng);
}

struct Group {
  std::string key;
  std::vector<int64_t> clips;
  int label = -1;  // majority class
  bool mixed = false;
};

// Groups in key order. Throws if the field is unknown or some clips have no value for it.
std::vector<Group> make_groups(const Dataset& ds, const std::string& by) {
  std::map<std::string, Group> groups;
  if (by == "clip") {
    for (size_t i = 0; i < ds.clips.size(); ++i) groups[ds.clips[i].path].clips.push_back(static_cast<int64_t>(i));
  } else {
    if (!ds.has_field(by)) {
      std::set<std::string> names;
      for (const Clip& c : ds.clips) {
        for (const auto& [k, v] : c.fields) names.insert(k);
      }
      throw make_error("data", "cannot split by '{}': the clips of '{}' have no such field (fields: {})", by, ds.root,
                       names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")));
    }
    std::vector<std::string> without;
    for (size_t i = 0; i < ds.clips.size(); ++i) {
      const std::string v = ds.clips[i].field(by);
      if (v.empty()) {
        without.push_back(ds.clips[i].path);
      } else {
        groups[v].clips.push_back(static_cast<int64_t>(i));
      }
    }
    if (!without.empty()) {
      throw make_error("data", "cannot split by '{}': {} clip{} of '{}' have no value for it: {}", by, without.size(),
                       without.size() == 1 ? "" : "s", ds.root, quote_some(without));
    }
  }
  std::vector<Group> out;
  out.reserve(groups.size());
  for (auto& [key, g] : groups) {
    std::vector<int64_t> counts(ds.classes.size(), 0);
    for (int64_t i : g.clips) {
      const int label = ds.clips[static_cast<size_t>(i)].label_index;
      if (label < 0 || label >= static_cast<int>(ds.classes.size())) {
        throw make_error("data", "clip '{}' has label index {} outside the {} classes",
                         ds.clips[static_cast<size_t>(i)].path, label, ds.classes.size());
      }
      ++counts[static_cast<size_t>(label)];
    }
    g.label = static_cast<int>(std::max_element(counts.begin(), counts.end()) - counts.begin());
    g.mixed = std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c > 0; }) > 1;
    g.key = key;
    out.push_back(std::move(g));
  }
  return out;
}

// Per class, the indices of its groups in key order.
std::vector<std::vector<size_t>> groups_by_class(const Dataset& ds, const std::vector<Group>& groups) {
  std::vector<std::vector<size_t>> out(ds.classes.size());
  for (size_t g = 0; g < groups.size(); ++g) out[static_cast<size_t>(groups[g].label)].push_back(g);
  return out;
}

// Why a class can own no group: each group belongs to the majority class of its clips.
std::string no_groups_hint(size_t n, const std::string& by) {
  if (n > 0) return "";
  return fmt::format(" (a {} belongs to the majority class of its clips, and this class is the majority of none)", by);
}

void add_clips(std::vector<int64_t>& side, const Group& g) { side.insert(side.end(), g.clips.begin(), g.clips.end()); }

void sort_sides(Split& s) {
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.val.begin(), s.val.end());
  std::sort(s.test.begin(), s.test.end());
}

std::string mixed_note(const std::vector<Group>& groups, const std::string& by) {
  const auto mixed = std::count_if(groups.begin(), groups.end(), [](const Group& g) { return g.mixed; });
  if (mixed == 0) return "";
  return fmt::format("; {} span several classes (each placed by its majority class)",
                     count_of(static_cast<size_t>(mixed), by));
}

// How many of `n` shuffled groups a holdout puts in test and in val: round(fraction * n), at least one each where
// the fraction is > 0, always at least one left for train (the caller has checked n against what is needed).
std::pair<size_t, size_t> holdout_counts(size_t n, const SplitConfig& config) {
  auto share = [&](double fraction) -> size_t {
    if (fraction <= 0.0) return 0;
    return std::max<size_t>(1, static_cast<size_t>(std::llround(fraction * static_cast<double>(n))));
  };
  size_t n_test = share(config.test_fraction), n_val = share(config.val_fraction);
  while (n_test + n_val > n - 1) {  // keep one group for train; n >= needed keeps both at >= 1 if wanted
    if (n_val >= n_test) {
      --n_val;
    } else {
      --n_test;
    }
  }
  return {n_test, n_val};
}

// The k-fold split's validation fold: the one after the test fold, or -1 without one.
int val_fold_of(const SplitConfig& config) {
  return config.val_fraction > 0.0 ? (config.fold + 1) % config.folds : -1;
}

// The fields of a crossed split's `by` ("groove_file+synth" -> groove_file, synth); one field for any other.
std::vector<std::string> crossed_fields(const std::string& by) {
  std::vector<std::string> fields;
  for (size_t from = 0;;) {
    const size_t plus = by.find('+', from);
    fields.push_back(by.substr(from, plus == std::string::npos ? std::string::npos : plus - from));
    if (plus == std::string::npos) return fields;
    from = plus + 1;
  }
}

Split holdout_by_group(const Dataset& ds, const SplitConfig& config, const std::string& by) {
  const auto groups = make_groups(ds, by);
  const auto per_class = groups_by_class(ds, groups);
  const bool want_val = config.val_fraction > 0.0, want_test = config.test_fraction > 0.0;
  const size_t needed = 1 + (want_val ? 1 : 0) + (want_test ? 1 : 0);
  Split s;
  size_t n_groups[3] = {0, 0, 0};  // train, val, test
  for (size_t c = 0; c < per_class.size(); ++c) {
    std::vector<size_t> members = per_class[c];
    const size_t n = members.size();
    if (n < needed) {
      throw make_error("data",
                       "cannot split by {}: class '{}' has {}, and a holdout with{}{}{} needs at least {} per class "
                       "(one for train{}{}){}; split by a finer field or set a fraction to 0",
                       by, ds.classes[c], count_of(n, by), want_val ? " val" : "", want_val && want_test ? " and" : "",
                       want_test ? " test" : "", needed, want_val ? ", one for val" : "",
                       want_test ? ", one for test" : "", no_groups_hint(n, by));
    }
    shuffle(members, config.seed, ds.classes[c]);
    const auto [n_test, n_val] = holdout_counts(n, config);
    for (size_t i = 0; i < n; ++i) {
      const Group& g = groups[members[i]];
      if (i < n_test) {
        add_clips(s.test, g);
        ++n_groups[2];
      } else if (i < n_test + n_val) {
        add_clips(s.val, g);
        ++n_groups[1];
      } else {
        add_clips(s.train, g);
        ++n_groups[0];
      }
    }
  }
  sort_sides(s);
  s.by = by;
  s.method = "holdout";
  s.seed = config.seed;
  const double total = static_cast<double>(groups.size());
  s.description = fmt::format("holdout by {}: {:.0f}/{:.0f}/{:.0f} % of {} ({}/{}/{} clips) in {} classes, seed {}{}",
                              by, 100.0 * n_groups[0] / total, 100.0 * n_groups[1] / total, 100.0 * n_groups[2] / total,
                              count_of(groups.size(), by), s.train.size(), s.val.size(), s.test.size(),
                              ds.classes.size(), config.seed, mixed_note(groups, by));
  return s;
}

Split kfold_by_group(const Dataset& ds, const SplitConfig& config, const std::string& by) {
  const auto groups = make_groups(ds, by);
  const auto per_class = groups_by_class(ds, groups);
  const auto k = static_cast<size_t>(config.folds);
  std::vector<int> fold_of(groups.size(), -1);
  size_t deal = 0;  // goes on from class to class, so the folds stay within one group of each other in size
  for (size_t c = 0; c < per_class.size(); ++c) {
    std::vector<size_t> members = per_class[c];
    if (members.size() < k) {
      throw make_error("data", "cannot split by {}: class '{}' has {}, and {}-fold needs at least {} per class{}", by,
                       ds.classes[c], count_of(members.size(), by), k, k, no_groups_hint(members.size(), by));
    }
    shuffle(members, config.seed, ds.classes[c]);
    for (size_t g : members) {
      fold_of[g] = static_cast<int>(deal);
      deal = (deal + 1) % k;
    }
  }
  const int test_fold = config.fold;
  const int val_fold = val_fold_of(config);
  Split s;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (fold_of[g] == test_fold) {
      add_clips(s.test, groups[g]);
    } else if (fold_of[g] == val_fold) {
      add_clips(s.val, groups[g]);
    } else {
      add_clips(s.train, groups[g]);
    }
  }
  sort_sides(s);
  s.by = by;
  s.method = "kfold";
  s.seed = config.seed;
  s.folds = config.folds;
  s.fold = config.fold;
  s.description =
      fmt::format("kfold by {}: test fold {} of {}{}, {} ({}/{}/{} clips) in {} classes, seed {}{}", by, test_fold, k,
                  val_fold >= 0 ? fmt::format(", val fold {}", val_fold) : std::string(), count_of(groups.size(), by),
                  s.train.size(), s.val.size(), s.test.size(), ds.classes.size(), config.seed, mixed_note(groups, by));
  return s;
}

// The side (0 train, 1 val, 2 test) of every clip under a split by one field, for a crossed split. A field whose
// values each belong to one class (a groove file) is split per class as by holdout_by_group / kfold_by_group; a
// field whose values span classes (a synthesis path plays every genre) cannot be stratified, so its values are
// shuffled as one pool and dealt the same way.
std::vector<int> sides_by_field(const Dataset& ds, const SplitConfig& config, const std::string& field) {
  const auto groups = make_groups(ds, field);
  const bool pooled = std::any_of(groups.begin(), groups.end(), [](const Group& g) { return g.mixed; });
  std::vector<int> side(ds.clips.size(), 0);
  if (!pooled) {
    const Split s = config.method == "kfold" ? kfold_by_group(ds, config, field) : holdout_by_group(ds, config, field);
    for (int64_t i : s.val) side[static_cast<size_t>(i)] = 1;
    for (int64_t i : s.test) side[static_cast<size_t>(i)] = 2;
    return side;
  }
  std::vector<size_t> order(groups.size());
  for (size_t g = 0; g < order.size(); ++g) order[g] = g;
  shuffle(order, config.seed, "pooled:" + field);
  const size_t n = order.size();
  std::vector<int> group_side(n, 0);
  if (config.method == "kfold") {
    const auto k = static_cast<size_t>(config.folds);
    if (n < k)
      throw make_error("data", "cannot split by {}: its {} span the classes and are dealt as one pool, and {}-fold "
                       "needs at least {}", field, count_of(n, field), k, k);
    const int val_fold = val_fold_of(config);
    for (size_t i = 0; i < n; ++i) {
      const int fold = static_cast<int>(i % k);
      group_side[order[i]] = fold == config.fold ? 2 : fold == val_fold ? 1 : 0;
    }
  } else {
    const bool want_val = config.val_fraction > 0.0, want_test = config.test_fraction > 0.0;
    const size_t needed = 1 + (want_val ? 1 : 0) + (want_test ? 1 : 0);
    if (n < needed)
      throw make_error("data", "cannot split by {}: its {} span the classes and are dealt as one pool, and a "
                       "holdout needs at least {}", field, count_of(n, field), needed);
    const auto [n_test, n_val] = holdout_counts(n, config);
    for (size_t i = 0; i < n; ++i) group_side[order[i]] = i < n_test ? 2 : i < n_test + n_val ? 1 : 0;
  }
  for (size_t g = 0; g < n; ++g)
    for (int64_t i : groups[g].clips) side[static_cast<size_t>(i)] = group_side[g];
  return side;
}

// A crossed split by several fields ("groove_file+synth"): each field is split on its own (sides_by_field, one
// seed), and a clip goes to a side only when every field puts it there; the others are left out. So no value of
// any of the fields is shared between two sides: a test clip's groove file *and* synthesis path were never heard in
// training.
Split crossed_split(const Dataset& ds, const SplitConfig& config, const std::string& by) {
  const std::vector<std::string> fields = crossed_fields(by);
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& f = fields[i];
    if (f.empty() || f == "auto" || f == "clip" || f == "lists" || f == "manifest")
      throw make_error("data", "cannot split by '{}': a crossed split takes fields (like groove_file+synth), got '{}'",
                       by, f);
    if (std::find(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(i), f) != fields.begin() + static_cast<std::ptrdiff_t>(i))
      throw make_error("data", "cannot split by '{}': '{}' is named twice", by, f);
  }
  std::vector<std::vector<int>> sides;
  for (const auto& f : fields) sides.push_back(sides_by_field(ds, config, f));
  Split s;
  size_t left_out = 0;
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    const int side = sides[0][i];
    bool same = true;
    for (const auto& f : sides) same = same && f[i] == side;
    if (!same) {
      ++left_out;
      // Held out by exactly one field (test there, train everywhere else): a side of its own.
      size_t tested = 0, trained = 0, which = 0;
      for (size_t f = 0; f < sides.size(); ++f) {
        if (sides[f][i] == 2) {
          ++tested;
          which = f;
        }
        trained += sides[f][i] == 0;
      }
      if (tested == 1 && trained == sides.size() - 1) s.extra["test_" + fields[which]].push_back(static_cast<int64_t>(i));
      continue;
    }
    (side == 2 ? s.test : side == 1 ? s.val : s.train).push_back(static_cast<int64_t>(i));
  }
  if ((config.method == "kfold" || config.test_fraction > 0.0) && s.test.empty())
    throw make_error("data", "cannot split by {}: no clip is held out by every field ({} clips, {} left out); a "
                     "crossed split needs more clips per value", by, ds.clips.size(), left_out);
  for (size_t c = 0; c < ds.classes.size(); ++c) {
    bool in_train = false;
    for (int64_t i : s.train) in_train = in_train || ds.clips[static_cast<size_t>(i)].label_index == static_cast<int>(c);
    if (!in_train)
      throw make_error("data", "cannot split by {}: class '{}' has no training clip left (every one shares a value "
                       "with the held-out sides); use fewer fields or smaller fractions", by, ds.classes[c]);
  }
  s.by = by;
  s.method = config.method;
  s.seed = config.seed;
  if (config.method == "kfold") {
    s.folds = config.folds;
    s.fold = config.fold;
  }
  std::string fold_note;
  if (config.method == "kfold")
    fold_note = fmt::format("test fold {} of {}{}, ", config.fold, config.folds,
                            val_fold_of(config) >= 0 ? fmt::format(", val fold {}", val_fold_of(config)) : std::string());
  for (const auto& f : fields) s.extra["test_" + f];  // every partial side is named, empty or not
  std::string partial;
  for (const auto& [name, clips] : s.extra) partial += fmt::format("{}{} {}", partial.empty() ? "" : ", ", clips.size(), name);
  s.description = fmt::format(
      "crossed {} by {}: {}no {} shared between sides ({}/{}/{} clips; {} left out, their {} fall on different "
      "sides{}) in {} classes, seed {}",
      config.method, by, fold_note, fmt::join(fields, " and no "), s.train.size(), s.val.size(), s.test.size(),
      left_out, fmt::join(fields, " and "), partial.empty() ? "" : ": of them " + partial, ds.classes.size(),
      config.seed);
  return s;
}

// "blues/blues.00012" from a list line or a clip path: the last folder and the file stem.
std::string gtzan_key(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path().filename() / p.stem()).string();
}

std::vector<std::string> read_list(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t b = 0;
    while (b < line.size() && std::isspace(static_cast<unsigned char>(line[b]))) ++b;
    if (b < line.size()) out.push_back(line.substr(b));
    start = end + 1;
  }
  return out;
}

Split split_by_lists(const Dataset& ds, const SplitConfig& config, const std::string& fallback) {
  const std::string dir = gtzan_lists_dir(config.lists_dir, fallback);
  std::map<std::string, int> side_of;  // key -> 0 train, 1 val, 2 test
  size_t listed[3] = {0, 0, 0};
  for (int side = 0; side < 3; ++side) {
    const std::string file = (fs::path(dir) / kListFiles[side]).string();
    for (const std::string& entry : read_list(file)) {
      const auto [it, fresh] = side_of.emplace(gtzan_key(entry), side);
      if (!fresh && it->second != side) {
        throw make_error("data", "'{}' lists '{}', which {} also lists", file, entry, kListFiles[it->second]);
      }
      listed[side] += fresh ? 1 : 0;
    }
  }
  Split s;
  std::map<std::string, int64_t> matched;  // key -> clip
  int64_t left_out = 0;
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    const std::string key = gtzan_key(ds.clips[i].path);
    const auto it = side_of.find(key);
    if (it == side_of.end()) {
      ++left_out;
      continue;
    }
    const auto [m, fresh] = matched.emplace(key, static_cast<int64_t>(i));
    if (!fresh) {
      throw make_error("data", "clips '{}' and '{}' both match GTZAN list entry '{}'",
                       ds.clips[static_cast<size_t>(m->second)].path, ds.clips[i].path, key);
    }
    (it->second == 0 ? s.train : it->second == 1 ? s.val : s.test).push_back(static_cast<int64_t>(i));
  }
  if (matched.empty()) {
    throw make_error("data",
                     "none of the {} clips of '{}' is named in the GTZAN lists in '{}' (they name files like "
                     "'blues/blues.00000.wav')",
                     ds.clips.size(), ds.root, dir);
  }
  sort_sides(s);
  s.by = "lists";
  s.method = "holdout";
  s.seed = config.seed;
  s.description = fmt::format("lists (GTZAN fault-filtered) from '{}': {}/{}/{} clips of {}/{}/{} listed{}", dir,
                              s.train.size(), s.val.size(), s.test.size(), listed[0], listed[1], listed[2],
                              left_out ? fmt::format("; {} clips in no list left out", left_out) : std::string());
  return s;
}

Split split_by_manifest(const Dataset& ds, const SplitConfig& config) {
  Split s;
  int64_t left_out = 0;
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    const std::string raw = ds.clips[i].field("split");
    const std::string v = lower(raw);
    const auto idx = static_cast<int64_t>(i);
    if (v.empty()) {
      ++left_out;
    } else if (v == "train") {
      s.train.push_back(idx);
    } else if (v == "val" || v == "valid" || v == "validation") {
      s.val.push_back(idx);
    } else if (v == "test") {
      s.test.push_back(idx);
    } else {
      throw make_error("data", "clip '{}' has split '{}', not train, val, valid, validation or test", ds.clips[i].path,
                       raw);
    }
  }
  if (s.train.empty() && s.val.empty() && s.test.empty()) {
    throw make_error("data", "no clip of '{}' has a value in the split column", ds.root);
  }
  s.by = "manifest";
  s.method = "holdout";
  s.seed = config.seed;
  s.description = fmt::format("manifest split column: {}/{}/{} clips{}", s.train.size(), s.val.size(), s.test.size(),
                              left_out ? fmt::format("; {} clips without a split left out", left_out) : std::string());
  return s;
}

bool has_lists(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : kListFiles) {
    if (!fs::is_regular_file(dir / f, ec)) return false;
  }
  return true;
}

}  // namespace

void SplitConfig::validate() const {
  if (by.empty()) throw make_error("data", "SplitConfig.by is empty (auto, clip, groove, <field>, lists, manifest)");
  if (method != "holdout" && method != "kfold") {
    throw make_error("data", "SplitConfig.method must be holdout or kfold, got '{}'", method);
  }
  if (!(val_fraction >= 0.0 && val_fraction < 1.0)) {
    throw make_error("data", "SplitConfig.val_fraction must be in [0, 1), got {}", val_fraction);
  }
  if (!(test_fraction >= 0.0 && test_fraction < 1.0)) {
    throw make_error("data", "SplitConfig.test_fraction must be in [0, 1), got {}", test_fraction);
  }
  if (method == "holdout" && val_fraction + test_fraction >= 1.0) {
    throw make_error("data", "SplitConfig.val_fraction + test_fraction must be below 1, got {} + {}", val_fraction,
                     test_fraction);
  }
  if (method == "kfold") {
    if (folds < 2) throw make_error("data", "SplitConfig.folds must be at least 2, got {}", folds);
    if (val_fraction > 0.0 && folds < 3) {
      throw make_error("data", "SplitConfig.folds must be at least 3 with a val fold (val_fraction > 0), got {}",
                       folds);
    }
    if (fold < 0 || fold >= folds) {
      throw make_error("data", "SplitConfig.fold must be in [0, {}), got {}", folds, fold);
    }
  }
}

std::string gtzan_lists_dir(const std::string& configured, const std::string& fallback) {
  if (!configured.empty()) {
    if (!has_lists(configured)) {
      throw make_error("data", "'{}' does not hold GTZAN's {}, {} and {}", configured, kListFiles[0], kListFiles[1],
                       kListFiles[2]);
    }
    return configured;
  }
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("MGC_DATA_DIR"); env && *env) {
    tried.push_back(fs::path(env) / "gtzan");
    tried.push_back(fs::path(env));
  }
  if (!fallback.empty()) tried.push_back(fallback);
#ifdef MGC_SOURCE_DIR
  tried.push_back(fs::path(MGC_SOURCE_DIR) / "data" / "gtzan");
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path d = exe.parent_path();
    for (int up = 0; up <= 4 && !d.empty(); ++up, d = d.parent_path()) {
      tried.push_back(d / "data" / "gtzan");
      if (d == d.root_path()) break;
    }
  }
  tried.push_back(fs::path("data") / "gtzan");
  std::vector<std::string> names;
  for (const auto& d : tried) {
    if (has_lists(d)) return d.lexically_normal().string();
    names.push_back(d.string());
  }
  throw make_error("data", "cannot find GTZAN's split lists ({}); set lists_dir or MGC_DATA_DIR; tried {}",
                   kListFiles[0], fmt::join(names, ", "));
}

Split make_split(const Dataset& dataset, const SplitConfig& config, const std::string& fallback_lists_dir) {
  config.validate();
  if (dataset.clips.empty()) throw make_error("data", "cannot split '{}': it holds no clips", dataset.root);
  std::string by = lower(config.by);
  const bool kfold = config.method == "kfold";
  std::string note;
  if (by == "auto") {
    if (!kfold && dataset.has_field("split")) {
      by = "manifest";
    } else if (!kfold && dataset.kind == "gtzan") {
      by = "lists";
    } else {
      // The generated corpus names both the groove and the file that defines it; grooves of one file share their
      // drums and bass line, so the file is the unit that must not straddle two sides (the corpus's "artist").
      by = dataset.has_field("groove_file") ? "groove_file" : dataset.has_field("groove") ? "groove" : "clip";
      if (kfold && dataset.has_field("split")) note = " (auto: kfold ignores the manifest's split column)";
      if (kfold && dataset.kind == "gtzan") note = " (auto: kfold ignores GTZAN's fault-filtered lists)";
    }
  }
  Split s;
  if (by == "lists" || by == "manifest") {
    if (kfold) {
      throw make_error("data", "a '{}' split is fixed and cannot be k-fold; split by clip or a field instead", by);
    }
    s = by == "lists" ? split_by_lists(dataset, config, fallback_lists_dir) : split_by_manifest(dataset, config);
  } else if (by.find('+') != std::string::npos) {
    s = crossed_split(dataset, config, by);
  } else if (kfold) {
    s = kfold_by_group(dataset, config, by);
  } else {
    s = holdout_by_group(dataset, config, by);
  }
  s.description += note;
  return s;
}

std::string group_of(const Clip& clip, const std::string& by) {
  if (by == "clip" || by == "lists" || by == "manifest") return "";
  const std::vector<std::string> fields = crossed_fields(by);
  std::string out = clip.field(fields[0]);
  for (size_t f = 1; f < fields.size(); ++f) out += "+" + clip.field(fields[f]);
  return out;
}

std::string to_json(const Split& split, const Dataset* dataset) {
  nlohmann::json j;
  j["by"] = split.by;
  j["method"] = split.method;
  j["description"] = split.description;
  j["seed"] = split.seed;
  if (split.method == "kfold") {
    j["folds"] = split.folds;
    j["fold"] = split.fold;
  }
  j["sizes"] = {{"train", split.train.size()}, {"val", split.val.size()}, {"test", split.test.size()}};
  std::vector<std::pair<std::string, const std::vector<int64_t>*>> sides = {
      {"train", &split.train}, {"val", &split.val}, {"test", &split.test}};
  for (const auto& [name, clips] : split.extra) {
    j["sizes"][name] = clips.size();
    sides.emplace_back(name, &clips);
  }
  for (const auto& [name, members] : sides) {
    nlohmann::json list = nlohmann::json::array();
    for (int64_t i : *members) {
      if (dataset && i >= 0 && static_cast<size_t>(i) < dataset->clips.size()) {
        const fs::path p(dataset->clips[static_cast<size_t>(i)].path);
        const fs::path rel = p.lexically_relative(dataset->root);
        list.push_back(rel.empty() || *rel.begin() == ".." ? p.string() : rel.string());
      } else {
        list.push_back(i);
      }
    }
    j["clips"][name] = std::move(list);
  }
  if (dataset) {
    nlohmann::json per_class = nlohmann::json::object();
    for (const auto& c : dataset->classes)
      for (const auto& [name, members] : sides) per_class[c][name] = 0;
    for (const auto& [name, members] : sides) {
      for (int64_t i : *members) {
        if (i < 0 || static_cast<size_t>(i) >= dataset->clips.size()) continue;
        const auto& label = dataset->clips[static_cast<size_t>(i)].label;
        per_class[label][name] = per_class[label][name].get<int64_t>() + 1;
      }
    }
    j["per_class"] = std::move(per_class);
  }
  return j.dump(2);
}

}  // namespace mgc::data
