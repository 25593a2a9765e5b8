#include "modelzoo/formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "json_depth.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::formats {
namespace {

using nlohmann::json;

// A header larger than this is not a weights file (safetensors itself caps
// it at 100 MB).
constexpr uint64_t kMaxHeader = 100ull << 20;

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw Error("safetensors file " + path + " is corrupted or incomplete: " + what);
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c < 0x80)
      extra = 0;
    else if ((c >> 5) == 0x6)
      extra = 1;
    else if ((c >> 4) == 0xE)
      extra = 2;
    else if ((c >> 3) == 0x1E)
      extra = 3;
    else
      return false;
    if (extra > s.size() - i - 1) return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

}  // namespace

TensorFile read_safetensors(std::shared_ptr<MappedFile> file) {
  const std::string& path = file->path();
  const uint8_t* data = file->data();
  const uint64_t size = file->size();
  if (size < 8) corrupt(path, "shorter than its 8-byte header length");
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<uint64_t>(data[i]) << (8 * i);
  if (header_len > kMaxHeader || header_len > size - 8)
    corrupt(path, "header length " + std::to_string(header_len) + " exceeds the file (" +
                      std::to_string(size) + " bytes)");
  const char* header_begin = reinterpret_cast<const char*>(data + 8);
  if (!detail::json_depth_within(std::string_view(header_begin, header_len), 8))
    corrupt(path, "header nests too deeply");
  const json header = json::parse(header_begin, header_begin + header_len, nullptr,
                                  /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) corrupt(path, "header is not a JSON object");

  TensorFile out;
  out.format = "safetensors";
  out.file = file;
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = size - data_start;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (!valid_utf8(name)) corrupt(path, "a tensor name is not valid UTF-8");
    if (name == "__metadata__") {
      if (!it->is_object()) corrupt(path, "__metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          corrupt(path, "__metadata__ value of '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const json& entry = *it;
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      corrupt(path, where + " lacks dtype, shape or data_offsets");
    if (!entry["dtype"].is_string()) corrupt(path, where + ": dtype is not a string");
    const auto dtype = parse_dtype(entry["dtype"].get<std::string>());
    if (!dtype)
      throw Error("safetensors file " + path + ": " + where + " has unknown dtype '" +
                  entry["dtype"].get<std::string>() +
                  "' (known: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    TensorView view;
    view.name = name;
    view.dtype = *dtype;
    uint64_t numel = 1;
    if (!entry["shape"].is_array()) corrupt(path, where + ": shape is not an array");
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned())
        corrupt(path, where + ": shape has a non-integer or negative size");
      const uint64_t dim = d.get<uint64_t>();
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          !checked_mul(numel, dim, &numel))
        corrupt(path, where + ": shape overflows");
      view.shape.push_back(static_cast<int64_t>(dim));
    }
    const json& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      corrupt(path, where + ": data_offsets is not [begin, end]");
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size)
      corrupt(path, where + ": data_offsets [" + std::to_string(begin) + ", " +
                        std::to_string(end) + "] outside the data (" + std::to_string(data_size) +
                        " bytes)");
    uint64_t expected = 0;
    if (!checked_mul(numel, dtype_size(*dtype), &expected) || expected != end - begin)
      corrupt(path, where + ": " + std::to_string(end - begin) +
                        " bytes of data, but its shape and " + "dtype need " +
                        std::to_string(expected));
    view.strides.assign(view.shape.size(), 1);
    for (size_t i = view.shape.size(); i-- > 1;)
      view.strides[i - 1] = view.strides[i] * view.shape[i];
    view.storage = data + data_start + begin;
    view.storage_bytes = static_cast<size_t>(end - begin);
    view.storage_key = name;
    ranges.emplace_back(begin, end);
    out.tensors.push_back(std::move(view));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second && ranges[i].first != ranges[i].second)
      corrupt(path, "two tensors' data_offsets overlap");
  // Keep the file's order of data, which is the writer's order.
  std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorView& a, const TensorView& b) {
    return a.storage < b.storage || (a.storage == b.storage && a.name < b.name);
  });
  return out;
}

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorView*> sorted;
  for (const auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorView* a, const TensorView* b) { return a->name < b->name; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i]->name == sorted[i - 1]->name)
      throw Error("writing " + path + ": two tensors are named '" + sorted[i]->name + "'");

  // Data order: larger elements first, then by name (as Hugging Face's
  // writer does), so with the data section 8-byte aligned every tensor
  // starts at a multiple of its element size, with no gaps between them.
  std::stable_sort(sorted.begin(), sorted.end(), [](const TensorView* a, const TensorView* b) {
    return dtype_size(a->dtype) > dtype_size(b->dtype);
  });
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorView* t : sorted) {
    const uint64_t bytes = t->nbytes();
    header[t->name] = {{"dtype", dtype_name(t->dtype)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string header_text = header.dump();
  // Pad with spaces so the data starts 8-byte aligned (mmap readers can
  // then view F64/I64 tensors in place).
  header_text.append((8 - (8 + header_text.size()) % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + header_text.size() + offset);
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((header_text.size() >> (8 * i)) & 0xff));
  out += header_text;
  for (const TensorView* t : sorted) out += t->contiguous_bytes();
  write_file_atomically(path, out, 0644);
}

}  // namespace modelzoo::formats
