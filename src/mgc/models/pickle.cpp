#include "mgc/models/pickle.h"

#include <cmath>
#include <cstring>

#include "mgc/core/error.h"

namespace mgc::models::pickle {
namespace {

// Opcode values from CPython's Lib/pickle.py.
enum Op : uint8_t {
  kMark = '(',
  kStop = '.',
  kPop = '0',
  kPopMark = '1',
  kDup = '2',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinString = 'T',
  kShortBinString = 'U',
  kBinUnicode = 'X',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kDict = 'd',
  kEmptyDict = '}',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kList = 'l',
  kEmptyList = ']',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kEmptyTuple = ')',
  kSetItems = 'u',
  kBinFloat = 'G',
  kProto = 0x80,
  kNewObj = 0x81,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kLong4 = 0x8b,
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kBinBytes8 = 0x8e,
  kEmptySet = 0x8f,
  kAddItems = 0x90,
  kFrozenSet = 0x91,
  kNewObjEx = 0x92,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

// Names of the opcodes refused on purpose, for a clearer message than a byte value.
const char* refused_name(uint8_t op) {
  switch (op) {
    case 'I':
      return "INT (protocol 0 text)";
    case 'L':
      return "LONG (protocol 0 text)";
    case 'F':
      return "FLOAT (protocol 0 text)";
    case 'S':
      return "STRING (protocol 0 text)";
    case 'V':
      return "UNICODE (protocol 0 text)";
    case 'P':
      return "PERSID (protocol 0 text)";
    case 'g':
      return "GET (protocol 0 text)";
    case 'p':
      return "PUT (protocol 0 text)";
    case 'i':
      return "INST (calls a class)";
    case 'o':
      return "OBJ (calls a class)";
    case 0x82:
    case 0x83:
    case 0x84:
      return "EXT (extension registry)";
    case 0x96:
      return "BYTEARRAY8";
    case 0x97:
      return "NEXT_BUFFER";
    case 0x98:
      return "READONLY_BUFFER";
    default:
      return nullptr;
  }
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0)
      extra = 1, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
      extra = 2, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
      extra = 3, cp = c & 0x07;
    else
      return false;
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

// A dict key as a string that is equal exactly when Python's keys compare equal (for the key types a pickle can
// hold); lists, dicts and sets are unhashable.
bool hash_key(const Object& v, std::string& out) {
  switch (v.kind) {
    case Kind::None:
      out += 'N';
      return true;
    case Kind::Bool:
      out += v.boolean ? "i1;" : "i0;";
      return true;
    case Kind::Int:
      out += 'i' + std::to_string(v.integer) + ';';
      return true;
    case Kind::BigInt:
      out += 'L' + std::to_string(v.text.size()) + ':' + v.text;
      return true;
    case Kind::Float:
      if (std::isfinite(v.real) && v.real == std::trunc(v.real) && std::fabs(v.real) < 9.2e18) {
        out += 'i' + std::to_string(static_cast<int64_t>(v.real)) + ';';
      } else {
        char buf[8];
        std::memcpy(buf, &v.real, 8);
        out += 'f' + std::string(buf, 8);
      }
      return true;
    case Kind::Str:
      out += 's' + std::to_string(v.text.size()) + ':' + v.text;
      return true;
    case Kind::Bytes:
      out += 'b' + std::to_string(v.text.size()) + ':' + v.text;
      return true;
    case Kind::Tuple:
      out += '(';
      for (const auto& item : v.items)
        if (!hash_key(*item, out)) return false;
      out += ')';
      return true;
    case Kind::Global:
    case Kind::Opaque:
      out += 'p' + std::to_string(reinterpret_cast<uintptr_t>(&v)) + ';';
      return true;
    case Kind::List:
    case Kind::Dict:
    case Kind::Set:
      return false;
  }
  return false;
}

Value make(Kind kind) {
  auto v = std::make_shared<Object>();
  v->kind = kind;
  return v;
}

class Unpickler {
 public:
  Unpickler(std::string_view bytes, const Hooks& hooks, const std::string& source, const std::string& part, size_t base)
      : bytes_(bytes), hooks_(hooks), source_(source), part_(part), base_(base) {}

  Value run(size_t* consumed) {
    for (;;) {
      op_pos_ = pos_;
      const uint8_t op = u8();
      if (op == kStop) {
        Value v = pop();
        if (consumed) *consumed = pos_;
        return v;
      }
      step(op);
    }
  }

