#include "packed_network.h"

#include <algorithm>

#include "lut_network.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::lut {

PackedNetwork::PackedNetwork(const LutNetworkImpl& network) {
  const auto& config = network.config();
  input_bits_ = config.encoded_bits();
  num_classes_ = config.num_classes;
  input_size_ = config.input_size;
  bits_per_feature_ = config.encoder.num_bits;
  const auto thresholds = network.encoder->thresholds.to(torch::kFloat32).contiguous();
  thresholds_.assign(thresholds.data_ptr<float>(),
                     thresholds.data_ptr<float>() + thresholds.numel());
  int64_t inputs = input_bits_;
  for (size_t i = 0; i < network.num_layers(); ++i) {
    const auto layer = network.layer(i);
    Layer packed;
    packed.inputs = inputs;
    packed.nodes = layer->options().nodes;
    packed.k = layer->options().k;
    // One uint64 table per node, and the first two inputs shared (below).
    TORCH_CHECK(packed.k >= 2 && packed.k <= 6, "packed LUT network: k must be in 2..6 (got ",
                packed.k, ")");
    const auto connections = layer->hard_connections().to(torch::kInt64).contiguous();
    const auto* c = connections.data_ptr<int64_t>();
    packed.connections.assign(c, c + packed.nodes * packed.k);
    const auto tables = layer->truth_tables().contiguous();
    const auto* t = tables.data_ptr<bool>();
    const int64_t entries = int64_t{1} << packed.k;
    packed.tables.resize(static_cast<size_t>(packed.nodes));
    for (int64_t node = 0; node < packed.nodes; ++node) {
      uint64_t word = 0;
      for (int64_t a = 0; a < entries; ++a)
        if (t[node * entries + a]) word |= uint64_t{1} << a;
      packed.tables[static_cast<size_t>(node)] = word;
    }
    layers_.push_back(std::move(packed));
    inputs = layers_.back().nodes;
  }
}

namespace {

// One layer over a block: out[node] = the node's table looked up by the
// lanes of its k input words, as a multiplexer tree whose input i picks
// between entries that differ in bit i. Its first two levels are shared:
// the 16 boolean functions of inputs 0 and 1 are built once per node, and
// each group of 4 table bits selects one of them; the remaining k − 2
// inputs multiplex those. Compiled twice, the AVX2 clone handling a
// 256-lane word per instruction; the loader picks what the CPU runs.
__attribute__((target_clones("avx2", "default"))) void evaluate_layer(const int32_t* connections,
                                                                      const uint64_t* tables,
                                                                      int64_t nodes, int64_t k,
                                                                      const PackedLanes* in,
                                                                      PackedLanes* out) {
  using Word = PackedLanes::Word;
  const int64_t entries = int64_t{1} << k;
  Word v[64];
  Word of_two[16];
  for (int64_t node = 0; node < nodes; ++node, connections += k) {
    const uint64_t table = tables[node];
    const Word s0 = in[connections[0]].bits, s1 = in[connections[1]].bits;
    // Minterm a (= s0 + 2·s1) is set in lane j when sample j addresses a.
    const Word minterm[4] = {~s0 & ~s1, s0 & ~s1, ~s0 & s1, s0 & s1};
    of_two[0] = Word{};
    for (int c = 1; c < 16; ++c) of_two[c] = of_two[c & (c - 1)] | minterm[__builtin_ctz(c)];
    const int64_t groups = entries >> 2;
    for (int64_t g = 0; g < groups; ++g) v[g] = of_two[(table >> (4 * g)) & 15];
    for (int64_t i = 2, width = groups; i < k; ++i) {
      const Word s = in[connections[i]].bits;
      width >>= 1;
      for (int64_t e = 0; e < width; ++e) v[e] = (v[2 * e] & ~s) | (v[2 * e + 1] & s);
    }
    out[node].bits = v[0];
  }
}

// The predicted class of each row of counts (N, classes): the first maximum,
// so ties go to the lowest class index.
torch::Tensor first_maximum(const torch::Tensor& counts) {
  const int64_t n = counts.size(0), classes = counts.size(1);
  auto out = torch::empty({n}, torch::kInt64);
  const int64_t* p = counts.data_ptr<int64_t>();
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    o[i] = std::max_element(p + i * classes, p + (i + 1) * classes) - (p + i * classes);
  return out;
}

}  // namespace

