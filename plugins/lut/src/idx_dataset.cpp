#include "idx_dataset.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "idx_reader.h"
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

namespace {

torch::Tensor to_tensor(IdxArray array) {
  auto out = torch::empty(array.shape, torch::kUInt8);
  std::copy(array.data.begin(), array.data.end(), out.data_ptr<uint8_t>());
  return out;
}

}  // namespace

torch::Tensor read_idx_file(const std::string& path) {
  return to_tensor(read_idx(path));
}

Dataset load_fashion_mnist(const std::string& split, const std::string& dir_hint,
                           int64_t num_classes) {
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
  const std::string labels_file = find("labels-idx1-ubyte");
  IdxArray label_array = read_idx(labels_file);
  // A label past the model's classes would only ever count as a wrong
  // answer, silently; it means the wrong file or a model for other data.
  check_labels(label_array, num_classes, labels_file);
  const auto labels = to_tensor(std::move(label_array));
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
