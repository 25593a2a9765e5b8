// The common, torch-free view of a weights file: every tensor as (name,
// dtype, shape, strides, storage bytes) pointing into the memory-mapped
// file, without copying. Both readers (safetensors, PyTorch .pth zip
// checkpoints) produce it; the torch layer turns views into tensors with
// torch::from_blob and a keep-alive on the mapping; `convert` writes views
// out as safetensors.
//
// Invariant: a TensorFile's views stay valid while the TensorFile (or any
// copy of its `file` pointer) lives. Every view was checked by its reader:
// the bytes that its shape, strides and offset can reach lie inside its
// storage, and its storage inside the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/sdk/export.h"

namespace modelzoo::formats {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

/// Bytes per element.
MODELZOO_API size_t dtype_size(DType dtype);
/// The safetensors name: "F32", "BF16", "BOOL", …
MODELZOO_API const char* dtype_name(DType dtype);
/// From a safetensors name; nullopt for an unknown one.
MODELZOO_API std::optional<DType> parse_dtype(std::string_view name);
/// A shape as reports print it: "[64, 3, 7, 7]".
MODELZOO_API std::string shape_text(const std::vector<int64_t>& shape);

/// A read-only memory mapping of a whole file.
class MODELZOO_API MappedFile {
 public:
  /// Throws modelzoo::Error naming the file.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  /// Gives back to the system the pages that lie wholly inside [begin,
  /// begin + bytes) of the mapping, once their bytes have been copied out:
  /// they leave the process's resident memory (a loader then holds one
  /// copy of the weights, not two) and stay readable — a later read
  /// faults them in again from the file. Outside the mapping: nothing.
  void release(const uint8_t* begin, size_t bytes) const;

 private:
  MappedFile() = default;
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

struct MODELZOO_API TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;      ///< in elements, PyTorch's convention
  int64_t storage_offset = 0;        ///< in elements
  const uint8_t* storage = nullptr;  ///< start of the storage in the mapping
  size_t storage_bytes = 0;
  std::string storage_key;  ///< tensors sharing a storage share this key

  int64_t numel() const;
  bool is_contiguous() const;
  /// Bytes a contiguous copy takes: numel × element size.
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  /// The view's elements in row-major order (copies only if strided).
  std::string contiguous_bytes() const;
};

struct MODELZOO_API TensorFile {
  std::string format;  ///< "safetensors", "pth" or "torchscript"
  std::shared_ptr<MappedFile> file;
  std::vector<TensorView> tensors;              ///< in the file's order
  std::map<std::string, std::string> metadata;  ///< safetensors __metadata__

  const TensorView* find(const std::string& name) const;
};

/// The format of the file's first bytes: "safetensors", "pth" (a zip
/// archive: a torch.save checkpoint or a TorchScript archive), "pth-legacy"
/// (pre-1.6 pickle) or "" when unknown.
MODELZOO_API std::string detect_format(const uint8_t* data, size_t size);

/// Reads a weights file, choosing the reader by its magic bytes, never by
/// its extension. Throws modelzoo::Error naming the file and the problem.
MODELZOO_API TensorFile read_tensor_file(const std::string& path);
/// The same for a file already mapped.
MODELZOO_API TensorFile read_tensor_file(std::shared_ptr<MappedFile> file);

}  // namespace modelzoo::formats
