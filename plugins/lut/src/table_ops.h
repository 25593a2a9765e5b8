// The arithmetic of LUT nodes over a whole layer, as fused CPU loops.
//
// A layer's tables are one (nodes, 2^k) tensor; node inputs are addressed as
// a = Σ_i bit_i · 2^i (input 0 is the low bit). Composed from LibTorch ops,
// these computations materialise (N, nodes, 2^k) temporaries — hundreds of
// megabytes per training step for a 14,000-node layer, most of the step's
// time spent in page faults. Here each (sample, node) pair is worked through
// in a buffer of 2^(k+1) values on the stack.
#pragma once

#include <torch/types.h>

namespace modelzoo::lut {

/// Expectation of each node's table over independent input bits:
/// p (N, nodes, k) probabilities P(bit_i = 1), w (nodes, 2^k) table values
/// → (N, nodes). Differentiable in p and w (float32 or float64); the
/// gradient to p_i is the difference of the expectations with bit i fixed
/// to 1 and to 0, which at 0/1 inputs is the table's finite difference.
torch::Tensor table_expectation(const torch::Tensor& p, const torch::Tensor& w);

/// Addresses Σ_i bit_i·2^i of 0/1 inputs (N, nodes, k) → int64 (N, nodes).
torch::Tensor table_addresses(const torch::Tensor& bits);

/// Flat indices node·2^k + address into a layer's (nodes, 2^k) tables for
/// inputs x (N, inputs) read through connections (nodes, k), each input
/// rounded (bit = x > 0.5) → int64 (N, nodes). The same addresses as
/// table_addresses on the gathered inputs, without gathering them.
torch::Tensor lookup_indices(const torch::Tensor& x, const torch::Tensor& connections,
                             int64_t entries);

}  // namespace modelzoo::lut
