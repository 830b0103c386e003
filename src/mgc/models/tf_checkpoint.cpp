// TensorFlow checkpoints (tf.train.Saver / tf.train.Checkpoint, "tensor bundle" V2): PREFIX.index is a table in
// LevelDB's format mapping each variable name to a BundleEntryProto; the tensors lie in
// PREFIX.data-SSSSS-of-NNNNN. Formats read here (no TensorFlow code used):
//   table:  tensorflow/core/lib/io/format.{h,cc}, table.cc, block.cc (LevelDB's doc/table_format.md): blocks of
//           prefix-compressed entries (shared varint32, unshared varint32, value length varint32, key suffix, value)
//           with restart points, each block followed by a compression byte and a masked CRC-32C; a 48-byte footer
//           holding the metaindex and index block handles and the magic number.
//   entries: tensorflow/core/protobuf/tensor_bundle.proto (BundleHeaderProto under the empty key,
//           BundleEntryProto elsewhere), read with a small protobuf wire-format reader: only the fields below.
#include <torch/torch.h>

#include <boost/crc.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>

#include "mgc/core/error.h"
#include "mgc/models/weights.h"

namespace mgc::models {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;        // two block handles padded to 40 bytes + the magic
constexpr size_t kBlockTrailerSize = 5;   // compression type + masked CRC-32C
constexpr int kBundleVersion = 1;         // tensor_bundle.h kTensorBundleVersion: what this reader understands

[[noreturn]] void fail(const std::string& path, const std::string& cause) {
  throw make_error("weights", "'{}': {}", path, cause);
}

// --- Bytes -------------------------------------------------------------------------------------------------------

// A bounds-checked cursor over bytes. Every read throws (through `what`) instead of running past the end.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& path, const char* what) : b_(bytes), path_(path), what_(what) {}
  bool done() const { return pos_ >= b_.size(); }
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }

  uint64_t varint(int max_bits = 64) {
    uint64_t v = 0;
    for (int shift = 0; shift < max_bits; shift += 7) {
      if (done()) bad("a varint runs past the end");
      const auto byte = static_cast<uint8_t>(b_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        if (max_bits == 32 && v > 0xffffffffull) bad("a 32-bit varint is too large");
        return v;
      }
    }
    bad("a varint is too long");
  }
  uint32_t fixed32() {
    const std::string_view s = take(4);
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[i]);
    return v;
  }
  uint64_t fixed64() {
    const uint64_t lo = fixed32();
    return lo | (static_cast<uint64_t>(fixed32()) << 32);
  }
  std::string_view take(uint64_t n) {
    if (n > left()) bad(fmt::format("{} bytes wanted, {} left", n, left()));
    const std::string_view s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  [[noreturn]] void bad(const std::string& cause) const { fail(path_, fmt::format("{}: {}", what_, cause)); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
  const std::string& path_;
  const char* what_;
};

uint32_t crc32c(std::string_view a, std::string_view b = {}) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(a.data(), a.size());
  crc.process_bytes(b.data(), b.size());
  return crc.checksum();
}

// LevelDB's and TensorFlow's stored form of a CRC (crc32c::Mask), so that a CRC of data holding CRCs stays useful.
uint32_t unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

// --- Protobuf wire format ----------------------------------------------------------------------------------------

// Calls field(number, wire_type, reader) for every field of a message; the callback must consume the value (or
// call skip()). Unknown fields are skipped by their wire type, so newer writers' extra fields are harmless.
template <typename F>
void for_each_field(std::string_view msg, const std::string& path, const char* what, F&& field) {
  Reader r(msg, path, what);
  while (!r.done()) {
    const uint64_t key = r.varint();
    const auto number = static_cast<uint32_t>(key >> 3);
    const int wire = static_cast<int>(key & 7);
    if (number == 0) r.bad("field number 0");
    field(number, wire, r);
  }
}

void skip(Reader& r, int wire) {
  switch (wire) {
    case 0: r.varint(); break;
    case 1: r.take(8); break;
    case 2: r.take(r.varint()); break;
    case 5: r.take(4); break;
    default: r.bad(fmt::format("unsupported wire type {}", wire));
  }
}

void expect_wire(Reader& r, int wire, int want, const char* field) {
  if (wire != want) r.bad(fmt::format("field {} has wire type {}, expected {}", field, wire, want));
}

struct Header {
  int64_t num_shards = 1;
  int endianness = 0;  // 0 little, 1 big
  int64_t min_consumer = 0;
  std::vector<int64_t> bad_consumers;
};

