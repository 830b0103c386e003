// TensorFlow checkpoint reader (src/mgc/models/tf_checkpoint.cpp): files TensorFlow wrote (a small
// tf.train.Checkpoint and musicnn's four checkpoints, against what TensorFlow's own reader reports:
// tests/models/make_musicnn_fixtures.py), damaged copies, and checkpoints written here to reach the cases
// TensorFlow on this machine does not write (big-endian data, a newer version, sliced variables).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <boost/crc.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/models/musicnn.h"
#include "mgc/models/weights.h"
#include "test_util.h"

namespace fs = std::filesystem;
using mgc::models::read_weights;
using mgc::models::StateDict;
using mgc::test::TempDir;

namespace {

const std::string kData = std::string(MGC_TEST_DATA_DIR) + "/musicnn";

std::string error_of(const std::string& path) {
  try {
    read_weights(path);
  } catch (const mgc::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string copy_tiny(const TempDir& dir) {
  for (const char* ext : {".index", ".data-00000-of-00001"})
    fs::copy_file(kData + "/tiny" + ext, dir.file(std::string("tiny") + ext));
  return dir.file("tiny");
}

void flip_byte(const std::string& path, int64_t offset_from_end_or_start, bool from_end) {
  std::string bytes = mgc::read_file(path);
  const size_t at = from_end ? bytes.size() - static_cast<size_t>(offset_from_end_or_start)
                             : static_cast<size_t>(offset_from_end_or_start);
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// --- A small writer of TensorFlow's formats, for the cases above ----------------------------------------------------

std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) s += static_cast<char>((v & 0x7f) | 0x80), v >>= 7;
  return s + static_cast<char>(v);
}
std::string fixed32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string field_varint(int n, uint64_t v) { return varint(static_cast<uint64_t>(n) << 3) + varint(v); }
std::string field_bytes(int n, const std::string& b) { return varint((static_cast<uint64_t>(n) << 3) | 2) + varint(b.size()) + b; }
std::string field_fixed32(int n, uint32_t v) { return varint((static_cast<uint64_t>(n) << 3) | 5) + fixed32(v); }

uint32_t crc32c(const std::string& s) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(s.data(), s.size());
  return crc.checksum();
}
uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

// One block of (key, value) entries with a restart point every `interval` entries, and its trailer.
std::string block(const std::vector<std::pair<std::string, std::string>>& entries, size_t interval = 2) {
  std::string b, prev;
  std::vector<uint32_t> restarts;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, value] = entries[i];
    size_t shared = 0;
    if (i % interval == 0) {
      restarts.push_back(static_cast<uint32_t>(b.size()));
    } else {
      while (shared < prev.size() && shared < key.size() && prev[shared] == key[shared]) ++shared;
    }
    b += varint(shared) + varint(key.size() - shared) + varint(value.size()) + key.substr(shared) + value;
    prev = key;
  }
  if (restarts.empty()) restarts.push_back(0);
  for (uint32_t r : restarts) b += fixed32(r);
  b += fixed32(static_cast<uint32_t>(restarts.size()));
  return b + '\0' + fixed32(mask(crc32c(b + '\0')));
}

struct Tensor {
  std::string name;
  int dtype;  // types.proto
  std::vector<int64_t> shape;
  std::string bytes;
  bool sliced = false;
};

// Writes PREFIX.index and PREFIX.data-00000-of-00001 holding `tensors` (in name order).
void write_bundle(const std::string& prefix, std::vector<Tensor> tensors, int endianness = 0, int min_consumer = 0) {
  std::sort(tensors.begin(), tensors.end(), [](const Tensor& a, const Tensor& b) { return a.name < b.name; });
  std::string data;
  std::vector<std::pair<std::string, std::string>> entries;
  const std::string version = field_varint(1, 1) + field_varint(2, static_cast<uint64_t>(min_consumer));
  entries.emplace_back("", field_varint(1, 1) + field_varint(2, static_cast<uint64_t>(endianness)) + field_bytes(3, version));
  for (const Tensor& t : tensors) {
    std::string shape;
    for (int64_t d : t.shape) shape += field_bytes(2, field_varint(1, static_cast<uint64_t>(d)));
    std::string e = field_varint(1, static_cast<uint64_t>(t.dtype)) + field_bytes(2, shape) +
                    field_varint(4, data.size()) + field_varint(5, t.bytes.size()) +
                    field_fixed32(6, mask(crc32c(t.bytes)));
    if (t.sliced) e += field_bytes(7, "");
    entries.emplace_back(t.name, e);
    data += t.bytes;
  }
  std::string index = block(entries);
  const size_t data_size = index.size() - 5;
  const std::string meta = block({});
  const size_t meta_at = index.size();
  index += meta;
  const size_t index_at = index.size();
  const std::string index_block = block({{entries.back().first + "\xff", varint(0) + varint(data_size)}});
  index += index_block;
  std::string footer = varint(meta_at) + varint(meta.size() - 5) + varint(index_at) + varint(index_block.size() - 5);
  footer.resize(40, '\0');
  footer += fixed32(0x8b80fb57u) + fixed32(0xdb477524u);
  std::ofstream(prefix + ".index", std::ios::binary) << index + footer;
  std::ofstream(prefix + ".data-00000-of-00001", std::ios::binary) << data;
}

