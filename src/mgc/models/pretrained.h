#pragma once
// Loading pretrained (e.g. ImageNet) weights into a model whose head may have another class count.
#include <string>
#include <vector>

#include "mgc/models/classifier.h"
#include "mgc/models/weights.h"

namespace mgc::models {

struct PretrainedReport {
  LoadReport load;         // what was copied and what did not match
  bool head_skipped = false;  // the file's head did not fit num_classes and was left freshly initialised
  std::vector<std::string> dropped_optional;  // optional branches the model lacks, e.g. "AuxLogits."
  int64_t renamed = 0;     // keys renamed from torchvision's legacy names or EfficientNet-Lite's lukemelas layout
};

// Renames legacy torchvision keys in place (DenseNet checkpoints before 0.3 say "denselayer1.norm.1.weight" for
// "denselayer1.norm1.weight", as torchvision's own loader fixes). Returns the number of keys renamed.
int64_t rename_legacy_keys(StateDict& weights);

// Loads `weights` into `model`: every backbone tensor must match by name and shape (else mgc::Error naming the
// keys); the head (model.head_prefixes()) is loaded when its shapes fit and skipped when they do not (a head for
// 1000 ImageNet classes on a 10-genre model). An ImageNet RGB stem is adapted to a one-channel model by summing
// its kernels. A lukemelas-layout EfficientNet-Lite file (efficientnet_lite.h) or a musicnn TensorFlow checkpoint
// (musicnn.h) is renamed to mgc's names first.
// Throws mgc::Error on any backbone mismatch or a key that cannot be renamed.
PretrainedReport load_pretrained(Classifier& model, StateDict weights);

// read_weights(path) + load_pretrained(). Throws mgc::Error naming the file on failure.
PretrainedReport load_pretrained(Classifier& model, const std::string& path);

}  // namespace mgc::models
