// Fashion-MNIST (and MNIST) in the IDX format, gzipped or not, as Debian's
// dataset-fashion-mnist installs it:
//   /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
// Images become float32 (N, 784) in [0, 1] (pixel / 255), labels int64 (N).
#pragma once

#include <torch/types.h>

#include <string>

namespace modelzoo::lut {

struct Dataset {
  torch::Tensor images;  ///< (N, rows·cols) float32 in [0, 1]
  torch::Tensor labels;  ///< (N) int64
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  /// Rows [begin, end).
  Dataset slice(int64_t begin, int64_t end) const;
};

/// The directory Fashion-MNIST is read from: `dir` if not empty, else
/// $MODELZOO_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir(const std::string& dir = "");

/// split: "train" or "test" (t10k). Throws modelzoo::Error naming the file
/// and how to get it (apt-get install dataset-fashion-mnist), or naming the
/// labels file when a label is outside 0..num_classes-1 (the classes of
/// the model the data is for).
Dataset load_fashion_mnist(const std::string& split, const std::string& dir = "",
                           int64_t num_classes = 10);

/// One IDX file (ubyte), as a uint8 tensor of the shape its header gives
/// (read by idx_reader.h's read_idx, with its limits).
torch::Tensor read_idx_file(const std::string& path);

/// The ten Fashion-MNIST class names.
const std::vector<std::string>& fashion_mnist_classes();

}  // namespace modelzoo::lut
