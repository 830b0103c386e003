#include "mgc/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <string_view>
#include <thread>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"
#include "mgc/core/progress.h"
#include "mgc/core/runtime.h"
#include "mgc/data/feature_cache.h"
#include "mgc/eval/metrics.h"
#include "mgc/models/transfer.h"
#include "mgc/train/augment.h"
#include "mgc/train/distributed.h"
#include "mgc/train/model_io.h"
#include "mgc/train/run_data.h"

namespace mgc::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b = 0) {
  uint64_t h = seed * 0x9E3779B97F4A7C15ull ^ (a + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
  h ^= (b + 0x94D049BB133111EBull) * 0x2545F4914F6CDD1Dull;
  h ^= h >> 31;
  return h;
}

struct Batch {
  torch::Tensor db;      // [B, 1, M, W]
  torch::Tensor labels;  // [B]
  Mixup mix;
};

// One training sample: a random window of a clip.
struct Sample {
  int64_t clip;
  int label;
};

// Builds the batches of one epoch on worker threads, handing them out in order.
class EpochLoader {
 public:
  // samples: this rank's shard of the epoch's order; positions[i]: the place of samples[i] in the whole order
  // (its crop depends only on that, so it is the same whatever the world size).
  // by_label[c]: the train clips of class c (partners of the same-class mix).
  EpochLoader(const RunData& run, const std::vector<Sample>& samples, const std::vector<int64_t>& positions,
              const std::vector<std::vector<int64_t>>& by_label, const TrainConfig& config, int epoch, int rank)
      : run_(run), samples_(samples), positions_(positions), by_label_(by_label), config_(config), epoch_(epoch),
        rank_(rank) {
    batches_ = static_cast<int64_t>(samples.size()) / config.batch_size;
    if (static_cast<int64_t>(samples.size()) % config.batch_size >= 2) ++batches_;  // a last batch of 1 breaks BN
    const int workers = config.loader_threads;
    for (int w = 0; w < workers; ++w) threads_.emplace_back([this, w, workers] { work(w, workers); });
  }
  ~EpochLoader() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  int64_t size() const { return batches_; }