Header parse_header(std::string_view msg, const std::string& path) {
  Header h;
  for_each_field(msg, path, "bundle header", [&](uint32_t n, int wire, Reader& r) {
    if (n == 1) expect_wire(r, wire, 0, "num_shards"), h.num_shards = static_cast<int32_t>(r.varint());
    else if (n == 2) expect_wire(r, wire, 0, "endianness"), h.endianness = static_cast<int>(r.varint());
    else if (n == 3) {
      expect_wire(r, wire, 2, "version");
      for_each_field(r.take(r.varint()), path, "bundle version", [&](uint32_t vn, int vw, Reader& vr) {
        if (vn == 2) expect_wire(vr, vw, 0, "min_consumer"), h.min_consumer = static_cast<int32_t>(vr.varint());
        else if (vn == 3 && vw == 0) h.bad_consumers.push_back(static_cast<int32_t>(vr.varint()));
        else skip(vr, vw);
      });
    } else {
      skip(r, wire);
    }
  });
  return h;
}

struct Entry {
  int dtype = 0;
  std::vector<int64_t> shape;
  bool unknown_rank = false;
  int64_t shard = 0;
  int64_t offset = 0;
  int64_t size = 0;
  std::optional<uint32_t> crc;  // masked
  bool sliced = false;
};

Entry parse_entry(std::string_view msg, const std::string& path) {
  Entry e;
  for_each_field(msg, path, "bundle entry", [&](uint32_t n, int wire, Reader& r) {
    switch (n) {
      case 1: expect_wire(r, wire, 0, "dtype"); e.dtype = static_cast<int>(r.varint()); break;
      case 2:
        expect_wire(r, wire, 2, "shape");
        for_each_field(r.take(r.varint()), path, "tensor shape", [&](uint32_t sn, int sw, Reader& sr) {
          if (sn == 2) {
            expect_wire(sr, sw, 2, "dim");
            int64_t size = 0;
            for_each_field(sr.take(sr.varint()), path, "tensor dim", [&](uint32_t dn, int dw, Reader& dr) {
              if (dn == 1) expect_wire(dr, dw, 0, "dim.size"), size = static_cast<int64_t>(dr.varint());
              else skip(dr, dw);
            });
            e.shape.push_back(size);
          } else if (sn == 3) {
            expect_wire(sr, sw, 0, "unknown_rank");
            e.unknown_rank = sr.varint() != 0;
          } else {
            skip(sr, sw);
          }
        });
        break;
      case 3: expect_wire(r, wire, 0, "shard_id"); e.shard = static_cast<int32_t>(r.varint()); break;
      case 4: expect_wire(r, wire, 0, "offset"); e.offset = static_cast<int64_t>(r.varint()); break;
      case 5: expect_wire(r, wire, 0, "size"); e.size = static_cast<int64_t>(r.varint()); break;
      case 6: expect_wire(r, wire, 5, "crc32c"); e.crc = r.fixed32(); break;
      case 7: e.sliced = true; skip(r, wire); break;
      default: skip(r, wire);
    }
  });
  return e;
}

// --- Table -------------------------------------------------------------------------------------------------------

struct Handle {
  uint64_t offset = 0, size = 0;
};

Handle read_handle(Reader& r) {
  Handle h;
  h.offset = r.varint();
  h.size = r.varint();
  return h;
}

// The contents of the block at `h` (trailer checked and stripped). Only uncompressed blocks: TensorFlow writes
// bundle indexes without compression.
std::string_view block_at(std::string_view file, const Handle& h, const std::string& path, const char* what) {
  if (h.offset > file.size() || h.size > file.size() - h.offset ||
      kBlockTrailerSize > file.size() - h.offset - h.size)
    fail(path, fmt::format("{} block [{}, +{}) lies outside the {}-byte index", what, h.offset, h.size, file.size()));
  const std::string_view contents = file.substr(h.offset, h.size);
  const std::string_view trailer = file.substr(h.offset + h.size, kBlockTrailerSize);
  Reader tr(trailer.substr(1), path, what);
  const uint32_t stored = unmask(tr.fixed32());
  if (crc32c(contents, trailer.substr(0, 1)) != stored) fail(path, fmt::format("{} block fails its CRC-32C", what));
  if (trailer[0] != 0)
    fail(path, fmt::format("{} block is compressed (type {}); only uncompressed indexes are read", what,
                           static_cast<int>(static_cast<uint8_t>(trailer[0]))));
  return contents;
}

