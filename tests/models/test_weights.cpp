#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string_view>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/models/pickle.h"
#include "mgc/models/weights.h"
#include "test_util.h"

using namespace mgc::models;
using mgc::test::TempDir;

TEST(Safetensors, RoundTripsDtypesShapesAndOrder) {
  TempDir dir;
  std::vector<std::pair<std::string, torch::Tensor>> t = {
      {"b.weight", torch::arange(6, torch::kFloat32).reshape({2, 3})},
      {"a.half", torch::tensor({1.5, -2.0}, torch::kFloat16)},
      {"n", torch::tensor({int64_t{7}})},
      {"flag", torch::tensor({true, false})},
      {"t.view", torch::arange(12, torch::kFloat64).reshape({3, 4}).t()},  // non-contiguous: written contiguous
  };
  write_safetensors(dir.file("w.safetensors"), t);
  const StateDict sd = read_weights(dir.file("w.safetensors"));
  EXPECT_EQ(sd.format, "safetensors");
  ASSERT_EQ(sd.tensors.size(), t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(sd.tensors[i].first, t[i].first);  // data order = write order
    EXPECT_EQ(sd.tensors[i].second.scalar_type(), t[i].second.scalar_type());
    EXPECT_TRUE(torch::equal(sd.tensors[i].second, t[i].second)) << t[i].first;
  }
}

TEST(Safetensors, RejectsTruncatedAndLyingFiles) {
  TempDir dir;
  write_safetensors(dir.file("w.safetensors"), {{"x", torch::ones({100})}});
  const std::string bytes = mgc::read_file(dir.file("w.safetensors"));
  mgc::write_file_atomic(dir.file("cut.safetensors"), bytes.substr(0, bytes.size() - 8));
  EXPECT_THROW(read_safetensors(dir.file("cut.safetensors")), mgc::Error);
  std::string huge = bytes;
  huge[7] = 0x7f;  // header length of ~9e18 bytes
  mgc::write_file_atomic(dir.file("huge.safetensors"), huge);
  EXPECT_THROW(read_safetensors(dir.file("huge.safetensors")), mgc::Error);
  EXPECT_THROW(read_weights(dir.file("missing.safetensors")), mgc::Error);
}

// A safetensors file made by hand: the JSON header, then `data` as the data section.
std::string handmade_safetensors(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

// Issue #33: every size is checked for overflow, tensors may not overlap, and the messages name what is wrong.
TEST(Safetensors, RefusesWrappedSizesOverlapsAndOffsetsPastTheData) {
  TempDir dir;
  const auto message_of = [&](const std::string& header, const std::string& data) {
    mgc::write_file_atomic(dir.file("h.safetensors"), handmade_safetensors(header, data));
    try {
      read_safetensors(dir.file("h.safetensors"));
    } catch (const mgc::Error& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return std::string("not an mgc::Error: ") + e.what();
    }
    return std::string("read");
  };
  // [2^62] F32 = 2^64 bytes, which wraps to 0 in 64 bits.
  std::string m = message_of(R"({"x":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", "");
  EXPECT_NE(m.find("needs more bytes than the 0-byte data section"), std::string::npos) << m;
  m = message_of(R"({"x":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", "");
  EXPECT_NE(m.find("needs more bytes"), std::string::npos) << m;
  m = message_of(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],)"
                 R"("data_offsets":[4,12]}})",
                 std::string(12, '\0'));
  EXPECT_NE(m.find("'x' and 'y' overlap"), std::string::npos) << m;
  m = message_of(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}})",
                 std::string(16, '\0'));
  EXPECT_NE(m.find("ends at byte 18446744073709551615, past the 16-byte data section"), std::string::npos) << m;
  m = message_of(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", std::string(16, '\0'));
  EXPECT_NE(m.find("run backwards"), std::string::npos) << m;
  m = message_of(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", std::string(4, '\0'));
  EXPECT_NE(m.find("negative dimension"), std::string::npos) << m;
  // Empty tensors side by side do not overlap.
  m = message_of(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"y":{"dtype":"F32","shape":[1],)"
                 R"("data_offsets":[0,4]}})",
                 std::string(4, '\0'));
  EXPECT_EQ(m, "read");
}

TEST(Safetensors, AFlippedByteInsideATensorFailsTheChecksum) {
  TempDir dir;
  write_safetensors(dir.file("w.safetensors"), {{"x", torch::ones({100})}, {"y", torch::zeros({3})}});
  std::string bytes = mgc::read_file(dir.file("w.safetensors"));
  EXPECT_NE(bytes.find("\"mgc.data_fnv1a64\""), std::string::npos);
  bytes[bytes.size() - 200] ^= 0x01;  // inside x: a valid float, one bit off
  mgc::write_file_atomic(dir.file("flipped.safetensors"), bytes);
  try {
    read_safetensors(dir.file("flipped.safetensors"));
    ADD_FAILURE() << "read a corrupt file";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("fails its checksum"), std::string::npos) << e.what();
  }
  // A file without mgc's checksum (written elsewhere) is read as it is.
  std::string header = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::string plain(8, '\0');
  plain[0] = static_cast<char>(header.size());
  const float v = 2.5f;
  plain += header + std::string(reinterpret_cast<const char*>(&v), 4);
  mgc::write_file_atomic(dir.file("plain.safetensors"), plain);
  const StateDict sd = read_safetensors(dir.file("plain.safetensors"));
  ASSERT_EQ(sd.tensors.size(), 1u);
  EXPECT_EQ(sd.tensors[0].second.item<float>(), 2.5f);
}