  // Batch b (in order); adds the time spent waiting to *waited.
  Batch get(int64_t b, double* waited) {
    const auto t0 = Clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return ready_.count(b) > 0 || error_; });
    if (error_) std::rethrow_exception(error_);
    Batch out = std::move(ready_[b]);
    ready_.erase(b);
    consumed_ = b + 1;
    lock.unlock();
    cv_.notify_all();
    *waited += std::chrono::duration<double>(Clock::now() - t0).count();
    return out;
  }

 private:
  void work(int w, int workers) {
    try {
      for (int64_t b = w; b < batches_; b += workers) {
        {
          std::unique_lock<std::mutex> lock(mutex_);
          cv_.wait(lock, [&] { return stop_ || b < consumed_ + 2 * workers; });
          if (stop_) return;
        }
        Batch batch = make(b);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ready_[b] = std::move(batch);
        }
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
      cv_.notify_all();
    }
  }

  Batch make(int64_t b) {
    std::mt19937_64 rng(mix_seed(config_.seed, static_cast<uint64_t>(epoch_),
                                 static_cast<uint64_t>(b) + 1 + (static_cast<uint64_t>(rank_) << 32)));
    const int64_t window = config_.segment_frames();
    const int64_t first = b * config_.batch_size;
    const int64_t last = std::min<int64_t>(first + config_.batch_size, static_cast<int64_t>(samples_.size()));
    const auto& any = run_.features[static_cast<size_t>(samples_[static_cast<size_t>(first)].clip)];
    Batch out;
    out.db = torch::empty({last - first, 1, any.rows, window});
    std::vector<int64_t> labels;
    for (int64_t i = first; i < last; ++i) {
      const Sample& s = samples_[static_cast<size_t>(i)];
      const auto& mel = run_.features[static_cast<size_t>(s.clip)];
      const int64_t span = std::max<int64_t>(0, mel.cols - window);
      std::mt19937_64 crop(mix_seed(config_.seed ^ 0xC4CEB9FE1A85EC53ull, static_cast<uint64_t>(epoch_),
                                    static_cast<uint64_t>(positions_[static_cast<size_t>(i)]) + 1));
      const int64_t start = std::uniform_int_distribution<int64_t>(0, span)(crop);
      out.db[i - first].copy_(windows_tensor(mel, {start}, window)[0]);
      // Same-class mix, drawn from the crop's generator: the same whatever the world size.
      const AugmentConfig& a = config_.augment;
      const auto& partners = by_label_[static_cast<size_t>(s.label)];
      if (a.enabled && a.mix_same_class > 0 && partners.size() > 1 &&
          std::uniform_real_distribution<double>(0.0, 1.0)(crop) < a.mix_same_class) {
        // Another clip of the class: a random one of the others.
        size_t k = std::uniform_int_distribution<size_t>(0, partners.size() - 2)(crop);
        const auto self = std::find(partners.begin(), partners.end(), s.clip);
        if (self != partners.end() && k >= static_cast<size_t>(self - partners.begin())) ++k;
        const auto& other = run_.features[static_cast<size_t>(partners[k])];
        const int64_t other_start =
            std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(0, other.cols - window))(crop);
        const double level = -std::uniform_real_distribution<double>(0.0, a.mix_level_db)(crop);
        mix_power_db(out.db[i - first], windows_tensor(other, {other_start}, window)[0], level);
      }
      labels.push_back(s.label);
    }
    out.labels = torch::tensor(labels, torch::kLong);
    augment_batch(out.db, config_.augment, rng);
    out.mix = mixup_batch(out.db, config_.augment, rng);
    return out;
  }

  const RunData& run_;
  const std::vector<Sample>& samples_;
  const std::vector<int64_t>& positions_;
  const std::vector<std::vector<int64_t>>& by_label_;
  const TrainConfig& config_;
  const int epoch_;
  const int rank_;
  int64_t batches_ = 0;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<int64_t, Batch> ready_;
  int64_t consumed_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

// Learning rate at a step: linear warm-up, then cosine / step / constant; times the fine-tuning factor once a
// frozen backbone has been released.
double learning_rate(const TrainConfig& c, int epoch, int64_t step_in_epoch, int64_t steps_per_epoch) {
  const double t = epoch + static_cast<double>(step_in_epoch) / std::max<int64_t>(steps_per_epoch, 1);
  double lr = c.lr;
  if (c.warmup_epochs > 0 && t < c.warmup_epochs) {
    lr *= (t + 1.0 / std::max<int64_t>(steps_per_epoch, 1)) / c.warmup_epochs;
  } else if (c.schedule == "cosine") {
    const double span = std::max(1e-9, c.epochs - c.warmup_epochs);
    lr *= 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, (t - c.warmup_epochs) / span)));
  } else if (c.schedule == "step") {
    lr *= std::pow(c.gamma, std::floor(t / c.step_size));
  }
  if (c.freeze_epochs > 0 && !c.freeze_only && epoch >= c.freeze_epochs) lr *= c.finetune_lr_factor;
  return lr;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& c, models::Classifier& model) {
  if (c.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        model.parameters(),
        torch::optim::SGDOptions(c.lr).momentum(c.momentum).nesterov(c.momentum > 0).weight_decay(c.weight_decay));
  return std::make_unique<torch::optim::AdamW>(model.parameters(),
                                               torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay));
}

torch::Tensor mixed_loss(const torch::Tensor& logits, const Batch& b, double smoothing) {
  namespace F = torch::nn::functional;
  const auto opts = F::CrossEntropyFuncOptions().label_smoothing(smoothing);
  torch::Tensor loss = F::cross_entropy(logits, b.labels, opts);
  if (b.mix.lambda < 1.0)
    loss = b.mix.lambda * loss +
           (1.0 - b.mix.lambda) * F::cross_entropy(logits, b.labels.index_select(0, b.mix.permutation), opts);
  return loss;
}

