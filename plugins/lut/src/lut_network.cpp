#include "lut_network.h"

#include <torch/utils.h>

#include "modelzoo/sdk/error.h"
#include "modelzoo/weights.h"
#include "packed_network.h"

namespace modelzoo::lut {

LutNetworkImpl::LutNetworkImpl(const LutConfig& config) : config_(config) {
  config_.validate();
  encoder = register_module("encoder", ThermometerEncoder(config_.encoder, config_.input_size));
  layers = register_module("layers", torch::nn::ModuleList());
  int64_t inputs = encoder->output_size();
  for (size_t i = 0; i < config_.layer_widths.size(); ++i) {
    LutLayerOptions o;
    o.inputs = inputs;
    o.nodes = config_.layer_widths[i];
    o.k = config_.node_input_dim;
    o.layer_type = config_.layer_type;
    o.node_type = config_.node_type;
    o.seed = static_cast<uint64_t>(config_.seed) * 1000003ULL + i;
    if (i == 0 && config_.receptive_field > 0) {
      o.receptive_field = config_.receptive_field;
      o.image_side = config_.image_side();
      o.bits_per_pixel = config_.encoder.num_bits;
    }
    LutLayer layer(o);
    layer->reset_tables(config_.runtime, static_cast<uint64_t>(config_.seed) * 7919ULL + i + 1);
    layers->push_back(layer);
    layer_holders_.push_back(layer);
    inputs = o.nodes;
  }
}

torch::OrderedDict<std::string, torch::Tensor> LutNetworkImpl::state_tensors() const {
  torch::OrderedDict<std::string, torch::Tensor> out;
  for (const auto& p : named_parameters()) out.insert(p.key(), p.value().detach());
  for (const auto& b : named_buffers()) out.insert(b.key(), b.value());
  return out;
}

void LutNetworkImpl::save_weights(const std::string& path,
                                  const std::map<std::string, std::string>& metadata) const {
  auto meta = metadata;
  meta["config"] = config_.to_yaml();
  Weights::save(state_tensors(), path, meta);
}

void LutNetworkImpl::load_weights(const std::string& path) {
  Weights::from_file(path).load_into(*this);
}

void LutNetworkImpl::set_runtime(const RuntimeConfig& runtime) {
  LutConfig next = config_;
  next.runtime = runtime;
  next.validate();
  config_ = next;
}

torch::Tensor LutNetworkImpl::group_sum(const torch::Tensor& outputs) const {
  const int64_t n = outputs.size(0), classes = config_.num_classes;
  return outputs.view({n, classes, outputs.size(1) / classes}).sum(2) / config_.runtime.output_tau;
}

torch::Tensor LutNetworkImpl::run_layers(const torch::Tensor& bits, NodeMode mode) {
  auto x = bits;
  bool binary = true;
  const bool straight_through = straight_through_ && is_training() &&
                                mode == NodeMode::expectation && config_.node_type != "dwn";
  for (size_t i = 0; i < layer_holders_.size(); ++i) {
    x = layer_holders_[i]->forward(x, mode, config_.runtime, binary);
    binary = mode != NodeMode::expectation || config_.node_type == "dwn";
    if (straight_through && i + 1 < layer_holders_.size()) {
      // This layer's inputs are 0/1, so sigmoid(θ_a / T) > 0.5 is exactly
      // the hard output θ_a > 0. The next layer takes the expectation path
      // (binary = false): at 0/1 inputs its value is the lookup and its
      // gradient to each input the table's finite difference.
      x = x.gt(0.5).to(x.scalar_type()) + (x - x.detach());
      binary = false;
    }
  }
  return x;
}

torch::Tensor LutNetworkImpl::forward(const torch::Tensor& x) {
  if (is_training()) {
    const auto mode = config_.node_type == "dwn" ? NodeMode::hard : NodeMode::expectation;
    return group_sum(run_layers(encoder->forward(x), mode));
  }
  return forward_mode(x, config_.runtime.eval_mode);
}

torch::Tensor LutNetworkImpl::forward_mode(const torch::Tensor& x, const std::string& eval_mode) {
  // Sampling and eval-time bit flips draw from LibTorch's global generator;
  // a non-zero sample_seed reseeds it per call, so results repeat.
  if (config_.runtime.sample_seed != 0 &&
      (eval_mode == "sampling" || config_.runtime.eval_flip_probability > 0))
    torch::manual_seed(static_cast<uint64_t>(config_.runtime.sample_seed));
  if (eval_mode == "hard") return group_sum(run_layers(encoder->forward(x), NodeMode::hard));
  if (eval_mode == "expectation") {
    const auto mode = config_.node_type == "dwn" ? NodeMode::hard : NodeMode::expectation;
    return group_sum(run_layers(encoder->forward(x), mode));
  }
  if (eval_mode == "sampling") {
    const auto bits = encoder->forward(x);
    auto sum = group_sum(run_layers(bits, NodeMode::sampling));
    for (int64_t s = 1; s < config_.runtime.num_samples; ++s)
      sum = sum + group_sum(run_layers(bits, NodeMode::sampling));
    return sum / static_cast<double>(config_.runtime.num_samples);
  }
  if (eval_mode == "packed") {
    if (config_.runtime.eval_flip_probability > 0)
      throw Error("eval_mode 'packed' does not implement eval_flip_probability; use 'hard'");
    return packed().image_counts(x).to(torch::kFloat32) / config_.runtime.output_tau;
  }
  throw Error("unknown eval_mode '" + eval_mode + "' (use hard, expectation, sampling or packed)");
}

torch::Tensor LutNetworkImpl::hard_counts(const torch::Tensor& x) {
  auto out = run_layers(encoder->forward(x), NodeMode::hard);
  const int64_t n = out.size(0), classes = config_.num_classes;
  return out.view({n, classes, out.size(1) / classes}).sum(2).to(torch::kInt64);
}

const PackedNetwork& LutNetworkImpl::packed() {
  // Rebuilt whenever a table or connection changed (loading weights bumps
  // the tensors' version counters).
  std::vector<int64_t> versions;
  for (const auto& p : parameters()) versions.push_back(static_cast<int64_t>(p._version()));
  for (const auto& b : buffers()) versions.push_back(static_cast<int64_t>(b._version()));
  if (!packed_ || versions != packed_versions_) {
    packed_ = std::make_shared<PackedNetwork>(*this);
    packed_versions_ = versions;
  }
  return *packed_;
}

}  // namespace modelzoo::lut
