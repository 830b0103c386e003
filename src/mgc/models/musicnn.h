#pragma once
// musicnn and its VGG baseline (Pons & Serra, "musicnn: pre-trained convolutional neural networks for music audio
// tagging", ISMIR 2019 late-breaking demo; github.com/jordipons/musicnn), in libtorch, loadable from the four
// TensorFlow checkpoints that PyPI's musicnn 0.1.0 wheel carries (MSD_musicnn, MTT_musicnn, MSD_vgg, MTT_vgg).
//
// Input: [B, 1, 96, T] musicnn's log-compressed mel spectrogram (features::musicnn_input), mel bands on H, frames
// on W as every mgc model; the networks were trained on T = 187 (3 s). Layers, as musicnn/models.py builds them
// (TensorFlow variable -> mgc module):
//   musicnn   bn_input (batch_normalization)
//             frontend.0..1  timbral: conv [7 x 38] and [7 x 67] (time x mel) over the input padded 3 frames each
//                            side, 204 filters, ReLU, BatchNorm, max over mel   (conv2d, conv2d_1; bn _1, _2)
//             frontend.2..4  temporal: conv [128|64|32 x 1] 'same', 51 filters, ReLU, BatchNorm, max over mel
//                                                                           (conv2d_2.._4; bn _3.._5)
//             midend.0..2    dense mid-end: Conv1d 561->64 / 64->64 / 64->64, kernel 7, zero padded, ReLU,
//                            BatchNorm; the 2nd and 3rd add their input (conv2d_5.._7; bn _6.._8)
//             backend        over time: max and mean of [front-end 561 | mid-end 3 x 64] = 753 features,
//                            interleaved (max, mean) -> 1506, bn_pool (bn _9), dropout 0.5, dense 1506->200 +
//                            ReLU (dense), bn_dense (bn _10: the 200-unit penultimate), dropout 0.5
//             fc             200 -> classes (dense_1): the head
//   musicnn_vgg  bn_input; features.0..4: 3x3 'same' conv 128 (1CNN..5CNN), ReLU, BatchNorm (bn _1.._5), max-pool
//             [4x1]/2, [2x2]/2, [2x2]/2, [2x2]/2, [4x4]/4 (time x mel; dropout 0.25 between); the [2, 1, 128] map
//             flattened time-major (as TensorFlow flattens NHWC) -> 256; dropout 0.5; fc 256 -> classes.
// BatchNorm epsilon is TensorFlow's 1e-3. Depth (convolutions + linear layers): musicnn 10, musicnn_vgg 6.
#include <memory>
#include <string>
#include <vector>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "mgc/models/weights.h"

namespace mgc::models {

// A musicnn-family model: a Classifier with the embedding its tagger exposes.
class MusicnnModel : public Classifier {
 public:
  using Classifier::Classifier;
  // x as forward() -> [B, D] the penultimate features: musicnn's 200-unit dense layer after its BatchNorm
  // ('penultimate' in musicnn.extractor), the VGG's flattened last pooling (256, its 'pool5').
  virtual torch::Tensor embed(torch::Tensor x) = 0;
};

// Builders. config.in_channels must be 1 (mgc::Error otherwise); config.dropout < 0 keeps 0.5.
std::shared_ptr<Classifier> musicnn(const ModelConfig& config);
std::shared_ptr<Classifier> musicnn_vgg(const ModelConfig& config);

// The checkpoints of the musicnn wheel: name (as musicnn names them), architecture, tag names in output order.
struct MusicnnCheckpoint {
  std::string name;          // "MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"
  std::string architecture;  // "musicnn" or "musicnn_vgg" (registry names)
  std::string dataset;       // "msd" (Million Song Dataset) or "mtt" (MagnaTagATune)
  const std::vector<std::string>* tags;  // 50 tags (musicnn/configuration.py)
};
const std::vector<MusicnnCheckpoint>& musicnn_checkpoints();
// Looks a checkpoint up by name, case-insensitively ("msd_musicnn" finds MSD_musicnn). Throws mgc::Error listing
// the known names.
const MusicnnCheckpoint& musicnn_checkpoint(const std::string& name);

// True if `weights` is a TensorFlow checkpoint in musicnn's variable layout (conv2d/kernel or 1CNN/kernel ...).
bool is_musicnn_tf_layout(const StateDict& weights);

// TensorFlow musicnn variables -> mgc's names and layouts (conv kernels [kh, kw, in, out] -> [out, in, kh, kw] or
// Conv1d [out, in, k]; dense kernels transposed; gamma/beta/moving_mean/moving_variance -> weight/bias/
// running_mean/running_var), for the architecture the variables describe. Optimiser state (/Adam, /Adam_1,
// beta1_power, beta2_power) is dropped. Throws mgc::Error ("models: ...") naming every variable it cannot place.
StateDict map_musicnn_weights(const StateDict& tf);

// Folder of a musicnn checkpoint (the folder holding its .index), searched in this order:
//   1. $MGC_MUSICNN_DIR/<name> ($MGC_MUSICNN_DIR: a folder holding the four; set but lacking it is an error);
//   2. <root>/.venv/lib/python3*/site-packages/musicnn/<name> for root = the executable's folder and up to 4 of its
//      parents, and the working directory (scripts/setup-venv.sh pip-installs the wheel there);
//   3. /usr/local/lib/python3*/dist-packages/musicnn/<name>.
// `name` is any case of a checkpoint's name (msd_musicnn finds MSD_musicnn). Throws mgc::Error ("models: ...") for
// an unknown name, or naming every place it looked.
std::string find_musicnn_checkpoint(const std::string& any_case_name);

// Builds the checkpoint's architecture with its 50 tags and loads its weights strictly. Throws mgc::Error if the
// checkpoint cannot be found or does not fit the architecture exactly.
std::shared_ptr<MusicnnModel> load_musicnn(const MusicnnCheckpoint& checkpoint, const std::string& folder = "");

}  // namespace mgc::models
