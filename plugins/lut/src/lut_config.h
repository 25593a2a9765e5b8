// The LUT family's model config: DiffLUT's YAML shape, read and written.
//
//   model_type: feedforward          # structural: fixes the weights' shapes
//   layer_type: random               #   random | learnable
//   node_type: probabilistic         #   probabilistic | dwn
//   encoder_config: {name: distributive_thermometer, num_bits: 3}
//   node_input_dim: 6
//   layer_widths: [2000, 1000]
//   receptive_field: 0               #   first layer: local windows on images (0: off)
//   num_classes: 10
//   runtime:                         # runtime: may change on pretrained weights
//     temperature: 1.0
//     eval_mode: hard                #   hard | expectation | sampling
//
// Structural keys decide every parameter and buffer shape, so overriding one
// while pretrained weights are loaded is an error that names the key.
// Runtime keys change behaviour only. Unknown keys are errors with a "did you
// mean" suggestion; the DiffLUT runtime keys modelzoo does not implement
// (use_cuda, grad_*, regularizers, …) load and are reported as ignored.
//
// The same config also travels as flat JSON (every key at the top level,
// runtime keys included): that is the manifest's `config` and what
// `modelzoo create -c temperature=0.5` overrides.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelzoo::lut {

/// `encoder_config`: the thermometer encoder.
struct EncoderConfig {
  /// thermometer (uniform thresholds), distributive_thermometer (per-feature
  /// quantiles) or gaussian_thermometer (per-feature mean + std · Φ⁻¹(q)).
  std::string name = "distributive_thermometer";
  int64_t num_bits = 3;      ///< thresholds per feature
  bool feature_wise = true;  ///< uniform thresholds per feature, not global
  bool flatten = true;       ///< inputs are flattened to (N, input_size)
};

/// `runtime:` keys; all may be overridden on pretrained weights.
struct RuntimeConfig {
  double temperature = 1.0;        ///< probabilistic nodes: sigmoid(θ / temperature)
  std::string eval_mode = "hard";  ///< hard | expectation | sampling | packed
  int64_t num_samples = 16;        ///< sampling: Bernoulli draws averaged
  double flip_probability = 0.0;   ///< training: each layer-input bit flipped with this probability
  double eval_flip_probability = 0.0;  ///< eval: bit flips for robustness tests
  double dropout = 0.0;            ///< training: node output replaced by 0.5 with this probability
  double output_tau = 1.0;         ///< group-sum head: class score = popcount / output_tau
  std::string init_fn = "normal";  ///< normal | residual (table starts as its first input)
  double init_std = 1.0;           ///< std of the initial table logits
  double connection_temperature = 1.0;  ///< learnable connections: softmax temperature
  int64_t sample_seed =
      0;  ///< reseeds LibTorch's generator before each sampling / bit-flip eval (0: not)
};

/// `training:` — the recipe `modelzoo train` follows (a modelzoo extension).
struct TrainingConfig {
  int64_t epochs = 10;
  int64_t batch_size = 128;
  double learning_rate = 0.01;
  double lr_final = 0.001;                    ///< cosine decay to this learning rate
  double connection_temperature_final = 0.1;  ///< learnable connections: annealed to this
  int64_t train_samples = 0;                  ///< 0: the whole training set
  /// Augmentation: each training image moved by a random whole-pixel offset
  /// in [-shift_pixels, shift_pixels] along each axis (square images), zeros
  /// shifted in. 0: off.
  int64_t shift_pixels = 0;
  /// The last this many epochs train the hidden layers as hard eval runs
  /// them: each hidden node outputs its 0/1 lookup, and the gradient passes
  /// through as if it were the soft output (straight-through). Closes the
  /// gap between the trained soft network and its hard evaluation. 0: off.
  int64_t straight_through_epochs = 0;
};

struct LutConfig {
  // Structural.
  std::string model_type = "feedforward";
  std::string layer_type = "random";
  std::string node_type = "probabilistic";
  EncoderConfig encoder;
  int64_t node_input_dim = 6;
  std::vector<int64_t> layer_widths = {1000};
  int64_t num_classes = 10;
  int64_t input_size = 784;
  /// First layer on square images: each node reads encoded bits of pixels
  /// within a receptive_field × receptive_field window (odd) around its own
  /// centre pixel, like a convolution's receptive field. 0: anywhere (plain
  /// random connections). A modelzoo extension; random layers only.
  int64_t receptive_field = 0;
  int64_t seed = 42;
  // Runtime.
  RuntimeConfig runtime;
  // Information only.
  TrainingConfig training;
  std::string dataset;
  std::string pretrained_name;
  nlohmann::json metadata = nlohmann::json::object();
  /// DiffLUT keys read but not implemented (reported, never silently lost).
  std::vector<std::string> ignored_keys;

  /// Number of encoded bits: input_size · num_bits.
  int64_t encoded_bits() const { return input_size * encoder.num_bits; }
  /// The side of a square image of input_size pixels; 0 if not a square.
  int64_t image_side() const;
  /// Total LUT nodes over all layers.
  int64_t num_luts() const;

  /// Checks every value (ranges, names, widths divisible by num_classes);
  /// throws modelzoo::Error naming the key and the fix.
  void validate() const;

  /// Nested DiffLUT shape (`runtime:` section, `training:`).
  nlohmann::json to_json() const;
  /// Every key at the top level: the manifest's `config`.
  nlohmann::json to_flat_json() const;
  /// Reads nested or flat JSON; unknown keys throw with a suggestion.
  static LutConfig from_json(const nlohmann::json& json, const std::string& source = "config");

  static LutConfig from_yaml_text(const std::string& text, const std::string& source = "config");
  static LutConfig from_yaml_file(const std::string& path);
  std::string to_yaml() const;
  /// Writes to_yaml() to `path` (atomically).
  void save(const std::string& path) const;

  /// Applies DiffLUT-style overrides ({"temperature": 0.5, "eval_mode": …},
  /// flat; a nested `runtime` object works too). With `weights_loaded`, a
  /// structural key is an error naming it; unknown keys get a suggestion.
  void apply_overrides(const nlohmann::json& overrides, bool weights_loaded,
                       const std::string& model_name = "model");
};

/// Structural keys (cannot change on pretrained weights).
const std::vector<std::string>& structural_keys();
/// Runtime keys.
const std::vector<std::string>& runtime_keys();

}  // namespace modelzoo::lut
