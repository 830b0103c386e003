#pragma once
// Transfer learning: which parameters train. The recipe of the study: load ImageNet weights, replace the head
// (Classifier::reset_head), freeze the backbone and train the head, then optionally unfreeze everything and
// fine-tune with a lower learning rate.
#include <string>
#include <vector>

#include "mgc/models/classifier.h"

namespace mgc::models {

// Freezes every parameter outside model.head_prefixes() (requires_grad = false). With freeze_norm_stats, the
// backbone's BatchNorm layers (1d, 2d and 3d) also stay in eval mode (running statistics frozen) when the model trains.
// Returns the number of parameters (elements) left trainable.
int64_t freeze_backbone(Classifier& model, bool freeze_norm_stats = true);

// Makes every parameter trainable again and lets every BatchNorm layer follow train()/eval() again.
void unfreeze_all(Classifier& model);

// Sets requires_grad for every parameter whose name starts with one of `prefixes` ("layer4.", "features.16.").
// Throws mgc::Error if a prefix matches no parameter (a typo would otherwise freeze nothing silently).
// Returns the number of parameters (elements) changed.
int64_t set_trainable(Classifier& model, const std::vector<std::string>& prefixes, bool trainable);

}  // namespace mgc::models
