#include "mgc/train/checkpoint.h"

#include <torch/torch.h>

#include <sstream>
#include <string_view>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"

namespace mgc::train {
namespace {

// checkpoint.pt = this magic, the FNV-1a 64 of the rest in 16 hex digits, a newline, then libtorch's archive.
constexpr const char* kCheckpointMagic = "MGC-CHECKPOINT-1 ";

}  // namespace

void save_checkpoint(const std::string& path, models::Classifier& model, torch::optim::Optimizer& opt,
                     const TrainingState& s) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  torch::serialize::OutputArchive opt_archive;
  opt.save(opt_archive);
  archive.write("optimizer", opt_archive);
  archive.write("epoch", c10::IValue(static_cast<int64_t>(s.epoch)));
  archive.write("best_epoch", c10::IValue(static_cast<int64_t>(s.best_epoch)));
  archive.write("best_clip_acc", c10::IValue(s.best_clip_acc));
  archive.write("best_loss", c10::IValue(s.best_loss));
  archive.write("since_best", c10::IValue(static_cast<int64_t>(s.since_best)));
  archive.write("early_stopped", c10::IValue(s.early_stopped));
  archive.write("world_size", c10::IValue(static_cast<int64_t>(s.world_size)));
  std::ostringstream out;
  archive.save_to(out);
  const std::string bytes = out.str();
  // libtorch's archive checks no CRC: a checksum in front makes a flipped byte an error instead of a silent resume.
  write_file_atomic(path, std::string(kCheckpointMagic) + to_hex(fnv1a64(bytes)) + "\n" + bytes);
}

TrainingState load_checkpoint(const std::string& path, const std::string& bytes, models::Classifier& model,
                              torch::optim::Optimizer& opt, const torch::Device& device) {
  TrainingState s;
  const std::string magic = kCheckpointMagic;
  size_t offset = 0;  // a checkpoint from before the checksum (no magic) is read as it is
  if (bytes.compare(0, magic.size(), magic) == 0) {
    offset = magic.size() + 17;  // 16 hex digits and a newline
    if (bytes.size() < offset || bytes[offset - 1] != '\n')
      throw make_error("train", "checkpoint '{}' is truncated (no checksum line)", path);
    const std::string want = bytes.substr(magic.size(), 16);
    const std::string got = to_hex(fnv1a64(std::string_view(bytes).substr(offset)));
    if (want != got)
      throw make_error("train",
                       "checkpoint '{}' fails its checksum (stored {}, content {}): it is corrupt; start the "
                       "run again or restore the file",
                       path, want, got);
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data() + offset, bytes.size() - offset, device);
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    torch::serialize::InputArchive opt_archive;
    archive.read("optimizer", opt_archive);
    opt.load(opt_archive);
    c10::IValue v;
    archive.read("epoch", v);
    s.epoch = static_cast<int>(v.toInt());
    archive.read("best_epoch", v);
    s.best_epoch = static_cast<int>(v.toInt());
    archive.read("best_clip_acc", v);
    s.best_clip_acc = v.toDouble();
    archive.read("best_loss", v);
    s.best_loss = v.toDouble();
    archive.read("since_best", v);
    s.since_best = static_cast<int>(v.toInt());
    archive.read("early_stopped", v);
    s.early_stopped = v.toBool();
    s.world_size = archive.try_read("world_size", v) ? static_cast<int>(v.toInt()) : 1;
  } catch (const c10::Error& e) {
    throw make_error("train", "checkpoint '{}' is unreadable or corrupt: {}", path, e.what_without_backtrace());
  }
  return s;
}

}  // namespace mgc::train