 private:
  [[noreturn]] void fail(const std::string& cause) const {
    throw make_error("weights", "'{}': malformed pickle{} at byte {}: {}", source_, part_.empty() ? "" : " " + part_,
                     base_ + op_pos_, cause);
  }

  // --- reading ---
  std::string_view take(uint64_t n) {
    if (n > bytes_.size() - pos_)
      fail(fmt::format("needs {} more bytes but only {} are left (truncated file?)", n, bytes_.size() - pos_));
    std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint8_t u8() { return static_cast<uint8_t>(take(1)[0]); }
  uint64_t le(int n) {
    const std::string_view s = take(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[i]);
    return v;
  }
  std::string line() {
    const size_t end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos || end - pos_ > 1000) fail("unterminated or overlong GLOBAL name");
    std::string s(bytes_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  Value str(uint64_t n) {
    auto v = make(Kind::Str);
    v->text = std::string(take(n));
    if (!valid_utf8(v->text)) fail("string is not valid UTF-8");
    return v;
  }
  Value bytes(uint64_t n) {
    auto v = make(Kind::Bytes);
    v->text = std::string(take(n));
    return v;
  }
  Value long_value(uint64_t n) {
    const std::string_view raw = take(n);
    if (n <= 8) {
      uint64_t u = 0;
      for (int i = static_cast<int>(n) - 1; i >= 0; --i) u = (u << 8) | static_cast<uint8_t>(raw[i]);
      if (n > 0 && n < 8 && (static_cast<uint8_t>(raw[n - 1]) & 0x80)) u |= ~uint64_t{0} << (8 * n);  // sign
      return make_int(static_cast<int64_t>(u));
    }
    auto v = make(Kind::BigInt);
    v->text = std::string(raw);
    return v;
  }

  // --- the stack ---
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value v) { stack_.push_back(std::move(v)); }
  Value pop() {
    if (stack_.size() <= floor()) fail("stack underflow");
    Value v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  Value& top() {
    if (stack_.size() <= floor()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<Value> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + m), std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  Value tuple_of(std::vector<Value> items) {
    auto t = make(Kind::Tuple);
    for (const auto& item : items) adopt(*t, item, source_);
    t->items = std::move(items);
    return t;
  }
  Object& mutable_container(Value& v, Kind kind, const char* op) {
    if (v->kind != kind)
      fail(fmt::format("{} on a {} (only plain containers are supported; no methods are called)", op,
                       kind_name(v->kind)));
    if (v->shared) fail(fmt::format("{} changes a {} already placed inside another object", op, kind_name(kind)));
    return *v;
  }
  void append_all(Value& target, std::vector<Value> items, Kind kind, const char* op) {
    for (const auto& item : items) item->shared = true;  // first, so that appending a list to itself is refused
    Object& c = mutable_container(target, kind, op);
    for (const auto& item : items) adopt(c, item, source_);
    for (auto& item : items) c.items.push_back(std::move(item));
  }
  void set_items(Value& target, std::vector<Value>& kv) {
    if (kv.size() % 2) fail("SETITEMS with an odd number of items");
    Object& d = mutable_container(target, Kind::Dict, "SETITEMS");
    for (size_t i = 0; i < kv.size(); i += 2) dict_set(d, kv[i], kv[i + 1], source_);
  }
  Value memo_get(uint64_t idx) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) fail(fmt::format("memo index {} is not defined", idx));
    return it->second;
  }
  Value global(const std::string& module, const std::string& name) {
    if (!hooks_.find_global) fail(fmt::format("global '{}.{}' where none is allowed", module, name));
    return hooks_.find_global(module, name);
  }
  Value call(const Value& callable, const Value& args, const char* op) {
    if (args->kind != Kind::Tuple) fail(fmt::format("{} arguments are a {}, not a tuple", op, kind_name(args->kind)));
    if (!hooks_.call) fail(fmt::format("{} where no call is allowed", op));
    return hooks_.call(callable, args->items);
  }

  void step(uint8_t op) {
    switch (op) {
      case kProto: {
        const uint8_t version = u8();
        if (version > 5) fail(fmt::format("unsupported pickle protocol {}", version));
        break;
      }
      case kFrame: {
        const uint64_t n = le(8);
        if (n > bytes_.size() - pos_) fail("frame runs past the end (truncated file?)");
        break;
      }
      case kMark:
        marks_.push_back(stack_.size());
        break;
      case kPop:
        if (stack_.size() > floor())
          stack_.pop_back();
        else
          pop_mark();
        break;
      case kPopMark:
        pop_mark();
        break;
      case kDup:
        push(top());
        break;
      case kNone:
        push(make_none());
        break;
      case kNewTrue:
        push(make_bool(true));
        break;
      case kNewFalse:
        push(make_bool(false));
        break;
      case kBinInt:
        push(make_int(static_cast<int32_t>(static_cast<uint32_t>(le(4)))));
        break;
      case kBinInt1:
        push(make_int(u8()));
        break;
      case kBinInt2:
        push(make_int(static_cast<int64_t>(le(2))));
        break;
      case kLong1:
        push(long_value(u8()));
        break;
      case kLong4: {
        const uint64_t n = le(4);
        if (n & 0x80000000u) fail("LONG4 with a negative length");
        push(long_value(n));
        break;
      }
      case kBinFloat: {
        uint64_t bits = 0;
        for (char c : take(8)) bits = (bits << 8) | static_cast<uint8_t>(c);  // big-endian
        auto v = make(Kind::Float);
        std::memcpy(&v->real, &bits, 8);
        push(v);
        break;
      }
      case kShortBinUnicode:
        push(str(u8()));
        break;
      case kBinUnicode:
        push(str(le(4)));
        break;
      case kBinUnicode8:
        push(str(le(8)));
        break;
      case kShortBinString:
        push(str(u8()));
        break;  // Python 2 str, decoded as UTF-8 like torch.load does
      case kBinString: {
        const uint64_t n = le(4);
        if (n & 0x80000000u) fail("BINSTRING with a negative length");
        push(str(n));
        break;
      }
      case kShortBinBytes:
        push(bytes(u8()));
        break;
      case kBinBytes:
        push(bytes(le(4)));
        break;
      case kBinBytes8:
        push(bytes(le(8)));
        break;
      case kEmptyTuple:
        push(make_tuple({}));
        break;
      case kTuple:
        push(tuple_of(pop_mark()));
        break;
      case kTuple1: {
        Value a = pop();
        push(tuple_of({a}));
        break;
      }
      case kTuple2: {
        Value b = pop(), a = pop();
        push(tuple_of({a, b}));
        break;
      }
      case kTuple3: {
        Value c = pop(), b = pop(), a = pop();
        push(tuple_of({a, b, c}));
        break;
      }
      case kEmptyList:
        push(make(Kind::List));
        break;
      case kList: {
        auto items = pop_mark();
        Value l = make(Kind::List);
        append_all(l, std::move(items), Kind::List, "LIST");
        push(l);
        break;
      }
      case kAppend: {
        Value v = pop();
        append_all(top(), {v}, Kind::List, "APPEND");
        break;
      }
      case kAppends: {
        auto items = pop_mark();
        append_all(top(), std::move(items), Kind::List, "APPENDS");
        break;
      }
      case kEmptySet:
        push(make(Kind::Set));
        break;
      case kAddItems: {
        auto items = pop_mark();
        append_all(top(), std::move(items), Kind::Set, "ADDITEMS");
        break;
      }
      case kFrozenSet: {
        auto items = pop_mark();
        Value s = make(Kind::Set);
        append_all(s, std::move(items), Kind::Set, "FROZENSET");
        push(s);
        break;
      }
      case kEmptyDict:
        push(make_dict());
        break;
      case kDict: {
        auto kv = pop_mark();
        Value d = make_dict();
        set_items(d, kv);
        push(d);
        break;
      }
      case kSetItem: {
        Value value = pop(), key = pop();
        std::vector<Value> kv{key, value};
        set_items(top(), kv);
        break;
      }
      case kSetItems: {
        auto kv = pop_mark();
        set_items(top(), kv);
        break;
      }
      case kBinPut:
        memo_[u8()] = top();
        break;
      case kLongBinPut:
        memo_[le(4)] = top();
        break;
      case kMemoize: {
        Value v = top();
        memo_[memo_.size()] = std::move(v);
        break;
      }
      case kBinGet:
        push(memo_get(u8()));
        break;
      case kLongBinGet:
        push(memo_get(le(4)));
        break;
      case kGlobal: {
        const std::string module = line();
        const std::string name = line();
        push(global(module, name));
        break;
      }
      case kStackGlobal: {
        Value name = pop(), module = pop();
        if (name->kind != Kind::Str || module->kind != Kind::Str) fail("STACK_GLOBAL needs two strings");
        push(global(module->text, name->text));
        break;
      }
      case kReduce: {
        Value args = pop(), callable = pop();
        push(call(callable, args, "REDUCE"));
        break;
      }
      case kNewObj: {
        Value args = pop(), cls = pop();
        push(call(cls, args, "NEWOBJ"));
        break;
      }
      case kNewObjEx: {
        Value kwargs = pop(), args = pop(), cls = pop();
        if (kwargs->kind != Kind::Dict || !kwargs->entries.empty()) fail("NEWOBJ_EX with keyword arguments");
        push(call(cls, args, "NEWOBJ_EX"));
        break;
      }
      case kBuild: {
        Value state = pop();
        Value& obj = top();
        if (!hooks_.build) fail(fmt::format("BUILD on a {} where none is allowed", kind_name(obj->kind)));
        obj = hooks_.build(obj, state);
        break;
      }
      case kBinPersId: {
        Value pid = pop();
        if (!hooks_.persistent_load) fail("persistent id where none is expected");
        push(hooks_.persistent_load(pid));
        break;
      }
      default:
        if (const char* name = refused_name(op)) fail(fmt::format("opcode {} is not supported", name));
        fail(fmt::format("unknown opcode 0x{:02x}", op));
    }
  }

  std::string_view bytes_;
  const Hooks& hooks_;
  const std::string& source_;
  const std::string& part_;
  size_t base_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value> memo_;
};

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::BigInt:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::Str:
      return "str";
    case Kind::Bytes:
      return "bytes";
    case Kind::Tuple:
      return "tuple";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Set:
      return "set";
    case Kind::Global:
      return "global";
    case Kind::Opaque:
      return "object";
  }
  return "?";
}

Value make_none() { return make(Kind::None); }
Value make_bool(bool b) {
  auto v = make(Kind::Bool);
  v->boolean = b;
  return v;
}
Value make_int(int64_t i) {
  auto v = make(Kind::Int);
  v->integer = i;
  return v;
}
Value make_str(std::string s) {
  auto v = make(Kind::Str);
  v->text = std::move(s);
  return v;
}
Value make_tuple(std::vector<Value> items) {
  auto v = make(Kind::Tuple);
  for (auto& item : items) item->shared = true, v->depth = std::max(v->depth, item->depth + 1);
  v->items = std::move(items);
  return v;
}
Value make_dict() { return make(Kind::Dict); }
Value make_global(std::string dotted_name) {
  auto v = make(Kind::Global);
  v->text = std::move(dotted_name);
  return v;
}
Value make_opaque(std::any payload) {
  auto v = make(Kind::Opaque);
  v->opaque = std::move(payload);
  return v;
}

void adopt(Object& parent, const Value& child, const std::string& source) {
  child->shared = true;
  parent.depth = std::max(parent.depth, child->depth + 1);
  if (parent.depth > kMaxDepth)
    throw make_error("weights", "'{}': pickle nests containers deeper than {} levels", source, kMaxDepth);
}

void dict_set(Object& dict, const Value& key, const Value& value, const std::string& source) {
  key->shared = value->shared = true;  // first, so that putting a dict into itself is refused
  if (dict.shared)
    throw make_error("weights", "'{}': pickle changes a dict already placed inside another object", source);
  std::string hashed;
  if (!hash_key(*key, hashed))
    throw make_error("weights", "'{}': pickle uses an unhashable {} as a dict key", source, kind_name(key->kind));
  adopt(dict, key, source);
  adopt(dict, value, source);
  if (!dict.index) dict.index = std::make_unique<std::unordered_map<std::string, size_t>>();
  auto [it, inserted] = dict.index->emplace(std::move(hashed), dict.entries.size());
  if (inserted)
    dict.entries.emplace_back(key, value);
  else
    dict.entries[it->second].second = value;
}

const Value* dict_get(const Object& dict, std::string_view key) {
  if (dict.kind != Kind::Dict || !dict.index) return nullptr;
  auto it = dict.index->find('s' + std::to_string(key.size()) + ':' + std::string(key));
  return it == dict.index->end() ? nullptr : &dict.entries[it->second].second;
}

Value unpickle(std::string_view bytes, const Hooks& hooks, const std::string& source, const std::string& part,
               size_t base_offset, size_t* consumed) {
  return Unpickler(bytes, hooks, source, part, base_offset).run(consumed);
}

}  // namespace mgc::models::pickle
