#pragma once
// `mgc export`: a trained run as one TorchScript file for deployment without mgc (torch.jit.load in Python,
// torch::jit::load in C++). Header kept free of libtorch.
#include <cstdint>
#include <string>
#include <vector>

namespace mgc::tools {

struct ExportInfo {
  std::string model;                 // registry name, e.g. "audio_cnn"
  std::vector<std::string> classes;  // output order
  int64_t n_mels = 0;                // input height
  int64_t frames = 0;                // input width the model was traced with (one window)
  std::string metadata;              // the archive's mgc.json
  bool harmony_left_out = false;     // the run has a harmony model, which the file does not hold
};

// Traces run_dir's model (config.json, run.json, weights = run_dir/best.safetensors unless given) into a
// TorchScript archive at out_path. The exported forward takes dB log-mel windows x [B, 1, n_mels, frames]
// float32 on CPU, made with the run's feature settings (what `mgc extract` caches, windows as `mgc predict` cuts
// them), applies the run's input normalisation (and resize) and returns logits [B, classes]. B is free; the
// time axis is free for the fully convolutional models. The archive carries "mgc.json" (format, classes,
// model, input and output contract, mgc_version, the run's whole config, and under "predict" how `mgc predict`
// gets from a file to its vote and which of those steps the file does not hold: decoding, the log-mel, cutting
// windows and their mean vote, the no-music rule and the run's harmony model, when it has one). Throws mgc::Error naming the file on a missing or
// malformed run, or when tracing or writing fails.
ExportInfo export_run_torchscript(const std::string& run_dir, const std::string& out_path,
                                  const std::string& weights = "");

}  // namespace mgc::tools
