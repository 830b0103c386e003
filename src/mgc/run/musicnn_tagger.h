#pragma once
// Tagging with musicnn's pretrained checkpoints (models/musicnn.h), as musicnn's own tagger does it, and genres
// from their tags with no training (zero-shot). Header kept free of libtorch.
//
// Tagging (musicnn.extractor / musicnn.tagger.top_tags): the file decoded to 16 kHz mono, musicnn's input
// representation (features::musicnn_mel_config, musicnn_log_compress), cut into non-overlapping patches of 187
// frames (2.992 s) from the first frame (a remainder shorter than a patch is left out; a file shorter than one
// patch is repeated to fill it, as musicnn's training padded short clips), the sigmoid of each patch's 50 logits
// (the taggram), and their mean over patches (the file's tags).
#include <memory>
#include <string>
#include <vector>

namespace mgc::run {

struct TagPatch {
  double start_seconds = 0.0;
  double end_seconds = 0.0;
  std::vector<float> probs;  // one per tag, sigmoid
};

struct TagResult {
  std::string path;
  std::vector<float> mean;         // per tag: the mean of the patches' probabilities
  std::vector<TagPatch> patches;   // the taggram
  double audio_seconds = 0.0;      // decoded length
  double milliseconds = 0.0;       // decode + features + inference
};

// Seconds one patch spans: 187 frames of 256 samples at 16 kHz.
double musicnn_patch_seconds();

class MusicnnTagger {
 public:
  // checkpoint: a name musicnn_checkpoint() knows ("msd_musicnn", "MTT_vgg", ...); folder: where it lies ("":
  // find_musicnn_checkpoint). threads: intra-op threads (0: all cores). Throws mgc::Error if it cannot be loaded.
  explicit MusicnnTagger(const std::string& checkpoint, const std::string& folder = "", int threads = 0);
  ~MusicnnTagger();
  MusicnnTagger(const MusicnnTagger&) = delete;
  MusicnnTagger& operator=(const MusicnnTagger&) = delete;

  const std::string& checkpoint() const;         // musicnn's name, e.g. "MSD_musicnn"
  const std::vector<std::string>& tags() const;  // 50, in output order

  // Tags a file. Throws mgc::Error ("tags: '<path>': ...") if it cannot be decoded or is empty.
  TagResult tag_file(const std::string& path) const;
  // Tags mono samples at 16 kHz. Throws mgc::Error on no samples.
  TagResult tag_samples(const std::vector<float>& samples_16k) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Zero-shot genres from musicnn tags. Each genre has a list of tags (of the MSD or the MTT vocabulary) that name it;
// a genre's score is the largest mean probability among its tags that the taggers used provide, and the file's
// genre probabilities are the scores divided by their sum. A genre none of the taggers has a tag for scores 0: the
// taggers cannot name it (zero_shot_missing() says which).
struct GenreTags {
  std::string genre;
  std::vector<std::string> msd;  // MSD tags (MSD_musicnn, MSD_vgg)
  std::vector<std::string> mtt;  // MagnaTagATune tags (MTT_musicnn, MTT_vgg)
};
// The ten genres of GTZAN (and of mgc's corpus) in their order, with their tags.
const std::vector<GenreTags>& zero_shot_genre_tags();

// Genre probabilities (zero_shot_genre_tags() order) from tag probabilities of the same audio by one or more
// checkpoints (tag_probs[i]: checkpoints[i]'s tags, a file's mean or one patch's). All zero if every mapped tag
// is 0. Throws mgc::Error if the lengths differ, a checkpoint is unknown or its vector is not its tag count.
std::vector<float> zero_shot_genres(const std::vector<std::string>& checkpoints,
                                    const std::vector<std::vector<float>>& tag_probs);
// The genres that none of these checkpoints has a tag for.
std::vector<std::string> zero_shot_missing(const std::vector<std::string>& checkpoints);

}  // namespace mgc::run