std::string floats(std::initializer_list<float> v, bool big_endian = false) {
  std::string s(reinterpret_cast<const char*>(std::data(v)), v.size() * sizeof(float));
  if (big_endian)
    for (size_t i = 0; i < s.size(); i += 4) std::reverse(s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(i) + 4);
  return s;
}

}  // namespace

TEST(TfCheckpoint, ReadsWhatTensorFlowWroteByIndexPrefixOrFolder) {
  const nlohmann::json expected = nlohmann::json::parse(mgc::read_file(kData + "/tiny.json"));
  for (const std::string& path : {kData + "/tiny.index", kData + "/tiny"}) {
    const StateDict sd = read_weights(path);
    EXPECT_EQ(sd.format, "tensorflow");
    ASSERT_EQ(sd.tensors.size(), expected.size()) << path;  // the object graph (a string tensor) is skipped
    for (size_t i = 0; i < expected.size(); ++i) {
      const auto& [name, t] = sd.tensors[i];
      EXPECT_EQ(name, expected[i]["name"].get<std::string>());
      EXPECT_EQ(t.sizes().vec(), expected[i]["shape"].get<std::vector<int64_t>>()) << name;
      const std::string dtype = expected[i]["dtype"];
      const std::map<std::string, torch::ScalarType> types = {
          {"float32", torch::kFloat32}, {"float64", torch::kFloat64}, {"float16", torch::kFloat16},
          {"int32", torch::kInt32},     {"int64", torch::kInt64},     {"bool", torch::kBool}};
      ASSERT_TRUE(types.count(dtype)) << dtype;
      EXPECT_EQ(t.scalar_type(), types.at(dtype)) << name;
      const auto values = expected[i]["values"].get<std::vector<double>>();
      const torch::Tensor got = t.to(torch::kFloat64).reshape(-1);
      ASSERT_EQ(got.numel(), static_cast<int64_t>(values.size())) << name;
      for (size_t k = 0; k < values.size(); ++k) EXPECT_EQ(got[static_cast<int64_t>(k)].item<double>(), values[k]) << name;
    }
  }
  // The int64 scalar keeps all its bits.
  const StateDict sd = read_weights(kData + "/tiny.index");
  EXPECT_EQ(sd.find("m/step/.ATTRIBUTES/VARIABLE_VALUE")->item<int64_t>(), 1234567890123);
}

TEST(TfCheckpoint, MusicnnCheckpointsReadAsTensorFlowReadsThem) {
  const nlohmann::json expected = nlohmann::json::parse(mgc::read_file(kData + "/checkpoints.json"));
  for (const auto& c : mgc::models::musicnn_checkpoints()) {
    const std::string folder = mgc::models::find_musicnn_checkpoint(c.name);
    const StateDict sd = read_weights(folder);  // the folder: musicnn's prefix is "<folder>/"
    const auto& rows = expected.at(c.name);
    ASSERT_EQ(sd.tensors.size(), rows.size()) << c.name;
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& [name, t] = sd.tensors[i];
      ASSERT_EQ(name, rows[i]["name"].get<std::string>()) << c.name;
      EXPECT_EQ(t.scalar_type(), torch::kFloat32) << name;
      EXPECT_EQ(t.sizes().vec(), rows[i]["shape"].get<std::vector<int64_t>>()) << name;
      const double sum = t.to(torch::kFloat64).sum().item<double>();
      EXPECT_NEAR(sum, rows[i]["sum"].get<double>(), 1e-9 * (1.0 + std::abs(sum))) << name;
      if (t.numel() > 0) EXPECT_EQ(t.reshape(-1)[0].item<float>(), rows[i]["first"].get<float>()) << name;
    }
  }
}

