#include "modelzoo/formats/pth.h"

#include <algorithm>

#include "modelzoo/sdk/error.h"
#include "unpickler.h"
#include "zip_reader.h"

namespace modelzoo::formats {

TensorFile read_pth(std::shared_ptr<MappedFile> file) {
  const std::string& path = file->path();
  const auto entries = read_zip_directory(file->data(), file->size(), path);
  // torch.save writes everything under one top directory: <dir>/data.pkl,
  // <dir>/data/<storage key>, <dir>/version.
  std::string prefix;
  const ZipEntry* pickle = nullptr;
  for (const auto& [name, entry] : entries) {
    const std::string suffix = "data.pkl";
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        std::count(name.begin(), name.end(), '/') == 1) {
      prefix = name.substr(0, name.size() - suffix.size());
      pickle = &entry;
    }
  }
  if (!pickle)
    throw Error(path + " is a zip archive without data.pkl: not a torch.save checkpoint");
  if (!pickle->stored) throw Error(path + ": data.pkl is compressed; torch.save never does that");

  const StorageResolver storages = [&](const std::string& key, DType dtype) {
    auto it = entries.find(prefix + "data/" + key);
    if (it == entries.end())
      throw Error("cannot read " + path + ": storage record '" + key +
                  "' is missing from the archive (corrupted or incomplete file)");
    if (!it->second.stored) throw Error(path + ": storage '" + key + "' is compressed");
    return StorageRef{dtype, file->data() + it->second.data_offset,
                      static_cast<size_t>(it->second.size), key};
  };
  TensorFile out;
  out.format = "pth";
  out.file = file;
  out.tensors = unpickle_state_dict(file->data() + pickle->data_offset,
                                    static_cast<size_t>(pickle->size), storages, path);
  return out;
}

}  // namespace modelzoo::formats