// Every (key, value) of a block, in order; prefix compression undone, restart points checked.
std::vector<std::pair<std::string, std::string_view>> block_entries(std::string_view block, const std::string& path,
                                                                    const char* what) {
  if (block.size() < 4) fail(path, fmt::format("{} block is {} bytes, too short", what, block.size()));
  Reader tail(block.substr(block.size() - 4), path, what);
  const uint64_t restarts = tail.fixed32();
  if (restarts == 0 || restarts > (block.size() - 4) / 4)
    fail(path, fmt::format("{} block claims {} restart points", what, restarts));
  const size_t restart_at = block.size() - 4 - 4 * restarts;
  Reader rr(block.substr(restart_at, 4 * restarts), path, what);
  std::vector<uint32_t> restart_offsets;
  for (uint64_t i = 0; i < restarts; ++i) {
    restart_offsets.push_back(rr.fixed32());
    if (restart_offsets.back() >= std::max<size_t>(restart_at, 1) ||
        (i > 0 && restart_offsets.back() <= restart_offsets[i - 1]))
      fail(path, fmt::format("{} block has a restart point out of place", what));
  }
  std::vector<std::pair<std::string, std::string_view>> out;
  Reader r(block.substr(0, restart_at), path, what);
  std::string key;
  size_t next_restart = 0;
  while (!r.done()) {
    const bool at_restart = next_restart < restart_offsets.size() && r.pos() == restart_offsets[next_restart];
    if (next_restart < restart_offsets.size() && r.pos() > restart_offsets[next_restart])
      r.bad("a restart point is not at an entry's start");
    const uint64_t shared = r.varint(32), unshared = r.varint(32), value_len = r.varint(32);
    if (at_restart) {
      ++next_restart;
      if (shared != 0) r.bad("an entry at a restart point shares a prefix");
    }
    if (shared > key.size()) r.bad(fmt::format("an entry shares {} bytes of a {}-byte key", shared, key.size()));
    std::string next = key.substr(0, shared);
    next += r.take(unshared);
    if (!out.empty() && next <= key) r.bad(fmt::format("keys out of order ('{}' after '{}')", next, key));
    key = std::move(next);
    out.emplace_back(key, r.take(value_len));
  }
  if (next_restart != restart_offsets.size()) fail(path, fmt::format("{} block has a restart point past its entries", what));
  return out;
}

struct DtypeInfo {
  int tf;
  const char* name;
  torch::ScalarType type;
};
// tensorflow/core/framework/types.proto DataType values mgc can hold as tensors.
constexpr DtypeInfo kDtypes[] = {
    {1, "DT_FLOAT", torch::kFloat32}, {2, "DT_DOUBLE", torch::kFloat64},  {3, "DT_INT32", torch::kInt32},
    {4, "DT_UINT8", torch::kUInt8},   {5, "DT_INT16", torch::kInt16},     {6, "DT_INT8", torch::kInt8},
    {9, "DT_INT64", torch::kInt64},   {10, "DT_BOOL", torch::kBool},      {14, "DT_BFLOAT16", torch::kBFloat16},
    {19, "DT_HALF", torch::kFloat16},
};
constexpr int kDtString = 7;

// The index file of a checkpoint named by its index file, its prefix, or a folder holding exactly one index.
std::string index_path_of(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".index" || e.path().filename() == ".index") found.push_back(e.path().string());
    if (found.size() != 1)
      fail(path, fmt::format("a folder holding {} TensorFlow .index files; name one", found.size()));
    return found[0];
  }
  const std::string suffix = ".index";
  if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
    return path;
  if (fs::is_regular_file(path + suffix, ec)) return path + suffix;
  return path;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

bool is_tf_checkpoint(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return true;  // only a checkpoint can be a folder; the reader names what is wrong
  const std::string suffix = ".index";
  if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
    return true;
  return fs::is_regular_file(path + suffix, ec);
}

