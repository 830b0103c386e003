#include "mgc/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/lock.h"
#include "mgc/core/progress.h"
#include "mgc/core/random.h"
#include "mgc/data/feature_cache.h"
#include "mgc/eval/metrics.h"
#include "mgc/models/runtime.h"
#include "mgc/models/transfer.h"
#include "mgc/run/model.h"
#include "mgc/run/run_dir.h"
#include "mgc/train/augment.h"
#include "mgc/train/checkpoint.h"
#include "mgc/train/distributed.h"
#include "mgc/train/epoch_log.h"
#include "mgc/train/loader.h"
#include "mgc/train/run_data.h"

namespace mgc::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Learning rate at a step: linear warm-up, then cosine / step / constant; times the fine-tuning factor once a
// frozen backbone has been released.
double learning_rate(const run::TrainConfig& c, int epoch, int64_t step_in_epoch, int64_t steps_per_epoch) {
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

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const run::TrainConfig& c, models::Classifier& model) {
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
  torch::Tensor db;              // [S, 1, M, W]
  std::vector<int64_t> clip_of;  // S
  std::vector<int> label_of;     // S
};

ValSet make_val_set(const RunData& run, const run::TrainConfig& c) {
  ValSet v;
  std::vector<torch::Tensor> parts;
  for (int64_t clip : run.split.val) {
    const auto& mel = run.features[static_cast<size_t>(clip)];
    if (mel.cols == 0) continue;
    const auto starts = data::segment_starts(mel.cols, c.segment_frames(), c.eval_hop_frames());
    parts.push_back(run::windows_tensor(mel, starts, c.segment_frames()));
    for (size_t i = 0; i < starts.size(); ++i) {
      v.clip_of.push_back(clip);
      v.label_of.push_back(run.dataset.clips[static_cast<size_t>(clip)].label_index);
    }
  }
  if (!parts.empty()) v.db = torch::cat(parts, 0);
  return v;
}

Validation validate(models::Classifier& model, const ValSet& v, int num_classes, const run::TrainConfig& c,
                    const torch::Device& device) {
  Validation out;
  if (v.clip_of.empty()) return out;
  const torch::Tensor probs = run::predict_probs(model, v.db, c, c.batch_size, device);
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
  const eval::Metrics clip = eval::compute_metrics(
      eval::aggregate_clips(segments, num_classes, eval::Vote::MeanProbability), num_classes, std::min(3, num_classes));
  out.clip_acc = clip.accuracy;
  out.macro_f1 = clip.macro_f1;
  return out;
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
    if (!path_.empty()) run::save_model_weights(model, path_ + ".safetensors");
  }

 private:
  std::string path_;
  std::ofstream out_;
};

// A run folder this call made, removed again if training fails before anything but its lock is in it (a bad split
// or dataset must not leave an empty --out folder behind).
class NewRunFolder {
 public:
  explicit NewRunFolder(const std::string& dir) : dir_(dir), made_(!fs::exists(dir)) { fs::create_directories(dir); }
  ~NewRunFolder() {
    if (!made_ || kept_) return;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec))
      if (e.path().filename() != run::kLockFile) return;
    fs::remove_all(dir_, ec);
  }
  NewRunFolder(const NewRunFolder&) = delete;
  NewRunFolder& operator=(const NewRunFolder&) = delete;
  void keep() { kept_ = true; }

 private:
  std::string dir_;
  bool made_;
  bool kept_ = false;
};