TEST(TfCheckpoint, DamagedFilesAreRefusedNamingTheFileAndTensor) {
  {
    TempDir dir;
    const std::string prefix = copy_tiny(dir);
    flip_byte(prefix + ".data-00000-of-00001", 0, /*from_end=*/false);
    const std::string e = error_of(prefix);
    EXPECT_NE(e.find("fails its CRC-32C"), std::string::npos) << e;
    EXPECT_NE(e.find(": tensor '"), std::string::npos) << e;
  }
  {
    TempDir dir;
    const std::string prefix = copy_tiny(dir);
    flip_byte(prefix + ".index", 40, /*from_end=*/false);  // inside the data block
    EXPECT_NE(error_of(prefix).find("block fails its CRC-32C"), std::string::npos) << error_of(prefix);
  }
  {
    TempDir dir;
    const std::string prefix = copy_tiny(dir);
    fs::remove(prefix + ".data-00000-of-00001");
    EXPECT_NE(error_of(prefix).find("missing: the index names it as a data shard"), std::string::npos)
        << error_of(prefix);
  }
  {
    TempDir dir;
    const std::string prefix = copy_tiny(dir);
    fs::resize_file(prefix + ".data-00000-of-00001", 100);
    EXPECT_NE(error_of(prefix).find("lie outside the 100-byte data shard"), std::string::npos) << error_of(prefix);
  }
  {
    TempDir dir;
    std::ofstream(dir.file("x.index"), std::ios::binary) << std::string(100, 'x');
    EXPECT_NE(error_of(dir.file("x.index")).find("bad table magic"), std::string::npos) << error_of(dir.file("x.index"));
    std::ofstream(dir.file("y.index"), std::ios::binary) << "short";
    EXPECT_NE(error_of(dir.file("y.index")).find("too short"), std::string::npos);
    // A folder with two indexes: which one is meant is not guessed.
    EXPECT_NE(error_of(dir.path()).find("2 TensorFlow .index files"), std::string::npos) << error_of(dir.path());
  }
  for (int cut : {1, 30, 48, 1000}) {  // truncated indexes
    TempDir dir;
    const std::string prefix = copy_tiny(dir);
    const auto size = fs::file_size(prefix + ".index");
    fs::resize_file(prefix + ".index", size - static_cast<uintmax_t>(cut));
    EXPECT_EQ(error_of(prefix).rfind("weights: '", 0), 0u) << cut << ": " << error_of(prefix);
  }
}

TEST(TfCheckpoint, WrittenBundlesBigEndianAndPrefixCompressionReadBack) {
  TempDir dir;
  write_bundle(dir.file("le"), {{"layer/a", 1, {2}, floats({1.5f, -2.0f})},
                                {"layer/ab", 1, {1, 1}, floats({3.25f})},
                                {"layer/abc", 1, {}, floats({4.0f})},
                                {"meta", 7, {}, "string"}});
  const StateDict le = read_weights(dir.file("le"));
  ASSERT_EQ(le.tensors.size(), 3u);  // the string tensor is skipped
  EXPECT_EQ(le.tensors[1].first, "layer/ab");
  EXPECT_EQ(le.tensors[0].second[1].item<float>(), -2.0f);
  EXPECT_EQ(le.tensors[2].second.dim(), 0);

  write_bundle(dir.file("be"), {{"w", 1, {3}, floats({1.0f, 0.5f, -8.0f}, /*big_endian=*/true)}}, /*endianness=*/1);
  const StateDict be = read_weights(dir.file("be"));
  EXPECT_TRUE(torch::equal(be.tensors[0].second, torch::tensor({1.0f, 0.5f, -8.0f})));
}

TEST(TfCheckpoint, WhatItCannotReadIsRefusedByName) {
  TempDir dir;
  write_bundle(dir.file("new"), {{"w", 1, {1}, floats({1.0f})}}, 0, /*min_consumer=*/2);
  EXPECT_NE(error_of(dir.file("new")).find("needs a reader of bundle version 2"), std::string::npos);
  write_bundle(dir.file("sliced"), {{"w", 1, {1}, floats({1.0f}), /*sliced=*/true}});
  EXPECT_NE(error_of(dir.file("sliced")).find("tensor 'w': partitioned into slices"), std::string::npos);
  write_bundle(dir.file("complex"), {{"z", 8, {1}, floats({1.0f, 2.0f})}});
  EXPECT_NE(error_of(dir.file("complex")).find("tensor 'z': unsupported dtype 8"), std::string::npos);
  write_bundle(dir.file("size"), {{"w", 1, {3}, floats({1.0f})}});
  EXPECT_NE(error_of(dir.file("size")).find("4 bytes stored for 3 values of 4 bytes"), std::string::npos);
}
