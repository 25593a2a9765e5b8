// Bit-exact integer inference for a trained LUT network.
//
// Each node's truth table (θ > 0) is packed into one uint64 (k ≤ 6, entry a
// is bit a). Samples are processed 64 at a time, bit-sliced: every signal is
// one uint64 whose lane j is sample j's bit, so a node is a multiplexer tree
// over its input words (input 0 selects first) and a layer costs a few word
// ops per node for 64 samples. The head counts set lanes per class group.
// Nothing after the encoder's comparisons uses floating point, and the
// result equals LutNetwork's `hard` mode exactly (counts and the argmax,
// ties to the lowest class).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace modelzoo::lut {

class LutNetworkImpl;

class PackedNetwork {
 public:
  /// Exports `network`'s hard connections and truth tables.
  explicit PackedNetwork(const LutNetworkImpl& network);

  /// bits: (N, encoded_bits) uint8 0/1 from the encoder. Returns the
  /// per-class popcounts (N, num_classes) int64.
  torch::Tensor counts(const torch::Tensor& bits) const;
  /// Predicted classes (N) int64, ties to the lowest class index.
  torch::Tensor predict(const torch::Tensor& bits) const;

  int64_t num_classes() const { return num_classes_; }

 private:
  struct Layer {
    int64_t inputs = 0, nodes = 0, k = 0;
    std::vector<int32_t> connections;  // nodes × k
    std::vector<uint64_t> tables;      // one per node
  };
  void run_block(const uint8_t* bits, int64_t stride, int64_t count, int64_t* counts_out,
                 std::vector<uint64_t>& a, std::vector<uint64_t>& b) const;

  int64_t input_bits_ = 0;
  int64_t num_classes_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace modelzoo::lut
