// .safetensors: an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} and
// the raw little-endian data. https://github.com/huggingface/safetensors (format description).
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"
#include "mgc/models/weights.h"

namespace mgc::models {
namespace {

struct DtypeName {
  const char* name;
  torch::ScalarType type;
};
constexpr DtypeName kDtypes[] = {
    {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
};

// __metadata__ key of the FNV-1a 64 (16 hex digits) of the whole data section, in mgc's files.
constexpr const char* kSumKey = "mgc.data_fnv1a64";
constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ull;

[[noreturn]] void fail(const std::string& path, const std::string& cause) {
  throw make_error("weights", "'{}': {}", path, cause);
}

}  // namespace

StateDict read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(path, "cannot open");
  const auto file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char len_bytes[8];
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(len_bytes), 8)) fail(path, "too short for a safetensors header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len > 100'000'000 || 8 + header_len > file_size)
    fail(path, fmt::format("header length {} is impossible for a {}-byte file", header_len, file_size));
  std::string header(header_len, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_len))) fail(path, "truncated header");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(header);
  } catch (const std::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!meta.is_object()) fail(path, "header is not a JSON object");
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file_size - data_start;

  struct Entry {
    uint64_t begin, end;
    std::string name;
    torch::ScalarType type;
    std::vector<int64_t> shape;
  };
  std::vector<Entry> entries;
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const auto& v = it.value();
    Entry e;
    e.name = it.key();
    try {
      const std::string dtype = v.at("dtype").get<std::string>();
      bool known = false;
      for (const auto& d : kDtypes)
        if (dtype == d.name) e.type = d.type, known = true;
      if (!known) fail(path, fmt::format("tensor '{}' has unsupported dtype {}", e.name, dtype));
      e.shape = v.at("shape").get<std::vector<int64_t>>();
      const auto offsets = v.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2) fail(path, fmt::format("tensor '{}' needs two data_offsets", e.name));
      e.begin = offsets[0];
      e.end = offsets[1];
    } catch (const nlohmann::json::exception& ex) {
      fail(path, fmt::format("tensor '{}' has a malformed entry: {}", e.name, ex.what()));
    }
    // Every product and sum checked for overflow: a shape of [2^62] F32 must not wrap to 0 bytes.
    uint64_t numel = 1;
    bool overflow = false;
    for (int64_t d : e.shape) {
      if (d < 0) fail(path, fmt::format("tensor '{}' has a negative dimension {}", e.name, d));
      overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel);
    }
    uint64_t bytes = 0;
    overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(c10::elementSize(e.type)), &bytes);
    if (overflow || bytes > data_size)
      fail(path, fmt::format("tensor '{}' of shape [{}] needs more bytes than the {}-byte data section holds", e.name,
                             fmt::join(e.shape, ", "), data_size));
    if (e.end < e.begin)
      fail(path, fmt::format("tensor '{}' has data_offsets [{}, {}) that run backwards", e.name, e.begin, e.end));
    if (e.end > data_size)
      fail(path, fmt::format("tensor '{}' ends at byte {}, past the {}-byte data section", e.name, e.end, data_size));
    if (e.end - e.begin != bytes)
      fail(path, fmt::format("tensor '{}' spans {} bytes [{}, {}) but its shape and dtype need {}", e.name,
                             e.end - e.begin, e.begin, e.end, bytes));
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  for (size_t i = 1; i < entries.size(); ++i)
    if (entries[i].begin < entries[i - 1].end)
      fail(path, fmt::format("tensors '{}' and '{}' overlap (bytes [{}, {}) and [{}, {}))", entries[i - 1].name,
                             entries[i].name, entries[i - 1].begin, entries[i - 1].end, entries[i].begin,
                             entries[i].end));

  // Files mgc writes carry a checksum of the data section in their metadata: a flipped byte inside a tensor is an
  // error, not silently different weights. Files from elsewhere have none and are read as they are.
  std::string want_sum;
  if (meta.contains("__metadata__") && meta["__metadata__"].is_object() &&
      meta["__metadata__"].contains(kSumKey) && meta["__metadata__"][kSumKey].is_string())
    want_sum = meta["__metadata__"][kSumKey].get<std::string>();
  uint64_t sum = kFnvBasis, covered = 0;

  StateDict sd;
  sd.format = "safetensors";
  for (const Entry& e : entries) {
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(e.type));
    in.seekg(static_cast<std::streamoff>(data_start + e.begin));
    if (!in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(e.end - e.begin)))
      fail(path, fmt::format("truncated data for tensor '{}'", e.name));
    if (!want_sum.empty() && e.begin == covered) {
      sum = fnv1a64(t.data_ptr(), e.end - e.begin, sum);
      covered = e.end;
    }
    sd.tensors.emplace_back(e.name, std::move(t));
  }
  if (!want_sum.empty()) {
    if (covered != data_size) fail(path, "its tensors do not tile the data section its checksum covers");
    if (to_hex(sum) != want_sum)
      fail(path, fmt::format("data fails its checksum (stored {}, content {}): the file is corrupt", want_sum,
                             to_hex(sum)));
  }
  return sd;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  nlohmann::json meta = nlohmann::json::object();
  std::string data;
  for (const auto& [name, tensor] : tensors) {
    const char* dtype = nullptr;
    for (const auto& d : kDtypes)
      if (tensor.scalar_type() == d.type) dtype = d.name;
    if (!dtype) throw make_error("weights", "cannot write tensor '{}' of dtype {} to '{}'", name,
                                 c10::toString(tensor.scalar_type()), path);
    const torch::Tensor c = tensor.detach().to(torch::kCPU).contiguous();
    const size_t begin = data.size();
    data.append(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
    meta[name] = {{"dtype", dtype}, {"shape", c.sizes().vec()}, {"data_offsets", {begin, data.size()}}};
  }
  meta["__metadata__"] = {{kSumKey, to_hex(fnv1a64(data.data(), data.size(), kFnvBasis))}};
  std::string header = meta.dump();
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  bytes += header;
  bytes += data;
  write_file_atomic(path, bytes);
}

}  // namespace mgc::models
