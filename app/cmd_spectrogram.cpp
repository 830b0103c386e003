// mgc spectrogram IN -o OUT.png|OUT.svg: the log-mel (or, with --chroma, the constant-Q chroma) of an audio file as
// a figure with axes, colour bar and title (or, with --raw, as bare pixels) and optionally as a .npy array.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/npy.h"
#include "mgc/eval/plot.h"
#include "mgc/features/chroma.h"
#include "mgc/features/image.h"
#include "mgc/features/mel.h"

namespace mgc::cli {
namespace {

struct Options {
  std::string input;
  std::string output_png;
  std::string output_npy;
  audio::AudioConfig audio;
  features::MelConfig mel;
  features::DbConfig db{true, 1.0, 1e-10, 80.0};
  std::string colormap = "magma";
  std::string norm = "slaney";
  features::ImageConfig image;
  bool chroma = false;
  features::CqtConfig cqt;
  bool raw = false;
  std::string title;
  eval::SpectrogramFigure figure;
  bool quiet = false;
};


void run(const Options& o) {
  if (o.output_png.empty() && o.output_npy.empty())
    throw make_error("spectrogram", "nothing to write: give -o OUT.png and/or --npy OUT.npy");
  features::MelConfig mel = o.mel;
  mel.sample_rate = o.audio.sample_rate;
  if (o.norm == "slaney") mel.norm = features::MelNorm::Slaney;
  else if (o.norm == "none") mel.norm = features::MelNorm::None;
  else throw make_error("spectrogram", "--norm must be 'slaney' or 'none', got '{}'", o.norm);
  mel.validate();
  features::ImageConfig image = o.image;
  image.colormap = features::parse_colormap(o.colormap);
  image.validate();
  if (o.raw && eval::is_svg_path(o.output_png))
    throw make_error("spectrogram", "--raw writes PNG pixels only, not '{}'", o.output_png);
  eval::SpectrogramFigure figure = o.figure;
  figure.colormap = image.colormap;
  figure.title = o.title.empty() ? std::filesystem::path(o.input).filename().string() : o.title;
  figure.axis = o.chroma ? eval::SpectrogramFigure::Axis::chroma : eval::SpectrogramFigure::Axis::mel;
  figure.hop_length = o.chroma ? o.cqt.hop_length : mel.stft.hop_length;
  figure.fmin = mel.fmin;
  figure.fmax = mel.fmax;
  figure.htk = mel.htk;
  figure.start_seconds = std::max(0.0, o.audio.offset);
  // Checked before the work where the rate and hop are known (a bad hop is the features' own error).
  if (!o.raw && !o.output_png.empty() && o.audio.sample_rate > 0 && figure.hop_length > 0) {
    figure.sample_rate = o.audio.sample_rate;
    figure.validate();
  }

  const auto t0 = std::chrono::steady_clock::now();
  const audio::Audio a = audio::load_audio(o.input, o.audio);
  const auto t1 = std::chrono::steady_clock::now();
  features::Spectrogram values;  // what --npy writes: dB for the log-mel, 0..1 for chroma
  features::Spectrogram db;      // what the picture shows
  if (o.chroma) {
    features::CqtConfig cqt = o.cqt;
    cqt.sample_rate = a.sample_rate;
    const features::ChromaCqt engine(cqt);
    values = engine.chroma(a.samples.data(), static_cast<int64_t>(a.samples.size()));
    db = values;  // the picture: 0 dB for a frame's strongest class, 20 dB of range below it
    image.range_db = 20.0;
    for (float& v : db.values) v = 20.0f * std::log10(std::max(v, 1e-6f));
  } else {
    const features::MelSpectrogram engine(mel);
    values = engine.log_mel(a.samples, o.db);
    db = values;
  }
  const auto t2 = std::chrono::steady_clock::now();

  if (!o.output_npy.empty()) write_npy(o.output_npy, {values.rows, values.cols}, values.values.data());
  if (!o.output_png.empty() && o.raw) features::write_png(o.output_png, features::render_spectrogram(db, image));
  if (!o.output_png.empty() && !o.raw) {
    figure.sample_rate = a.sample_rate;
    eval::write_spectrogram_figure(o.output_png, o.chroma ? values : db, figure);
  }
  if (!o.quiet) {
    using ms = std::chrono::duration<double, std::milli>;
    std::printf("%s: %.2f s at %d Hz -> %s %lld %s x %lld frames (decode %.1f ms, features %.1f ms)\n",
                o.input.c_str(), a.seconds(), a.sample_rate, o.chroma ? "chroma" : "log-mel",
                static_cast<long long>(values.rows), o.chroma ? "classes" : "mels",
                static_cast<long long>(values.cols), ms(t1 - t0).count(), ms(t2 - t1).count());
    if (!o.output_png.empty()) std::printf("wrote %s\n", o.output_png.c_str());
    if (!o.output_npy.empty()) std::printf("wrote %s\n", o.output_npy.c_str());
  }
}

}  // namespace

void register_spectrogram(CLI::App& app) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = add_command(app, "spectrogram");
  cmd->add_option("input", opts->input, "Audio file (WAV, FLAC, OGG, MP3, AU, ...)")->required();
  cmd->add_option("-o,--output", opts->output_png,
                  "Figure to write, PNG or SVG (by the extension): axes in seconds and Hz or note names, a colour bar "
                  "and a title, as librosa.display.specshow; with --raw, bare PNG pixels");
  cmd->add_option("--npy", opts->output_npy,
                  "Also write the array as float32 .npy: dB [n_mels, frames], or chroma [12, frames]");
  cmd->add_option("--sr", opts->audio.sample_rate, "Resample to this rate in Hz")->capture_default_str();
  cmd->add_option("--offset", opts->audio.offset, "Start at this many seconds")->capture_default_str();
  cmd->add_option("--duration", opts->audio.duration, "Read this many seconds (negative: to the end)");
  cmd->add_option("--n-fft", opts->mel.stft.n_fft, "FFT size")->capture_default_str();
  cmd->add_option("--hop", opts->mel.stft.hop_length, "Hop length in samples")->capture_default_str();
  cmd->add_option("--n-mels", opts->mel.n_mels, "Number of mel bands")->capture_default_str();
  cmd->add_option("--fmin", opts->mel.fmin, "Lowest frequency in Hz")->capture_default_str();
  cmd->add_option("--fmax", opts->mel.fmax, "Highest frequency in Hz (0: sr/2)")->capture_default_str();
  cmd->add_flag("--htk", opts->mel.htk, "HTK mel scale instead of Slaney's");
  cmd->add_option("--norm", opts->norm, "Filter normalisation: slaney or none")->capture_default_str();
  cmd->add_option("--top-db", opts->db.top_db, "Dynamic range kept below the maximum, dB")->capture_default_str();
  cmd->add_option("--colormap", opts->colormap, "magma, viridis, inferno or gray")->capture_default_str();
  CLI::Option* raw = cmd->add_flag("--raw", opts->raw,
                                   "Write bare pixels instead of a figure: one per frame and band (time left to "
                                   "right, low notes at the bottom), for machines");
  cmd->add_option("--title", opts->title, "Figure: the title (default: the file's name)")->excludes(raw);
  cmd->add_option("--width", opts->figure.width, "Figure: width in pixels; long files are averaged to fit")
      ->capture_default_str()
      ->excludes(raw);
  cmd->add_option("--height", opts->figure.height, "Figure: height in pixels")->capture_default_str()->excludes(raw);
  cmd->add_option("--scale-x", opts->image.scale_x, "--raw: pixels per frame")->capture_default_str()->needs(raw);
  cmd->add_option("--scale-y", opts->image.scale_y, "--raw: pixels per mel band")->capture_default_str()->needs(raw);
  cmd->add_flag("--chroma", opts->chroma,
                "Constant-Q chroma instead of the log-mel: 12 pitch classes (C at the bottom), each frame scaled to a "
                "top value of 1 (--npy writes [12, frames]); the mel options do not apply");
  cmd->add_option("--chroma-hop", opts->cqt.hop_length, "Chroma: hop length in samples")->capture_default_str();
  cmd->add_flag("-q,--quiet", opts->quiet, "Print nothing on success");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace mgc::cli
