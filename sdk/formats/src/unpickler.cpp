#include "unpickler.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "modelzoo/sdk/error.h"

namespace modelzoo::formats {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kStorage,
    kTensor,
    kObject  // a TorchScript `__torch__.*` object: its attributes, never its code
  };
  Kind kind = Kind::kNone;
  // Levels of containers below and including this one, as far as the
  // unpickler could see when items were added (see Unpickler::nest).
  uint32_t depth = 1;
  int64_t integer = 0;
  double real = 0;
  std::string text;             // string, "module.name" of a global, or an object's class
  std::vector<ValuePtr> items;  // tuple, list; an object's state when it is not a dict
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // dict; an object's attributes
  StorageRef storage{};
  TensorView tensor;
};

ValuePtr make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

// The only callables a state dict needs; everything else is refused.
const std::set<std::string> kAllowedGlobals = {
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter",
};
// What a TorchScript archive's data.pkl adds (torch/jit/_pickle.py): the
// list builders and restore_type_tag return their first argument unchanged
// (they only carry a static type for the jit), and torch.device(str) is a
// value. Classes under `__torch__` are allowed too, but only instantiated
// by NEWOBJ as bags of attributes (see Unpickler::new_object).
const std::set<std::string> kTorchScriptGlobals = {
    "torch.jit._pickle.build_intlist",    "torch.jit._pickle.build_tensorlist",
    "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist",
    "torch.jit._pickle.restore_type_tag", "torch.device",
};
constexpr const char* kTorchScriptPrefix = "__torch__.";
const std::map<std::string, DType> kStorageTypes = {
    {"torch.DoubleStorage", DType::kF64}, {"torch.FloatStorage", DType::kF32},
    {"torch.HalfStorage", DType::kF16},   {"torch.BFloat16Storage", DType::kBF16},
    {"torch.LongStorage", DType::kI64},   {"torch.IntStorage", DType::kI32},
    {"torch.ShortStorage", DType::kI16},  {"torch.CharStorage", DType::kI8},
    {"torch.ByteStorage", DType::kU8},    {"torch.BoolStorage", DType::kBool},
};
constexpr size_t kMaxStack = 1 << 20;
constexpr size_t kMaxMemo = 1 << 22;
// Containers nested deeper than this are refused. Freeing a nested value
// recurses once per level (shared_ptr destructors), so a pickle of a million
// one-byte TUPLE1 opcodes overflowed the stack; Python's own pickler stops
// at its recursion limit (1000), so torch.save never writes anything close.
constexpr uint32_t kMaxNesting = 1000;

class Unpickler {
 public:
  Unpickler(const uint8_t* data, size_t size, const StorageResolver& storages,
            const std::string& file, PickleMode mode)
      : data_(data), size_(size), storages_(storages), file_(file), mode_(mode) {}
  // A pickle can build reference cycles (a list appended to itself), which
  // shared_ptr alone would leak. Every cycle runs through a container that
  // was memoized (the only way to refer to an object twice), so emptying
  // those breaks them all.
  ~Unpickler() {
    for (const auto& v : memoized_) {
      v->items.clear();
      v->entries.clear();
    }
  }
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;

