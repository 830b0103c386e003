// mgc train: train a model on a dataset into a run folder (or continue one with --resume).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/train/trainer.h"
#include "train_options.h"

namespace mgc::cli {
namespace {

struct Options {
  run::TrainConfig config;
  std::string run_dir;
  std::string resume;
  std::string config_file;
  bool quiet = false;
  bool no_augment = false;
  int max_epochs = 0;
  train::DistConfig dist;
  std::string param_trace;
};

}  // namespace

void register_train(CLI::App& app) {
  auto o = std::make_shared<Options>();
  run::TrainConfig& c = o->config;
  CLI::App* cmd = add_command(app, "train");
  cmd->add_option("--out", o->run_dir, "Run folder to create (config, checkpoints, metrics)");
  cmd->add_option("--resume", o->resume, "Continue the run in this folder from its last checkpoint");
  cmd->add_option("--config", o->config_file,
                  "Start from this recipe (a config.json of mgc train); options given as well override it")
      ->check(CLI::ExistingFile);
  add_config_options(cmd, c);
  cmd->add_flag("--no-augment", o->no_augment, "Disable all augmentation");
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
  cmd->callback([o, cmd] {
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
    run::TrainConfig config = o->config;
    if (!o->config_file.empty()) {
      config = run::read_config_file(o->config_file);
      apply_given_options(cmd, o->config, config);
    }
    if (opts.resume && config.data.empty()) config.data = "(from run)";
    if (o->no_augment) config.augment.enabled = false;
    if (!opts.resume && run::use_musicnn_input(config)) {
      apply_given_options(cmd, o->config, config);  // a feature option given on the command line is validated
      if (!o->quiet)
        std::printf("%s: musicnn's own input: %s\n", config.model.c_str(), run::describe_musicnn_input(config).c_str());
    }
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
