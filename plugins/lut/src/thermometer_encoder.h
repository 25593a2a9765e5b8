// Thermometer encoder: each input feature becomes num_bits bits, bit j set
// when the feature exceeds threshold j (`bit = x > t`), laid out
// feature-major (feature f owns bits f·num_bits … f·num_bits + num_bits − 1).
//
// Thresholds are fitted on data (fit()) and kept as the buffer `thresholds`
// of shape (input_size, num_bits), so they travel with the saved weights:
//   thermometer               lo + (hi − lo)·(j+1)/(num_bits+1), lo/hi the
//                             per-feature (feature_wise) or global min/max
//   distributive_thermometer  per-feature quantiles at q_j = (j+1)/(num_bits+1)
//                             (linear interpolation, numpy's default)
//   gaussian_thermometer      per-feature mean + std·Φ⁻¹(q_j) (population std)
// Fitting runs in double and rounds each threshold once to float32.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "lut_config.h"

namespace modelzoo::lut {

class ThermometerEncoderImpl : public torch::nn::Module {
 public:
  ThermometerEncoderImpl(const EncoderConfig& config, int64_t input_size);

  /// Fits the thresholds on `data` (N, input_size) (or anything flattening to it).
  void fit(const torch::Tensor& data);
  /// Bits as float32 0/1, shape (N, input_size·num_bits).
  torch::Tensor forward(const torch::Tensor& x) const;
  /// Bits as uint8 0/1, same layout (the integer path's input).
  torch::Tensor encode_bits(const torch::Tensor& x) const;

  int64_t input_size() const { return input_size_; }
  int64_t num_bits() const { return config_.num_bits; }
  int64_t output_size() const { return input_size_ * config_.num_bits; }

  torch::Tensor thresholds;  ///< (input_size, num_bits) float32

 private:
  torch::Tensor flatten_input(const torch::Tensor& x) const;
  EncoderConfig config_;
  int64_t input_size_;
};
TORCH_MODULE(ThermometerEncoder);

/// Φ⁻¹(p): the standard normal quantile (|error| < 1e-12 on (0, 1)).
double normal_quantile(double p);

}  // namespace modelzoo::lut
