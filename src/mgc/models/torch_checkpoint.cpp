// PyTorch checkpoints written by torch.save: zip archives (torch >= 1.6) and the legacy stream of pickles (< 1.6),
// read through the restricted unpickler of pickle.h. The layouts follow torch/serialization.py (_save,
// _legacy_save, _load, _legacy_load) of PyTorch 1.13; the globals allowed are those a state_dict needs, as in
// torch.load(weights_only=True).
#include <fcntl.h>
#include <fmt/ranges.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <torch/torch.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "mgc/core/error.h"
#include "mgc/models/pickle.h"
#include "mgc/models/weights.h"

namespace mgc::models {
namespace {

using pickle::Kind;
using pickle::Value;

[[noreturn]] void fail(const std::string& path, const std::string& cause) {
  throw make_error("weights", "'{}': {}", path, cause);
}

struct StorageType {
  const char* name;
  torch::ScalarType dtype;
  const char* dtype_name;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", torch::kFloat32, "float32"},      {"HalfStorage", torch::kFloat16, "float16"},
    {"BFloat16Storage", torch::kBFloat16, "bfloat16"}, {"DoubleStorage", torch::kFloat64, "float64"},
    {"LongStorage", torch::kInt64, "int64"},           {"IntStorage", torch::kInt32, "int32"},
    {"ShortStorage", torch::kInt16, "int16"},          {"CharStorage", torch::kInt8, "int8"},
    {"ByteStorage", torch::kUInt8, "uint8"},           {"BoolStorage", torch::kBool, "bool"},
};

constexpr const char* kAllowedGlobals =
    "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_tensor, "
    "torch._utils._rebuild_parameter, torch._utils._rebuild_parameter_with_state, torch.Size, "
    "torch[.cuda].{Float,Half,BFloat16,Double,Long,Int,Short,Char,Byte,Bool}Storage";

// Top-level keys under which training scripts keep the state_dict, in the order they are tried.
constexpr const char* kWrapperKeys[] = {"state_dict", "model_state_dict", "model", "module"};

const char* dtype_name(torch::ScalarType t) {
  for (const auto& s : kStorageTypes)
    if (s.dtype == t) return s.dtype_name;
  return "?";
}

// The raw bytes of one stored storage (a zip entry, or one block of a legacy file).
struct Storage {
  std::string key;
  torch::ScalarType dtype;  // as first declared (legacy storages have exactly one)
  int64_t numel = 0;        // as first declared
  torch::Tensor bytes;      // uint8, at least numel * element size; undefined until read (legacy)
};

// What a persistent id stands for: `numel` elements of type `dtype` from element `offset` of a storage (offset
// is non-zero only for the storage views of old legacy files).
struct StorageRef {
  std::shared_ptr<Storage> storage;
  torch::ScalarType dtype;
  int64_t offset = 0;
  int64_t numel = 0;
};

// _rebuild_tensor_v2(storage, storage_offset, size, stride, ...), checked and turned into a tensor only once the
// storage data is read and the tensor's name is known.
struct TensorRecord {
  StorageRef storage;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};
using TensorPtr = std::shared_ptr<const TensorRecord>;
using StoragePtr = std::shared_ptr<const StorageRef>;

const TensorRecord* as_tensor(const Value& v) {
  if (v->kind != Kind::Opaque) return nullptr;
  const auto* p = std::any_cast<TensorPtr>(&v->opaque);
  return p ? p->get() : nullptr;
}

// "a str", "an int", "None", "a tensor" ...: the value's type for messages.
std::string a_kind(const Value& v) {
  if (v->kind == Kind::None) return "None";
  if (v->kind == Kind::Global) return "the global '" + v->text + "'";
  if (as_tensor(v)) return "a tensor";
  if (v->kind == Kind::Opaque) return "a storage";
  const std::string name = pickle::kind_name(v->kind);
  return (std::string("aeiou").find(name[0]) != std::string::npos ? "an " : "a ") + name;
}

std::string shape_str(const std::vector<int64_t>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

// The state shared by the hooks while one file is read.
class Reader {
 public:
  // `read_storage` (zip only) reads the bytes of a storage key; legacy files fill storages after the pickle.
  Reader(std::string path, uint64_t file_size, bool legacy,
         std::function<torch::Tensor(const std::string& key, uint64_t min_bytes, const std::string& declared)>
             read_storage = nullptr)
      : path_(std::move(path)), file_size_(file_size), legacy_(legacy), read_storage_(std::move(read_storage)) {}

  pickle::Hooks hooks(bool with_storages) {
    pickle::Hooks h;
    h.find_global = [this](const std::string& module, const std::string& name) { return find_global(module, name); };
    h.call = [this](const Value& callable, const std::vector<Value>& args) { return call(callable, args); };
    h.build = [this](const Value& obj, const Value& state) { return build(obj, state); };
    if (with_storages) h.persistent_load = [this](const Value& pid) { return persistent_load(pid); };
    return h;
  }

  const std::string& path() const { return path_; }
  std::map<std::string, std::shared_ptr<Storage>>& storages() { return storages_; }

  // The tensor `name` as saved: a view (offset, sizes, strides) of its storage's bytes, sharing them with the
  // other tensors of that storage. Throws if the view does not fit in the storage.
  torch::Tensor materialize(const std::string& name, const TensorRecord& t) const {
    const StorageRef& s = t.storage;
    const auto describe = [&] {
      return fmt::format("tensor '{}' of shape {} (stride {}, offset {})", name, shape_str(t.sizes),
                         shape_str(t.strides), t.offset);
    };
    const bool empty = std::find(t.sizes.begin(), t.sizes.end(), 0) != t.sizes.end();
    int64_t numel = empty ? 0 : 1, last = t.offset;
    for (size_t i = 0; i < t.sizes.size() && !empty; ++i) {
      if (__builtin_mul_overflow(numel, t.sizes[i], &numel)) fail(path_, describe() + " has too many elements");
    }
    for (size_t i = 0; i < t.sizes.size() && !empty; ++i) {
      int64_t step;
      if (__builtin_mul_overflow(t.sizes[i] - 1, t.strides[i], &step) || __builtin_add_overflow(last, step, &last))
        fail(path_, describe() + " reaches past any storage");
    }
    const int64_t needed = empty ? t.offset : last + 1;
    if (needed > s.numel)
      fail(path_, fmt::format("{} needs {} elements but storage '{}' holds {}: storage shorter than tensor needs",
                              describe(), needed, s.storage->key, s.numel));
    const auto elsize = static_cast<int64_t>(c10::elementSize(s.dtype));
    // Overlapping views (stride 0) are legal, but one that makes a few stored bytes into an enormous tensor
    // would only move the huge allocation to the first .contiguous().
    if (static_cast<uint64_t>(numel) / 64 > file_size_ / static_cast<uint64_t>(elsize) + (1 << 20))
      fail(path_, fmt::format("{} has {} elements, far more than the file stores", describe(), numel));
    if (!s.storage->bytes.defined()) fail(path_, fmt::format("storage '{}' has no data", s.storage->key));
    try {
      const torch::Tensor typed = s.storage->bytes.narrow(0, s.offset * elsize, s.numel * elsize).view(s.dtype);
      return typed.as_strided(t.sizes, t.strides, typed.storage_offset() + t.offset);
    } catch (const c10::Error& e) {
      fail(path_, describe() + ": " + e.what_without_backtrace());
    }
  }

 private:
  Value find_global(const std::string& module, const std::string& name) {
    const std::string dotted = module + "." + name;
    if (dotted == "collections.OrderedDict" || dotted == "torch._utils._rebuild_tensor_v2" ||
        dotted == "torch._utils._rebuild_tensor" || dotted == "torch._utils._rebuild_parameter" ||
        dotted == "torch._utils._rebuild_parameter_with_state" || dotted == "torch.Size")
      return pickle::make_global(dotted);
    if (module == "torch" || module == "torch.cuda")
      for (const auto& s : kStorageTypes)
        if (name == s.name) return pickle::make_global("torch." + name);
    throw make_error("weights", "'{}': refusing global '{}' (loading never runs code; allowed: {})", path_, dotted,
                     kAllowedGlobals);
  }

  int64_t as_int(const Value& v, const char* what) const {
    if (v->kind != Kind::Int) fail(path_, fmt::format("{} is {}, not an int", what, a_kind(v)));
    return v->integer;
  }

  std::vector<int64_t> as_ints(const Value& v, const char* what) const {
    if (v->kind != Kind::Tuple && v->kind != Kind::List)
      fail(path_, fmt::format("{} is {}, not a tuple", what, a_kind(v)));
    if (v->items.size() > 64) fail(path_, fmt::format("{} has {} dimensions", what, v->items.size()));
    std::vector<int64_t> out;
    for (const auto& item : v->items) {
      out.push_back(as_int(item, what));
      if (out.back() < 0) fail(path_, fmt::format("{} {} has a negative entry", what, shape_str(out)));
    }
    return out;
  }

  Value rebuild_tensor(const std::vector<Value>& args, const char* fn) {
    const StoragePtr* storage = args[0]->kind == Kind::Opaque ? std::any_cast<StoragePtr>(&args[0]->opaque) : nullptr;
    if (!storage) fail(path_, fmt::format("{} on {}, not a storage", fn, a_kind(args[0])));
    auto t = std::make_shared<TensorRecord>();
    t->storage = **storage;
    t->offset = as_int(args[1], "tensor storage offset");
    if (t->offset < 0) fail(path_, "negative tensor storage offset");
    t->sizes = as_ints(args[2], "tensor size");
    t->strides = as_ints(args[3], "tensor stride");
    if (t->sizes.size() != t->strides.size())
      fail(path_,
           fmt::format("tensor size {} and stride {} differ in length", shape_str(t->sizes), shape_str(t->strides)));
    if (args.size() >= 6 && !(args[5]->kind == Kind::Dict && args[5]->entries.empty()))
      fail(path_, "tensor with backward hooks (not a plain state_dict)");
    if (args.size() == 7 && !(args[6]->kind == Kind::None || (args[6]->kind == Kind::Dict && args[6]->entries.empty())))
      fail(path_, "tensor with extra metadata (conjugate/negative bits) is not supported");
    return pickle::make_opaque(TensorPtr(std::move(t)));
  }

  Value call(const Value& callable, const std::vector<Value>& args) {
    if (callable->kind != Kind::Global)
      fail(path_, fmt::format("pickle calls {} (only allowed globals can be called)", a_kind(callable)));
    const std::string& fn = callable->text;
    const auto arity = [&](size_t lo, size_t hi) {
      if (args.size() < lo || args.size() > hi)
        fail(path_, fmt::format("'{}' called with {} arguments", fn, args.size()));
    };
    if (fn == "collections.OrderedDict") {
      arity(0, 1);
      Value d = pickle::make_dict();
      if (args.size() == 1) {
        const Value& init = args[0];
        if (init->kind == Kind::Dict) {
          for (const auto& [k, v] : init->entries) pickle::dict_set(*d, k, v, path_);
        } else if (init->kind == Kind::List || init->kind == Kind::Tuple) {
          for (const auto& pair : init->items) {
            if (pair->kind != Kind::Tuple || pair->items.size() != 2)
              fail(path_, "OrderedDict built from something other than (key, value) pairs");
            pickle::dict_set(*d, pair->items[0], pair->items[1], path_);
          }
        } else {
          fail(path_, fmt::format("OrderedDict built from {}", a_kind(init)));
        }
      }
      return d;
    }
    if (fn == "torch._utils._rebuild_tensor_v2") {
      arity(6, 7);
      return rebuild_tensor(args, "_rebuild_tensor_v2");
    }
    if (fn == "torch._utils._rebuild_tensor") {
      arity(4, 4);
      return rebuild_tensor(args, "_rebuild_tensor");
    }
    if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
      if (fn == "torch._utils._rebuild_parameter")
        arity(3, 3);
      else
        arity(4, 4);  // the state (attributes set on the Parameter) does not matter for the data
      if (!as_tensor(args[0])) fail(path_, fmt::format("'{}' on {}", fn, a_kind(args[0])));
      if (!(args[2]->kind == Kind::Dict && args[2]->entries.empty()))
        fail(path_, "parameter with backward hooks (not a plain state_dict)");
      return args[0];
    }
    if (fn == "torch.Size") {
      arity(1, 1);
      std::vector<Value> dims;
      for (int64_t d : as_ints(args[0], "torch.Size")) dims.push_back(pickle::make_int(d));
      return pickle::make_tuple(std::move(dims));
    }
    fail(path_, fmt::format("pickle calls '{}', which is not a function that builds a state_dict", fn));
  }

  Value build(const Value& obj, const Value&) {
    // OrderedDict.__setstate__: a state_dict's BUILD sets `_metadata` (module versions), which a reader ignores.
    if (obj->kind == Kind::Dict) return obj;
    fail(path_, fmt::format("pickle sets the state of {} (only a state_dict's _metadata is accepted)", a_kind(obj)));
  }

  // ('storage', storage_type, key, location, numel) in zip files; legacy files add view_metadata, None or
  // (view_key, offset, view_numel) for the storage views of old PyTorch versions.
  Value persistent_load(const Value& pid) {
    if (pid->kind != Kind::Tuple || pid->items.empty() || pid->items[0]->kind != Kind::Str)
      fail(path_, "persistent id is not a ('storage', ...) tuple");
    const auto& f = pid->items;
    if (f[0]->text == "module")
      fail(path_, "the checkpoint pickles a whole nn.Module; save model.state_dict() instead");
    if (f[0]->text != "storage") fail(path_, fmt::format("unknown persistent id '{}'", f[0]->text));
    if (f.size() != (legacy_ ? 6u : 5u))
      fail(path_, fmt::format("storage persistent id has {} fields, expected {}", f.size(), legacy_ ? 6 : 5));
    if (f[1]->kind != Kind::Global || f[1]->text.find("Storage") == std::string::npos)
      fail(path_, "storage persistent id without a storage type");
    const StorageType* type = nullptr;
    for (const auto& s : kStorageTypes)
      if (f[1]->text == std::string("torch.") + s.name) type = &s;
    if (!type) fail(path_, fmt::format("unsupported storage type '{}'", f[1]->text));
    std::string key;
    if (f[2]->kind == Kind::Str)
      key = f[2]->text;
    else if (f[2]->kind == Kind::Int)
      key = std::to_string(f[2]->integer);
    else
      fail(path_, "storage key is neither a string nor an int");
    const int64_t numel = as_int(f[4], "storage size");
    const uint64_t elsize = c10::elementSize(type->dtype);
    if (numel < 0 || static_cast<uint64_t>(numel) > file_size_ / elsize)
      fail(path_, fmt::format("storage '{}' claims {} {} elements, more than the {}-byte file can hold", key, numel,
                              type->dtype_name, file_size_));

    auto& slot = storages_[key];
    if (!slot) {
      slot = std::make_shared<Storage>();
      slot->key = key;
      slot->dtype = type->dtype;
      slot->numel = numel;
      if (!legacy_)
        slot->bytes = read_storage_(key, static_cast<uint64_t>(numel) * elsize,
                                    fmt::format("{} {} elements", numel, type->dtype_name));
    } else if (legacy_ && (slot->dtype != type->dtype || slot->numel != numel)) {
      fail(path_, fmt::format("storage '{}' is declared twice, as {} {} and as {} {}", key, slot->numel,
                              dtype_name(slot->dtype), numel, type->dtype_name));
    } else if (!legacy_ && static_cast<uint64_t>(numel) * elsize > static_cast<uint64_t>(slot->bytes.numel())) {
      fail(path_,
           fmt::format("storage '{}' holds {} bytes but is used as {} {} elements: storage shorter than declared", key,
                       slot->bytes.numel(), numel, type->dtype_name));
    }
    auto ref = std::make_shared<StorageRef>();
    ref->storage = slot;
    ref->dtype = type->dtype;
    ref->numel = numel;
    if (legacy_ && f[5]->kind != Kind::None) {
      const Value& view = f[5];
      if (view->kind != Kind::Tuple || view->items.size() != 3)
        fail(path_, fmt::format("storage '{}' has a malformed view_metadata", key));
      const std::string view_key =
          view->items[0]->kind == Kind::Str ? view->items[0]->text : std::to_string(as_int(view->items[0], "view key"));
      auto seen = views_.find(view_key);
      if (seen != views_.end()) return pickle::make_opaque(StoragePtr(seen->second));  // as torch: first wins
      const int64_t offset = as_int(view->items[1], "storage view offset");
      const int64_t size = as_int(view->items[2], "storage view size");
      if (offset < 0 || size < 0 || offset > numel || size > numel - offset)
        fail(path_, fmt::format("storage view '{}' [{}, {}+{}) lies outside storage '{}' of {} elements", view_key,
                                offset, offset, size, key, numel));
      ref->offset = offset;
      ref->numel = size;
      views_[view_key] = ref;
    }
    return pickle::make_opaque(StoragePtr(std::move(ref)));
  }

  std::string path_;
  uint64_t file_size_;
  bool legacy_;
  std::function<torch::Tensor(const std::string&, uint64_t, const std::string&)> read_storage_;
  std::map<std::string, std::shared_ptr<Storage>> storages_;
  std::map<std::string, std::shared_ptr<StorageRef>> views_;
};

// The state_dict inside what was unpickled: the top-level dict of tensors, or the one under a wrapper key
// (twice at most), with a common "module." prefix (DataParallel) removed.
StateDict collect(const Reader& reader, const Value& top, const std::string& format) {
  const std::string& path = reader.path();
  const auto all_tensors = [](const pickle::Object& d) {
    for (const auto& kv : d.entries)
      if (!as_tensor(kv.second)) return false;
    return true;
  };
  Value obj = top;
  std::vector<std::string> how;
  for (int level = 0; level < 2 && obj->kind == Kind::Dict && !all_tensors(*obj); ++level) {
    const Value* inner = nullptr;
    for (const char* key : kWrapperKeys) {
      inner = pickle::dict_get(*obj, key);
      if (inner && (*inner)->kind == Kind::Dict) {
        how.emplace_back(key);
        break;
      }
      inner = nullptr;
    }
    if (!inner) break;
    obj = *inner;
  }
  const std::string where =
      how.empty() ? "the checkpoint" : fmt::format("the checkpoint's '{}'", fmt::join(how, "' -> '"));
  if (obj->kind != Kind::Dict)
    fail(path, fmt::format("{} is {}, not a state_dict (a dict of tensors)", where, a_kind(obj)));

  std::vector<std::pair<std::string, const TensorRecord*>> found;
  bool prefixed = !obj->entries.empty();
  for (const auto& [k, v] : obj->entries) {
    if (k->kind != Kind::Str) fail(path, fmt::format("{} has {} key, not a name", where, a_kind(k)));
    const TensorRecord* t = as_tensor(v);
    if (!t)
      fail(path, fmt::format("entry '{}' of {} is {}, not a tensor (a state_dict holds only tensors; wrappers "
                             "are unwrapped from '{}')",
                             k->text, where, a_kind(v), fmt::join(kWrapperKeys, "', '")));
    if (k->text.rfind("module.", 0) != 0) prefixed = false;
    found.emplace_back(k->text, t);
  }
  StateDict sd;
  sd.format = format;
  if (prefixed) how.emplace_back("module.");
  sd.unwrapped = fmt::format("{}", fmt::join(how, ","));
  for (const auto& [name, t] : found)
    sd.tensors.emplace_back(prefixed ? name.substr(7) : name, reader.materialize(name, *t));
  return sd;
}

// --- legacy files ---

// A read-only memory map of a whole file.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      fail(path, std::string("cannot stat: ") + std::strerror(errno));
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        fail(path, std::string("cannot map: ") + std::strerror(errno));
      }
      data_ = static_cast<const char*>(p);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view bytes() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// 0x1950a86a20f9469cfc6c as LONG1 stores it (little-endian two's complement).
constexpr char kLegacyMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr int64_t kLegacyProtocol = 1001;

StateDict read_legacy(const std::string& path) {
  const MappedFile file(path);
  const std::string_view all = file.bytes();
  Reader reader(path, all.size(), /*legacy=*/true);
  size_t pos = 0;
  const auto next = [&](bool with_storages) {
    if (pos >= all.size())
      fail(path, fmt::format("ends at byte {} where a pickle should follow (truncated file?)", pos));
    size_t used = 0;
    Value v = pickle::unpickle(all.substr(pos), reader.hooks(with_storages), path, "", pos, &used);
    pos += used;
    return v;
  };

  const Value magic = next(false);
  if (magic->kind != Kind::BigInt || magic->text != std::string(kLegacyMagic, 10))
    fail(path, "wrong magic number: not a PyTorch checkpoint (or a corrupt one)");
  const Value protocol = next(false);
  if (protocol->kind != Kind::Int || protocol->integer != kLegacyProtocol)
    fail(path, fmt::format("unsupported legacy protocol version (expected {})", kLegacyProtocol));
  const Value sys_info = next(false);
  if (sys_info->kind != Kind::Dict) fail(path, "malformed sys_info record");
  if (const Value* le = pickle::dict_get(*sys_info, "little_endian");
      le && (*le)->kind == Kind::Bool && !(*le)->boolean)
    fail(path, "written on a big-endian machine: only little-endian checkpoints are supported");
  const Value top = next(true);
  const Value keys = next(false);
  if (keys->kind != Kind::List) fail(path, "the list of storage keys is missing or malformed");

  auto& storages = reader.storages();
  for (const Value& k : keys->items) {
    const std::string key = k->kind == Kind::Str ? k->text : k->kind == Kind::Int ? std::to_string(k->integer) : "";
    auto it = storages.find(key);
    if (key.empty() || it == storages.end()) fail(path, fmt::format("data for an unknown storage '{}'", key));
    Storage& s = *it->second;
    if (s.bytes.defined()) fail(path, fmt::format("storage '{}' is listed twice", key));
    if (all.size() - pos < 8)
      fail(path, fmt::format("ends at byte {} inside the size of storage '{}' (truncated file?)", pos, key));
    uint64_t count = 0;
    for (int i = 7; i >= 0; --i) count = (count << 8) | static_cast<uint8_t>(all[pos + i]);
    pos += 8;
    if (count != static_cast<uint64_t>(s.numel))
      fail(path,
           fmt::format("storage '{}' has {} elements at byte {} but {} were declared", key, count, pos - 8, s.numel));
    const uint64_t nbytes = count * c10::elementSize(s.dtype);  // numel was checked against the file size
    if (nbytes > all.size() - pos)
      fail(path, fmt::format("storage '{}' needs {} bytes at byte {} but only {} are left (truncated file?)", key,
                             nbytes, pos, all.size() - pos));
    s.bytes = torch::empty({static_cast<int64_t>(nbytes)}, torch::kUInt8);
    std::memcpy(s.bytes.data_ptr(), all.data() + pos, nbytes);
    pos += nbytes;
  }
  for (const auto& [key, s] : storages)
    if (!s->bytes.defined()) fail(path, fmt::format("storage '{}' is used but its data is missing", key));
  return collect(reader, top, "pytorch-legacy");
}

// --- zip files ---

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

class ZipArchive {
 public:
  explicit ZipArchive(const std::string& path) : path_(path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    file_size_ = static_cast<uint64_t>(st.st_size);
    int code = 0;
    zip_.reset(zip_open(path.c_str(), ZIP_RDONLY, &code));
    if (!zip_) {
      zip_error_t err;
      zip_error_init_with_code(&err, code);
      const std::string msg = zip_error_strerror(&err);
      zip_error_fini(&err);
      fail(path, "not a readable zip archive (truncated file?): " + msg);
    }
  }

