// One layer of LUT nodes: `nodes` look-up tables with k = node_input_dim
// inputs each, all tables in one (nodes, 2^k) parameter `luts`.
//
// Connections pick each node's k inputs from the previous layer's outputs:
//   random     fixed, seeded; every input is used once before any is used
//              again, and a node never reads one input twice when the layer
//              has at least k inputs. Stored as the int64 buffer
//              `connections` (nodes, k). With a receptive field (first
//              layer on images), each node's inputs come from a small window
//              of pixels instead (local_connections).
//   learnable  parameter `connection_logits` (nodes·k, inputs): in training a
//              slot reads softmax(logits / connection_temperature) · x; in eval
//              it reads argmax(logits) (so hard eval stays a table lookup).
// Address of a node's inputs: a = Σ_i bit_i · 2^i (input 0 is the low bit).
//
// Nodes:
//   probabilistic  luts are logits θ. Soft output: E[sigmoid(θ_a / T)] over
//                  independent input bits with P(bit_i = 1) = x_i. Hard output:
//                  θ_a > 0 at the address of the rounded inputs.
//   dwn            luts are real values; forward is always hard (θ_a > 0); the
//                  backward pass is DWN's extended finite difference: the
//                  gradient to θ_a is the output gradient, and to input i
//                  Σ_{b: b_i = 1} (θ_b − θ_{b⊕2^i}) / (1 + H(b, a) without bit i).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

#include "lut_config.h"
#include "table_ops.h"

namespace modelzoo::lut {

/// How a forward pass evaluates nodes.
enum class NodeMode {
  expectation,  ///< probabilistic: the exact expectation (training and soft eval)
  hard,         ///< table lookup on rounded inputs
  sampling,     ///< inputs are 0/1 samples; outputs Bernoulli(sigmoid(θ_a / T))
};

struct LutLayerOptions {
  int64_t inputs = 0;
  int64_t nodes = 0;
  int64_t k = 6;
  std::string layer_type = "random";
  std::string node_type = "probabilistic";
  uint64_t seed = 0;
  /// Random connections within local windows of an image (first layer):
  /// window size (odd; 0: off), the image side and the encoder's bits per
  /// pixel (inputs = side² · bits_per_pixel, feature-major).
  int64_t receptive_field = 0;
  int64_t image_side = 0;
  int64_t bits_per_pixel = 0;
};

class LutLayerImpl : public torch::nn::Module {
 public:
  explicit LutLayerImpl(const LutLayerOptions& options);

  /// x: (N, inputs), probabilities, or 0/1 bits when `binary_input` (the
  /// encoder's output, or a hard layer's). Returns (N, nodes).
  torch::Tensor forward(const torch::Tensor& x, NodeMode mode, const RuntimeConfig& runtime,
                        bool binary_input);

  /// (nodes, k) input indices used in hard eval: the buffer for random
  /// layers, argmax of the logits for learnable ones.
  torch::Tensor hard_connections() const;
  /// (nodes, 2^k) bool: the truth tables hard eval looks up (θ > 0).
  torch::Tensor truth_tables() const;
  /// Initialises the tables (runtime.init_fn, init_std) from `generator`'s seed.
  void reset_tables(const RuntimeConfig& runtime, uint64_t seed);

  const LutLayerOptions& options() const { return options_; }

  torch::Tensor luts;               ///< (nodes, 2^k)
  torch::Tensor connections;        ///< random: (nodes, k) int64
  torch::Tensor connection_logits;  ///< learnable: (nodes·k, inputs)

 private:
  torch::Tensor gather_inputs(const torch::Tensor& x, bool hard,
                              const RuntimeConfig& runtime) const;
  void check_input(const torch::Tensor& x) const;
  /// Node outputs in `mode` for flat table indices (N, nodes).
  torch::Tensor lookup(const torch::Tensor& flat_indices, NodeMode mode,
                       const RuntimeConfig& runtime) const;
  LutLayerOptions options_;
};
TORCH_MODULE(LutLayer);

/// Random connections as documented above (deterministic for a seed).
torch::Tensor random_connections(int64_t inputs, int64_t nodes, int64_t k, uint64_t seed);

/// Random connections within windows of an image whose pixels are encoded
/// as `bits_per_pixel` bits each, feature-major (input = pixel·bits + j).
/// Node centres go through every pixel once, in a seeded random order,
/// before any pixel is a centre again; each node reads k distinct bits of
/// the pixels in the `window`×`window` square around its centre (moved
/// inwards at the border, so that it always holds window² pixels).
torch::Tensor local_connections(int64_t side, int64_t bits_per_pixel, int64_t nodes, int64_t k,
                                int64_t window, uint64_t seed);

/// The DWN node: hard forward, extended-finite-difference backward.
torch::Tensor dwn_lookup(const torch::Tensor& bits, const torch::Tensor& luts);

}  // namespace modelzoo::lut