void PackedNetwork::run_block(int64_t count, int64_t* counts_out, std::vector<PackedLanes>& a,
                              std::vector<PackedLanes>& b) const {
  for (const auto& layer : layers_) {
    b.resize(static_cast<size_t>(layer.nodes));
    evaluate_layer(layer.connections.data(), layer.tables.data(), layer.nodes, layer.k, a.data(),
                   b.data());
    std::swap(a, b);
  }
  // The head: a bit-sliced counter per class (word b holds bit b of every
  // lane's count) takes each node's word with a ripple-carry add, then each
  // lane's count is read out of the counter words.
  using Word = PackedLanes::Word;
  const int64_t group = layers_.back().nodes / num_classes_;
  int counter_bits = 1;
  while ((int64_t{1} << counter_bits) <= group) ++counter_bits;
  Word counter[64];
  for (int64_t cls = 0; cls < num_classes_; ++cls) {
    for (int bit = 0; bit < counter_bits; ++bit) counter[bit] = Word{};
    for (int64_t node = cls * group; node < (cls + 1) * group; ++node) {
      Word carry = a[static_cast<size_t>(node)].bits;
      for (int bit = 0; bit < counter_bits; ++bit) {
        const Word next = counter[bit] & carry;
        counter[bit] ^= carry;
        carry = next;
      }
    }
    for (int64_t j = 0; j < count; ++j) {
      int64_t total = 0;
      for (int bit = 0; bit < counter_bits; ++bit)
        total |= static_cast<int64_t>((counter[bit][j / 64] >> (j % 64)) & 1) << bit;
      counts_out[j * num_classes_ + cls] = total;
    }
  }
}

template <typename Fill>
torch::Tensor PackedNetwork::blocks(int64_t n, Fill&& fill) const {
  auto out = torch::empty({n, num_classes_}, torch::kInt64);
  std::vector<PackedLanes> a, b;
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t start = 0; start < n; start += kPackedLanes) {
    const int64_t count = std::min<int64_t>(kPackedLanes, n - start);
    // Word i holds input bit i of the block's samples; sample j is bit
    // j % 64 of element j / 64.
    a.assign(static_cast<size_t>(input_bits_), PackedLanes{});
    fill(start, count, a);
    run_block(count, o + start * num_classes_, a, b);
  }
  return out;
}

torch::Tensor PackedNetwork::counts(const torch::Tensor& bits) const {
  TORCH_CHECK(bits.dim() == 2 && bits.size(1) == input_bits_,
              "packed LUT network: expected bits (N, ", input_bits_, ") (got ", bits.sizes(), ")");
  const auto in = bits.to(torch::kUInt8).contiguous();
  const uint8_t* p = in.data_ptr<uint8_t>();
  return blocks(in.size(0), [&](int64_t start, int64_t count, std::vector<PackedLanes>& a) {
    for (int64_t j = 0; j < count; ++j) {
      const uint8_t* row = p + (start + j) * input_bits_;
      const int64_t element = j / 64, shift = j % 64;
      for (int64_t i = 0; i < input_bits_; ++i)
        a[static_cast<size_t>(i)].bits[element] |= uint64_t{row[i]} << shift;
    }
  });
}

torch::Tensor PackedNetwork::image_counts(const torch::Tensor& x) const {
  const auto flat = x.reshape({x.size(0), -1}).to(torch::kFloat32).contiguous();
  TORCH_CHECK(flat.size(1) == input_size_, "packed LUT network: expected ", input_size_,
              " features per sample (got ", flat.size(1), " from input of shape ", x.sizes(), ")");
  const float* p = flat.data_ptr<float>();
  const float* t = thresholds_.data();
  return blocks(flat.size(0), [&](int64_t start, int64_t count, std::vector<PackedLanes>& a) {
    for (int64_t j = 0; j < count; ++j) {
      const float* row = p + (start + j) * input_size_;
      const int64_t element = j / 64, shift = j % 64;
      for (int64_t f = 0; f < input_size_; ++f) {
        const float v = row[f];
        for (int64_t bit = 0; bit < bits_per_feature_; ++bit) {
          // A plain index: with a pointer increment inside this compound
          // assignment to a vector element, GCC 12 warned "may be undefined"
          // and the words came out wrong.
          const int64_t i = f * bits_per_feature_ + bit;
          a[static_cast<size_t>(i)].bits[element] |= uint64_t{v > t[i]} << shift;
        }
      }
    }
  });
}

torch::Tensor PackedNetwork::image_predict(const torch::Tensor& x) const {
  return first_maximum(image_counts(x));
}

torch::Tensor PackedNetwork::predict(const torch::Tensor& bits) const {
  return first_maximum(counts(bits));
}

}  // namespace modelzoo::lut
