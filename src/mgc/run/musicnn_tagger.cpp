#include "mgc/run/musicnn_tagger.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/features/mel.h"
#include "mgc/models/musicnn.h"
#include "mgc/models/runtime.h"

namespace mgc::run {
namespace {

constexpr int64_t kPatchFrames = 187;  // 3 s: librosa.time_to_frames(3, sr=16000, n_fft=512, hop=256) + 1
constexpr int64_t kBatch = 16;         // patches per forward pass

}  // namespace

double musicnn_patch_seconds() {
  const auto c = features::musicnn_mel_config();
  return static_cast<double>(kPatchFrames * c.stft.hop_length) / c.sample_rate;
}

struct MusicnnTagger::Impl {
  const models::MusicnnCheckpoint* checkpoint = nullptr;
  std::shared_ptr<models::MusicnnModel> model;
  features::MelSpectrogram mel{features::musicnn_mel_config()};
};

MusicnnTagger::MusicnnTagger(const std::string& checkpoint, const std::string& folder, int threads)
    : impl_(std::make_unique<Impl>()) {
  set_num_threads(threads);
  impl_->checkpoint = &models::musicnn_checkpoint(checkpoint);
  impl_->model = models::load_musicnn(*impl_->checkpoint, folder);
}

MusicnnTagger::~MusicnnTagger() = default;

const std::string& MusicnnTagger::checkpoint() const { return impl_->checkpoint->name; }
const std::vector<std::string>& MusicnnTagger::tags() const { return *impl_->checkpoint->tags; }

TagResult MusicnnTagger::tag_samples(const std::vector<float>& samples) const {
  if (samples.empty()) throw make_error("tags", "no samples to tag");
  const auto t0 = std::chrono::steady_clock::now();
  features::Spectrogram s = impl_->mel.power(samples);
  features::musicnn_log_compress(s);
  torch::Tensor rep = torch::from_blob(s.values.data(), {s.rows, s.cols}, torch::kFloat32);  // [96, frames]
  if (rep.size(1) < kPatchFrames) rep = rep.repeat({1, (kPatchFrames + rep.size(1) - 1) / rep.size(1)});
  const int64_t patches = (rep.size(1) - kPatchFrames) / kPatchFrames + 1;
  TagResult out;
  out.audio_seconds = static_cast<double>(samples.size()) / features::musicnn_mel_config().sample_rate;
  const double patch_seconds = musicnn_patch_seconds();
  torch::NoGradGuard no_grad;
  torch::Tensor sum = torch::zeros({static_cast<int64_t>(tags().size())});
  for (int64_t first = 0; first < patches; first += kBatch) {
    const int64_t n = std::min(kBatch, patches - first);
    std::vector<torch::Tensor> batch;
    for (int64_t p = first; p < first + n; ++p)
      batch.push_back(rep.slice(1, p * kPatchFrames, (p + 1) * kPatchFrames).unsqueeze(0));
    const torch::Tensor probs = torch::sigmoid(impl_->model->forward(torch::stack(batch))).contiguous();
    sum += probs.sum(0);
    for (int64_t i = 0; i < n; ++i) {
      TagPatch patch;
      patch.start_seconds = static_cast<double>(first + i) * patch_seconds;
      patch.end_seconds = patch.start_seconds + patch_seconds;
      const float* p = probs[i].data_ptr<float>();
      patch.probs.assign(p, p + probs.size(1));
      out.patches.push_back(std::move(patch));
    }
  }
  sum /= static_cast<double>(patches);
  out.mean.assign(sum.data_ptr<float>(), sum.data_ptr<float>() + sum.numel());
  out.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

TagResult MusicnnTagger::tag_file(const std::string& path) const {
  const auto t0 = std::chrono::steady_clock::now();
  audio::AudioConfig config;
  config.sample_rate = features::musicnn_mel_config().sample_rate;
  audio::Audio audio;
  try {
    audio = audio::load_audio(path, config);
  } catch (const Error& e) {
    throw make_error("tags", "'{}': {}", path, e.what());
  }
  if (audio.samples.empty()) throw make_error("tags", "'{}': no audio in the file", path);
  TagResult out = tag_samples(audio.samples);
  out.path = path;
  out.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

const std::vector<GenreTags>& zero_shot_genre_tags() {
  // MSD's vocabulary has no classical, disco or reggae; MagnaTagATune's has no blues, disco, hip-hop, jazz or
  // reggae. Tags that name a period, a mood or an instrument are left out, as are "dance" and "funk" for disco
  // (they name much besides it).
  static const std::vector<GenreTags> g = {
      {"blues", {"blues"}, {}},
      {"classical", {}, {"classical"}},
      {"country", {"country"}, {"country"}},
      {"disco", {}, {}},
      {"hiphop", {"Hip-Hop"}, {}},
      {"jazz", {"jazz"}, {}},
      {"metal", {"metal", "heavy metal"}, {"metal"}},
      {"pop", {"pop"}, {"pop"}},
      {"reggae", {}, {}},
      {"rock", {"rock", "classic rock", "hard rock", "alternative rock"}, {"rock"}},
  };
  return g;
}

std::vector<float> zero_shot_genres(const std::vector<std::string>& checkpoints,
                                    const std::vector<std::vector<float>>& tag_probs) {
  if (checkpoints.size() != tag_probs.size())
    throw make_error("tags", "zero-shot: {} checkpoints but {} tag vectors", checkpoints.size(), tag_probs.size());
  const auto& genres = zero_shot_genre_tags();
  std::vector<float> scores(genres.size(), 0.0f);
  for (size_t c = 0; c < checkpoints.size(); ++c) {
    const models::MusicnnCheckpoint& ckpt = models::musicnn_checkpoint(checkpoints[c]);
    const std::vector<std::string>& vocab = *ckpt.tags;
    if (tag_probs[c].size() != vocab.size())
      throw make_error("tags", "zero-shot: {} has {} tags, got {} values", ckpt.name, vocab.size(), tag_probs[c].size());
    for (size_t g = 0; g < genres.size(); ++g)
      for (const std::string& tag : ckpt.dataset == "msd" ? genres[g].msd : genres[g].mtt) {
        const auto it = std::find(vocab.begin(), vocab.end(), tag);
        if (it == vocab.end()) throw make_error("tags", "zero-shot: {} has no tag '{}'", ckpt.name, tag);
        scores[g] = std::max(scores[g], tag_probs[c][static_cast<size_t>(it - vocab.begin())]);
      }
  }
  float total = 0.0f;
  for (float s : scores) total += s;
  if (total > 0.0f)
    for (float& s : scores) s /= total;
  return scores;
}

std::vector<std::string> zero_shot_missing(const std::vector<std::string>& checkpoints) {
  std::vector<std::string> missing;
  for (const auto& g : zero_shot_genre_tags()) {
    bool named = false;
    for (const auto& name : checkpoints)
      named = named || !(models::musicnn_checkpoint(name).dataset == "msd" ? g.msd : g.mtt).empty();
    if (!named) missing.push_back(g.genre);
  }
  return missing;
}

}  // namespace mgc::run
