#include "mgc/train/config.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include "mgc/core/error.h"

namespace mgc::train {
namespace {

void require(bool ok, const char* field, const std::string& rule) {
  if (!ok) throw make_error("train", "TrainConfig.{} {}", field, rule);
}

}  // namespace

void AugmentConfig::validate() const {
  require(time_masks >= 0 && time_mask_frames >= 0, "augment.time_masks", "and time_mask_frames must be >= 0");
  require(freq_masks >= 0 && freq_mask_bins >= 0, "augment.freq_masks", "and freq_mask_bins must be >= 0");
  require(mixup_alpha >= 0 && std::isfinite(mixup_alpha), "augment.mixup_alpha", "must be >= 0");
  require(pitch_shift_bins >= 0 && pitch_shift_bins <= 24, "augment.pitch_shift_bins", "must be in 0..24");
  require(tilt_db >= 0 && tilt_db <= 40, "augment.tilt_db", "must be in 0..40");
  require(eq_db >= 0 && eq_db <= 40, "augment.eq_db", "must be in 0..40");
  require(noise_db >= 0 && noise_db <= 80, "augment.noise_db", "must be in 0..80");
  require(gain_db >= 0 && gain_db <= 40, "augment.gain_db", "must be in 0..40");
  require(time_stretch >= 0 && time_stretch <= 0.5, "augment.time_stretch", "must be in 0..0.5");
  require(mix_same_class >= 0 && mix_same_class <= 1, "augment.mix_same_class", "must be in 0..1");
  require(mix_level_db >= 0 && mix_level_db <= 40, "augment.mix_level_db", "must be in 0..40");
}

void TrainConfig::validate() const {
  require(!data.empty(), "data", "must name a dataset");
  require(split_method == "holdout" || split_method == "kfold", "split_method", "must be holdout or kfold");
  require(val_fraction >= 0 && test_fraction >= 0 && val_fraction + test_fraction < 0.9, "val_fraction",
          "and test_fraction must be >= 0 with a sum below 0.9");
  require(folds >= 2 && fold >= 0 && fold < folds, "fold", "must be in 0..folds-1 with folds >= 2");
  features.validate();
  require(segment_seconds > 0.2 && segment_seconds <= 60, "segment_seconds", "must be in (0.2, 60]");
  require(eval_hop_seconds >= 0 && eval_hop_seconds <= 60, "eval_hop_seconds", "must be in [0, 60] (0: half a window)");
  require(!model.empty(), "model", "must name a model (see mgc models)");
  require(input_mode == "auto" || input_mode == "mono" || input_mode == "imagenet", "input_mode",
          "must be mono, imagenet or auto");
  require(split_seed >= -1, "split_seed", "must be >= 0, or -1 for the seed");
  require(input_norm == "none" || input_norm == "band" || input_norm == "both", "input_norm",
          "must be none, band or both");
  require(input_norm != "both" || resolved_input_mode() == "mono", "input_norm",
          "both (two channels) needs the mono input mode");
  require(input_height >= 0 && input_height <= 1024 && input_width >= 0 && input_width <= 4096, "input_height",
          "and input_width must be 0 (native) or positive sizes");
  require(epochs >= 1 && epochs <= 10000, "epochs", "must be in 1..10000");
  require(batch_size >= 1 && batch_size <= 4096, "batch_size", "must be in 1..4096");
  require(optimizer == "adamw" || optimizer == "sgd", "optimizer", "must be adamw or sgd");
  require(lr > 0 && lr < 10, "lr", "must be in (0, 10)");
  require(weight_decay >= 0 && momentum >= 0 && momentum < 1, "weight_decay", "must be >= 0 and momentum in [0, 1)");
  require(schedule == "cosine" || schedule == "step" || schedule == "constant", "schedule",
          "must be cosine, step or constant");
  require(warmup_epochs >= 0 && step_size >= 1 && gamma > 0 && gamma <= 1, "warmup_epochs",
          ">= 0, step_size >= 1 and gamma in (0, 1] are required");
  require(label_smoothing >= 0 && label_smoothing < 1, "label_smoothing", "must be in [0, 1)");
  require(grad_clip >= 0, "grad_clip", "must be >= 0 (0 disables)");
  require(patience >= 0, "patience", "must be >= 0 (0 disables early stopping)");
  require(monitor == "val_clip_acc" || monitor == "val_loss", "monitor", "must be val_clip_acc or val_loss");
  require(freeze_epochs >= 0 && finetune_lr_factor > 0 && finetune_lr_factor <= 1, "freeze_epochs",
          ">= 0 and finetune_lr_factor in (0, 1] are required");
  augment.validate();
  require(threads >= 0 && loader_threads >= 1 && loader_threads <= 64, "threads",
          ">= 0 and loader_threads in 1..64 are required");
  require(device == "cpu" || device == "auto" || device.rfind("cuda", 0) == 0, "device",
          "must be cpu, cuda, cuda:N or auto");
}

void DistConfig::validate() const {
  require(backend.empty() || backend == "gloo" || backend == "nccl", "dist.backend", "must be gloo or nccl");
  require(world_size >= 1 && world_size <= 65536, "dist.world_size", "must be in 1..65536");
  require(rank >= 0 && rank < world_size, "dist.rank", fmt::format("must be in 0..{} (world size {})",
                                                                   world_size - 1, world_size));
  require(local_rank >= 0, "dist.local_rank", "must be >= 0");
  require(!master_addr.empty(), "dist.master_addr", "must name rank 0's host");
  require(master_port >= 1 && master_port <= 65535, "dist.master_port", "must be in 1..65535");
  require(timeout_seconds > 0 && timeout_seconds <= 86400, "dist.timeout_seconds", "must be in (0, 86400]");
}

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (errno != 0 || *end != '\0' || n < 0 || n > 1000000)
    throw make_error("train", "environment variable {}='{}' is not a non-negative integer", name, v);
  return static_cast<int>(n);
}