struct Validation {
  double loss = 0.0;
  double segment_acc = 0.0;
  double clip_acc = 0.0;
  double macro_f1 = 0.0;
};

// Fixed windows of every val clip, stacked once.
struct ValSet {
  torch::Tensor db;                 // [S, 1, M, W]
  std::vector<int64_t> clip_of;     // S
  std::vector<int> label_of;        // S
};

ValSet make_val_set(const RunData& run, const TrainConfig& c) {
  ValSet v;
  std::vector<torch::Tensor> parts;
  for (int64_t clip : run.split.val) {
    const auto& mel = run.features[static_cast<size_t>(clip)];
    if (mel.cols == 0) continue;
    const auto starts = data::segment_starts(mel.cols, c.segment_frames(), c.eval_hop_frames());
    parts.push_back(windows_tensor(mel, starts, c.segment_frames()));
    for (size_t i = 0; i < starts.size(); ++i) {
      v.clip_of.push_back(clip);
      v.label_of.push_back(run.dataset.clips[static_cast<size_t>(clip)].label_index);
    }
  }
  if (!parts.empty()) v.db = torch::cat(parts, 0);
  return v;
}

Validation validate(models::Classifier& model, const ValSet& v, int num_classes, const TrainConfig& c,
                    const torch::Device& device) {
  Validation out;
  if (v.clip_of.empty()) return out;
  const torch::Tensor probs = predict_probs(model, v.db, c, c.batch_size, device);
  std::vector<eval::Prediction> segments;
  double nll = 0.0;
  const auto acc = probs.accessor<float, 2>();
  for (size_t i = 0; i < v.clip_of.size(); ++i) {
    eval::Prediction p;
    p.clip = v.clip_of[i];
    p.label = v.label_of[i];
    p.probs.assign(&acc[static_cast<int64_t>(i)][0], &acc[static_cast<int64_t>(i)][0] + num_classes);
    nll -= std::log(std::max(1e-12f, p.probs[static_cast<size_t>(p.label)]));
    segments.push_back(std::move(p));
  }
  out.loss = nll / static_cast<double>(segments.size());
  out.segment_acc = eval::compute_metrics(segments, num_classes, std::min(3, num_classes)).accuracy;
  const eval::Metrics clip =
      eval::compute_metrics(eval::aggregate_clips(segments, num_classes, eval::Vote::MeanProbability), num_classes,
                            std::min(3, num_classes));
  out.clip_acc = clip.accuracy;
  out.macro_f1 = clip.macro_f1;
  return out;
}

struct State {
  int epoch = 0;  // epochs completed
  int best_epoch = 0;
  double best_clip_acc = -1.0;
  double best_loss = 1e300;
  int since_best = 0;
  bool early_stopped = false;
  int world_size = 1;  // processes that trained the last epoch
};

// checkpoint.pt = this magic, the FNV-1a 64 of the rest in 16 hex digits, a newline, then libtorch's archive.
constexpr const char* kCheckpointMagic = "MGC-CHECKPOINT-1 ";

void save_checkpoint(const std::string& path, models::Classifier& model, torch::optim::Optimizer& opt,
                     const State& s) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  torch::serialize::OutputArchive opt_archive;
  opt.save(opt_archive);
  archive.write("optimizer", opt_archive);
  archive.write("epoch", c10::IValue(static_cast<int64_t>(s.epoch)));
  archive.write("best_epoch", c10::IValue(static_cast<int64_t>(s.best_epoch)));
  archive.write("best_clip_acc", c10::IValue(s.best_clip_acc));
  archive.write("best_loss", c10::IValue(s.best_loss));
  archive.write("since_best", c10::IValue(static_cast<int64_t>(s.since_best)));
  archive.write("early_stopped", c10::IValue(s.early_stopped));
  archive.write("world_size", c10::IValue(static_cast<int64_t>(s.world_size)));
  std::ostringstream out;
  archive.save_to(out);
  const std::string bytes = out.str();
  // libtorch's archive checks no CRC: a checksum in front makes a flipped byte an error instead of a silent resume.
  write_file_atomic(path, std::string(kCheckpointMagic) + to_hex(fnv1a64(bytes)) + "\n" + bytes);
}

