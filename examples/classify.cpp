// classify: the genres of an audio file by a run that `mgc train` made, through the installed libmgc alone.
//   cmake -S examples -B build-example -DCMAKE_PREFIX_PATH=PREFIX && cmake --build build-example
//   g++ -std=c++17 classify.cpp $(pkg-config --cflags --libs mgc) -o classify   (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig)
// Usage: classify RUN_DIR AUDIO_FILE
#include <cstdio>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/version.h"
#include "mgc/features/mel.h"
#include "mgc/run/predictor.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s RUN_DIR AUDIO_FILE\n", argv[0]);
    return 2;
  }
  try {
    const mgc::audio::Audio audio = mgc::audio::load_audio(argv[2]);  // mono, 22050 Hz
    const mgc::features::Spectrogram mel = mgc::features::MelSpectrogram({}).log_mel(audio.samples);
    std::printf("%s: %.2f s, log-mel %lld x %lld (mgc %s)\n", argv[2], audio.seconds(),
                static_cast<long long>(mel.rows), static_cast<long long>(mel.cols), mgc::version());
    const mgc::run::Predictor predictor(argv[1], /*threads=*/1);
    const mgc::run::FilePrediction p = predictor.predict_file(argv[2]);
    for (const int c : mgc::run::ranked_classes(p.probs))
      std::printf("%s %.6f\n", predictor.classes()[c].c_str(), p.probs[c]);
  } catch (const mgc::Error& e) {
    std::fprintf(stderr, "classify: %s\n", e.what());
    return 1;
  }
}