  uint64_t file_size() const { return file_size_; }
  zip_int64_t count() const { return zip_get_num_entries(zip_.get(), 0); }
  std::string name(zip_uint64_t i) const {
    const char* n = zip_get_name(zip_.get(), i, ZIP_FL_ENC_RAW);
    if (!n) fail(path_, fmt::format("cannot read the name of entry {}", i));
    return n;
  }
  std::optional<zip_uint64_t> find(const std::string& name) const {
    const zip_int64_t i = zip_name_locate(zip_.get(), name.c_str(), ZIP_FL_ENC_RAW);
    if (i < 0) return std::nullopt;
    return static_cast<zip_uint64_t>(i);
  }

  // The uncompressed size of an entry, checked to be possible for this file before anything is allocated.
  uint64_t size(zip_uint64_t i, const std::string& name) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), i, 0, &st) != 0 ||
        (st.valid & (ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD)) !=
            (ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD))
      fail(path_, fmt::format("cannot read the directory record of '{}'", name));
    const bool ok = st.comp_size <= file_size_ &&
                    (st.comp_method == ZIP_CM_STORE     ? st.size == st.comp_size
                     : st.comp_method == ZIP_CM_DEFLATE ? st.size <= st.comp_size * 1032 + 1024  // deflate's limit
                                                        : false);
    if (!ok)
      fail(path_, fmt::format("entry '{}' claims {} bytes from {} stored bytes with compression method {}: impossible "
                              "or unsupported",
                              name, st.size, st.comp_size, st.comp_method));
    return st.size;
  }

  // Reads a whole entry of `size` bytes into dst, checking its CRC.
  void read(zip_uint64_t i, const std::string& name, char* dst, uint64_t size) const {
    std::unique_ptr<zip_file_t, ZipFileClose> f(zip_fopen_index(zip_.get(), i, 0));
    if (!f) fail(path_, fmt::format("cannot open entry '{}': {}", name, zip_strerror(zip_.get())));
    uint64_t done = 0;
    char probe;
    for (;;) {
      const uint64_t want = done < size ? std::min<uint64_t>(size - done, 1 << 26) : 1;
      const zip_int64_t n = zip_fread(f.get(), done < size ? dst + done : &probe, want);
      if (n < 0)
        fail(path_,
             fmt::format("cannot read entry '{}' (truncated or corrupt file?): {}", name, zip_file_strerror(f.get())));
      if (n == 0) break;
      done += static_cast<uint64_t>(n);
      if (done > size) fail(path_, fmt::format("entry '{}' is longer than its directory record says", name));
    }
    if (done != size)
      fail(path_, fmt::format("entry '{}' holds {} of its {} bytes (truncated file?)", name, done, size));
  }

  std::string read_all(const std::string& name, uint64_t limit) const {
    const auto i = find(name);
    if (!i) fail(path_, fmt::format("has no entry '{}'", name));
    const uint64_t n = size(*i, name);
    if (n > limit) fail(path_, fmt::format("entry '{}' is {} bytes, more than the {} expected", name, n, limit));
    std::string out(n, '\0');
    read(*i, name, out.data(), n);
    return out;
  }

 private:
  std::string path_;
  uint64_t file_size_ = 0;
  std::unique_ptr<zip_t, ZipDiscard> zip_;
};

