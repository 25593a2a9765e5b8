// The LUT network: thermometer encoder → LUT layers → group-sum head.
//
// Parameter and buffer names (the safetensors keys):
//   encoder.thresholds                (input_size, num_bits)
//   layers.<i>.luts                   (width_i, 2^k)
//   layers.<i>.connections            (width_i, k) int64, random layers
//   layers.<i>.connection_logits      (width_i·k, inputs_i), learnable layers
//
// Group-sum head: class c owns the last layer's nodes [c·g, (c+1)·g), g =
// width / num_classes; its score is the sum of their outputs / output_tau.
// Ties between classes go to the lowest class index (torch::argmax's rule;
// the packed integer path follows the same rule).
//
// Modes: in training, probabilistic nodes run as the expectation (dwn nodes
// hard with EFD gradients). In eval, runtime.eval_mode decides: `hard`
// (table lookups, deterministic), `expectation`, `sampling` (num_samples
// Bernoulli passes averaged) or `packed` (the hard model on packed truth
// tables with integer ops; same output as `hard`).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <map>
#include <memory>
#include <string>

#include "lut_config.h"
#include "lut_layer.h"
#include "thermometer_encoder.h"

namespace modelzoo::lut {

class PackedNetwork;

class LutNetworkImpl : public torch::nn::Module {
 public:
  explicit LutNetworkImpl(const LutConfig& config);

  /// x: (N, input_size) or (N, 1, 28, 28) floats in the data's range.
  /// Returns class scores (N, num_classes).
  torch::Tensor forward(const torch::Tensor& x);
  /// Same, in the given eval mode regardless of runtime.eval_mode.
  torch::Tensor forward_mode(const torch::Tensor& x, const std::string& eval_mode);

  /// Popcount of each class's group in hard mode, (N, num_classes) int64.
  torch::Tensor hard_counts(const torch::Tensor& x);

  /// Parameters and buffers by name: the safetensors keys.
  torch::OrderedDict<std::string, torch::Tensor> state_tensors() const;
  /// Writes state_tensors() as safetensors, the config (YAML) in its
  /// metadata under "config" next to `metadata`.
  void save_weights(const std::string& path,
                    const std::map<std::string, std::string>& metadata = {}) const;
  /// Loads weights written by save_weights (strict: every key, every shape).
  void load_weights(const std::string& path);

  /// Fits the encoder's thresholds on training data.
  void fit_encoder(const torch::Tensor& data) { encoder->fit(data); }
  /// Changes runtime options (never structure) in place.
  void set_runtime(const RuntimeConfig& runtime);
  /// Training with hard hidden layers (training.straight_through_epochs):
  /// in training, every layer but the last outputs its 0/1 lookup with the
  /// soft output's gradient. Probabilistic nodes only; eval is unaffected.
  void set_straight_through(bool on) { straight_through_ = on; }

  const LutConfig& config() const { return config_; }
  LutLayer layer(size_t i) const { return layer_holders_.at(i); }
  size_t num_layers() const { return layer_holders_.size(); }

  ThermometerEncoder encoder{nullptr};
  torch::nn::ModuleList layers{nullptr};

 private:
  torch::Tensor group_sum(const torch::Tensor& outputs) const;
  torch::Tensor run_layers(const torch::Tensor& bits, NodeMode mode);
  const PackedNetwork& packed();

  LutConfig config_;
  std::vector<LutLayer> layer_holders_;
  std::shared_ptr<PackedNetwork> packed_;
  std::vector<int64_t> packed_versions_;
  bool straight_through_ = false;
};
TORCH_MODULE(LutNetwork);

}  // namespace modelzoo::lut
