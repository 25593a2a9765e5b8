#include "idx_dataset.h"

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "modelzoo/sdk/error.h"

namespace modelzoo::lut {
namespace fs = std::filesystem;

Dataset Dataset::slice(int64_t begin, int64_t end) const {
  return {images.slice(0, begin, end), labels.slice(0, begin, end)};
}

std::string fashion_mnist_dir(const std::string& dir) {
  if (!dir.empty()) return dir;
  if (const char* env = std::getenv("MODELZOO_FASHION_MNIST_DIR"); env && *env) return env;
  return "/usr/share/datasets/fashion-mnist";
}

torch::Tensor read_idx_file(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files as they are, too
  if (!file) throw Error("cannot open " + path);
  std::vector<uint8_t> data;
  uint8_t buffer[1 << 16];
  int got;
  while ((got = gzread(file, buffer, sizeof buffer)) > 0)
    data.insert(data.end(), buffer, buffer + got);
  const bool failed = got < 0;
  gzclose(file);
  if (failed) throw Error(path + ": corrupted gzip data");
  auto corrupt = [&](const std::string& why) {
    return Error(path + ": not an IDX ubyte file, or corrupted or incomplete (" + why + ")");
  };
  if (data.size() < 4 || data[0] != 0 || data[1] != 0) throw corrupt("bad magic");
  if (data[2] != 0x08) throw corrupt("element type is not ubyte");
  const int dims = data[3];
  if (dims < 1 || dims > 4 || data.size() < 4 + 4 * size_t(dims)) throw corrupt("bad header");
  std::vector<int64_t> shape;
  size_t elements = 1;
  for (int d = 0; d < dims; ++d) {
    const uint8_t* p = data.data() + 4 + 4 * d;
    const int64_t n = (int64_t(p[0]) << 24) | (int64_t(p[1]) << 16) | (int64_t(p[2]) << 8) | p[3];
    shape.push_back(n);
    elements *= static_cast<size_t>(n);
  }
  const size_t offset = 4 + 4 * size_t(dims);
  if (data.size() != offset + elements)
    throw corrupt("header promises " + std::to_string(elements) + " bytes, file has " +
                  std::to_string(data.size() - offset));
  auto out = torch::empty(shape, torch::kUInt8);
  std::copy(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end(),
            out.data_ptr<uint8_t>());
  return out;
}

Dataset load_fashion_mnist(const std::string& split, const std::string& dir_hint) {
  if (split != "train" && split != "test")
    throw Error("unknown Fashion-MNIST split '" + split + "' (use train or test)");
  const fs::path dir = fashion_mnist_dir(dir_hint);
  const std::string prefix = split == "train" ? "train" : "t10k";
  auto find = [&](const std::string& stem) {
    for (const char* ext : {".gz", ""}) {
      const fs::path p = dir / (prefix + "-" + stem + ext);
      if (fs::exists(p)) return p.string();
    }
    throw Error("Fashion-MNIST file " + (dir / (prefix + "-" + stem + ".gz")).string() +
                " not found; install it with `apt-get install dataset-fashion-mnist` or point "
                "--data-dir / MODELZOO_FASHION_MNIST_DIR at a directory holding the IDX files");
  };
  const auto images = read_idx_file(find("images-idx3-ubyte"));
  const auto labels = read_idx_file(find("labels-idx1-ubyte"));
  if (images.dim() != 3 || labels.dim() != 1 || images.size(0) != labels.size(0))
    throw Error("Fashion-MNIST " + split + " files in " + dir.string() + " disagree: images " +
                std::to_string(images.size(0)) + ", labels " + std::to_string(labels.size(0)));
  return {images.reshape({images.size(0), -1}).to(torch::kFloat32).div_(255.0f),
          labels.to(torch::kInt64)};
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

}  // namespace modelzoo::lut
