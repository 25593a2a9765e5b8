#include "modelzoo/formats/pth.h"

#include <algorithm>

#include "modelzoo/sdk/error.h"
#include "unpickler.h"
#include "zip_reader.h"

namespace modelzoo::formats {
namespace {

// torch.jit.save writes constants.pkl and the modules' code/ beside
// data.pkl; torch.save writes neither. Only the names are looked at: code/
// is never read.
bool is_torchscript_archive(const std::map<std::string, ZipEntry>& entries,
                            const std::string& prefix) {
  if (entries.count(prefix + "constants.pkl")) return true;
  const std::string code = prefix + "code/";
  auto it = entries.lower_bound(code);
  return it != entries.end() && it->first.compare(0, code.size(), code) == 0;
}

}  // namespace

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
  out.file = file;
  const uint8_t* pickle_data = file->data() + pickle->data_offset;
  const auto pickle_size = static_cast<size_t>(pickle->size);
  if (is_torchscript_archive(entries, prefix)) {
    TorchScriptTree tree = unpickle_torchscript(pickle_data, pickle_size, storages, path);
    out.format = "torchscript";
    out.tensors = std::move(tree.tensors);
    out.metadata["torchscript_class"] = tree.root_class;
  } else {
    out.format = "pth";
    out.tensors = unpickle_state_dict(pickle_data, pickle_size, storages, path);
  }
  return out;
}

}  // namespace modelzoo::formats