  ValuePtr run() {
    while (true) {
      const uint8_t op = byte();
      // One opcode a line, as in pickletools' table.
      // clang-format off
      switch (op) {
        case 0x80: byte(); break;                       // PROTO
        case 0x95: skip(8); break;                      // FRAME
        case '}': push(make(Value::Kind::kDict)); break;  // EMPTY_DICT
        case ']': push(make(Value::Kind::kList)); break;  // EMPTY_LIST
        case ')': push(make(Value::Kind::kTuple)); break;  // EMPTY_TUPLE
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case 't': push(tuple_of(pop_mark())); break;     // TUPLE
        case 0x85: push(tuple_of(pop_n(1))); break;      // TUPLE1
        case 0x86: push(tuple_of(pop_n(2))); break;      // TUPLE2
        case 0x87: push(tuple_of(pop_n(3))); break;      // TUPLE3
        case 'q': memo_put(byte()); break;               // BINPUT
        case 'r': memo_put(le(4)); break;                // LONG_BINPUT
        case 0x94: memo_put(memo_.size()); break;        // MEMOIZE
        case 'h': push(memo_get(byte())); break;         // BINGET
        case 'j': push(memo_get(le(4))); break;          // LONG_BINGET
        case 'J': push(integer(static_cast<int32_t>(le(4)))); break;  // BININT
        case 'K': push(integer(byte())); break;          // BININT1
        case 'M': push(integer(static_cast<int64_t>(le(2)))); break;  // BININT2
        case 0x8a: push(integer(long1())); break;        // LONG1
        case 'G': push(real()); break;                   // BINFLOAT
        case 0x88: push(boolean(true)); break;           // NEWTRUE
        case 0x89: push(boolean(false)); break;          // NEWFALSE
        case 'N': push(make(Value::Kind::kNone)); break;  // NONE
        case 'X': case 'T': case 'B': push(string(le(4))); break;  // BINUNICODE, BINSTRING, BINBYTES
        case 0x8c: case 'U': case 'C': push(string(byte())); break;  // SHORT_BINUNICODE/STRING/BYTES
        case 'c': {                                      // GLOBAL module\nname\n
          std::string module = line();  // two statements: argument order is unspecified
          push(global(module, line()));
          break;
        }
        case 'R': reduce(); break;                       // REDUCE
        case 0x81: new_object(); break;                  // NEWOBJ
        case 'b': build(); break;                        // BUILD
        case 's': setitems(pop_n(2)); break;             // SETITEM
        case 'u': setitems(pop_mark()); break;           // SETITEMS
        case 'a': append(pop_n(1)); break;               // APPEND
        case 'e': append(pop_mark()); break;             // APPENDS
        case 'Q': push(persistent(pop())); break;        // BINPERSID
        case '.': return pop();                          // STOP
        default:
          fail("unsupported pickle opcode 0x" + hex(op) + " (torch.save of a state dict does not use it)");
      }
      // clang-format on
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("cannot read " + file_ + ": " + what);
  }
  static std::string hex(uint8_t b) {
    const char* d = "0123456789abcdef";
    return std::string{d[b >> 4], d[b & 15]};
  }
  void need(size_t n) const {
    if (n > size_ - pos_) fail("the pickle is truncated (corrupted or incomplete file)");
  }
  uint8_t byte() {
    need(1);
    return data_[pos_++];
  }
  void skip(size_t n) {
    need(n);
    pos_ += n;
  }
  uint64_t le(int n) {
    need(static_cast<size_t>(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  int64_t long1() {
    const uint8_t n = byte();
    if (n > 8) fail("integer wider than 64 bits");
    need(n);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    if (n > 0 && n < 8 && (data_[pos_ + n - 1] & 0x80))
      v |= ~uint64_t(0) << (8 * n);  // sign-extend
    pos_ += n;
    return static_cast<int64_t>(v);
  }
  std::string line() {
    const size_t start = pos_;
    while (true) {
      if (byte() == '\n')
        return std::string(reinterpret_cast<const char*>(data_ + start), pos_ - start - 1);
      if (pos_ - start > 256) fail("GLOBAL name too long");
    }
  }
  ValuePtr integer(int64_t i) {
    auto v = make(Value::Kind::kInt);
    v->integer = i;
    return v;
  }
  ValuePtr boolean(bool b) {
    auto v = make(Value::Kind::kBool);
    v->integer = b;
    return v;
  }
  ValuePtr real() {
    need(8);
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | data_[pos_ + i];  // big-endian
    pos_ += 8;
    auto v = make(Value::Kind::kFloat);
    std::memcpy(&v->real, &bits, 8);
    return v;
  }
  ValuePtr string(uint64_t n) {
    need(n);
    auto v = make(Value::Kind::kString);
    v->text.assign(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return v;
  }
  bool torchscript() const { return mode_ == PickleMode::kTorchScript; }
  static bool is_torchscript_class(const std::string& full) {
    return full.compare(0, std::strlen(kTorchScriptPrefix), kTorchScriptPrefix) == 0;
  }
  ValuePtr global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    const bool allowed =
        kAllowedGlobals.count(full) || kStorageTypes.count(full) ||
        (torchscript() && (kTorchScriptGlobals.count(full) || is_torchscript_class(full)));
    if (!allowed)
      throw Error("refusing '" + full + "' in " + file_ +
                  (torchscript() ? ": only tensors, containers and TorchScript (__torch__) "
                                   "module attributes are allowed; nothing in the archive is run"
                                 : ": only tensors and containers are allowed (like "
                                   "torch.load(weights_only=True))"));
    auto v = make(Value::Kind::kGlobal);
    v->text = full;
    return v;
  }
  void push(ValuePtr v) {
    if (stack_.size() >= kMaxStack) fail("pickle stack too deep");
    stack_.push_back(std::move(v));
  }
  ValuePtr pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
      fail("pickle stack underflow");
    ValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  std::vector<ValuePtr> pop_n(size_t n) {
    std::vector<ValuePtr> out(n);
    for (size_t i = n; i-- > 0;) out[i] = pop();
    return out;
  }
  std::vector<ValuePtr> pop_mark() {
    if (marks_.empty()) fail("MARK missing");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> out(stack_.begin() + static_cast<long>(mark), stack_.end());
    stack_.resize(mark);
    return out;
  }
  // Checks that `container` may hold `items` without nesting deeper than
  // kMaxNesting. A memoized container can gain items after it was put into
  // another, so its parents' depths may be stale; that is safe because a
  // memoized value is held by memoized_ until ~Unpickler empties it, so
  // freeing never recurses through it: the depth that matters is the chain
  // of values that are not memoized, which are complete when added.
  void nest(Value& container, const std::vector<ValuePtr>& items) {
    for (const auto& item : items) {
      if (item->depth >= kMaxNesting)
        fail("containers nested more than " + std::to_string(kMaxNesting) +
             " levels deep (torch.save never writes that; corrupted or hostile file)");
      container.depth = std::max(container.depth, item->depth + 1);
    }
  }
  ValuePtr tuple_of(std::vector<ValuePtr> items) {
    auto v = make(Value::Kind::kTuple);
    nest(*v, items);
    v->items = std::move(items);
    return v;
  }
  void memo_put(uint64_t index) {
    if (stack_.empty()) fail("memo of an empty stack");
    if (memo_.size() >= kMaxMemo && !memo_.count(index)) fail("pickle memo too large");
    memo_[index] = stack_.back();
    memoized_.push_back(stack_.back());
  }
  ValuePtr memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " missing");
    return it->second;
  }
  ValuePtr top() {
    if (stack_.empty()) fail("pickle stack underflow");
    return stack_.back();
  }
  void setitems(const std::vector<ValuePtr>& kv) {
    if (kv.size() % 2 != 0) fail("SETITEMS with an odd number of items");
    ValuePtr dict = top();
    if (dict->kind != Value::Kind::kDict) fail("SETITEM on something that is not a dict");
    nest(*dict, kv);
    for (size_t i = 0; i < kv.size(); i += 2) dict->entries.emplace_back(kv[i], kv[i + 1]);
  }
  void append(const std::vector<ValuePtr>& items) {
    ValuePtr list = top();
    if (list->kind != Value::Kind::kList) fail("APPEND on something that is not a list");
    nest(*list, items);
    list->items.insert(list->items.end(), items.begin(), items.end());
  }
  void build() {
    ValuePtr state = pop();
    ValuePtr target = top();
    if (target->kind == Value::Kind::kObject) {
      // A module's state is the dict of its attributes; a class with its own
      // __setstate__ pickles something else, kept as it is (its code, which
      // would make sense of it, is not run).
      if (!target->entries.empty() || !target->items.empty()) fail("BUILD twice on one object");
      nest(*target, {state});
      if (state->kind == Value::Kind::kDict)
        target->entries = state->entries;
      else
        target->items = {state};
      return;
    }
    // An OrderedDict's _metadata (kept by Python, not needed here).
    if (target->kind != Value::Kind::kDict) fail("BUILD on something other than an OrderedDict");
  }
  // NEWOBJ cls args: cls.__new__(cls, *args), which for a TorchScript class
  // makes an empty object that BUILD then fills with its attributes.
  void new_object() {
    ValuePtr args = pop();
    ValuePtr cls = pop();
    if (cls->kind != Value::Kind::kGlobal || !is_torchscript_class(cls->text))
      fail("NEWOBJ of something that is not a TorchScript class");
    if (args->kind != Value::Kind::kTuple || !args->items.empty())
      fail("NEWOBJ of '" + cls->text + "' with arguments (TorchScript objects take none)");
    auto v = make(Value::Kind::kObject);
    v->text = cls->text;
    push(v);
  }
  ValuePtr persistent(const ValuePtr& pid) {
    // ('storage', storage_type, key, location, numel)
    if (pid->kind != Value::Kind::kTuple || pid->items.size() < 5 ||
        pid->items[0]->kind != Value::Kind::kString || pid->items[0]->text != "storage" ||
        pid->items[1]->kind != Value::Kind::kGlobal ||
        pid->items[2]->kind != Value::Kind::kString || pid->items[4]->kind != Value::Kind::kInt)
      fail("unexpected persistent id (not a torch storage)");
    auto type = kStorageTypes.find(pid->items[1]->text);
    if (type == kStorageTypes.end()) fail("'" + pid->items[1]->text + "' is not a storage type");
    auto v = make(Value::Kind::kStorage);
    v->storage = storages_(pid->items[2]->text, type->second);
    const int64_t numel = pid->items[4]->integer;
    if (numel < 0 || static_cast<uint64_t>(numel) > v->storage.bytes / dtype_size(type->second))
      fail("storage '" + pid->items[2]->text + "' is smaller than its declared " +
           std::to_string(numel) + " elements (corrupted or incomplete file)");
    v->storage.bytes = static_cast<size_t>(numel) * dtype_size(type->second);
    return v;
  }
  std::vector<int64_t> ints(const ValuePtr& tuple, const char* what) {
    if (tuple->kind != Value::Kind::kTuple) fail(std::string(what) + " is not a tuple");
    std::vector<int64_t> out;
    for (const auto& i : tuple->items) {
      if (i->kind != Value::Kind::kInt) fail(std::string(what) + " holds a non-integer");
      out.push_back(i->integer);
    }
    return out;
  }
  void reduce() {
    ValuePtr args = pop();
    ValuePtr callable = pop();
    if (callable->kind != Value::Kind::kGlobal || args->kind != Value::Kind::kTuple)
      fail("REDUCE of something that is not an allowed global");
    const std::string& f = callable->text;
    if (f == "collections.OrderedDict") {
      push(make(Value::Kind::kDict));
    } else if (f == "torch._utils._rebuild_parameter") {
      if (args->items.empty() || args->items[0]->kind != Value::Kind::kTensor)
        fail("_rebuild_parameter without a tensor");
      push(args->items[0]);
    } else if (f == "torch._utils._rebuild_tensor_v2") {
      push(rebuild_tensor(args->items));
    } else if (kTorchScriptGlobals.count(f)) {
      // build_*list(x) and restore_type_tag(x, type) are x; device(str) is str.
      if (args->items.empty()) fail("'" + f + "' without an argument");
      if (f == "torch.device" && args->items[0]->kind != Value::Kind::kString)
        fail("torch.device of something that is not a string");
      push(args->items[0]);
    } else {
      fail("'" + f + "' cannot be called");
    }
  }
  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& a) {
    if (a.size() < 4 || a[0]->kind != Value::Kind::kStorage || a[1]->kind != Value::Kind::kInt)
      fail("malformed _rebuild_tensor_v2 arguments");
    auto v = make(Value::Kind::kTensor);
    TensorView& t = v->tensor;
    const StorageRef& s = a[0]->storage;
    t.dtype = s.dtype;
    t.storage = s.data;
    t.storage_bytes = s.bytes;
    t.storage_key = s.key;
    t.storage_offset = a[1]->integer;
    t.shape = ints(a[2], "size");
    t.strides = ints(a[3], "stride");
    if (t.shape.size() != t.strides.size()) fail("size and stride differ in length");
    // The furthest element the view can reach must lie inside its storage.
    const uint64_t elements = s.bytes / dtype_size(s.dtype);
    bool empty = false;
    uint64_t last = static_cast<uint64_t>(t.storage_offset);
    if (t.storage_offset < 0) fail("negative storage offset");
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (t.shape[i] < 0 || t.strides[i] < 0) fail("negative size or stride");
      if (t.shape[i] == 0) empty = true;
      const uint64_t span = static_cast<uint64_t>(t.shape[i] > 0 ? t.shape[i] - 1 : 0);
      const uint64_t stride = static_cast<uint64_t>(t.strides[i]);
      if (stride != 0 && span > (std::numeric_limits<uint64_t>::max() - last) / stride)
        fail("tensor extent overflows");
      last += span * stride;
    }
    if (!empty && last >= elements)
      fail("storage '" + s.key + "' is smaller than the tensor needs (element " +
           std::to_string(last) + " of " + std::to_string(elements) +
           "; corrupted or incomplete file)");
    return v;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const StorageResolver& storages_;
  const std::string& file_;
  const PickleMode mode_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::map<uint64_t, ValuePtr> memo_;
  std::vector<ValuePtr> memoized_;  // every value ever memoized, for ~Unpickler
};

// The containers a walk descends into: a state dict's nested dicts; in a
// TorchScript archive also objects (by attribute), lists and tuples (by
// index), as torch.jit's module tree names them ("encoder.0.weight").
bool is_walked(const Value& v, PickleMode mode) {
  if (v.kind == Value::Kind::kDict) return true;
  return mode == PickleMode::kTorchScript &&
         (v.kind == Value::Kind::kObject || v.kind == Value::Kind::kList ||
          v.kind == Value::Kind::kTuple);
}

// Calls f(name, child) for each child of a walked container that a walk
// counts: every dict entry and attribute (`name` empty for a key that is
// not a string, which names nothing), and the tensors and containers among
// a list's or tuple's items (a list of a million numbers names nothing).
template <typename F>
void for_each_child(const Value& v, PickleMode mode, F&& f) {
  for (const auto& [key, value] : v.entries) {
    if (key->kind == Value::Kind::kString)
      f(key->text, value);
    else if (key->kind == Value::Kind::kInt && mode == PickleMode::kTorchScript)
      f(std::to_string(key->integer), value);  // a Dict[int, Tensor] attribute
    else
      f(std::string(), value);
  }
  for (size_t i = 0; i < v.items.size(); ++i)
    if (v.items[i]->kind == Value::Kind::kTensor || is_walked(*v.items[i], mode))
      f(std::to_string(i), v.items[i]);
}

// Walks the containers depth first. A container may be shared (it then
// appears under each of its names, as in Python) but not contain itself;
// the total number of entries visited is capped, since sharing can make a
// small pickle describe an exponentially large tree.
struct FlattenState {
  PickleMode mode;
  const std::string& file;
  std::set<const Value*> on_path;
  size_t visited = 0;
};
constexpr size_t kMaxFlattenedEntries = 1 << 20;  // real state dicts hold < 100k
constexpr int kMaxDictDepth = 32;

void flatten(const ValuePtr& container, const std::string& prefix, std::vector<TensorView>& out,
             int depth, FlattenState& state) {
  if (depth > kMaxDictDepth)
    throw Error("cannot read " + state.file + ": containers nested too deeply");
  if (!state.on_path.insert(container.get()).second)
    throw Error("cannot read " + state.file + ": a " +
                (container->kind == Value::Kind::kDict ? "dict" : "container") +
                " contains itself");
  for_each_child(*container, state.mode, [&](const std::string& key, const ValuePtr& value) {
    if (++state.visited > kMaxFlattenedEntries)
      throw Error("cannot read " + state.file + ": the state dict has more than 1M entries");
    if (key.empty()) return;
    const std::string name = prefix + key;
    if (value->kind == Value::Kind::kTensor) {
      TensorView t = value->tensor;
      t.name = name;
      out.push_back(std::move(t));
    } else if (is_walked(*value, state.mode)) {
      flatten(value, name + ".", out, depth + 1, state);
    }
  });
  state.on_path.erase(container.get());
}

// The number of entries flatten() would visit under `container`, each
// shared container counted once per path to it, as flatten counts them;
// computed once per container, so a small pickle of 30 shared levels (2^31
// paths) is refused at once instead of after a million visits (which cost
// 2 s under the fuzzer's sanitizers). Saturates just past
// kMaxFlattenedEntries; a container met again while its own count is in
// progress (a cycle) adds nothing here: flatten reports it, as it reports
// nesting past its depth limit, where this stops counting (containers
// chained through the memo can be nested far deeper than the depths nest()
// saw).
size_t entries_under(const Value* container, PickleMode mode,
                     std::map<const Value*, size_t>& counted, int depth) {
  constexpr size_t kInProgress = SIZE_MAX;
  if (depth > kMaxDictDepth) return 0;
  auto [it, fresh] = counted.emplace(container, kInProgress);
  if (!fresh) return it->second == kInProgress ? 0 : it->second;
  size_t total = 0;
  for_each_child(*container, mode, [&](const std::string&, const ValuePtr& value) {
    total = std::min(total + 1, kMaxFlattenedEntries + 1);
    if (is_walked(*value, mode))
      total = std::min(total + entries_under(value.get(), mode, counted, depth + 1),
                       kMaxFlattenedEntries + 1);
  });
  counted[container] = total;
  return total;
}

std::vector<TensorView> flatten_root(const ValuePtr& root, PickleMode mode,
                                     const std::string& file) {
  std::map<const Value*, size_t> counted;
  if (entries_under(root.get(), mode, counted, 0) > kMaxFlattenedEntries)
    throw Error("cannot read " + file + ": the state dict has more than 1M entries");
  std::vector<TensorView> out;
  FlattenState state{mode, file, {}, 0};
  flatten(root, "", out, 0, state);
  return out;
}

}  // namespace

std::vector<TensorView> unpickle_state_dict(const uint8_t* pickle, size_t size,
                                            const StorageResolver& storages,
                                            const std::string& file) {
  Unpickler u(pickle, size, storages, file, PickleMode::kStateDict);
  const ValuePtr root = u.run();
  if (root->kind != Value::Kind::kDict)
    throw Error(file + " does not hold a state dict (a dict of tensors) at its top level");
  return flatten_root(root, PickleMode::kStateDict, file);
}

TorchScriptTree unpickle_torchscript(const uint8_t* pickle, size_t size,
                                     const StorageResolver& storages, const std::string& file) {
  Unpickler u(pickle, size, storages, file, PickleMode::kTorchScript);
  const ValuePtr root = u.run();
  if (root->kind != Value::Kind::kObject)
    throw Error(file + ": data.pkl of a TorchScript archive does not hold a module (a " +
                "__torch__ object) at its top level (corrupted or incomplete file)");
  TorchScriptTree tree;
  tree.root_class = root->text;
  tree.tensors = flatten_root(root, PickleMode::kTorchScript, file);
  return tree;
}

}  // namespace modelzoo::formats
