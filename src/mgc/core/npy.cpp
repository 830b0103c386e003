#include "mgc/core/npy.h"

#include <cstring>
#include <fstream>
#include <regex>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"

namespace mgc {

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw make_error("npy", "cannot open '{}'", path);
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw make_error("npy", "'{}' is not a .npy file (bad magic)", path);
  const int major = static_cast<unsigned char>(magic[6]);
  uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) throw make_error("npy", "'{}': truncated header", path);
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw make_error("npy", "'{}': truncated header", path);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  } else {
    throw make_error("npy", "'{}': unsupported format version {}", path, major);
  }
  if (header_len > (1u << 20)) throw make_error("npy", "'{}': header of {} bytes is absurd", path, header_len);
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) throw make_error("npy", "'{}': truncated header", path);

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    throw make_error("npy", "'{}': header has no descr", path);
  const std::string descr = m[1];
  if (std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True")))
    throw make_error("npy", "'{}': Fortran-ordered arrays are not supported", path);
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    throw make_error("npy", "'{}': header has no shape", path);

  NpyArray out;
  const std::string dims = m[1];
  std::regex num("[0-9]+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it)
    out.shape.push_back(std::stoll(it->str()));

  const int64_t n = out.numel();
  size_t item = 0;
  if (descr == "<f4") item = 4;
  else if (descr == "<f8" || descr == "<i8") item = 8;
  else throw make_error("npy", "'{}': unsupported dtype '{}'", path, descr);

  std::vector<char> raw(static_cast<size_t>(n) * item);
  if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    throw make_error("npy", "'{}': data section shorter than shape needs", path);
  out.data.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const char* p = raw.data() + i * item;
    if (descr == "<f4") {
      std::memcpy(&out.data[i], p, 4);
    } else if (descr == "<f8") {
      double v;
      std::memcpy(&v, p, 8);
      out.data[i] = static_cast<float>(v);
    } else {
      int64_t v;
      std::memcpy(&v, p, 8);
      out.data[i] = static_cast<float>(v);
    }
  }
  return out;
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  int64_t n = 1;
  std::string dims;
  for (int64_t d : shape) {
    if (d < 0) throw make_error("npy", "negative dimension {} for '{}'", d, path);
    n *= d;
    dims += std::to_string(d) + ",";
  }
  if (shape.size() > 1) dims.pop_back();  // (3,) for 1-D, (3,4) otherwise
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');

  std::string bytes = "\x93NUMPY";
  bytes.push_back('\x01');
  bytes.push_back('\x00');
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>((header.size() >> 8) & 0xff));
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n) * sizeof(float));
  write_file_atomic(path, bytes);
}

}  // namespace mgc
