#include "mgc/core/hash.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "mgc/core/error.h"

namespace mgc {

uint64_t fnv1a64(const void* data, size_t size, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed;
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t hash_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw make_error("io", "cannot open '{}': {}", path, std::strerror(errno));
  std::vector<char> buf(1 << 16);
  uint64_t h = 0xcbf29ce484222325ull;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h = fnv1a64(buf.data(), static_cast<size_t>(in.gcount()), h);
  }
  if (in.bad()) throw make_error("io", "cannot read '{}'", path);
  return h;
}

std::string to_hex(uint64_t value) { return fmt::format("{:016x}", value); }

}  // namespace mgc
