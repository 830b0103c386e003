// musicnn and its VGG baseline against musicnn 0.1.0 on TensorFlow (tests/models/make_musicnn_fixtures.py): the
// input representation, then for all four checkpoints the taggram and the penultimate features, both on
// TensorFlow's own input (the model alone) and from the audio (front end + model). The fixtures are read from
// $MGC_MUSICNN_FIXTURES when set (the live CTest target regenerates them there), else from tests/data/musicnn.
// The checkpoints come from the musicnn wheel (scripts/setup-venv.sh); a missing wheel fails the test. The CLI's
// `mgc tags` and zero-shot `mgc predict --model` are checked against the same arrays; transfer training from the MSD
// checkpoint on a toy dataset.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/npy.h"
#include "mgc/features/mel.h"
#include "mgc/models/musicnn.h"
#include "mgc/models/registry.h"
#include "mgc/models/weights.h"
#include "mgc/run/musicnn_tagger.h"
#include "test_util.h"
#include "train/toy_dataset.h"

namespace {

constexpr int kSr = 16000;
constexpr int64_t kPatch = 187;
const double kSeconds[] = {3.2, 6.2};

std::string fixtures() {
  const char* env = std::getenv("MGC_MUSICNN_FIXTURES");
  return env && *env ? env : std::string(MGC_TEST_DATA_DIR) + "/musicnn";
}

// make_musicnn_fixtures.py's signal(k), computed the same way.
std::vector<float> signal(int k) {
  const auto n = static_cast<int64_t>(std::llround(kSeconds[k] * kSr));
  std::vector<double> y(static_cast<size_t>(n), 0.0);
  const double f0 = 110.0 * (k + 1);
  const std::pair<double, double> partials[] = {{1, 0.20}, {1.5, 0.12}, {2, 0.10}, {3, 0.06}, {5, 0.03}};
  for (const auto& [h, a] : partials) {
    const double w = 2 * M_PI * f0 * h;
    for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] += a * std::sin(w * (static_cast<double>(i) / kSr) + 0.3 * h);
  }
  uint32_t x = 12345u + static_cast<uint32_t>(k);
  for (int64_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kSr;
    x = 1664525u * x + 1013904223u;
    const double noise = x / 4294967296.0 * 2.0 - 1.0;
    y[static_cast<size_t>(i)] += 0.25 * std::exp(-12.0 * std::fmod(t * (2.0 + k), 1.0)) * noise;
    y[static_cast<size_t>(i)] += 0.15 * std::sin(2 * M_PI * 55.0 * t) * (0.5 + 0.5 * std::sin(2 * M_PI * 0.5 * t));
  }
  return std::vector<float>(y.begin(), y.end());
}

torch::Tensor npy(const std::string& name) {
  const mgc::NpyArray a = mgc::read_npy(fixtures() + "/" + name);
  return torch::from_blob(const_cast<float*>(a.data.data()), a.shape, torch::kFloat32).clone();
}

// [frames, 96] -> the non-overlapping 187-frame patches as model input [P, 1, 96, 187] (musicnn's batch_data).
torch::Tensor patches(const torch::Tensor& time_by_mel) {
  const int64_t p = (time_by_mel.size(0) - kPatch) / kPatch + 1;
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < p; ++i) out.push_back(time_by_mel.slice(0, i * kPatch, i * kPatch + kPatch).t().unsqueeze(0));
  return torch::stack(out);
}

torch::Tensor our_input(int k) {
  const mgc::features::MelSpectrogram mel(mgc::features::musicnn_mel_config());
  mgc::features::Spectrogram s = mel.power(signal(k));
  mgc::features::musicnn_log_compress(s);
  return torch::from_blob(s.values.data(), {s.rows, s.cols}, torch::kFloat32).t().clone();  // [frames, 96]
}