bool plain_name(const std::string& s) {
  if (s.empty() || s == "." || s == ".." || s.size() > 255) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

StateDict read_zip(const std::string& path) {
  const ZipArchive zip(path);
  // The one folder that holds everything: <prefix>/data.pkl, <prefix>/data/<key>, <prefix>/version ...
  std::string prefix;
  const zip_int64_t n = zip.count();
  for (zip_int64_t i = 0; i < n; ++i) {
    const std::string name = zip.name(static_cast<zip_uint64_t>(i));
    const size_t slash = name.find('/');
    if (slash != std::string::npos && name.substr(slash) == "/data.pkl") {
      if (!prefix.empty()) fail(path, fmt::format("holds two data.pkl ('{}/' and '{}')", prefix, name));
      prefix = name.substr(0, slash);
    }
  }
  if (prefix.empty()) fail(path, "zip archive without <folder>/data.pkl: not a torch.save checkpoint");
  if (!plain_name(prefix)) fail(path, fmt::format("archive folder '{}' is not a plain name", prefix));
  for (zip_int64_t i = 0; i < n; ++i) {
    const std::string name = zip.name(static_cast<zip_uint64_t>(i));
    bool inside = name.size() > prefix.size() + 1 && name.compare(0, prefix.size() + 1, prefix + "/") == 0 &&
                  name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
    for (size_t start = prefix.size() + 1; inside && start < name.size();) {
      const size_t end = std::min(name.find('/', start), name.size());
      const std::string part = name.substr(start, end - start);
      if (part.empty() || part == "." || part == "..") inside = false;
      start = end + 1;
    }
    if (!inside)
      fail(path, fmt::format("entry '{}' escapes the archive folder '{}/': refusing the file", name, prefix));
  }
  if (zip.find(prefix + "/byteorder")) {
    const std::string order = zip.read_all(prefix + "/byteorder", 16);
    if (order != "little")
      fail(path, fmt::format("byte order '{}': only little-endian checkpoints are supported", order));
  }

  const auto read_storage = [&zip, &prefix, &path](const std::string& key, uint64_t min_bytes,
                                                   const std::string& declared) {
    if (!plain_name(key)) fail(path, fmt::format("storage key '{}' is not a plain name: refusing the file", key));
    const std::string name = prefix + "/data/" + key;
    const auto i = zip.find(name);
    if (!i) fail(path, fmt::format("storage entry '{}' is missing", name));
    const uint64_t size = zip.size(*i, name);
    if (size < min_bytes)
      fail(path, fmt::format("storage '{}' holds {} bytes but is declared as {} ({} bytes): storage shorter than "
                             "declared",
                             key, size, declared, min_bytes));
    torch::Tensor bytes = torch::empty({static_cast<int64_t>(size)}, torch::kUInt8);
    zip.read(*i, name, static_cast<char*>(bytes.data_ptr()), size);
    return bytes;
  };
  Reader reader(path, zip.file_size(), /*legacy=*/false, read_storage);
  const std::string data = zip.read_all(prefix + "/data.pkl", zip.file_size() * 1032 + 1024);
  const Value top = pickle::unpickle(data, reader.hooks(true), path, "data.pkl");
  return collect(reader, top, "pytorch-zip");
}

}  // namespace

StateDict read_pytorch(const std::string& path) {
  char head[2] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
    in.read(head, 2);
    if (in.gcount() < 2) fail(path, "too short to be a PyTorch checkpoint");
  }
  if (head[0] == 'P' && head[1] == 'K') return read_zip(path);
  if (static_cast<unsigned char>(head[0]) == 0x80) return read_legacy(path);
  fail(path, "neither a zip archive nor a pickle: not a PyTorch checkpoint");
}

}  // namespace mgc::models
