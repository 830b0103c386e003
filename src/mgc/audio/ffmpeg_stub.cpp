// FFmpeg support when mgc is built without MGC_WITH_FFMPEG: load_audio() reports libsndfile's reason instead.
#include "mgc/audio/decoders.h"
#include "mgc/core/error.h"

namespace mgc::audio {

bool ffmpeg_available() { return false; }

AudioInfo ffmpeg_probe(const std::string& path) {
  throw make_error("audio", "cannot decode '{}': format not supported (build with -DMGC_WITH_FFMPEG=ON)", path);
}

Audio ffmpeg_decode(const std::string& path, double, double) {
  throw make_error("audio", "cannot decode '{}': format not supported (build with -DMGC_WITH_FFMPEG=ON)", path);
}

}  // namespace mgc::audio
