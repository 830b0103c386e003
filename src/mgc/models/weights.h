#pragma once
// Weight files -> an ordered name -> tensor map, whatever the format, and loading that map into a module with a
// report of missing, unexpected and mis-shaped keys.
//
// Formats: .safetensors (any tool's), PyTorch's zip checkpoints (torch.save since 1.6), legacy pre-1.6
// checkpoints and TensorFlow checkpoints (tensor bundles: PREFIX.index + PREFIX.data-*). Pickled formats go through a restricted unpickler that knows only the globals a state_dict needs:
// loading a file never runs code (the promise of PyTorch's weights_only=True).
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace mgc::models {

struct StateDict {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;  // in file order, CPU, dtypes as saved
  std::string format;     // "safetensors", "pytorch-zip", "pytorch-legacy", "tensorflow"
  std::string unwrapped;  // how a wrapping checkpoint was unwrapped ("state_dict", "model", "module." ...), or ""

  const torch::Tensor* find(const std::string& name) const;
  int64_t numel() const;
};

// Reads any supported weight file (a TensorFlow checkpoint by its .index file, its prefix, or a folder holding
// exactly one .index). Throws mgc::Error ("weights: '<path>': <cause>") on a missing, truncated or
// malformed file, an unsupported dtype, or a pickle that names a global outside the allowed set.
StateDict read_weights(const std::string& path);

// Reads a PyTorch checkpoint written by torch.save, zip (>= 1.6) or legacy (< 1.6) format, unwrapping
// {"state_dict": ...} / {"model": ...} and "module." prefixes. Same errors as read_weights().
StateDict read_pytorch(const std::string& path);

// Reads a .safetensors file. Same errors as read_weights().
StateDict read_safetensors(const std::string& path);

// True if `path` is meant as a TensorFlow checkpoint: a folder, a name ending in .index, or a prefix P with a file
// P.index beside it (read_tf_checkpoint() then says what is wrong with it, if anything).
bool is_tf_checkpoint(const std::string& path);

// Reads a TensorFlow V2 checkpoint ("tensor bundle", as tf.train.Saver and tf.train.Checkpoint write): every
// numeric tensor under its variable name, in the index's (sorted) order, with TensorFlow's layout (a conv kernel
// is [kh, kw, in, out]); string tensors (object graphs) are skipped. Checks the index's table structure and block
// CRCs, the header's endianness (big-endian data is byte-swapped) and version, and every tensor's size and
// CRC-32C. Throws mgc::Error ("weights: '<file>': ...") naming the file and, where one is at fault, the tensor:
// a damaged or truncated index or data shard, compressed blocks, partitioned (sliced) variables, dtypes without
// a torch equivalent (strings aside).
StateDict read_tf_checkpoint(const std::string& path);

// Writes tensors as .safetensors (contiguous copies, little-endian), atomically. Throws mgc::Error on an
// unsupported dtype or an I/O failure.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

struct LoadReport {
  std::vector<std::string> missing;      // in the module, not in the file
  std::vector<std::string> unexpected;   // in the file, not in the module
  std::vector<std::string> mismatched;   // in both, shapes differ ("name: file [a,b] vs model [c,d]")
  int64_t loaded = 0;                    // tensors copied

  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // One paragraph naming every problem key (first 20 of each kind, then a count).
  std::string summary() const;
};

// Copies the file's tensors into the module's parameters and buffers of the same names (converting dtype).
// strict: throws mgc::Error with summary() unless every key matches in name and shape, and copies nothing then.
// non-strict: copies what matches and returns the report. Keys in `skip_prefixes` are neither loaded nor
// reported (e.g. a classifier head that is about to be replaced).
LoadReport load_state_dict(torch::nn::Module& module, const StateDict& weights, bool strict = true,
                           const std::vector<std::string>& skip_prefixes = {});

}  // namespace mgc::models
