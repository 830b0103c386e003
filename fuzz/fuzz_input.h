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

}  // namespace mgc::fuzz
