// Bit-exact integer inference for a trained LUT network.
//
// Each node's truth table (θ > 0) is packed into one uint64 (k ≤ 6, entry a
// is bit a). Samples are processed 256 at a time, bit-sliced: every signal
// is one 256-bit word whose lane j is sample j's bit, so a node is a
// multiplexer tree over its input words (input 0 selects first) and a layer
// costs a few word ops per node for 256 samples (one instruction each with
// AVX2, chosen at run time). The head counts set lanes per class group.
// Nothing after the encoder's comparisons uses floating point, and the
// result equals LutNetwork's `hard` mode exactly (counts and the argmax,
// ties to the lowest class).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace modelzoo::lut {

class LutNetworkImpl;

/// 256 samples' bits of one signal (GCC/Clang vector extension), wrapped
/// in a struct so that containers hold it; aligned as its uint64 elements
/// (std::vector does not honour a vector type's 32-byte alignment, and
/// unaligned loads cost nothing on AVX2 machines).
struct PackedLanes {
  typedef uint64_t Word __attribute__((vector_size(32), aligned(8)));
  Word bits;
};
constexpr int64_t kPackedLanes = 256;

class PackedNetwork {
 public:
  /// Exports `network`'s hard connections and truth tables.
  explicit PackedNetwork(const LutNetworkImpl& network);

  /// bits: (N, encoded_bits) uint8 0/1 from the encoder. Returns the
  /// per-class popcounts (N, num_classes) int64.
  torch::Tensor counts(const torch::Tensor& bits) const;
  /// Predicted classes (N) int64, ties to the lowest class index.
  torch::Tensor predict(const torch::Tensor& bits) const;
  /// The same from the network's inputs x (N, input_size) (or anything
  /// flattening to it): the encoder's comparisons (x > t in float32, as
  /// ThermometerEncoder does) write the bit-sliced words directly.
  torch::Tensor image_counts(const torch::Tensor& x) const;
  torch::Tensor image_predict(const torch::Tensor& x) const;

  int64_t num_classes() const { return num_classes_; }

 private:
  struct Layer {
    int64_t inputs = 0, nodes = 0, k = 0;
    std::vector<int32_t> connections;  // nodes × k
    std::vector<uint64_t> tables;      // one per node
  };
  /// Runs the layers on `a` (one word per encoded bit, `count` lanes used)
  /// and writes the head's counts; `b` is scratch.
  void run_block(int64_t count, int64_t* counts_out, std::vector<PackedLanes>& a,
                 std::vector<PackedLanes>& b) const;
  /// Calls fill(start, count, a) for each block of up to 256 samples.
  template <typename Fill>
  torch::Tensor blocks(int64_t n, Fill&& fill) const;

  int64_t input_bits_ = 0;
  int64_t input_size_ = 0, bits_per_feature_ = 0;
  std::vector<float> thresholds_;  // input_size × bits, feature-major
  int64_t num_classes_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace modelzoo::lut