std::string env_string(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

DistConfig resolve_dist_config(DistConfig c) {
  if (c.world_size <= 0) c.world_size = env_int("WORLD_SIZE", 1);
  // Launched by torchrun or the like (WORLD_SIZE > 1) without a backend named: Gloo, which runs everywhere.
  if (c.backend.empty() && c.world_size > 1) c.backend = "gloo";
  if (c.rank < 0) c.rank = env_int("RANK", 0);
  if (c.local_rank < 0) c.local_rank = env_int("LOCAL_RANK", c.rank);
  if (c.master_addr.empty()) c.master_addr = env_string("MASTER_ADDR", "127.0.0.1");
  if (c.master_port <= 0) c.master_port = env_int("MASTER_PORT", 29500);
  c.validate();
  return c;
}

std::string TrainConfig::resolved_input_mode() const {
  if (input_mode != "auto") return input_mode;
  return pretrained.empty() ? "mono" : "imagenet";
}

int64_t TrainConfig::segment_frames() const {
  return std::max<int64_t>(1, std::llround(segment_seconds * features.frame_rate()));
}

int64_t TrainConfig::eval_hop_frames() const {
  if (eval_hop_seconds <= 0) return std::max<int64_t>(1, segment_frames() / 2);
  return std::max<int64_t>(1, std::llround(eval_hop_seconds * features.frame_rate()));
}

nlohmann::json to_json(const TrainConfig& c) {
  const auto& m = c.features.mel;
  return {
      {"data", c.data}, {"cache_dir", c.cache_dir}, {"split_by", c.split_by}, {"split_method", c.split_method},
      {"val_fraction", c.val_fraction}, {"test_fraction", c.test_fraction}, {"folds", c.folds}, {"fold", c.fold},
      {"features",
       {{"sample_rate", c.features.sample_rate}, {"n_fft", m.stft.n_fft}, {"hop_length", m.stft.hop_length},
        {"n_mels", m.n_mels}, {"fmin", m.fmin}, {"fmax", m.fmax}, {"htk", m.htk},
        {"norm", m.norm == features::MelNorm::Slaney ? "slaney" : "none"}, {"top_db", c.features.db.top_db}}},
      {"segment_seconds", c.segment_seconds}, {"eval_hop_seconds", c.eval_hop_seconds},
      {"model", c.model}, {"pretrained", c.pretrained}, {"input_mode", c.input_mode},
      {"input_height", c.input_height}, {"input_width", c.input_width}, {"dropout", c.dropout},
      {"input_norm", c.input_norm},
      {"epochs", c.epochs}, {"batch_size", c.batch_size}, {"optimizer", c.optimizer}, {"lr", c.lr},
      {"weight_decay", c.weight_decay}, {"momentum", c.momentum}, {"schedule", c.schedule},
      {"warmup_epochs", c.warmup_epochs}, {"step_size", c.step_size}, {"gamma", c.gamma},
      {"label_smoothing", c.label_smoothing}, {"grad_clip", c.grad_clip}, {"patience", c.patience},
      {"monitor", c.monitor}, {"freeze_epochs", c.freeze_epochs}, {"finetune_lr_factor", c.finetune_lr_factor},
      {"freeze_only", c.freeze_only},
      {"augment",
       {{"enabled", c.augment.enabled}, {"time_masks", c.augment.time_masks},
        {"time_mask_frames", c.augment.time_mask_frames}, {"freq_masks", c.augment.freq_masks},
        {"freq_mask_bins", c.augment.freq_mask_bins}, {"mixup_alpha", c.augment.mixup_alpha},
        {"pitch_shift_bins", c.augment.pitch_shift_bins}, {"tilt_db", c.augment.tilt_db}, {"eq_db", c.augment.eq_db},
        {"gain_db", c.augment.gain_db},
        {"noise_db", c.augment.noise_db}, {"time_stretch", c.augment.time_stretch},
        {"mix_same_class", c.augment.mix_same_class}, {"mix_level_db", c.augment.mix_level_db}}},
      {"seed", c.seed}, {"split_seed", c.split_seed}, {"threads", c.threads}, {"loader_threads", c.loader_threads},
      {"device", c.device},
  };
}

TrainConfig train_config_from_json(const nlohmann::json& j) {
  const TrainConfig defaults;
  const nlohmann::json known = to_json(defaults);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.contains(it.key())) throw make_error("train", "unknown config key '{}'", it.key());
  const nlohmann::json merged = [&] {
    nlohmann::json m = known;
    m.merge_patch(j);
    return m;
  }();
  TrainConfig c;
  try {
    c.data = merged.at("data");
    c.cache_dir = merged.at("cache_dir");
    c.split_by = merged.at("split_by");
    c.split_method = merged.at("split_method");
    c.val_fraction = merged.at("val_fraction");
    c.test_fraction = merged.at("test_fraction");
    c.folds = merged.at("folds");
    c.fold = merged.at("fold");
    const auto& f = merged.at("features");
    c.features.sample_rate = f.at("sample_rate");
    c.features.mel.sample_rate = c.features.sample_rate;
    c.features.mel.stft.n_fft = f.at("n_fft");
    c.features.mel.stft.hop_length = f.at("hop_length");
    c.features.mel.n_mels = f.at("n_mels");
    c.features.mel.fmin = f.at("fmin");
    c.features.mel.fmax = f.at("fmax");
    c.features.mel.htk = f.at("htk");
    c.features.mel.norm = f.at("norm") == "none" ? features::MelNorm::None : features::MelNorm::Slaney;
    c.features.db.top_db = f.at("top_db");
    c.segment_seconds = merged.at("segment_seconds");
    c.eval_hop_seconds = merged.at("eval_hop_seconds");
    c.model = merged.at("model");
    c.pretrained = merged.at("pretrained");
    c.input_mode = merged.at("input_mode");
    c.input_height = merged.at("input_height");
    c.input_width = merged.at("input_width");
    c.dropout = merged.at("dropout");
    c.input_norm = merged.at("input_norm");
    c.epochs = merged.at("epochs");
    c.batch_size = merged.at("batch_size");
    c.optimizer = merged.at("optimizer");
    c.lr = merged.at("lr");
    c.weight_decay = merged.at("weight_decay");
    c.momentum = merged.at("momentum");
    c.schedule = merged.at("schedule");
    c.warmup_epochs = merged.at("warmup_epochs");
    c.step_size = merged.at("step_size");
    c.gamma = merged.at("gamma");
    c.label_smoothing = merged.at("label_smoothing");
    c.grad_clip = merged.at("grad_clip");
    c.patience = merged.at("patience");
    c.monitor = merged.at("monitor");
    c.freeze_epochs = merged.at("freeze_epochs");
    c.finetune_lr_factor = merged.at("finetune_lr_factor");
    c.freeze_only = merged.at("freeze_only");
    const auto& a = merged.at("augment");
    c.augment.enabled = a.at("enabled");
    c.augment.time_masks = a.at("time_masks");
    c.augment.time_mask_frames = a.at("time_mask_frames");
    c.augment.freq_masks = a.at("freq_masks");
    c.augment.freq_mask_bins = a.at("freq_mask_bins");
    c.augment.mixup_alpha = a.at("mixup_alpha");
    c.augment.pitch_shift_bins = a.at("pitch_shift_bins");
    c.augment.tilt_db = a.at("tilt_db");
    c.augment.eq_db = a.at("eq_db");
    c.augment.noise_db = a.at("noise_db");
    c.augment.gain_db = a.at("gain_db");
    c.augment.time_stretch = a.at("time_stretch");
    c.augment.mix_same_class = a.at("mix_same_class");
    c.augment.mix_level_db = a.at("mix_level_db");
    c.seed = merged.at("seed");
    c.split_seed = merged.at("split_seed");
    c.threads = merged.at("threads");
    c.loader_threads = merged.at("loader_threads");
    c.device = merged.at("device");
  } catch (const nlohmann::json::exception& e) {
    throw make_error("train", "malformed config: {}", e.what());
  }
  return c;
}

}  // namespace mgc::train
