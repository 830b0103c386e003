#include "mgc/run/config.h"

#include <fmt/format.h>

#include <cmath>
#include <type_traits>
#include <utility>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/json_file.h"
#include "mgc/models/registry.h"
#include "mgc/run/config_fields.h"

namespace mgc::run {
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

namespace {
// The transforms that work on dB values (AugmentConfig::uses_db_transforms).
constexpr double AugmentConfig::*kDbTransforms[] = {&AugmentConfig::eq_db, &AugmentConfig::noise_db,
                                                      &AugmentConfig::tilt_db, &AugmentConfig::gain_db,
                                                      &AugmentConfig::mix_same_class};
}  // namespace

bool AugmentConfig::uses_db_transforms() const {
  for (const auto field : kDbTransforms)
    if (this->*field != 0) return true;
  return false;
}

void AugmentConfig::disable_db_transforms() {
  for (const auto field : kDbTransforms) this->*field = 0;
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
  models::model_info(model);  // an unknown model is named (with the known ones) before any work or file
  require(input_mode == "auto" || input_mode == "mono" || input_mode == "imagenet" || input_mode == "raw",
          "input_mode", "must be mono, imagenet, raw or auto");
  require(resolved_input_mode() != "raw" || input_norm == "none", "input_norm", "must be none with raw input");
  require((pretrained != "msd" && pretrained != "mtt") || is_musicnn_model(model), "pretrained",
          "'" + pretrained + "' names musicnn's checkpoints: for --model musicnn or musicnn_vgg, not " + model);
  if (is_musicnn_model(model)) {
    // musicnn's layers are sized for its own input (models/musicnn.h); its checkpoints know no other.
    const data::FeatureConfig m = musicnn_features();
    require(features.sample_rate == m.sample_rate && features.mel.stft.n_fft == m.mel.stft.n_fft &&
                features.mel.stft.hop_length == m.mel.stft.hop_length && features.mel.n_mels == m.mel.n_mels &&
                features.scale == m.scale,
            "features", "of a musicnn model must be musicnn's: --sr 16000 --n-fft 512 --hop 256 --n-mels 96 "
                        "--scale musicnn (mgc train sets them when none is given)");
    require(resolved_input_mode() == "raw" && input_height == 0 && input_width == 0, "input_mode",
            "of a musicnn model must be raw (auto) at the native size");
  }
  {
    const models::ModelInfo& info = models::model_info(model);
    const int64_t h = input_height > 0 ? input_height : features.mel.n_mels;
    const int64_t w = input_width > 0 ? input_width : segment_frames();
    require(info.fixed_height == 0 || h == info.fixed_height, "input_height",
            "of " + model + " must be " + std::to_string(info.fixed_height) + " mel bands, not " + std::to_string(h));
    require(info.fixed_width == 0 || w == info.fixed_width, "segment_seconds",
            "of " + model + " must give " + std::to_string(info.fixed_width) + " frames, not " + std::to_string(w) +
                " (the architecture takes one size only)");
  }
  if (!features.is_db())
    require(!augment.uses_db_transforms(), "augment",
            "eq_db, noise_db, tilt_db, gain_db and mix_same_class work on dB features: off with --scale musicnn");
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

std::string TrainConfig::resolved_input_mode() const {
  if (input_mode != "auto") return input_mode;
  if (is_musicnn_model(model)) return "raw";
  return pretrained.empty() ? "mono" : "imagenet";
}

data::FeatureConfig musicnn_features() {
  data::FeatureConfig f;
  f.mel = features::musicnn_mel_config();
  f.sample_rate = f.mel.sample_rate;
  f.scale = "musicnn";
  return f;
}

bool is_musicnn_model(const std::string& model) {
  for (const auto& m : models::registry())
    if (m.name == model) return m.family == "musicnn";
  return false;
}

std::string describe_musicnn_input(const TrainConfig& c) {
  return fmt::format("{:g} kHz, n_fft {}, hop {}, {} mel bands, log10(1 + 10000 x), {:.3f} s windows",
                     c.features.sample_rate / 1000.0, c.features.mel.stft.n_fft, c.features.mel.stft.hop_length,
                     c.features.mel.n_mels, c.segment_seconds);
}

bool use_musicnn_input(TrainConfig& c) {
  if (!is_musicnn_model(c.model)) return false;
  const bool changed = c.features.key() != musicnn_features().key() || c.segment_seconds != kMusicnnSegmentSeconds;
  c.features = musicnn_features();
  c.segment_seconds = kMusicnnSegmentSeconds;
  return changed;
}

int64_t TrainConfig::segment_frames() const {
  return std::max<int64_t>(1, std::llround(segment_seconds * features.frame_rate()));
}

int64_t TrainConfig::eval_hop_frames() const {
  if (eval_hop_seconds <= 0) return std::max<int64_t>(1, segment_frames() / 2);
  return std::max<int64_t>(1, std::llround(eval_hop_seconds * features.frame_rate()));
}

namespace {

nlohmann::json& slot(nlohmann::json& j, const FieldInfo& f) { return f.group ? j[f.group][f.key] : j[f.key]; }

const nlohmann::json& slot(const nlohmann::json& j, const FieldInfo& f) {
  return f.group ? j.at(f.group).at(f.key) : j.at(f.key);
}

}  // namespace

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  for_each_field(c, [&](const FieldInfo& f, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<T, features::MelNorm>)
      slot(j, f) = value == features::MelNorm::Slaney ? "slaney" : "none";
    else
      slot(j, f) = value;
  });
  return j;
}

TrainConfig train_config_from_json(const nlohmann::json& j, const std::string& source) {
  const std::string where = source.empty() ? "" : "'" + source + "': ";
  const TrainConfig defaults;
  const nlohmann::json known = to_json(defaults);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.contains(it.key())) throw make_error("train", "{}unknown config key '{}'", where, it.key());
  nlohmann::json merged = known;
  merged.merge_patch(j);
  TrainConfig c;
  try {
    for_each_field(c, [&](const FieldInfo& f, auto& value) {
      using T = std::decay_t<decltype(value)>;
      const nlohmann::json& v = slot(std::as_const(merged), f);
      if constexpr (std::is_same_v<T, features::MelNorm>)
        value = v == "none" ? features::MelNorm::None : features::MelNorm::Slaney;
      else
        value = v.get<T>();
    });
  } catch (const nlohmann::json::exception& e) {
    throw make_error("train", "{}malformed config: {}", where, e.what());
  }
  c.features.mel.sample_rate = c.features.sample_rate;
  return c;
}

TrainConfig read_config_file(const std::string& path) {
  return train_config_from_json(read_json_file(path, "train"), path);
}

}  // namespace mgc::run
