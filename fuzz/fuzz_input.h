#pragma once
// The fuzzers' input as a file: the decoders and weight readers take paths. One file per process, rewritten for
// every input, in the temp folder (tmpfs or not, it is small).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace mgc::fuzz {

inline std::string write_input(const uint8_t* data, size_t size, const std::string& extension) {
  static const std::string base =
      (std::filesystem::temp_directory_path() / ("mgc-fuzz-" + std::to_string(getpid()))).string();
  const std::string path = base + extension;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return path;
  if (size > 0) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

// The weight fuzzer's layout (fuzz/fuzz_weights.cpp; replayed by tests/reliability/test_fuzz_regressions.cpp):
// a first byte 'T' makes a TensorFlow checkpoint of the rest, [index length: u32 little-endian][PREFIX.index]
// [PREFIX.data-00000-of-00001] (a shorter rest is all index); any other first byte makes one file of the rest.
// Returns the path to give read_weights().
inline std::string write_weights_input(const uint8_t* data, size_t size) {
  if (size >= 1 && data[0] == 'T') {
    const uint8_t* rest = data + 1;
    size_t n = size - 1;
    size_t index_len = n;
    if (n >= 4) {
      index_len = static_cast<size_t>(rest[0]) | static_cast<size_t>(rest[1]) << 8 | static_cast<size_t>(rest[2]) << 16 |
                  static_cast<size_t>(rest[3]) << 24;
      rest += 4;
      n -= 4;
      if (index_len > n) index_len = n;
    }
    const std::string index = write_input(rest, index_len, ".index");
    write_input(rest + index_len, n - index_len, ".data-00000-of-00001");
    return index;
  }
  static const char* kExt[] = {".safetensors", ".pt", ".pth", ".bin"};
  return size < 1 ? write_input(data, 0, ".pt") : write_input(data + 1, size - 1, kExt[data[0] % 4]);
}

}  // namespace mgc::fuzz
