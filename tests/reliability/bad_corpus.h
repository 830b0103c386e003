#pragma once
// A folder of hostile inputs made at test time (issue #10): every way a messy music library breaks a decoder,
// plus good files that must still be processed beside them.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mgc/core/fs.h"
#include "test_util.h"

namespace mgc::test {

struct CorpusEntry {
  std::string name;   // file name inside the corpus folder (may not be UTF-8)
  bool good = false;  // must be processed (true) or rejected with one error line (false)
  std::string cause;  // for bad entries: a word the error line must contain ("" = any clear error)
};

// A canonical 44-byte-header PCM WAV whose header fields are given verbatim (so they can lie).
inline std::string raw_wav(uint16_t channels, uint32_t rate, uint16_t bits, uint16_t format_tag,
                           const std::string& data, uint32_t declared_data_bytes) {
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [](uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); };
  const uint16_t block = static_cast<uint16_t>(channels * bits / 8);
  std::string out = "RIFF" + u32(36 + declared_data_bytes) + "WAVE";
  out += "fmt " + u32(16) + u16(format_tag) + u16(channels) + u32(rate) + u32(rate * block) + u16(block) + u16(bits);
  out += "data" + u32(declared_data_bytes) + data;
  return out;
}

inline std::string pcm16_bytes(const std::vector<float>& y) {
  std::string out(y.size() * 2, '\0');
  for (size_t i = 0; i < y.size(); ++i) {
    const auto s = static_cast<int16_t>(std::lround(y[i] * 32767.0f));
    std::memcpy(&out[2 * i], &s, 2);
  }
  return out;
}

inline std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Writes the corpus into `dir` and returns what each entry is. Good entries: a low and a high tone (WAV, FLAC),
// an 8-channel WAV and a WAV whose name is not UTF-8. The unreadable file holds good audio: as root it is read.
inline std::vector<CorpusEntry> make_bad_corpus(const std::string& dir) {
  const int sr = 22050;
  std::vector<CorpusEntry> e;
  auto path = [&](const std::string& name) { return dir + "/" + name; };

  write_sound(path("good_low.wav"), sine(220.0, sr, 3.0, 0.4), sr, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  e.push_back({"good_low.wav", true, ""});
  write_sound(path("good_high.flac"), sine(2500.0, 44100, 3.0, 0.4), 44100, 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  e.push_back({"good_high.flac", true, ""});
  {
    const auto mono = sine(440.0, sr, 2.0, 0.3);
    std::vector<float> y(mono.size() * 8);
    for (size_t i = 0; i < mono.size(); ++i)
      for (int c = 0; c < 8; ++c) y[i * 8 + c] = mono[i] * static_cast<float>(c + 1) / 8.0f;
    write_sound(path("eight_channels.wav"), y, sr, 8, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    e.push_back({"eight_channels.wav", true, ""});
  }
  const std::string latin1 = "caf\xe9_\xff\xfe.wav";  // Latin-1 bytes: not valid UTF-8
  write_sound(path(latin1), sine(330.0, sr, 2.0), sr, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  e.push_back({latin1, true, ""});

  write_file_atomic(path("empty.wav"), "");
  e.push_back({"empty.wav", false, "empty file"});
  write_file_atomic(path("random.mp3"), random_bytes(8192, 1));
  e.push_back({"random.mp3", false, ""});
  write_file_atomic(path("random.wav"), random_bytes(8192, 2));
  e.push_back({"random.wav", false, ""});
  write_file_atomic(path("random.flac"), random_bytes(8192, 3));
  e.push_back({"random.flac", false, ""});
  write_file_atomic(path("junk_\xff.ogg"), random_bytes(4096, 4));
  e.push_back({"junk_\xff.ogg", false, ""});

  const auto tone = sine(440.0, sr, 2.0);
  write_sound(path("full.tmp"), tone, sr, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  std::string bytes = read_file(path("full.tmp"));
  write_file_atomic(path("truncated.wav"), bytes.substr(0, bytes.size() / 2));
  e.push_back({"truncated.wav", false, "truncated"});
  write_sound(path("full.tmp"), tone, sr, 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  bytes = read_file(path("full.tmp"));
  write_file_atomic(path("truncated.flac"), bytes.substr(0, bytes.size() / 2));
  e.push_back({"truncated.flac", false, "truncated"});
  write_sound(path("full.tmp"), tone, sr, 1, SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III);
  bytes = read_file(path("full.tmp"));
  write_file_atomic(path("truncated.mp3"), bytes.substr(0, 300));  // cut inside the first frames
  e.push_back({"truncated.mp3", false, ""});
  std::filesystem::remove(path("full.tmp"));

  const std::string pcm = pcm16_bytes(sine(440.0, sr, 0.5));
  write_file_atomic(path("huge_length.wav"), raw_wav(1, sr, 16, 1, pcm, 0x7FFFFFF0u));
  e.push_back({"huge_length.wav", false, "truncated"});
  write_file_atomic(path("zero_channels.wav"), raw_wav(0, sr, 16, 1, pcm, static_cast<uint32_t>(pcm.size())));
  e.push_back({"zero_channels.wav", false, ""});
  write_file_atomic(path("rate_1hz.wav"), raw_wav(1, 1, 16, 1, pcm, static_cast<uint32_t>(pcm.size())));
  e.push_back({"rate_1hz.wav", false, "sample rate"});
  write_file_atomic(path("rate_10mhz.wav"), raw_wav(1, 10000000, 16, 1, pcm, static_cast<uint32_t>(pcm.size())));
  e.push_back({"rate_10mhz.wav", false, "sample rate"});

  std::vector<float> y(4000, 0.1f);
  y[1234] = std::numeric_limits<float>::quiet_NaN();
  write_sound(path("nan.wav"), y, sr, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  e.push_back({"nan.wav", false, "NaN"});
  y[1234] = -std::numeric_limits<float>::infinity();
  write_sound(path("inf.wav"), y, sr, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  e.push_back({"inf.wav", false, "infinite"});

  std::filesystem::create_symlink(path("no-such-target.wav"), path("dangling.wav"));
  e.push_back({"dangling.wav", false, "no such file"});
  if (mkfifo(path("fifo.wav").c_str(), 0600) == 0) e.push_back({"fifo.wav", false, "not a regular file"});

  write_sound(path("unreadable.wav"), sine(300.0, sr, 2.0), sr, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  chmod(path("unreadable.wav").c_str(), 0);
  e.push_back({"unreadable.wav", geteuid() == 0, ""});  // root reads it anyway
  return e;
}

}  // namespace mgc::test
