#include "packed_network.h"

#include <algorithm>

#include "lut_network.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::lut {

PackedNetwork::PackedNetwork(const LutNetworkImpl& network) {
  const auto& config = network.config();
  input_bits_ = config.encoded_bits();
  num_classes_ = config.num_classes;
  int64_t inputs = input_bits_;
  for (size_t i = 0; i < network.num_layers(); ++i) {
    const auto layer = network.layer(i);
    Layer packed;
    packed.inputs = inputs;
    packed.nodes = layer->options().nodes;
    packed.k = layer->options().k;
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

void PackedNetwork::run_block(const uint8_t* bits, int64_t stride, int64_t count,
                              int64_t* counts_out, std::vector<uint64_t>& a,
                              std::vector<uint64_t>& b) const {
  // Transpose: word i holds input bit i of the block's samples, lane j = sample j.
  a.assign(static_cast<size_t>(input_bits_), 0);
  for (int64_t j = 0; j < count; ++j) {
    const uint8_t* row = bits + j * stride;
    const uint64_t lane = uint64_t{1} << j;
    for (int64_t i = 0; i < input_bits_; ++i)
      if (row[i]) a[static_cast<size_t>(i)] |= lane;
  }
  uint64_t v[64];
  for (const auto& layer : layers_) {
    b.resize(static_cast<size_t>(layer.nodes));
    const int64_t entries = int64_t{1} << layer.k;
    const int32_t* c = layer.connections.data();
    for (int64_t node = 0; node < layer.nodes; ++node, c += layer.k) {
      const uint64_t table = layer.tables[static_cast<size_t>(node)];
      // Leaves: entry e is all-ones when the table's bit e is set.
      for (int64_t e = 0; e < entries; ++e) v[e] = uint64_t{0} - ((table >> e) & 1);
      // Multiplexer tree: input i picks between entries that differ in bit i.
      for (int64_t i = 0, width = entries; i < layer.k; ++i) {
        const uint64_t s = a[static_cast<size_t>(c[i])];
        width >>= 1;
        for (int64_t e = 0; e < width; ++e) v[e] = (v[2 * e] & ~s) | (v[2 * e + 1] & s);
      }
      b[static_cast<size_t>(node)] = v[0];
    }
    std::swap(a, b);
  }
  const int64_t group = layers_.back().nodes / num_classes_;
  for (int64_t cls = 0; cls < num_classes_; ++cls) {
    for (int64_t j = 0; j < count; ++j) {
      int64_t total = 0;
      for (int64_t node = cls * group; node < (cls + 1) * group; ++node)
        total += static_cast<int64_t>((a[static_cast<size_t>(node)] >> j) & 1);
      counts_out[j * num_classes_ + cls] = total;
    }
  }
}

torch::Tensor PackedNetwork::counts(const torch::Tensor& bits) const {
  TORCH_CHECK(bits.dim() == 2 && bits.size(1) == input_bits_,
              "packed LUT network: expected bits (N, ", input_bits_, ") (got ", bits.sizes(), ")");
  const auto in = bits.to(torch::kUInt8).contiguous();
  const int64_t n = in.size(0);
  auto out = torch::empty({n, num_classes_}, torch::kInt64);
  std::vector<uint64_t> a, b;
  const uint8_t* p = in.data_ptr<uint8_t>();
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t start = 0; start < n; start += 64) {
    const int64_t count = std::min<int64_t>(64, n - start);
    run_block(p + start * input_bits_, input_bits_, count, o + start * num_classes_, a, b);
  }
  return out;
}

torch::Tensor PackedNetwork::predict(const torch::Tensor& bits) const {
  const auto c = counts(bits);
  const int64_t n = c.size(0);
  auto out = torch::empty({n}, torch::kInt64);
  const int64_t* p = c.data_ptr<int64_t>();
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t* row = p + i * num_classes_;
    o[i] = std::max_element(row, row + num_classes_) - row;  // first maximum
  }
  return out;
}

}  // namespace modelzoo::lut