// `bytes`: the checkpoint file's content (rank 0 reads it and shares it with the other ranks); `path` names it.
State load_checkpoint(const std::string& path, const std::string& bytes, models::Classifier& model,
                      torch::optim::Optimizer& opt, const torch::Device& device) {
  State s;
  const std::string magic = kCheckpointMagic;
  size_t offset = 0;  // a checkpoint from before the checksum (no magic) is read as it is
  if (bytes.compare(0, magic.size(), magic) == 0) {
    offset = magic.size() + 17;  // 16 hex digits and a newline
    if (bytes.size() < offset || bytes[offset - 1] != '\n')
      throw make_error("train", "checkpoint '{}' is truncated (no checksum line)", path);
    const std::string want = bytes.substr(magic.size(), 16);
    const std::string got = to_hex(fnv1a64(std::string_view(bytes).substr(offset)));
    if (want != got)
      throw make_error("train", "checkpoint '{}' fails its checksum (stored {}, content {}): it is corrupt; start the "
                       "run again or restore the file", path, want, got);
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data() + offset, bytes.size() - offset, device);
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    torch::serialize::InputArchive opt_archive;
    archive.read("optimizer", opt_archive);
    opt.load(opt_archive);
    c10::IValue v;
    archive.read("epoch", v);
    s.epoch = static_cast<int>(v.toInt());
    archive.read("best_epoch", v);
    s.best_epoch = static_cast<int>(v.toInt());
    archive.read("best_clip_acc", v);
    s.best_clip_acc = v.toDouble();
    archive.read("best_loss", v);
    s.best_loss = v.toDouble();
    archive.read("since_best", v);
    s.since_best = static_cast<int>(v.toInt());
    archive.read("early_stopped", v);
    s.early_stopped = v.toBool();
    s.world_size = archive.try_read("world_size", v) ? static_cast<int>(v.toInt()) : 1;
  } catch (const c10::Error& e) {
    throw make_error("train", "checkpoint '{}' is unreadable or corrupt: {}", path, e.what_without_backtrace());
  }
  return s;
}

// Keeps only the metrics rows of completed epochs (a killed epoch may have written its row before the checkpoint).
void trim_metrics(const std::string& run_dir, int epochs_done) {
  for (const char* name : {"metrics.jsonl", "metrics.csv"}) {
    const std::string path = run_dir + "/" + name;
    if (!fs::exists(path)) continue;
    std::ifstream in(path);
    std::string line, kept;
    int row = 0;
    const bool csv = std::string(name).find(".csv") != std::string::npos;
    while (std::getline(in, line)) {
      if (csv && row == 0) kept += line + "\n";
      else if ((csv ? row : row + 1) <= epochs_done) kept += line + "\n";
      ++row;
    }
    write_file_atomic(path, kept);
  }
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  if (!out) throw make_error("train", "cannot append to '{}'", path);
}

// The epoch's order of samples for one rank, as torch's DistributedSampler deals it: the whole order padded with
// its first samples to a multiple of world_size, then every world_size-th sample from position rank. So batch b of
// every rank together holds positions [b * B * W, (b + 1) * B * W) of the order: one batch of B * W in one process.
void shard(const std::vector<Sample>& order, int rank, int world_size, std::vector<Sample>* samples,
           std::vector<int64_t>* positions) {
  const auto n = static_cast<int64_t>(order.size());
  const int64_t per_rank = (n + world_size - 1) / world_size;
  samples->clear();
  positions->clear();
  for (int64_t i = 0; i < per_rank; ++i) {
    const int64_t p = i * world_size + rank;
    samples->push_back(order[static_cast<size_t>(p % n)]);
    positions->push_back(p);
  }
}

