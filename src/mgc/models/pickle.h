#pragma once
// A restricted unpickler: reads the binary pickle opcodes that torch.save emits (protocol 2, and the protocol 3-5
// opcodes a newer Python may add) into plain values, and never imports or calls anything. Whatever could run
// code — a global, a call (REDUCE, NEWOBJ), BUILD, a persistent id — goes to a hook of the caller, which returns a
// value or throws to refuse it. Text (protocol 0/1) opcodes, extension codes, INST/OBJ and out-of-band buffers
// are refused. Reference: Lib/pickletools.py in CPython (opcode semantics).
//
// Everything is bounded by the input: strings cannot be longer than the bytes left, containers nest at most
// kMaxDepth deep, memo indices are checked, and a container cannot be changed once it has been put
// inside another one (which rules out cycles, so values free without recursion surprises).
#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mgc::models::pickle {

struct Object;
using Value = std::shared_ptr<Object>;

constexpr int kMaxDepth = 100;  // containers inside containers

enum class Kind { None, Bool, Int, BigInt, Float, Str, Bytes, Tuple, List, Dict, Set, Global, Opaque };

// One unpickled value. Which fields hold it depends on `kind`.
struct Object {
  Kind kind = Kind::None;
  bool boolean = false;                          // Bool
  int64_t integer = 0;                           // Int (any integer that fits 64 bits)
  double real = 0.0;                             // Float
  std::string text;                              // Str (UTF-8 as stored), Bytes, BigInt (two's complement,
                                                 // little-endian, as LONG1/LONG4 store it), Global ("module.name")
  std::vector<Value> items;                      // Tuple, List, Set
  std::vector<std::pair<Value, Value>> entries;  // Dict, in insertion order
  std::any opaque;                               // Opaque: what a hook made (a tensor, a storage ...)
  int depth = 0;                                 // how deep containers nest below this one
  bool shared = false;                           // placed inside another container: no longer changes
  std::unique_ptr<std::unordered_map<std::string, size_t>> index;  // Dict: key -> position in entries
};

// "None", "int", "str", "dict" ... as Python would name the value's type, for messages.
const char* kind_name(Kind kind);

Value make_none();
Value make_bool(bool b);
Value make_int(int64_t i);
Value make_str(std::string s);
Value make_tuple(std::vector<Value> items);
Value make_dict();
Value make_global(std::string dotted_name);
Value make_opaque(std::any payload);

// Sets dict[key] = value as Python does (a key already present keeps its position) and marks key and value as
// shared. Throws mgc::Error ("weights: '<source>': ...") for an unhashable key, a dict that was already placed
// inside another container, or nesting deeper than kMaxDepth.
void dict_set(Object& dict, const Value& key, const Value& value, const std::string& source);

// Records that `child` now lives inside `parent` (marks it shared, updates parent's depth). Throws mgc::Error if
// the nesting gets deeper than kMaxDepth.
void adopt(Object& parent, const Value& child, const std::string& source);

// The value of a Str key in a Dict, or nullptr.
const Value* dict_get(const Object& dict, std::string_view key);

// The caller's policy. An empty hook refuses the opcodes that need it.
struct Hooks {
  // GLOBAL / STACK_GLOBAL: the value standing for module.name, or throw to refuse it.
  std::function<Value(const std::string& module, const std::string& name)> find_global;
  // REDUCE (callable(*args)) and NEWOBJ (cls.__new__(cls, *args)).
  std::function<Value(const Value& callable, const std::vector<Value>& args)> call;
  // BUILD: obj.__setstate__(state); returns what replaces obj on the stack.
  std::function<Value(const Value& obj, const Value& state)> build;
  // BINPERSID: the object for a persistent id.
  std::function<Value(const Value& pid)> persistent_load;
};

// Unpickles the one pickle at the start of `bytes`, up to and including its STOP opcode, and returns the value.
// `consumed` (if given) receives the number of bytes read. Errors are mgc::Error "weights: '<source>': <cause>";
// malformed input names the byte offset, counted from `base_offset` (where `bytes` starts in its file), and
// `part` if not empty (the archive entry, e.g. "data.pkl"). Whatever a hook throws passes through unchanged.
Value unpickle(std::string_view bytes, const Hooks& hooks, const std::string& source, const std::string& part = "",
               size_t base_offset = 0, size_t* consumed = nullptr);

}  // namespace mgc::models::pickle