double max_abs(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

TEST(Musicnn, SignalsAreTheFixtureScriptsWhereItsWavsArePresent) {
  for (int k = 0; k < 2; ++k) {
    const std::string wav = fixtures() + "/signal" + std::to_string(k) + ".wav";
    if (!std::filesystem::exists(wav)) continue;  // committed fixtures carry no audio; the live run does
    mgc::audio::AudioConfig config;
    config.sample_rate = kSr;
    const auto audio = mgc::audio::load_audio(wav, config);
    const auto ours = signal(k);
    ASSERT_EQ(audio.samples.size(), ours.size());
    for (size_t i = 0; i < ours.size(); ++i) ASSERT_NEAR(audio.samples[i], ours[i], 1e-6) << i;
  }
}

TEST(Musicnn, InputRepresentationMatchesMusicnn) {
  for (int k = 0; k < 2; ++k) {
    const torch::Tensor theirs = npy("logmel_" + std::to_string(k) + ".npy");
    const torch::Tensor ours = our_input(k);
    ASSERT_EQ(ours.sizes(), theirs.sizes());
    // Equal but where float16 rounding of a mel power lands on the other side of a rounding boundary: one
    // float16 step (at most 2^-10 relative) is at most 0.434 * 2^-10 = 4.2e-4 after the log.
    const torch::Tensor diff = (ours - theirs).abs();
    EXPECT_LE(diff.max().item<double>(), 4.3e-4) << k;
    EXPECT_LE(diff.gt(1e-5).sum().item<int64_t>(), ours.numel() / 200) << k;
  }
}

TEST(Musicnn, FourCheckpointsMatchMusicnnOnItsInputAndFromAudio) {
  torch::NoGradGuard no_grad;
  for (const auto& c : mgc::models::musicnn_checkpoints()) {
    const auto model = mgc::models::load_musicnn(c);
    for (int k = 0; k < 2; ++k) {
      const std::string tag = c.name + "_" + std::to_string(k);
      const torch::Tensor taggram = npy(tag + "_taggram.npy");
      const torch::Tensor penultimate = npy(tag + "_penultimate.npy");
      // The model alone, on musicnn's own input.
      const torch::Tensor x = patches(npy("logmel_" + std::to_string(k) + ".npy"));
      ASSERT_EQ(x.size(0), taggram.size(0)) << tag;
      EXPECT_LE(max_abs(torch::sigmoid(model->forward(x)), taggram), 1e-5) << tag;
      EXPECT_LE(max_abs(model->embed(x), penultimate), 1e-4 * (1.0 + penultimate.abs().max().item<double>())) << tag;
      // Front end + model, from the samples.
      const torch::Tensor ours = patches(our_input(k));
      EXPECT_LE(max_abs(torch::sigmoid(model->forward(ours)), taggram), 1e-4) << tag;
    }
  }
}

TEST(Musicnn, RegisteredWithTheCheckpointsParameterCountAndDepth) {
  // Trainable values of a checkpoint: its variables less optimiser state and BatchNorm's moving statistics.
  const nlohmann::json ckpt = nlohmann::json::parse(mgc::read_file(fixtures() + "/checkpoints.json"));
  auto trainable = [&](const std::string& checkpoint) {
    int64_t n = 0;
    for (const auto& row : ckpt.at(checkpoint)) {
      const std::string name = row["name"];
      if (name.find("Adam") != std::string::npos || name.find("moving_") != std::string::npos ||
          name.find("_power") != std::string::npos)
        continue;
      int64_t numel = 1;
      for (int64_t d : row["shape"].get<std::vector<int64_t>>()) numel *= d;
      n += numel;
    }
    return n;
  };
  for (const auto& [name, checkpoint, depth] :
       {std::tuple{"musicnn", "MSD_musicnn", 10}, std::tuple{"musicnn_vgg", "MSD_vgg", 6}}) {
    mgc::models::ModelConfig config;
    config.name = name;
    config.num_classes = 50;
    config.in_channels = 1;
    const auto stats = mgc::models::model_stats(*mgc::models::create_model(config));
    EXPECT_EQ(stats.depth, depth) << name;
    EXPECT_EQ(stats.parameters, trainable(checkpoint)) << name;
  }
  mgc::models::ModelConfig three;
  three.name = "musicnn";
  three.in_channels = 3;
  EXPECT_THROW(mgc::models::create_model(three), mgc::Error);
}

TEST(Musicnn, ZeroShotGenresTakeEachGenresStrongestTagAndNormalise) {
  using mgc::run::zero_shot_genres;
  const auto& msd = *mgc::models::musicnn_checkpoint("msd_musicnn").tags;
  const auto& mtt = *mgc::models::musicnn_checkpoint("mtt_musicnn").tags;
  auto at = [](const std::vector<std::string>& vocab, const std::string& tag) {
    return static_cast<size_t>(std::find(vocab.begin(), vocab.end(), tag) - vocab.begin());
  };
  std::vector<float> a(msd.size(), 0.0f), b(mtt.size(), 0.0f);
  a[at(msd, "jazz")] = 0.2f;
  a[at(msd, "hard rock")] = 0.3f;
  a[at(msd, "rock")] = 0.1f;         // rock: the strongest of its tags, 0.3
  a[at(msd, "instrumental")] = 0.9f; // names no genre
  b[at(mtt, "classical")] = 0.5f;
  const auto p = zero_shot_genres({"MSD_musicnn", "mtt_musicnn"}, {a, b});
  const std::vector<std::string> genres = {"blues", "classical", "country", "disco", "hiphop",
                                           "jazz",  "metal",     "pop",     "reggae", "rock"};
  ASSERT_EQ(p.size(), genres.size());
  for (size_t g = 0; g < genres.size(); ++g) {
    EXPECT_EQ(mgc::run::zero_shot_genre_tags()[g].genre, genres[g]);
    const float want = genres[g] == "jazz" ? 0.2f : genres[g] == "rock" ? 0.3f : genres[g] == "classical" ? 0.5f : 0.0f;
    EXPECT_FLOAT_EQ(p[g], want) << genres[g];  // the scores sum to 1 here: normalising keeps them
  }
  EXPECT_EQ(mgc::run::zero_shot_missing({"msd_musicnn"}), (std::vector<std::string>{"classical", "disco", "reggae"}));
  EXPECT_EQ(mgc::run::zero_shot_missing({"msd_musicnn", "mtt_vgg"}), (std::vector<std::string>{"disco", "reggae"}));
  EXPECT_THROW(zero_shot_genres({"msd_musicnn"}, {std::vector<float>(3)}), mgc::Error);
  EXPECT_THROW(zero_shot_genres({"gtzan"}, {a}), mgc::Error);
}

TEST(MusicnnCli, TagsGiveMusicnnsTaggramAndZeroShotGenres) {
  mgc::test::TempDir dir;
  const std::string wav = dir.file("signal1.wav");
  mgc::test::write_sound(wav, signal(1), kSr, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  const torch::Tensor taggram = npy("MSD_musicnn_1_taggram.npy");  // [2, 50]
  const torch::Tensor mean = taggram.mean(0);
  const auto& tags = *mgc::models::musicnn_checkpoint("msd_musicnn").tags;

  const auto r = mgc::test::run_cli("tags " + wav + " --format json --timeline --top 5 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output).at(0);
  EXPECT_EQ(j["model"], "MSD_musicnn");
  ASSERT_EQ(j["taggram"].size(), 2u);
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t t = 0; t < 50; ++t)
      EXPECT_NEAR(j["taggram"][p]["probs"][t].get<double>(), taggram[p][t].item<double>(), 1e-4);
  // The top 5 are musicnn's top 5 (its tagger ranks the mean over patches).
  const auto order = mean.argsort(0, /*descending=*/true);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(j["top"][i]["tag"].get<std::string>(), tags[static_cast<size_t>(order[i].item<int64_t>())]);
  EXPECT_NEAR(j["taggram"][1]["start"].get<double>(), 187 * 256 / 16000.0, 1e-9);

  const auto csv = mgc::test::run_cli("tags " + wav + " --format csv --timeline --threads 1");
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_EQ(std::count(csv.output.begin(), csv.output.end(), '\n'), 4);  // header, the file, 2 patches
  EXPECT_EQ(csv.output.rfind("path,start,end,rock,pop,", 0), 0u) << csv.output.substr(0, 80);

  // Zero-shot genres: MSD + MTT; disco and reggae have no tag in either vocabulary.
  const auto z = mgc::test::run_cli("predict --model msd_musicnn,mtt_musicnn " + wav + " --format json --threads 1");
  ASSERT_EQ(z.exit_code, 0) << z.output;
  EXPECT_NE(z.output.find("no tag of MSD_musicnn + MTT_musicnn names disco, reggae"), std::string::npos) << z.output;
  const nlohmann::json zj = nlohmann::json::parse(z.output.substr(z.output.find("[\n"))).at(0);
  std::vector<float> msd_mean(mean.data_ptr<float>(), mean.data_ptr<float>() + 50);
  const torch::Tensor mtt_mean = npy("MTT_musicnn_1_taggram.npy").mean(0);
  std::vector<float> mtt(mtt_mean.data_ptr<float>(), mtt_mean.data_ptr<float>() + 50);
  const auto want = mgc::run::zero_shot_genres({"MSD_musicnn", "MTT_musicnn"}, {msd_mean, mtt});
  double sum = 0.0;
  for (size_t g = 0; g < want.size(); ++g) {
    const std::string genre = mgc::run::zero_shot_genre_tags()[g].genre;
    EXPECT_NEAR(zj["probs"][genre].get<double>(), want[g], 1e-4) << genre;
    sum += zj["probs"][genre].get<double>();
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_EQ(zj["probs"]["disco"].get<double>(), 0.0);

  // Usage: a run and --model's inputs are told apart; without either the command says what it needs (exit 2).
  EXPECT_EQ(mgc::test::run_cli("predict --format json").exit_code, 2);
  EXPECT_EQ(mgc::test::run_cli("tags " + wav + " --model gtzan").exit_code, 1);
}

// Transfer from the MSD checkpoint on a toy dataset: mgc train sets musicnn's own input, loads the checkpoint under
// mgc's names with a new head, keeps the whole backbone (weights and every BatchNorm's statistics) bit-exact while it
// is frozen, changes it once fine-tuning starts, and the run predicts. Incompatible options are refused by name.
TEST(MusicnnCli, TransferFromMsdFreezesTheBackboneThenFineTunes) {
  mgc::test::TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 1, 3.5);  // 12 clips: one 3 s window each
  const std::string common = "train --model musicnn --pretrained msd --data " + manifest + " --cache " +
                             dir.file("cache") + " --batch-size 4 --test 0.25 --patience 0 --threads 1";
  const auto frozen =
      mgc::test::run_cli(common + " --out " + dir.file("frozen") + " --epochs 1 --freeze-only --val 0.25");
  ASSERT_EQ(frozen.exit_code, 0) << frozen.output;
  EXPECT_NE(frozen.output.find("musicnn's own input"), std::string::npos) << frozen.output;
  EXPECT_NE(frozen.output.find("head re-initialised for the genres"), std::string::npos) << frozen.output;
  const auto config = nlohmann::json::parse(mgc::read_file(dir.file("frozen") + "/config.json"));
  EXPECT_EQ(config["features"]["scale"], "musicnn");
  EXPECT_EQ(config["features"]["sample_rate"], 16000);
  EXPECT_EQ(config["features"]["n_mels"], 96);
  EXPECT_NEAR(config["segment_seconds"].get<double>(), kPatch * 256 / 16000.0, 1e-12);

  const mgc::models::StateDict msd = mgc::models::map_musicnn_weights(
      mgc::models::read_weights(mgc::models::find_musicnn_checkpoint("msd_musicnn")));
  auto backbone_changes = [&](const std::string& run) {
    const mgc::models::StateDict trained = mgc::models::read_weights(run + "/best.safetensors");
    int changed = 0, compared = 0;
    for (const auto& [name, want] : msd.tensors) {
      if (name.rfind("fc.", 0) == 0) continue;
      const torch::Tensor* got = trained.find(name);
      EXPECT_NE(got, nullptr) << name;
      if (!got) continue;
      ++compared;
      changed += !torch::equal(*got, want.to(got->scalar_type()));
    }
    EXPECT_EQ(compared, static_cast<int>(msd.tensors.size()) - 2);  // all but the head's weight and bias
    const torch::Tensor* head = trained.find("fc.weight");
    EXPECT_TRUE(head && head->sizes() == torch::IntArrayRef({3, 200}));
    return changed;
  };
  EXPECT_EQ(backbone_changes(dir.file("frozen")), 0);

  // --val 0: the last (fine-tuned) epoch is the model, whatever the validation clips say.
  const auto tuned =
      mgc::test::run_cli(common + " --out " + dir.file("tuned") + " --epochs 2 --freeze-epochs 1 --val 0 -q");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.output;
  EXPECT_GT(backbone_changes(dir.file("tuned")), 10);

  const auto pr = mgc::test::run_cli("predict " + dir.file("tuned") + " " + dir.file("low_0_0.wav") +
                                     " --format json --timeline --threads 1");
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  const auto pj = nlohmann::json::parse(pr.output.substr(pr.output.find('['))).at(0);
  EXPECT_EQ(pj["probs"].size(), 3u);
  EXPECT_EQ(pj["timeline"].size(), 1u);  // 3.5 s: one 2.992 s window

  auto refused = [&](const std::string& args, const std::string& why) {
    const auto r = mgc::test::run_cli("train --data " + manifest + " --out " + dir.file("bad") + " " + args + " -q");
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir.file("bad"))) << r.output;
  };
  refused("--model musicnn --n-mels 128", "of a musicnn model must be musicnn's");
  refused("--model audio_cnn --pretrained msd", "names musicnn's checkpoints");
  refused("--model musicnn_vgg --segment 6", "must give 187 frames");
  refused("--model musicnn --eq-db 6", "off with --scale musicnn");
  refused("--model musicnn --input-norm band", "must be none with raw input");
}

