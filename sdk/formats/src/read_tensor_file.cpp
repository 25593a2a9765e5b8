// Reads a weights file with the reader its magic bytes call for.
#include "modelzoo/formats/pth.h"
#include "modelzoo/formats/safetensors.h"
#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::formats {

TensorFile read_tensor_file(const std::string& path) {
  return read_tensor_file(MappedFile::open(path));
}

TensorFile read_tensor_file(std::shared_ptr<MappedFile> file) {
  const std::string& path = file->path();
  const std::string format = detect_format(file->data(), file->size());
  if (format == "safetensors") return read_safetensors(file);
  if (format == "pth") return read_pth(file);
  if (format == "pth-legacy")
    throw Error(path +
                " is a legacy (pre-1.6) torch.save file, which modelzoo does not read; "
                "convert it with Python: torch.save(torch.load(f), out) using torch >= 1.6");
  throw Error(path +
              " is neither safetensors nor a PyTorch zip checkpoint (corrupted or "
              "incomplete?)");
}

}  // namespace modelzoo::formats
