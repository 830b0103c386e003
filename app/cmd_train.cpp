// mgc train: train a model on a dataset into a run folder (or continue one with --resume).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "augment_options.h"
#include "commands.h"
#include "feature_options.h"
#include "mgc/core/error.h"
#include "mgc/train/trainer.h"

namespace mgc::cli {
namespace {

struct Options {
  train::TrainConfig config;
  std::string run_dir;
  std::string resume;
  bool quiet = false;
  bool no_augment = false;
  int max_epochs = 0;
  train::DistConfig dist;
  std::string param_trace;
};

}  // namespace

void register_train(CLI::App& app) {
  auto o = std::make_shared<Options>();
  train::TrainConfig& c = o->config;
  CLI::App* cmd = app.add_subcommand("train", "Train a model (default audio_cnn) on a dataset into a run folder");
  cmd->add_option("--data", c.data, "Dataset: folder per genre, GTZAN tree, or manifest.csv / folder with one");
  cmd->add_option("--out", o->run_dir, "Run folder to create (config, checkpoints, metrics)");
  cmd->add_option("--resume", o->resume, "Continue the run in this folder from its last checkpoint");
  cmd->add_option("--model", c.model, "Architecture (see mgc models)")->capture_default_str();
  cmd->add_option("--pretrained", c.pretrained, "Start from these weights (.pth, .safetensors; 'imagenet' for efficientnet_lite0's installed ones)");
  cmd->add_option("--input-mode", c.input_mode, "mono, imagenet or auto")->capture_default_str();
  cmd->add_option("--input-norm", c.input_norm,
                  "none; band: each mel band minus its mean over the window (removes the static spectral "
                  "envelope); both: that beside the plain input (two channels)")
      ->capture_default_str();
  cmd->add_option("--input", c.input_height, "Resize windows to this height (and --input-width)");
  cmd->add_option("--input-width", c.input_width, "Resize windows to this width (0: native)");
  cmd->add_option("--dropout", c.dropout, "Dropout before the head (< 0: the architecture's default)")
      ->capture_default_str();
  cmd->add_option("--epochs", c.epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch-size", c.batch_size, "Batch size")->capture_default_str();
  cmd->add_option("--optimizer", c.optimizer, "adamw or sgd")->capture_default_str();
  cmd->add_option("--lr", c.lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--weight-decay", c.weight_decay, "Weight decay")->capture_default_str();
  cmd->add_option("--schedule", c.schedule, "cosine, step or constant")->capture_default_str();
  cmd->add_option("--warmup", c.warmup_epochs, "Warm-up epochs")->capture_default_str();
  cmd->add_option("--label-smoothing", c.label_smoothing, "Label smoothing")->capture_default_str();
  cmd->add_option("--grad-clip", c.grad_clip, "Max gradient norm (0: off)")->capture_default_str();
  cmd->add_option("--patience", c.patience, "Early stopping patience in epochs (0: off)")->capture_default_str();
  cmd->add_option("--monitor", c.monitor, "val_clip_acc or val_loss")->capture_default_str();
  cmd->add_option("--freeze-epochs", c.freeze_epochs, "Epochs training only the head before fine-tuning")
      ->capture_default_str();
  cmd->add_option("--finetune-lr-factor", c.finetune_lr_factor, "LR factor after unfreezing")->capture_default_str();
  cmd->add_flag("--freeze-only", c.freeze_only, "Keep the backbone frozen throughout (linear probe)");
  add_augment_options(cmd, c.augment);
  cmd->add_flag("--no-augment", o->no_augment, "Disable all augmentation");
  add_feature_options(cmd, c.features);
  cmd->add_option("--segment", c.segment_seconds, "Window length in seconds")->capture_default_str();
  cmd->add_option("--eval-hop", c.eval_hop_seconds, "Hop between evaluation windows, s (0: half a window)")
      ->capture_default_str();
  cmd->add_option("--split-by", c.split_by, "clip, groove, <column>, lists or auto")->capture_default_str();
  cmd->add_option("--split-method", c.split_method, "holdout or kfold")->capture_default_str();
  cmd->add_option("--folds", c.folds, "Folds for kfold")->capture_default_str();
  cmd->add_option("--fold", c.fold, "Test fold for kfold (0-based)")->capture_default_str();
  cmd->add_option("--val", c.val_fraction,
                  "Validation fraction; with kfold, > 0 makes the next fold the val fold. 0: no validation, "
                  "the last epoch is the model")
      ->capture_default_str();
  cmd->add_option("--test", c.test_fraction, "Test fraction")->capture_default_str();
  cmd->add_option("--cache", c.cache_dir, "Feature cache folder (default ~/.cache/mgc/features)");
  cmd->add_option("--seed", c.seed, "Seed for split, order, crops, augmentation, init")->capture_default_str();
  cmd->add_option("--split-seed", c.split_seed,
                  "Seed of the split alone (-1: --seed), to vary training on one split or the split alone")
      ->capture_default_str();
  cmd->add_option("--threads", c.threads, "Intra-op threads (0: all cores)")->capture_default_str();
  cmd->add_option("--loader-threads", c.loader_threads, "Batch-preparing threads")->capture_default_str();
  cmd->add_option("--device", c.device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  cmd->add_option("--max-epochs-now", o->max_epochs, "Stop this call after N epochs (resume later)");
  train::DistConfig& d = o->dist;
  cmd->add_option("--dist-backend", d.backend,
                  "Distributed data-parallel training: gloo (CPU) or nccl (CUDA); default: none, or gloo when "
                  "$WORLD_SIZE > 1 (see docs/DISTRIBUTED.md)");
  cmd->add_option("--world-size", d.world_size, "Processes in all (default $WORLD_SIZE, else 1)");
  cmd->add_option("--rank", d.rank, "This process, 0..world-size-1 (default $RANK, else 0)");
  cmd->add_option("--local-rank", d.local_rank,
                  "This process on its machine, picks cuda:N (default $LOCAL_RANK, else rank)");
  cmd->add_option("--master-addr", d.master_addr, "Host of rank 0 (default $MASTER_ADDR, else 127.0.0.1)");
  cmd->add_option("--master-port", d.master_port,
                  "Port of rank 0's rendezvous store (default $MASTER_PORT, else 29500)");
  cmd->add_option("--dist-timeout", d.timeout_seconds, "Seconds to wait for the other processes")
      ->capture_default_str();
  cmd->add_option("--param-trace", o->param_trace,
                  "Append parameter checksums after each step to this file (.rankR added when distributed) and write "
                  "the final weights beside it");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bars or epoch lines");
  cmd->callback([o] {
    train::TrainOptions opts;
    opts.progress = !o->quiet;
    opts.verbose = !o->quiet;
    opts.max_epochs_this_call = o->max_epochs;
    opts.dist = train::resolve_dist_config(o->dist);
    opts.param_trace = o->param_trace;
    if (!opts.param_trace.empty() && opts.dist.enabled()) opts.param_trace += ".rank" + std::to_string(opts.dist.rank);
    std::string run_dir = o->run_dir;
    if (!o->resume.empty()) {
      opts.resume = true;
      run_dir = o->resume;
    } else if (run_dir.empty()) {
      throw make_error("train", "give --out RUN_DIR (or --resume RUN_DIR)");
    }
    train::TrainConfig config = o->config;
    if (opts.resume && config.data.empty()) config.data = "(from run)";
    if (o->no_augment) config.augment.enabled = false;
    finish_feature_options(config.features);
    if (!opts.resume && config.data.empty()) throw make_error("train", "give --data DATASET");
    const train::TrainResult r = train::train(config, run_dir, opts);
    if (r.rank != 0) {
      std::printf("rank %d of %d: %d epoch(s) done\n", r.rank, r.world_size, r.epochs_done);
      return;
    }
    const std::string best =
        std::isnan(r.best_val_clip_acc)
            ? std::string("no val split, the last epoch is the model")
            : fmt::format("best epoch {}, best val clip accuracy {:.4f}", r.best_epoch, r.best_val_clip_acc);
    std::printf("run %s: %d epoch(s) done, %s%s, %.1f s, loader wait %.1f%%\n", run_dir.c_str(), r.epochs_done,
                best.c_str(), r.early_stopped ? " (early stop)" : "", r.seconds, 100.0 * r.wait_fraction);
  });
}

}  // namespace mgc::cli
