#include "thermometer_encoder.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "modelzoo/sdk/error.h"

namespace modelzoo::lut {

double normal_quantile(double p) {
  // Acklam's rational approximation, then one Halley step on erfc, which
  // brings it to double precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (!(p > 0 && p < 1)) throw Error("normal_quantile: p must be in (0, 1)");
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

ThermometerEncoderImpl::ThermometerEncoderImpl(const EncoderConfig& config, int64_t input_size)
    : config_(config), input_size_(input_size) {
  thresholds = register_buffer("thresholds", torch::zeros({input_size, config.num_bits}));
}

torch::Tensor ThermometerEncoderImpl::flatten_input(const torch::Tensor& x) const {
  const auto flat = x.reshape({x.size(0), -1});
  TORCH_CHECK(flat.size(1) == input_size_, "thermometer encoder: expected ", input_size_,
              " features per sample (got ", flat.size(1), " from input of shape ", x.sizes(), ")");
  return flat;
}

void ThermometerEncoderImpl::fit(const torch::Tensor& data) {
  const auto x = flatten_input(data).to(torch::kFloat64).contiguous();
  const int64_t n = x.size(0), f = input_size_, bits = config_.num_bits;
  TORCH_CHECK(n > 0, "thermometer encoder: cannot fit on an empty data set");
  auto out = torch::empty({f, bits}, torch::kFloat64);
  auto o = out.accessor<double, 2>();
  std::vector<double> q(bits);
  for (int64_t j = 0; j < bits; ++j) q[j] = double(j + 1) / double(bits + 1);

  if (config_.name == "thermometer") {
    const auto lo = config_.feature_wise ? std::get<0>(x.min(0)) : x.min().expand({f});
    const auto hi = config_.feature_wise ? std::get<0>(x.max(0)) : x.max().expand({f});
    const auto l = lo.contiguous(), h = hi.contiguous();
    for (int64_t i = 0; i < f; ++i)
      for (int64_t j = 0; j < bits; ++j)
        o[i][j] = l[i].item<double>() + (h[i].item<double>() - l[i].item<double>()) * q[j];
  } else if (config_.name == "distributive_thermometer") {
    // Linear interpolation between order statistics: h = (n − 1)·q.
    auto quantiles = [&](std::vector<double>& v, int64_t row) {
      std::sort(v.begin(), v.end());
      for (int64_t j = 0; j < bits; ++j) {
        const double h = double(v.size() - 1) * q[j];
        const auto lo = static_cast<size_t>(std::floor(h));
        const size_t hi = std::min(lo + 1, v.size() - 1);
        const double t = h - double(lo);
        o[row][j] = t < 0.5 ? v[lo] + (v[hi] - v[lo]) * t : v[hi] - (v[hi] - v[lo]) * (1 - t);
      }
    };
    const auto xt = x.t().contiguous();
    const double* p = xt.data_ptr<double>();
    if (config_.feature_wise) {
      std::vector<double> column(n);
      for (int64_t i = 0; i < f; ++i) {
        std::copy(p + i * n, p + (i + 1) * n, column.begin());
        quantiles(column, i);
      }
    } else {
      std::vector<double> all(p, p + n * f);
      quantiles(all, 0);
      for (int64_t i = 1; i < f; ++i)
        for (int64_t j = 0; j < bits; ++j) o[i][j] = o[0][j];
    }
  } else if (config_.name == "gaussian_thermometer") {
    const auto mean = config_.feature_wise ? x.mean(0) : x.mean().expand({f});
    const auto std =
        config_.feature_wise ? x.std(0, /*unbiased=*/false) : x.std(/*unbiased=*/false).expand({f});
    const auto m = mean.contiguous(), s = std.contiguous();
    for (int64_t i = 0; i < f; ++i)
      for (int64_t j = 0; j < bits; ++j)
        o[i][j] = m[i].item<double>() + s[i].item<double>() * normal_quantile(q[j]);
  } else {
    throw Error("thermometer encoder: unknown encoder '" + config_.name + "'");
  }
  torch::NoGradGuard no_grad;
  thresholds.copy_(out.to(torch::kFloat32));
}

torch::Tensor ThermometerEncoderImpl::forward(const torch::Tensor& x) const {
  return encode_bits(x).to(torch::kFloat32);
}

torch::Tensor ThermometerEncoderImpl::encode_bits(const torch::Tensor& x) const {
  const auto flat = flatten_input(x).to(torch::kFloat32);
  return flat.unsqueeze(2)
      .gt(thresholds.unsqueeze(0))
      .reshape({flat.size(0), -1})
      .to(torch::kUInt8);
}

}  // namespace modelzoo::lut
