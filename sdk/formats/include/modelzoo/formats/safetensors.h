// safetensors: an 8-byte little-endian header length, a JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {string: string}}, then the data. The reader validates the whole header
// before any view is handed out: length within the file, well-formed JSON,
// known dtypes, every data_offsets pair in bounds, non-overlapping and
// exactly shape × dtype size, UTF-8 names.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo::formats {

/// Throws modelzoo::Error naming the file and the problem, saying
/// "corrupted or incomplete" where that is the likely cause.
MODELZOO_API TensorFile read_safetensors(std::shared_ptr<MappedFile> file);

/// Writes `tensors` as safetensors: keys sorted, the data section 8-byte
/// aligned (the header is padded) and each tensor aligned to its element
/// size (larger elements first), strided views written contiguously,
/// `metadata` as __metadata__. Written to a temporary file and renamed into
/// place, so `path` is never left half-written.
MODELZOO_API void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                                    const std::map<std::string, std::string>& metadata = {});

}  // namespace modelzoo::formats