// The run this process trains: `requested`, or on resume the run's own config. Distributed, rank 0 alone reads the
// run folder and hands the config to the others (each keeping its own threads and feature cache). Throws
// mgc::Error on a bad config, a missing or present checkpoint (as `resume` says), or when rank 0 failed.
run::TrainConfig agree_on_config(const run::TrainConfig& requested, const run::RunPaths& files,
                                 const TrainOptions& options, DistGroup* dist, bool main_rank) {
  run::TrainConfig config = requested;
  std::string failure;
  if (main_rank) {
    try {
      if (options.resume) {
        if (!fs::exists(files.checkpoint()))
          throw make_error("train", "nothing to resume: '{}' has no checkpoint", files.dir);
        config = run::load_run_config(files.dir, "train");
      } else if (fs::exists(files.checkpoint())) {
        throw make_error("train", "'{}' already holds a run: use --resume to continue it, or another folder",
                         files.dir);
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
      config = run::train_config_from_json(got.at("config"));
      config.threads = requested.threads;
      config.loader_threads = requested.loader_threads;
      if (!requested.cache_dir.empty()) config.cache_dir = requested.cache_dir;
    }
  }
  if (!failure.empty()) throw Error(failure);
  config.validate();
  return config;
}

// config.json and run.json: the recipe, the classes and the split's clips.
void write_run_description(const run::RunPaths& files, const run::TrainConfig& config, const RunData& run,
                           const TrainOptions& options, int world_size, bool distributed) {
  write_file_atomic(files.config(), to_json(config).dump(2) + "\n");
  nlohmann::json run_info = {
      {"classes", run.dataset.classes},
      {"split", {{"by", run.split.by}, {"method", run.split.method}, {"description", run.split.description}}},
      {"dataset", config.data},
      {"cwd", std::filesystem::current_path().string()}};  // what config.json's relative paths are relative to
  std::vector<std::string> sides = {"train", "val", "test"};
  for (const auto& [name, clips] : run.split.extra) sides.push_back(name);  // a crossed split's partial sides
  for (const std::string& side : sides) {
    std::vector<std::string> paths;
    for (int64_t c : side_indices(run.split, side)) paths.push_back(run.dataset.clips[static_cast<size_t>(c)].path);
    run_info["split"][side] = paths;
  }
  if (distributed) run_info["distributed"] = {{"backend", options.dist.backend}, {"world_size", world_size}};
  write_file_atomic(files.run_json(), run_info.dump(2) + "\n");
}

// The training windows of an epoch before shuffling: each train clip as many times as whole windows fit in it (at
// least once), and the train clips of each class.
struct TrainingSamples {
  std::vector<Sample> base;
  std::vector<std::vector<int64_t>> by_label;  // train clips per class, in split order
};

TrainingSamples training_samples(const RunData& run, const run::TrainConfig& config, int world_size) {
  TrainingSamples t;
  const int64_t window = config.segment_frames();
  for (int64_t clip : run.split.train) {
    const auto& mel = run.features[static_cast<size_t>(clip)];
    if (mel.cols == 0) continue;
    const int label = run.dataset.clips[static_cast<size_t>(clip)].label_index;
    const int64_t crops = std::max<int64_t>(1, mel.cols / window);
    for (int64_t k = 0; k < crops; ++k) t.base.push_back({clip, label});
    if (static_cast<size_t>(label) >= t.by_label.size()) t.by_label.resize(static_cast<size_t>(label) + 1);
    t.by_label[static_cast<size_t>(label)].push_back(clip);
  }
  if (static_cast<int64_t>(t.base.size()) < 2 * world_size)
    throw make_error("train", "the train split has fewer than {} usable windows ({} per process)", 2 * world_size, 2);
  return t;
}

// What the training steps of one epoch measured (summed over the ranks when distributed).
struct EpochStats {
  double loss_sum = 0.0;  // loss times examples
  int64_t correct = 0;
  int64_t seen = 0;
  double lr = 0.0;        // of the last step
  double waited = 0.0;    // seconds waiting for the loader
  double stepping = 0.0;  // seconds in training steps
};

// Everything one training epoch needs besides the model.
struct EpochContext {
  const run::TrainConfig& config;
  const RunData& run;
  const TrainingSamples& samples;
  torch::optim::Optimizer& optimizer;
  const std::vector<torch::Tensor>& params;
  const torch::Device& device;
  DistGroup* dist;
  ParamTrace& trace;
  int rank;
  int world_size;
  bool progress;
};

// One epoch of training steps: the epoch's order (shuffled from (seed, epoch)), this rank's shard, batches from the
// loader, forward, backward, gradient averaging across ranks, clipping and the optimiser's step.
EpochStats train_epoch(models::Classifier& model, const EpochContext& ctx, int epoch) {
  const run::TrainConfig& config = ctx.config;
  std::vector<Sample> order = ctx.samples.base;
  std::mt19937_64 shuffle_rng(derive_seed(config.seed, static_cast<uint64_t>(epoch), 0));
  std::shuffle(order.begin(), order.end(), shuffle_rng);
  std::vector<Sample> samples;
  std::vector<int64_t> positions;
  shard(order, ctx.rank, ctx.world_size, &samples, &positions);
  EpochLoader loader(ctx.run, samples, positions, ctx.samples.by_label, config, epoch, ctx.rank);

  model.train();
  EpochStats st;
  st.lr = config.lr;
  Progress bar(fmt::format("epoch {}/{}", epoch + 1, config.epochs), loader.size(), ctx.progress);
  for (int64_t b = 0; b < loader.size(); ++b) {
    Batch batch = loader.get(b, &st.waited);
    const auto step_start = Clock::now();
    st.lr = learning_rate(config, epoch, b, loader.size());
    for (auto& group : ctx.optimizer.param_groups()) group.options().set_lr(st.lr);
    const torch::Tensor x = run::fast_memory_format(run::model_input(batch.db, config).to(ctx.device), ctx.device);
    batch.labels = batch.labels.to(ctx.device);
    if (batch.mix.lambda < 1.0) batch.mix.permutation = batch.mix.permutation.to(ctx.device);
    ctx.optimizer.zero_grad();
    const models::Outputs out = model.forward_all(x);
    torch::Tensor loss = mixed_loss(out.logits, batch, config.label_smoothing);
    if (out.aux_logits.defined()) loss = loss + 0.4 * mixed_loss(out.aux_logits, batch, config.label_smoothing);
    loss.backward();
    // Every rank's batch has the same size, so the mean of the ranks' mean gradients is the gradient of the
    // combined batch, as torch's DistributedDataParallel computes it.
    if (ctx.dist) ctx.dist->average_gradients(ctx.params);
    if (config.grad_clip > 0) torch::nn::utils::clip_grad_norm_(ctx.params, config.grad_clip);
    ctx.optimizer.step();
    ctx.trace.step(epoch, b, model);
    const int64_t n = batch.labels.size(0);
    st.loss_sum += loss.item<double>() * static_cast<double>(n);
    st.correct += out.logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
    st.seen += n;
    st.stepping += std::chrono::duration<double>(Clock::now() - step_start).count();
    bar.tick(
        1, fmt::format("loss {:.3f} acc {:.3f} lr {:.2e}", st.loss_sum / st.seen, double(st.correct) / st.seen, st.lr));
  }
  bar.finish();
  return st;
}

// After an epoch: distributed, BatchNorm statistics and the epoch's sums are made the same on every rank; then
// validation (on rank 0; the others receive its numbers and decide alike).
Validation finish_epoch(models::Classifier& model, const EpochContext& ctx, const ValSet& val, int num_classes,
                        const std::vector<torch::Tensor>& buffers, EpochStats& st) {
  if (!ctx.dist) return validate(model, val, num_classes, ctx.config, ctx.device);
  const bool main_rank = ctx.rank == 0;
  // BatchNorm running statistics: rank 0's, for every rank (they saw different batches).
  ctx.dist->broadcast(buffers);
  const std::vector<double> totals =
      ctx.dist->sum({st.loss_sum, static_cast<double>(st.correct), static_cast<double>(st.seen)});
  st.loss_sum = totals[0];
  st.correct = std::llround(totals[1]);
  st.seen = std::llround(totals[2]);
  Validation v;
  if (main_rank) v = validate(model, val, num_classes, ctx.config, ctx.device);
  const std::vector<double> got = ctx.dist->sum(
      main_rank ? std::vector<double>{v.loss, v.segment_acc, v.clip_acc, v.macro_f1} : std::vector<double>(4, 0.0));
  return {got[0], got[1], got[2], got[3]};
}

// Early-stopping bookkeeping after epoch state.epoch: whether the epoch is the best so far (always, without a val
// split), and whether patience ran out.
bool record_best(TrainingState& state, const Validation& v, const run::TrainConfig& config, bool has_val) {
  const bool improved = !has_val || (config.monitor == "val_loss" ? v.loss < state.best_loss - 1e-9
                                                                  : v.clip_acc > state.best_clip_acc + 1e-12);
  if (improved) {
    state.best_epoch = state.epoch;
    state.best_clip_acc = v.clip_acc;
    state.best_loss = v.loss;
    state.since_best = 0;
  } else {
    ++state.since_best;
  }
  if (has_val && config.patience > 0 && state.since_best >= config.patience) state.early_stopped = true;
  return improved;
}

}  // namespace