// Parameters' running checksums after each optimiser step, and the final weights beside them (TrainOptions).
class ParamTrace {
 public:
  explicit ParamTrace(const std::string& path) : path_(path) {
    if (path_.empty()) return;
    out_.open(path_, std::ios::app);
    if (!out_) throw make_error("train", "cannot write the parameter trace '{}'", path_);
  }
  void step(int epoch, int64_t step, models::Classifier& model) {
    if (path_.empty()) return;
    torch::NoGradGuard no_grad;
    double sum = 0.0, squares = 0.0;
    for (const auto& p : model.parameters()) {
      const torch::Tensor d = p.detach().to(torch::kCPU, torch::kFloat64);
      sum += d.sum().item<double>();
      squares += d.square().sum().item<double>();
    }
    out_ << fmt::format("{} {} {:.17g} {:.17g}\n", epoch + 1, step + 1, sum, squares);
    out_.flush();
  }
  void finish(const models::Classifier& model) {
    if (!path_.empty()) save_model_weights(model, path_ + ".safetensors");
  }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace

TrainConfig load_run_config(const std::string& run_dir) {
  const std::string path = run_dir + "/config.json";
  if (!fs::exists(path)) throw make_error("train", "'{}' is not a run folder (no config.json)", run_dir);
  try {
    return train_config_from_json(nlohmann::json::parse(read_file(path)));
  } catch (const nlohmann::json::exception& e) {
    throw make_error("train", "'{}': {}", path, e.what());
  }
}

TrainResult train(const TrainConfig& requested, const std::string& run_dir, const TrainOptions& options) {
  const auto start = Clock::now();
  const std::string checkpoint = run_dir + "/checkpoint.pt";

  // Distributed: meet the other ranks first; rank 0 alone reads and writes the run folder and hands the config
  // (and on resume the checkpoint) to the others through the store.
  std::unique_ptr<DistGroup> dist;
  if (options.dist.enabled()) dist = std::make_unique<DistGroup>(options.dist);
  const int rank = dist ? dist->rank() : 0;
  const int world_size = dist ? dist->world_size() : 1;
  const bool main_rank = rank == 0;
  const bool verbose = options.verbose && main_rank;
  const bool progress = options.progress && main_rank;

  TrainConfig config = requested;
  std::string failure;
  if (main_rank) {
    try {
      if (options.resume) {
        if (!fs::exists(checkpoint)) throw make_error("train", "nothing to resume: '{}' has no checkpoint", run_dir);
        config = load_run_config(run_dir);
      } else if (fs::exists(checkpoint)) {
        throw make_error("train", "'{}' already holds a run: use --resume to continue it, or another folder", run_dir);
      }
      config.validate();
    } catch (const Error& e) {
      failure = e.what();
    }
  }
  if (dist) {
    const nlohmann::json start_msg = failure.empty() ? nlohmann::json{{"ok", true}, {"config", to_json(config)}}
                                                     : nlohmann::json{{"ok", false}, {"error", failure}};
    const auto got = nlohmann::json::parse(dist->share("start", main_rank ? start_msg.dump() : ""));
    if (main_rank && !failure.empty()) dist->wait_until_shared("start");  // before rank 0 (the store) leaves
    if (!main_rank) {
      if (!got.at("ok").get<bool>()) throw make_error("train", "rank 0 failed: {}", got.at("error").get<std::string>());
      // Rank 0's run, with this machine's own threads and feature cache.
      config = train_config_from_json(got.at("config"));
      config.threads = requested.threads;
      config.loader_threads = requested.loader_threads;
      if (!requested.cache_dir.empty()) config.cache_dir = requested.cache_dir;
    }
  }
  if (!failure.empty()) throw Error(failure);
  config.validate();
  if (main_rank) fs::create_directories(run_dir);
  set_num_threads(config.threads);
  const torch::Device device = resolve_device(config.device, dist ? options.dist.local_rank : 0);
  if (dist) dist->init_backend(device);

  RunData run = load_run_data(config, {"train", "val"}, progress);
  if (main_rank)
    for (const auto& f : run.failures) std::fprintf(stderr, "mgc: warning: skipped: %s\n", f.c_str());
  const int num_classes = static_cast<int>(run.dataset.classes.size());

  if (main_rank) {
    write_file_atomic(run_dir + "/config.json", to_json(config).dump(2) + "\n");
    nlohmann::json run_info = {{"classes", run.dataset.classes},
                               {"split", {{"by", run.split.by}, {"method", run.split.method},
                                          {"description", run.split.description}}},
                               {"dataset", config.data}};
    for (const char* side : {"train", "val", "test"}) {
      std::vector<std::string> paths;
      for (int64_t c : side_indices(run.split, side)) paths.push_back(run.dataset.clips[static_cast<size_t>(c)].path);
      run_info["split"][side] = paths;
    }
    if (dist) run_info["distributed"] = {{"backend", options.dist.backend}, {"world_size", world_size}};
    write_file_atomic(run_dir + "/run.json", run_info.dump(2) + "\n");
  }

  torch::manual_seed(config.seed);
  auto model = build_model(config, num_classes, verbose && !options.resume);
  model->to(device);
  auto optimizer = make_optimizer(config, *model);
  const std::vector<torch::Tensor> params = model->parameters();
  const std::vector<torch::Tensor> buffers = model->buffers();
  State state;
  if (options.resume) {
    std::string bytes = main_rank ? read_file(checkpoint) : std::string();
    if (dist) bytes = dist->share("checkpoint", bytes);
    state = load_checkpoint(checkpoint, bytes, *model, *optimizer, device);
    if (main_rank) trim_metrics(run_dir, state.epoch);
    if (verbose) std::printf("resuming %s after epoch %d\n", run_dir.c_str(), state.epoch);
    if (verbose && state.world_size != world_size)
      std::printf("note: the run was trained by %d process(es), now %d: the data order differs from an "
                  "uninterrupted run\n", state.world_size, world_size);
  } else if (main_rank) {
    trim_metrics(run_dir, 0);
  }
  // After any load (a checkpoint's tensors keep the strides they were saved with; an older mgc saved NCHW). The
  // parameters stay the same tensors, so the optimiser and `params` follow.
  use_fast_memory_format(*model, device);
  state.world_size = world_size;
  // Every rank starts from rank 0's weights (a pretrained file may differ between machines).
  if (dist) {
    dist->broadcast(params);
    dist->broadcast(buffers);
  }

  std::vector<Sample> base;
  std::vector<std::vector<int64_t>> by_label;  // train clips per class, in split order
  const int64_t window = config.segment_frames();
  for (int64_t clip : run.split.train) {
    const auto& mel = run.features[static_cast<size_t>(clip)];
    if (mel.cols == 0) continue;
    const int label = run.dataset.clips[static_cast<size_t>(clip)].label_index;
    const int64_t crops = std::max<int64_t>(1, mel.cols / window);
    for (int64_t k = 0; k < crops; ++k) base.push_back({clip, label});
    if (static_cast<size_t>(label) >= by_label.size()) by_label.resize(static_cast<size_t>(label) + 1);
    by_label[static_cast<size_t>(label)].push_back(clip);
  }
  if (static_cast<int64_t>(base.size()) < 2 * world_size)
    throw make_error("train", "the train split has fewer than {} usable windows ({} per process)", 2 * world_size, 2);
  const ValSet val = main_rank ? make_val_set(run, config) : ValSet{};
  // Without a val split (--val 0) every epoch is the best so far: best.safetensors is the last epoch's weights,
  // early stopping has nothing to watch, and the metrics' val columns are empty (nan / null), not zeros.
  const bool has_val = !run.split.val.empty();
  if (verbose)
    std::printf("train: %s, %zu train clips (%zu windows/epoch), %zu val clips, %d classes, split %s%s\n",
                config.model.c_str(), run.split.train.size(), base.size(), run.split.val.size(), num_classes,
                run.split.description.c_str(),
                dist ? fmt::format(", {} processes ({}), batch {} each", world_size, options.dist.backend,
                                   config.batch_size).c_str() : "");
  std::fflush(stdout);  // before the progress bars on stderr

  TrainResult result;
  result.rank = rank;
  result.world_size = world_size;
  ParamTrace trace(options.param_trace);
  double waited = 0.0, stepping = 0.0;
  int epochs_this_call = 0;
  const std::string csv = run_dir + "/metrics.csv";
  if (main_rank && !fs::exists(csv))
    write_file_atomic(csv, "epoch,phase,lr,train_loss,train_acc,val_loss,val_segment_acc,val_clip_acc,val_macro_f1,"
                           "seconds,loader_wait_fraction\n");

  while (state.epoch < config.epochs && !state.early_stopped) {
    if (options.max_epochs_this_call > 0 && epochs_this_call >= options.max_epochs_this_call) break;
    const int epoch = state.epoch;
    const auto epoch_start = Clock::now();
    const bool frozen = config.freeze_only || epoch < config.freeze_epochs;
    if (frozen) models::freeze_backbone(*model);
    else models::unfreeze_all(*model);
    // Dropout and stochastic depth: rank 0 draws what a single process would.
    torch::manual_seed(mix_seed(config.seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(rank)));

    std::vector<Sample> order = base;
    std::mt19937_64 shuffle_rng(mix_seed(config.seed, static_cast<uint64_t>(epoch), 0));
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    std::vector<Sample> samples;
    std::vector<int64_t> positions;
    shard(order, rank, world_size, &samples, &positions);
    EpochLoader loader(run, samples, positions, by_label, config, epoch, rank);

    model->train();
    double loss_sum = 0.0, epoch_waited = 0.0, epoch_stepping = 0.0;
    int64_t correct = 0, seen = 0;
    double lr = config.lr;
    Progress bar(fmt::format("epoch {}/{}", epoch + 1, config.epochs), loader.size(), progress);
    for (int64_t b = 0; b < loader.size(); ++b) {
      Batch batch = loader.get(b, &epoch_waited);
      const auto step_start = Clock::now();
      lr = learning_rate(config, epoch, b, loader.size());
      for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
      const torch::Tensor x = fast_memory_format(model_input(batch.db, config).to(device), device);
      batch.labels = batch.labels.to(device);
      if (batch.mix.lambda < 1.0) batch.mix.permutation = batch.mix.permutation.to(device);
      optimizer->zero_grad();
      const models::Outputs out = model->forward_all(x);
      torch::Tensor loss = mixed_loss(out.logits, batch, config.label_smoothing);
      if (out.aux_logits.defined()) loss = loss + 0.4 * mixed_loss(out.aux_logits, batch, config.label_smoothing);
      loss.backward();
      // Every rank's batch has the same size, so the mean of the ranks' mean gradients is the gradient of the
      // combined batch, as torch's DistributedDataParallel computes it.
      if (dist) dist->average_gradients(params);
      if (config.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, config.grad_clip);
      optimizer->step();
      trace.step(epoch, b, *model);
      const int64_t n = batch.labels.size(0);
      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += out.logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
      seen += n;
      epoch_stepping += std::chrono::duration<double>(Clock::now() - step_start).count();
      bar.tick(1, fmt::format("loss {:.3f} acc {:.3f} lr {:.2e}", loss_sum / seen, double(correct) / seen, lr));
    }
    bar.finish();
    waited += epoch_waited;
    stepping += epoch_stepping;

    Validation v;
    if (dist) {
      // BatchNorm running statistics: rank 0's, for every rank (they saw different batches).
      dist->broadcast(buffers);
      const std::vector<double> totals = dist->sum({loss_sum, static_cast<double>(correct), static_cast<double>(seen)});
      loss_sum = totals[0];
      correct = std::llround(totals[1]);
      seen = std::llround(totals[2]);
      // Validation on rank 0 only; the others receive its numbers (a sum with zeros) and decide alike.
      if (main_rank) v = validate(*model, val, num_classes, config, device);
      const std::vector<double> got = dist->sum(main_rank ? std::vector<double>{v.loss, v.segment_acc, v.clip_acc,
                                                                                 v.macro_f1}
                                                          : std::vector<double>(4, 0.0));
      v = {got[0], got[1], got[2], got[3]};
    } else {
      v = validate(*model, val, num_classes, config, device);
    }
    state.epoch = epoch + 1;
    const bool improved = !has_val || (config.monitor == "val_loss" ? v.loss < state.best_loss - 1e-9
                                                                    : v.clip_acc > state.best_clip_acc + 1e-12);
    if (improved) {
      state.best_epoch = state.epoch;
      state.best_clip_acc = v.clip_acc;
      state.best_loss = v.loss;
      state.since_best = 0;
      if (main_rank) save_model_weights(*model, run_dir + "/best.safetensors");
    } else {
      ++state.since_best;
    }
    if (has_val && config.patience > 0 && state.since_best >= config.patience) state.early_stopped = true;

    const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    const double wait_fraction = epoch_waited / std::max(1e-9, epoch_waited + epoch_stepping);
    const char* phase = frozen ? "frozen" : "full";
    if (main_rank) {
      // NaN without a val split: "nan" in the CSV, null in the JSON (nlohmann writes non-finite numbers so).
      const auto val_num = [&](double x) { return has_val ? x : std::numeric_limits<double>::quiet_NaN(); };
      nlohmann::json row = {{"epoch", state.epoch}, {"phase", phase}, {"lr", lr}, {"train_loss", loss_sum / seen},
                            {"train_acc", double(correct) / seen}, {"val_loss", val_num(v.loss)},
                            {"val_segment_acc", val_num(v.segment_acc)}, {"val_clip_acc", val_num(v.clip_acc)},
                            {"val_macro_f1", val_num(v.macro_f1)}, {"seconds", seconds},
                            {"loader_wait_fraction", wait_fraction}};
      append_line(run_dir + "/metrics.jsonl", row.dump());
      append_line(csv, fmt::format("{},{},{:.6g},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.2f},{:.4f}", state.epoch,
                                   phase, lr, loss_sum / seen, double(correct) / seen, val_num(v.loss),
                                   val_num(v.segment_acc), val_num(v.clip_acc), val_num(v.macro_f1), seconds,
                                   wait_fraction));
      save_checkpoint(checkpoint, *model, *optimizer, state);
    }
    ++epochs_this_call;
    if (verbose)
      std::printf("epoch %d/%d %s: train loss %.4f acc %.3f | %s | %.1f s, loader wait %.1f%%\n", state.epoch,
                  config.epochs, phase, loss_sum / seen, double(correct) / seen,
                  has_val ? fmt::format("val loss {:.4f} seg acc {:.3f} clip acc {:.3f} F1 {:.3f}{}", v.loss,
                                        v.segment_acc, v.clip_acc, v.macro_f1, improved ? " *" : "").c_str()
                          : "no val split",
                  seconds, 100.0 * wait_fraction);
    std::fflush(stdout);
  }
  trace.finish(*model);

  result.epochs_done = state.epoch;
  result.best_epoch = state.best_epoch;
  // Without a val split there is no best val score: NaN here, null in result.json.
  result.best_val_clip_acc = has_val ? state.best_clip_acc : std::numeric_limits<double>::quiet_NaN();
  result.best_val_loss = has_val ? state.best_loss : std::numeric_limits<double>::quiet_NaN();
  result.early_stopped = state.early_stopped;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.wait_fraction = waited / std::max(1e-9, waited + stepping);
  if (main_rank && (state.epoch >= config.epochs || state.early_stopped)) {
    nlohmann::json summary = {{"epochs_done", result.epochs_done}, {"best_epoch", result.best_epoch},
                              {"best_val_clip_acc", result.best_val_clip_acc},
                              {"best_val_loss", result.best_val_loss}, {"early_stopped", result.early_stopped},
                              {"split", run.split.description}, {"split_by", run.split.by},
                              {"seconds_last_call", result.seconds},
                              {"loader_wait_fraction_last_call", result.wait_fraction}};
    if (dist) summary["world_size"] = world_size;
    write_file_atomic(run_dir + "/result.json", summary.dump(2) + "\n");
  }
  // Rank 0 serves the store: nobody leaves while another rank may still need it.
  if (dist) dist->barrier();
  return result;
}

}  // namespace mgc::train
