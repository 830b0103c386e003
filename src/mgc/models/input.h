#pragma once
// How a log-mel spectrogram becomes a model's input. Log-mel is one channel; ImageNet models take three.
//   Mono:          [B, 1, H, W], dB scaled to [0, 1] then standardised by mean 0.5 / std 0.25 (for models trained
//                  from scratch, or ImageNet models whose stem was adapted to one channel: see ModelConfig).
//   ImageNetRgb:   [B, 3, H, W], dB scaled to [0, 1], repeated to three channels and normalised with ImageNet's
//                  mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225): what pretrained backbones expect.
//   Raw:           [B, 1, H, W], the features as they are (musicnn's models normalise their input themselves).
// Band norm (InputNorm::Band): each mel band of each window is shifted so that its mean over the window's frames
// sits at the middle of the range (0.5 before the standardisation above): the window's static spectral envelope,
// which is most of an arrangement's instrument colour and equalisation, is removed, and the changes in time
// (onsets, rhythm, chord changes) stay. Values may then leave [0, 1]. InputNorm::Both (mono only) gives two
// channels: the plain one, then the band-normed one.
#include <torch/types.h>

#include <string>

namespace mgc::models {

enum class InputMode { Mono, ImageNetRgb, Raw };
enum class InputNorm { None, Band, Both };

struct InputConfig {
  InputMode mode = InputMode::Mono;
  double db_min = -80.0;             // dB mapped to 0 (values below are clipped)
  double db_max = 0.0;               // dB mapped to 1 (values above are clipped)
  InputNorm norm = InputNorm::None;  // see above

  // Throws mgc::Error ("models: InputConfig...") unless db_min < db_max, both finite, norm Both is mono and raw has
  // no norm.
  void validate() const;
  int64_t channels() const { return mode == InputMode::ImageNetRgb ? 3 : norm == InputNorm::Both ? 2 : 1; }
};

// "mono", "imagenet" or "raw". Throws mgc::Error naming the unknown value.
InputMode parse_input_mode(const std::string& name);
std::string to_string(InputMode mode);
// "none", "band" or "both". Throws mgc::Error naming the unknown value.
InputNorm parse_input_norm(const std::string& name);

// db: [B, 1, H, W] log-mel (in dB but for Raw) -> [B, channels(), H, W] float32 as described above.
// Throws c10::Error (TORCH_CHECK) on another shape, mgc::Error on an invalid config.
torch::Tensor prepare_input(const torch::Tensor& db, const InputConfig& config);

}  // namespace mgc::models
