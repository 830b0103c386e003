// libFuzzer: bytes -> audio file -> load_audio (libsndfile, FFmpeg fallback, resampling to 22050 Hz mono) ->
// log-mel. The first byte picks the file extension (FFmpeg guesses from it) and the target rate; the rest is the
// file. Any mgc::Error is an expected rejection; anything else (crash, sanitizer report, other exception) is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/features/mel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* kExt[] = {".wav", ".flac", ".mp3", ".ogg", ".aiff", ".au", ".m4a", ".opus"};
  const std::string path = mgc::fuzz::write_input(data + 1, size - 1, kExt[data[0] % 8]);
  mgc::audio::AudioConfig config;
  config.sample_rate = (data[0] & 0x80) ? 0 : 22050;
  try {
    mgc::audio::probe_audio(path);
  } catch (const mgc::Error&) {
  }
  try {
    const mgc::audio::Audio audio = mgc::audio::load_audio(path, config);
    if (audio.sample_rate == 22050 && audio.channels == 1) {
      static const mgc::features::MelSpectrogram mel{mgc::features::MelConfig{}};
      mgc::features::DbConfig db;
      db.ref_max = true;
      mel.log_mel(audio.samples, db);
    }
  } catch (const mgc::Error&) {
  }
  return 0;
}
