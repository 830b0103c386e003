#pragma once
// Content hashing for caches and checksums: 64-bit FNV-1a (not cryptographic; detects corruption and keys caches).
#include <cstdint>
#include <string>
#include <string_view>

namespace mgc {

uint64_t fnv1a64(const void* data, size_t size, uint64_t seed = 0xcbf29ce484222325ull);
inline uint64_t fnv1a64(std::string_view s, uint64_t seed = 0xcbf29ce484222325ull) {
  return fnv1a64(s.data(), s.size(), seed);
}

// Hash of a whole file's bytes, read in chunks. Throws mgc::Error ("io: ...") if it cannot be read.
uint64_t hash_file(const std::string& path);

// 16 lowercase hex digits.
std::string to_hex(uint64_t value);

}  // namespace mgc