TEST(LoadStateDict, ReportsMissingUnexpectedAndMismatchedByName) {
  torch::nn::Linear lin(3, 2);
  StateDict sd;
  sd.tensors = {{"weight", torch::zeros({2, 4})}, {"extra", torch::zeros({1})}};
  try {
    load_state_dict(*lin, sd, /*strict=*/true);
    FAIL() << "strict load of a mismatched file must throw";
  } catch (const mgc::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bias"), std::string::npos) << msg;   // missing
    EXPECT_NE(msg.find("extra"), std::string::npos) << msg;  // unexpected
    EXPECT_NE(msg.find("weight: file [2,4] vs model [2,3]"), std::string::npos) << msg;
  }
  sd.tensors = {{"weight", torch::full({2, 3}, 2.0)}, {"extra", torch::zeros({1})}};
  const LoadReport r = load_state_dict(*lin, sd, /*strict=*/false);
  EXPECT_EQ(r.loaded, 1);
  EXPECT_EQ(r.missing, std::vector<std::string>{"bias"});
  EXPECT_EQ(r.unexpected, std::vector<std::string>{"extra"});
  EXPECT_TRUE(torch::equal(lin->weight, torch::full({2, 3}, 2.0)));
  // Skipped prefixes are neither loaded nor reported.
  const LoadReport s = load_state_dict(*lin, sd, /*strict=*/false, {"extra", "bias"});
  EXPECT_TRUE(s.ok()) << s.summary();
}

// ---- PyTorch checkpoints: fixtures from make_checkpoint_fixtures.py (Debian's python3-torch) ----

namespace {

// The fixtures are made once per version of the script, beside the test executable (ctest runs every test in
// its own process: making them each time would cost a Python start with torch per test). They are written to a
// fresh folder and renamed into place, so parallel runs never see half of them; tests never change them.
class Checkpoints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    namespace fs = std::filesystem;
    const std::string script = std::string(MGC_SOURCE_DIR) + "/tests/models/make_checkpoint_fixtures.py";
    const fs::path dir = fs::read_symlink("/proc/self/exe").parent_path() /
                         fmt::format("checkpoint-fixtures-{:016x}", std::hash<std::string>{}(mgc::read_file(script)));
    dir_ = dir.string();
    if (fs::exists(dir)) return;
    std::string tmp = dir.string() + ".tmp-XXXXXX";
    if (!mkdtemp(tmp.data())) {
      log_ = "mkdtemp failed for " + tmp;
      return;
    }
    const auto r = mgc::test::run_command("/usr/bin/python3 " + script + " " + tmp);
    std::error_code ec;
    if (r.exit_code != 0) {
      log_ = r.output;
      fs::remove_all(tmp, ec);
      return;
    }
    fs::rename(tmp, dir, ec);
    if (ec) fs::remove_all(tmp, ec);  // another process was first: use its copy
  }
  void SetUp() override {
    ASSERT_TRUE(log_.empty()) << "make_checkpoint_fixtures.py failed:\n" << log_;
    ASSERT_TRUE(std::filesystem::exists(fx("ref.safetensors"))) << dir_;
  }

  static std::string fx(const std::string& name) { return dir_ + "/" + name; }
  static StateDict reference() { return read_weights(fx("ref.safetensors")); }

  static inline std::string dir_;
  static inline std::string log_;
};