// A fused run: audio_cnn and a musicnn transfer trained on the same split, their clip votes averaged by mgc eval
// --fuse and mgc predict --fuse; the mean is checked against each run's own prediction of the same files. A run
// that held out other clips, or knows other classes, is refused by name.
TEST(MusicnnCli, FusedVoteIsTheMeanOfTheRunsVotes) {
  mgc::test::TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 1, 3.5);
  const std::string split = " --data " + manifest + " --cache " + dir.file("cache") +
                            " --batch-size 4 --test 0.25 --val 0 --patience 0 --threads 1 -q";
  ASSERT_EQ(
      mgc::test::run_cli("train --model audio_cnn --epochs 2 --segment 1 --out " + dir.file("cnn") + split).exit_code,
      0);
  ASSERT_EQ(mgc::test::run_cli("train --model musicnn --pretrained msd --epochs 1 --freeze-only --out " +
                               dir.file("musicnn") + split).exit_code, 0);
  ASSERT_EQ(mgc::test::run_cli("train --model audio_cnn --epochs 1 --segment 1 --test 0.5 --val 0 --threads 1 -q "
                               "--data " + manifest + " --cache " + dir.file("cache") + " --out " + dir.file("other"))
                .exit_code, 0);  // half the grooves held out: other test clips

  auto probs_of = [&](const std::string& run, const std::string& extra) {  // extra options before the inputs
    const auto r = mgc::test::run_cli("predict " + run + extra + " " + dir.path() + " --format json --threads 1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::map<std::string, nlohmann::json> by_file;
    for (const auto& f : nlohmann::json::parse(r.output.substr(r.output.find("[\n"))))
      by_file[std::filesystem::path(f["path"].get<std::string>()).filename().string()] = f;
    return by_file;
  };
  const auto cnn = probs_of(dir.file("cnn"), "");
  const auto mus = probs_of(dir.file("musicnn"), "");
  const auto fused = probs_of(dir.file("cnn"), " --fuse " + dir.file("musicnn"));
  ASSERT_EQ(fused.size(), 12u);
  for (const auto& [file, f] : fused) {
    EXPECT_EQ(f["fused_with"], nlohmann::json::array({dir.file("musicnn")}));
    for (const auto& [genre, p] : f["probs"].items())
      EXPECT_NEAR(p.get<double>(),
                  (cnn.at(file)["probs"][genre].get<double>() + mus.at(file)["probs"][genre].get<double>()) / 2, 1e-6)
          << file << " " << genre;
  }

  const auto ev = mgc::test::run_cli("eval " + dir.file("cnn") + " --fuse " + dir.file("musicnn") + " --no-png -q");
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  EXPECT_NE(ev.output.find("fused with 1 run(s)"), std::string::npos) << ev.output;
  const auto metrics = nlohmann::json::parse(mgc::read_file(dir.file("cnn") + "/eval-test-fused/metrics.json"));
  EXPECT_EQ(metrics["fused_with"], nlohmann::json::array({dir.file("musicnn")}));
  ASSERT_EQ(mgc::test::run_cli("eval " + dir.file("cnn") + " --no-png -q").exit_code, 0);
  const auto alone = nlohmann::json::parse(mgc::read_file(dir.file("cnn") + "/eval-test/metrics.json"));
  EXPECT_EQ(metrics["clip_alone"]["accuracy"], alone["clip_mean"]["accuracy"]);
  // Each test clip's probability of its label: the mean of the two runs' (features from the cache = from the file).
  std::istringstream rows(mgc::read_file(dir.file("cnn") + "/eval-test-fused/predictions.csv"));
  std::string row;
  std::getline(rows, row);
  int clips = 0;
  while (std::getline(rows, row)) {
    std::vector<std::string> cell;
    std::stringstream ss(row);
    for (std::string c; std::getline(ss, c, ',');) cell.push_back(c);
    const std::string file = std::filesystem::path(cell[0]).filename().string(), label = cell[1];
    EXPECT_NEAR(std::stod(cell[5]),
                (cnn.at(file)["probs"][label].get<double>() + mus.at(file)["probs"][label].get<double>()) / 2, 2e-6)
        << row;
    ++clips;
  }
  EXPECT_EQ(clips, metrics["clips"].get<int>());

  const auto other = mgc::test::run_cli("eval " + dir.file("cnn") + " --fuse " + dir.file("other") + " --no-png -q");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.output.find("holds other clips"), std::string::npos) << other.output;
}