TrainResult train(const run::TrainConfig& requested, const std::string& run_dir, const TrainOptions& options) {
  const auto start = Clock::now();
  const run::RunPaths files{run_dir};

  // Distributed: meet the other ranks first; rank 0 alone reads and writes the run folder.
  std::unique_ptr<DistGroup> dist;
  if (options.dist.enabled()) dist = std::make_unique<DistGroup>(options.dist);
  const int rank = dist ? dist->rank() : 0;
  const int world_size = dist ? dist->world_size() : 1;
  const bool main_rank = rank == 0;
  const bool verbose = options.verbose && main_rank;
  const bool progress = options.progress && main_rank;

  const run::TrainConfig config = agree_on_config(requested, files, options, dist.get(), main_rank);
  std::optional<NewRunFolder> folder;
  std::optional<FolderLock> lock;  // one writer per run folder: a second train, resume or harmony fit is refused
  if (main_rank) {
    folder.emplace(run_dir);
    lock.emplace(run_dir, run::kLockFile, "train");
  }
  set_num_threads(config.threads);
  const torch::Device device = run::resolve_device(config.device, dist ? options.dist.local_rank : 0);
  if (dist) dist->init_backend(device);

  RunData run = load_run_data(config, {"train", "val"}, progress);
  if (main_rank)
    for (const auto& f : run.failures) std::fprintf(stderr, "mgc: warning: skipped: %s\n", f.c_str());
  const int num_classes = static_cast<int>(run.dataset.classes.size());
  if (main_rank) {
    write_run_description(files, config, run, options, world_size, dist != nullptr);
    folder->keep();
  }

  // The model, from scratch, pretrained weights or the checkpoint.
  torch::manual_seed(config.seed);
  auto model = run::build_model(config, num_classes, verbose && !options.resume);
  model->to(device);
  auto optimizer = make_optimizer(config, *model);
  const std::vector<torch::Tensor> params = model->parameters();
  const std::vector<torch::Tensor> buffers = model->buffers();
  TrainingState state;
  if (options.resume) {
    std::string bytes = main_rank ? read_file(files.checkpoint()) : std::string();
    if (dist) bytes = dist->share("checkpoint", bytes);
    state = load_checkpoint(files.checkpoint(), bytes, *model, *optimizer, device);
    if (main_rank) trim_epoch_log(files, state.epoch);
    if (verbose) std::printf("resuming %s after epoch %d\n", run_dir.c_str(), state.epoch);
    if (verbose && state.world_size != world_size)
      std::printf(
          "note: the run was trained by %d process(es), now %d: the data order differs from an "
          "uninterrupted run\n",
          state.world_size, world_size);
  } else if (main_rank) {
    trim_epoch_log(files, 0);
  }
  // After any load (a checkpoint's tensors keep the strides they were saved with; an older mgc saved NCHW). The
  // parameters stay the same tensors, so the optimiser and `params` follow.
  run::use_fast_memory_format(*model, device);
  state.world_size = world_size;
  // Every rank starts from rank 0's weights (a pretrained file may differ between machines).
  if (dist) {
    dist->broadcast(params);
    dist->broadcast(buffers);
  }

  // The data.
  const TrainingSamples samples = training_samples(run, config, world_size);
  const ValSet val = main_rank ? make_val_set(run, config) : ValSet{};
  // Without a val split (--val 0) every epoch is the best so far: best.safetensors is the last epoch's weights,
  // early stopping has nothing to watch, and the metrics' val columns are empty (nan / null), not zeros.
  const bool has_val = !run.split.val.empty();
  if (verbose)
    std::printf(
        "train: %s, %zu train clips (%zu windows/epoch), %zu val clips, %d classes, split %s%s\n", config.model.c_str(),
        run.split.train.size(), samples.base.size(), run.split.val.size(), num_classes, run.split.description.c_str(),
        dist ? fmt::format(", {} processes ({}), batch {} each", world_size, options.dist.backend, config.batch_size)
                   .c_str()
             : "");
  std::fflush(stdout);  // before the progress bars on stderr

  // The epochs.
  TrainResult result;
  result.rank = rank;
  result.world_size = world_size;
  ParamTrace trace(options.param_trace);
  const EpochContext ctx{config,     run,   samples, *optimizer, params,  device,
                         dist.get(), trace, rank,    world_size, progress};
  double waited = 0.0, stepping = 0.0;
  int epochs_this_call = 0;
  if (main_rank) start_epoch_log(files);
  while (state.epoch < config.epochs && !state.early_stopped) {
    if (options.max_epochs_this_call > 0 && epochs_this_call >= options.max_epochs_this_call) break;
    const int epoch = state.epoch;
    const auto epoch_start = Clock::now();
    const bool frozen = config.freeze_only || epoch < config.freeze_epochs;
    if (frozen)
      models::freeze_backbone(*model);
    else
      models::unfreeze_all(*model);
    // Dropout and stochastic depth: rank 0 draws what a single process would.
    torch::manual_seed(derive_seed(config.seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(rank)));

    EpochStats st = train_epoch(*model, ctx, epoch);
    waited += st.waited;
    stepping += st.stepping;
    const Validation v = finish_epoch(*model, ctx, val, num_classes, buffers, st);
    state.epoch = epoch + 1;
    const bool improved = record_best(state, v, config, has_val);
    if (improved && main_rank) run::save_model_weights(*model, files.best_weights());

    const auto val_num = [&](double x) { return has_val ? x : std::numeric_limits<double>::quiet_NaN(); };
    EpochRow row;
    row.epoch = state.epoch;
    row.phase = frozen ? "frozen" : "full";
    row.lr = st.lr;
    row.train_loss = st.loss_sum / st.seen;
    row.train_acc = double(st.correct) / st.seen;
    row.val_loss = val_num(v.loss);
    row.val_segment_acc = val_num(v.segment_acc);
    row.val_clip_acc = val_num(v.clip_acc);
    row.val_macro_f1 = val_num(v.macro_f1);
    row.seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    row.loader_wait_fraction = st.waited / std::max(1e-9, st.waited + st.stepping);
    if (main_rank) {
      append_epoch(files, row);
      save_checkpoint(files.checkpoint(), *model, *optimizer, state);
    }
    ++epochs_this_call;
    if (verbose)
      std::printf("epoch %d/%d %s: train loss %.4f acc %.3f | %s | %.1f s, loader wait %.1f%%\n", state.epoch,
                  config.epochs, row.phase.c_str(), row.train_loss, row.train_acc,
                  has_val ? fmt::format("val loss {:.4f} seg acc {:.3f} clip acc {:.3f} F1 {:.3f}{}", v.loss,
                                        v.segment_acc, v.clip_acc, v.macro_f1, improved ? " *" : "")
                                .c_str()
                          : "no val split",
                  row.seconds, 100.0 * row.loader_wait_fraction);
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
    nlohmann::json summary = {{"epochs_done", result.epochs_done},
                              {"best_epoch", result.best_epoch},
                              {"best_val_clip_acc", result.best_val_clip_acc},
                              {"best_val_loss", result.best_val_loss},
                              {"early_stopped", result.early_stopped},
                              {"split", run.split.description},
                              {"split_by", run.split.by},
                              {"seconds_last_call", result.seconds},
                              {"loader_wait_fraction_last_call", result.wait_fraction}};
    if (dist) summary["world_size"] = world_size;
    write_file_atomic(files.result(), summary.dump(2) + "\n");
  }
  // Rank 0 serves the store: nobody leaves while another rank may still need it.
  if (dist) dist->barrier();
  return result;
}

}  // namespace mgc::train
