#pragma once
// Internal: the optional FFmpeg decoder behind load_audio(). Not part of the public API.
#include <string>

#include "mgc/audio/audio.h"

namespace mgc::audio {

// True when mgc was built with MGC_WITH_FFMPEG.
bool ffmpeg_available();

// Header facts through libavformat. Throws mgc::Error ("audio: cannot decode ...") on failure or when FFmpeg
// support is not built in.
AudioInfo ffmpeg_probe(const std::string& path);

// Decodes [offset, offset + duration) seconds (duration < 0: to the end) at the native rate, interleaved float32.
// Throws mgc::Error ("audio: cannot decode ...") on failure or when FFmpeg support is not built in.
Audio ffmpeg_decode(const std::string& path, double offset, double duration);

}  // namespace mgc::audio