StateDict read_tf_checkpoint(const std::string& path) {
  const std::string index_path = index_path_of(path);
  const std::string prefix = index_path.substr(0, index_path.size() - std::string(".index").size());
  const std::string index = read_all(index_path);
  if (index.size() < kFooterSize)
    fail(index_path, fmt::format("{} bytes is too short for a TensorFlow checkpoint index", index.size()));
  const std::string_view file(index);
  Reader footer(file.substr(file.size() - kFooterSize), index_path, "index footer");
  (void)read_handle(footer);  // metaindex: bundles have no filter blocks
  const Handle index_handle = read_handle(footer);
  Reader magic(file.substr(file.size() - 8), index_path, "index footer");
  if (magic.fixed64() != kTableMagic) fail(index_path, "not a TensorFlow checkpoint index (bad table magic number)");

  // All entries, in key order, through the index block.
  std::vector<std::pair<std::string, std::string_view>> entries;
  const std::string_view data_file_view = file.substr(0, file.size() - kFooterSize);
  for (const auto& [separator, handle_bytes] :
       block_entries(block_at(data_file_view, index_handle, index_path, "index"), index_path, "index")) {
    Reader hr(handle_bytes, index_path, "index entry");
    const Handle h = read_handle(hr);
    for (auto& kv : block_entries(block_at(data_file_view, h, index_path, "data"), index_path, "data")) {
      if (!entries.empty() && kv.first <= entries.back().first)
        fail(index_path, fmt::format("keys out of order across blocks ('{}' after '{}')", kv.first, entries.back().first));
      if (kv.first > separator)
        fail(index_path, fmt::format("key '{}' lies past its block's index key '{}'", kv.first, separator));
      entries.push_back(std::move(kv));
    }
  }
  if (entries.empty() || !entries.front().first.empty())
    fail(index_path, "no bundle header (the entry under the empty key)");
  const Header header = parse_header(entries.front().second, index_path);
  if (header.endianness != 0 && header.endianness != 1)
    fail(index_path, fmt::format("unknown endianness {}", header.endianness));
  if (header.min_consumer > kBundleVersion)
    fail(index_path, fmt::format("needs a reader of bundle version {} or later (this one reads {})",
                                 header.min_consumer, kBundleVersion));
  if (std::find(header.bad_consumers.begin(), header.bad_consumers.end(), kBundleVersion) !=
      header.bad_consumers.end())
    fail(index_path, fmt::format("its writer marked bundle version {} (this reader) as bad", kBundleVersion));
  if (header.num_shards < 1 || header.num_shards > 100000)
    fail(index_path, fmt::format("{} data shards is impossible", header.num_shards));

  StateDict sd;
  sd.format = "tensorflow";
  std::map<int64_t, std::string> shards;  // shard -> its bytes, read when first needed
  for (size_t i = 1; i < entries.size(); ++i) {
    const std::string& name = entries[i].first;
    const Entry e = parse_entry(entries[i].second, index_path);
    auto where = [&](const std::string& cause) { fail(index_path, fmt::format("tensor '{}': {}", name, cause)); };
    const DtypeInfo* dt = nullptr;
    for (const auto& d : kDtypes)
      if (d.tf == e.dtype) dt = &d;
    // Object graphs and other metadata: not weights. Their CRC covers TensorFlow's string encoding (lengths, a
    // checksum of the lengths, the bytes), which this reader does not decode: skipped unread.
    if (e.dtype == kDtString) continue;
    if (!dt) where(fmt::format("unsupported dtype {} (types.proto)", e.dtype));
    if (e.sliced) where("partitioned into slices, which this reader does not join");
    if (e.unknown_rank) where("shape of unknown rank");
    int64_t numel = 1;
    for (const int64_t d : e.shape) {
      if (d < 0 || (d > 0 && numel > (int64_t{1} << 40) / d)) where(fmt::format("impossible dimension {}", d));
      numel *= d;
    }
    const int64_t elem = static_cast<int64_t>(c10::elementSize(dt->type));
    if (e.size != numel * elem)
      where(fmt::format("{} bytes stored for {} values of {} bytes", e.size, numel, elem));
    if (e.shard < 0 || e.shard >= header.num_shards)
      where(fmt::format("shard {} of {}", e.shard, header.num_shards));
    auto it = shards.find(e.shard);
    if (it == shards.end()) {
      const std::string data_path =
          fmt::format("{}.data-{:05d}-of-{:05d}", prefix, e.shard, header.num_shards);
      std::error_code ec;
      if (!fs::is_regular_file(data_path, ec)) fail(data_path, "missing: the index names it as a data shard");
      it = shards.emplace(e.shard, read_all(data_path)).first;
    }
    const std::string& data = it->second;
    if (e.offset < 0 || static_cast<uint64_t>(e.offset) > data.size() ||
        static_cast<uint64_t>(e.size) > data.size() - static_cast<uint64_t>(e.offset))
      where(fmt::format("bytes [{}, +{}) lie outside the {}-byte data shard", e.offset, e.size, data.size()));
    const std::string_view bytes(data.data() + e.offset, static_cast<size_t>(e.size));
    if (!e.crc) where("no CRC-32C recorded");
    if (crc32c(bytes) != unmask(*e.crc)) where("fails its CRC-32C (the data file is damaged or not this index's)");
    const bool is_bool = dt->type == torch::kBool;  // read as bytes: any non-zero byte is true
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(is_bool ? torch::kUInt8 : dt->type));
    if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    if (is_bool) t = t.ne(0);
    if (header.endianness == 1 && elem > 1) {  // stored big-endian: reverse each element's bytes
      auto* p = static_cast<unsigned char*>(t.data_ptr());
      for (int64_t k = 0; k < numel; ++k) std::reverse(p + k * elem, p + (k + 1) * elem);
    }
    sd.tensors.emplace_back(name, std::move(t));
  }
  return sd;
}

}  // namespace mgc::models