// Same names in the same order, same dtypes and shapes, equal bits.
void expect_same(const StateDict& got, const StateDict& want, const std::string& what) {
  ASSERT_EQ(got.tensors.size(), want.tensors.size()) << what;
  for (size_t i = 0; i < want.tensors.size(); ++i) {
    const auto& [name, t] = got.tensors[i];
    EXPECT_EQ(name, want.tensors[i].first) << what;
    EXPECT_EQ(t.scalar_type(), want.tensors[i].second.scalar_type()) << what << ": " << name;
    EXPECT_EQ(t.sizes(), want.tensors[i].second.sizes()) << what << ": " << name;
    EXPECT_TRUE(t.device().is_cpu()) << what << ": " << name;
    EXPECT_TRUE(torch::equal(t, want.tensors[i].second)) << what << ": " << name;
  }
}

// The message of the mgc::Error that `f` throws; a note if it throws something else or nothing.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const mgc::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not an mgc::Error> ") + e.what();
  }
  return "<no error>";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void write_raw(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_F(Checkpoints, BothFormatsLoadBitIdenticalToTheReference) {
  const StateDict ref = reference();
  ASSERT_EQ(ref.tensors.size(), 14u);
  const StateDict zip = read_weights(fx("sd_zip.pt"));
  EXPECT_EQ(zip.format, "pytorch-zip");
  EXPECT_EQ(zip.unwrapped, "");
  expect_same(zip, ref, "zip");
  const StateDict legacy = read_weights(fx("sd_legacy.pt"));
  EXPECT_EQ(legacy.format, "pytorch-legacy");
  EXPECT_EQ(legacy.unwrapped, "");
  expect_same(legacy, ref, "legacy");
  expect_same(read_pytorch(fx("sd_zip.pt")), ref, "read_pytorch zip");
  // pickle_protocol=4: FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL.
  expect_same(read_weights(fx("sd_zip_p4.pt")), ref, "zip, protocol 4");
  expect_same(read_weights(fx("sd_legacy_p4.pt")), ref, "legacy, protocol 4");
  expect_same(read_weights(fx("zip_little.pt")), ref, "zip with byteorder 'little'");
}

TEST_F(Checkpoints, KeepsViewsStridesAndSharedStoragesAsSaved) {
  for (const char* file : {"sd_zip.pt", "sd_legacy.pt"}) {
    const StateDict sd = read_weights(fx(file));
    const torch::Tensor fc = *sd.find("fc.weight"), a = *sd.find("shared.a"), b = *sd.find("shared.b"),
                        all = *sd.find("shared.all");
    EXPECT_EQ(fc.sizes(), torch::IntArrayRef({6, 5})) << file;
    EXPECT_EQ(fc.strides(), torch::IntArrayRef({1, 6})) << file;  // the transposed view, not a copy
    EXPECT_EQ(a.storage_offset(), 2) << file;
    EXPECT_EQ(b.storage_offset(), 10) << file;
    EXPECT_EQ(b.strides(), torch::IntArrayRef({3})) << file;
    EXPECT_EQ(a.storage().data(), all.storage().data()) << file;  // one storage, shared as torch.load does
    EXPECT_EQ(b.storage().data(), all.storage().data()) << file;
    EXPECT_TRUE(torch::equal(a.flatten(), all.slice(0, 2, 8))) << file;
    EXPECT_TRUE(torch::equal(b, all.slice(0, 10, 20, 3))) << file;
  }
  // Storage views of pre-0.4 files: ('storage', type, root, location, numel, (view_key, offset, size)).
  expect_same(read_weights(fx("legacy_view.pt")), read_weights(fx("legacy_view.safetensors")), "legacy view");
}

TEST_F(Checkpoints, UnwrapsTrainingCheckpoints) {
  const StateDict ref = reference();
  const std::pair<const char*, const char*> cases[] = {
      {"wrapped_state_dict.pt", "state_dict"},     // + epoch, optimizer state, floats, strings: ignored
      {"wrapped_model_legacy.pt", "model"},        // legacy format
      {"wrapped_nested.pt", "model,state_dict"},   // nested once more
      {"module_prefix.pt", "state_dict,module."},  // DataParallel keys inside a wrapper
      {"module_legacy.pt", "module."},             // DataParallel keys at the top
  };
  for (const auto& [file, how] : cases) {
    const StateDict sd = read_weights(fx(file));
    EXPECT_EQ(sd.unwrapped, how) << file;
    expect_same(sd, ref, file);
  }
}

TEST_F(Checkpoints, ReadsRealStateDictsWithMetadataAndParameters) {
  const StateDict want = read_weights(fx("linear.safetensors"));  // weight, bias of nn.Linear(3, 2)
  expect_same(read_weights(fx("linear_zip.pt")), want, "zip with _metadata");
  expect_same(read_weights(fx("linear_legacy.pt")), want, "legacy with _metadata");
  expect_same(read_weights(fx("parameters_zip.pt")), want, "nn.Parameter values (_rebuild_parameter)");
}

TEST_F(Checkpoints, RefusesForbiddenGlobalsWithoutRunningThem) {
  TempDir tmp;
  // The payload is os.system('touch "$MGC_PWNED_FILE"'). First prove that it is live: Python's pickle runs it.
  const std::string proof = tmp.file("proof");
  const auto r =
      mgc::test::run_command("MGC_PWNED_FILE=" + proof + " /usr/bin/python3 -c \"import pickle; pickle.load(open('" +
                             fx("evil.pkl") + "', 'rb'))\"");
  ASSERT_TRUE(std::filesystem::exists(proof)) << "the fixture is not malicious after all: " << r.output;

  const std::string pwned = tmp.file("pwned");
  ASSERT_EQ(setenv("MGC_PWNED_FILE", pwned.c_str(), 1), 0);
  for (const char* file : {"evil.pkl", "evil_zip.pt", "evil_legacy.pt"}) {
    const std::string msg = error_of([&] { read_weights(fx(file)); });
    EXPECT_TRUE(has(msg, "weights: '" + fx(file) + "'")) << msg;
    EXPECT_TRUE(has(msg, "refusing global 'posix.system'")) << msg;
    EXPECT_TRUE(has(msg, "allowed: collections.OrderedDict")) << msg;
  }
  const auto cli = mgc::test::run_cli("weights inspect " + fx("evil_zip.pt"));
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  unsetenv("MGC_PWNED_FILE");
  EXPECT_FALSE(std::filesystem::exists(pwned)) << "loading a checkpoint ran code";
}

TEST_F(Checkpoints, RejectsNonTensorEntriesByName) {
  const std::string msg = error_of([] { read_weights(fx("not_state_dict.pt")); });
  EXPECT_TRUE(has(msg, fx("not_state_dict.pt"))) << msg;
  EXPECT_TRUE(has(msg, "entry 'note'")) << msg;
  EXPECT_TRUE(has(msg, "not a tensor")) << msg;
}

TEST_F(Checkpoints, RejectsTruncatedFilesAtEveryCut) {
  TempDir tmp;
  const std::string cut = tmp.file("cut.pt");
  for (const char* file : {"sd_legacy.pt", "sd_zip.pt"}) {
    const std::string bytes = mgc::read_file(fx(file));
    int tried = 0;
    for (size_t n = 0; n < bytes.size(); ++n) {
      // Every cut of the legacy file (no checksum: each one reaches a different check); the zip every 7 bytes.
      if (file[3] == 'z' && n % 7 && n + 64 < bytes.size()) continue;
      write_raw(cut, std::string_view(bytes).substr(0, n));
      const std::string msg = error_of([&] { read_weights(cut); });
      ASSERT_TRUE(has(msg, "weights: '" + cut + "'")) << file << " cut at " << n << ": " << msg;
      ++tried;
    }
    EXPECT_GT(tried, 500) << file;
  }
}

TEST_F(Checkpoints, RejectsWrongMagicProtocolByteOrderAndNonCheckpoints) {
  TempDir tmp;
  const std::string legacy = mgc::read_file(fx("sd_legacy.pt"));
  ASSERT_EQ(legacy.substr(0, 4), std::string("\x80\x02\x8a\x0a", 4));  // PROTO 2, LONG1 of 10 bytes: the magic
  std::string bad = legacy;
  bad[4] ^= 0x01;
  write_raw(tmp.file("magic.pt"), bad);
  EXPECT_TRUE(has(error_of([&] { read_weights(tmp.file("magic.pt")); }), "wrong magic number"));
  bad = legacy;
  ASSERT_EQ(bad.substr(17, 3), std::string("M\xe9\x03", 3));  // BININT2 1001
  bad[18] = '\xea';
  write_raw(tmp.file("protocol.pt"), bad);
  EXPECT_TRUE(has(error_of([&] { read_weights(tmp.file("protocol.pt")); }), "protocol version"));
  EXPECT_TRUE(has(error_of([] { read_weights(fx("zip_bigendian.pt")); }), "byte order 'big'"));
  EXPECT_TRUE(has(error_of([] { read_weights(fx("legacy_bigendian.pt")); }), "big-endian machine"));
  write_raw(tmp.file("text.pt"), "hello, not a checkpoint");
  EXPECT_TRUE(has(error_of([&] { read_pytorch(tmp.file("text.pt")); }), "not a PyTorch checkpoint"));
  write_raw(tmp.file("plain.pkl"), std::string("\x80\x02}q\x00.", 6));  // pickle.dumps({}, 2): no magic
  EXPECT_TRUE(has(error_of([&] { read_weights(tmp.file("plain.pkl")); }), "wrong magic number"));
}

TEST_F(Checkpoints, RejectsStoragesShorterThanTheirTensors) {
  std::string msg = error_of([] { read_weights(fx("legacy_short_storage.pt")); });
  EXPECT_TRUE(has(msg, fx("legacy_short_storage.pt"))) << msg;
  EXPECT_TRUE(has(msg, "tensor 'w'")) << msg;
  EXPECT_TRUE(has(msg, "storage shorter than tensor needs")) << msg;
  msg = error_of([] { read_weights(fx("zip_short_storage.pt")); });
  EXPECT_TRUE(has(msg, fx("zip_short_storage.pt"))) << msg;
  EXPECT_TRUE(has(msg, "storage shorter than declared")) << msg;
}

TEST_F(Checkpoints, RejectsAbsurdElementCountsBeforeAllocating) {
  // The count 2^60 (float: 4 EiB) is checked against the declaration and the file size before any allocation;
  // an attempt would have thrown c10::Error or std::bad_alloc, which error_of reports as not an mgc::Error.
  std::string msg = error_of([] { read_weights(fx("legacy_huge_count.pt")); });
  EXPECT_TRUE(has(msg, fx("legacy_huge_count.pt"))) << msg;
  EXPECT_TRUE(has(msg, "has 1152921504606846976 elements")) << msg;
  msg = error_of([] { read_weights(fx("legacy_huge_numel.pt")); });
  EXPECT_TRUE(has(msg, "claims 1152921504606846976 float32 elements, more than the")) << msg;
}

TEST_F(Checkpoints, RejectsZipEntriesAndKeysThatEscapeTheFolder) {
  std::string msg = error_of([] { read_weights(fx("zip_escape_entry.pt")); });
  EXPECT_TRUE(has(msg, fx("zip_escape_entry.pt"))) << msg;
  EXPECT_TRUE(has(msg, "entry '../evil.txt' escapes the archive folder")) << msg;
  msg = error_of([] { read_weights(fx("zip_escape_key.pt")); });
  EXPECT_TRUE(has(msg, "storage key '../0' is not a plain name")) << msg;
}

TEST_F(Checkpoints, RandomCorruptionGivesAnErrorOrATensorNeverACrash) {
  TempDir tmp;
  std::mt19937 rng(7);
  for (const char* file : {"sd_legacy.pt", "wrapped_model_legacy.pt", "sd_zip.pt"}) {
    const std::string bytes = mgc::read_file(fx(file));
    std::uniform_int_distribution<size_t> where(0, bytes.size() - 1);
    std::uniform_int_distribution<int> value(0, 255), count(1, 4);
    for (int i = 0; i < 300; ++i) {
      std::string bad = bytes;
      for (int k = count(rng); k > 0; --k) bad[where(rng)] = static_cast<char>(value(rng));
      const std::string path = tmp.file("fuzz.pt");
      write_raw(path, bad);
      try {
        const StateDict sd = read_weights(path);
        for (const auto& kv : sd.tensors) (void)kv.second.contiguous();  // every view is inside its storage
      } catch (const mgc::Error& e) {
        ASSERT_TRUE(has(e.what(), path)) << e.what();
      } catch (const std::exception& e) {
        FAIL() << file << " iteration " << i << ": not an mgc::Error: " << e.what();
      }
    }
  }
}

TEST_F(Checkpoints, CliInspectPrintsFormatNamesShapesAndTotal) {
  ASSERT_TRUE(std::filesystem::exists(MGC_CLI)) << "build the mgc_cli target first";
  const StateDict ref = reference();
  const auto r = mgc::test::run_cli("weights inspect " + fx("wrapped_state_dict.pt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string& line : {std::string("format:     pytorch-zip"), std::string("unwrapped:  state_dict"),
                                  std::string("tensors:    14"), fmt::format("parameters: {} (numel", ref.numel())})
    EXPECT_TRUE(has(r.output, line)) << line << "\n" << r.output;
  // Every name with its dtype and shape, in file order.
  size_t pos = 0;
  for (const std::string& row :
       {std::string("conv.weight             float32   [4, 3, 3, 3]"),
        std::string("bn.weight               bfloat16  [4]"), std::string("bn.num_batches_tracked  int64     []"),
        std::string("mask                    bool      [4]"), std::string("fc.weight               float32   [6, 5]"),
        std::string("shared.all              float32   [20]")}) {
    const size_t at = r.output.find(row, pos);
    EXPECT_NE(at, std::string::npos) << row << "\n" << r.output;
    if (at != std::string::npos) pos = at;
  }
  const auto bad = mgc::test::run_cli("weights inspect " + fx("evil.pkl"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_TRUE(has(bad.output, "refusing global 'posix.system'")) << bad.output;
}

TEST_F(Checkpoints, CliConvertWritesSafetensorsThatReadBackEqual) {
  ASSERT_TRUE(std::filesystem::exists(MGC_CLI)) << "build the mgc_cli target first";
  TempDir out;
  for (const char* file : {"sd_legacy.pt", "module_prefix.pt"}) {
    const std::string dst = out.file(std::string(file) + ".safetensors");
    const auto r = mgc::test::run_cli(fmt::format("weights convert {} {}", fx(file), dst));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(has(r.output, "14 tensors")) << r.output;
    EXPECT_TRUE(has(r.output, "wrote " + dst)) << r.output;
    expect_same(read_weights(dst), read_weights(fx(file)), file);
    expect_same(read_weights(dst), reference(), file);
  }
  const auto r = mgc::test::run_cli(fmt::format("weights convert {} {}", fx("sd_zip.pt"), out.file("x.pth")));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "must end in .safetensors")) << r.output;
}

// ---- The restricted unpickler itself, on hand-written bytes ----

TEST(RestrictedUnpickler, ReadsPlainValuesOfProtocol4) {
  namespace pk = mgc::models::pickle;
  // pickle.dumps({'a': [1, -2, 300, -70000, 3.5, None, True, False, 'é', b'x', (1, 2)], 'big': 2**70,
  //               'neg': -(2**40)}, protocol=4)
  const std::string bytes(
      "\x80\x04\x95\x56\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01\x61\x94\x5d\x94\x28\x4b\x01\x4a\xfe\xff\xff"
      "\xff\x4d\x2c\x01\x4a\x90\xee\xfe\xff\x47\x40\x0c\x00\x00\x00\x00\x00\x00\x4e\x88\x89\x8c\x02\xc3\xa9\x94\x43"
      "\x01\x78\x94\x4b\x01\x4b\x02\x86\x94\x65\x8c\x03\x62\x69\x67\x94\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40"
      "\x8c\x03\x6e\x65\x67\x94\x8a\x06\x00\x00\x00\x00\x00\xff\x75\x2e",
      97);
  size_t used = 0;
  const pk::Value v = pk::unpickle(bytes, {}, "test", "", 0, &used);
  EXPECT_EQ(used, bytes.size());
  ASSERT_EQ(v->kind, pk::Kind::Dict);
  ASSERT_EQ(v->entries.size(), 3u);
  const pk::Value& a = *pk::dict_get(*v, "a");
  ASSERT_EQ(a->kind, pk::Kind::List);
  ASSERT_EQ(a->items.size(), 11u);
  EXPECT_EQ(a->items[0]->integer, 1);
  EXPECT_EQ(a->items[1]->integer, -2);
  EXPECT_EQ(a->items[2]->integer, 300);
  EXPECT_EQ(a->items[3]->integer, -70000);
  EXPECT_EQ(a->items[4]->real, 3.5);
  EXPECT_EQ(a->items[5]->kind, pk::Kind::None);
  EXPECT_TRUE(a->items[6]->boolean);
  EXPECT_FALSE(a->items[7]->boolean);
  EXPECT_EQ(a->items[8]->text, "\xc3\xa9");
  EXPECT_EQ(a->items[9]->kind, pk::Kind::Bytes);
  EXPECT_EQ(a->items[10]->kind, pk::Kind::Tuple);
  EXPECT_EQ((*pk::dict_get(*v, "big"))->kind, pk::Kind::BigInt);  // 2**70 does not fit 64 bits: raw bytes
  EXPECT_EQ((*pk::dict_get(*v, "neg"))->integer, -(int64_t{1} << 40));
  // Python 2's SHORT_BINSTRING reads as a string, like torch.load's encoding='utf-8'.
  EXPECT_EQ(pk::unpickle(std::string("\x80\x02U\x03"
                                     "abc.",
                                     8),
                         {}, "test")
                ->text,
            "abc");
}

TEST(RestrictedUnpickler, RejectsHostileStructuresWithAnError) {
  TempDir dir;
  const std::pair<std::string, const char*> cases[] = {
      {"\x80\x02" + std::string(200, ']') + std::string(199, 'a') + ".", "deeper than 100 levels"},
      {std::string("\x80\x02]q\x00h\x00"
                   "a.",
                   8),
       "APPEND changes a list already placed inside"},  // l.append(l)
      {std::string("\x80\x02}q\x00(X\x01\x00\x00\x00"
                   "ah\x00u.",
                   16),
       "changes a dict already placed inside"},  // d['a'] = d
      {std::string("\x80\x02Nj\xfe\xff\xff\xff.", 9), "memo index 4294967294 is not defined"},
      {std::string("\x80\x02X\xff\xff\xff\x7f"
                   "abc.",
                   11),
       "needs 2147483647 more bytes"},
      {std::string("\x80\x02}]Ns.", 7), "unhashable list"},
      {std::string("\x80\x02\x8c\x08"
                   "builtins\x8c\x04"
                   "eval\x93.",
                   19),
       "refusing global 'builtins.eval'"},
      {std::string("\x80\x02(X\x01\x00\x00\x00"
                   "aios\nsystem\n.",
                   21),
       "INST (calls a class)"},
      {std::string("\x80\x02\x8c\x02\xff\xfe.", 7), "not valid UTF-8"},
      {std::string("\x80\x02"
                   "0.",
                   4),
       "no MARK"},
  };
  int i = 0;
  for (const auto& [bytes, expected] : cases) {
    const std::string path = dir.file("hostile" + std::to_string(i++) + ".pkl");
    write_raw(path, bytes);
    const std::string msg = error_of([&] { read_weights(path); });
    EXPECT_TRUE(has(msg, "weights: '" + path + "'")) << msg;
    EXPECT_TRUE(has(msg, expected)) << expected << " | " << msg;
  }
}
