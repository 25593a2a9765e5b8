// Thermometer encoders: thresholds against numpy (computed independently by
// /usr/bin/python3 on the same data), and the bit layout.
#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "process.h"
#include "thermometer_encoder.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

using namespace modelzoo::lut;
using Catch::Matchers::Contains;

namespace {

// Fixed data: seeded normal columns, a column of ties (four levels), a
// constant column and a skewed one.
torch::Tensor fixed_data() {
  auto gen = at::detail::createCPUGenerator(1234);
  auto x = torch::randn({501, 6}, gen, torch::kFloat32);
  x.select(1, 3) = torch::randint(0, 4, {501}, gen, torch::kFloat32) / 3;
  x.select(1, 4).fill_(0.25);
  x.select(1, 5) = x.select(1, 5).exp();
  return x;
}

bool have_numpy() {
  return modelzoo::test::run_process({"/usr/bin/python3", "-c", "import numpy"}).exit_code == 0;
}

// numpy's thresholds for `data`, from a script that shares no code with ours.
torch::Tensor numpy_thresholds(const torch::Tensor& data, const std::string& kind, int bits,
                               bool feature_wise) {
  modelzoo::test::TempDir dir;
  const std::string file = dir.path() + "/data.f32";
  {
    std::ofstream out(file, std::ios::binary);
    const auto c = data.contiguous();
    out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * 4);
  }
  const std::string script = R"(
import json, sys
from statistics import NormalDist
import numpy as np
path, rows, cols, kind, bits, fw = sys.argv[1:]
x = np.fromfile(path, dtype=np.float32).reshape(int(rows), int(cols)).astype(np.float64)
bits = int(bits); fw = fw == "1"
q = np.arange(1, bits + 1) / (bits + 1)
axis = 0 if fw else None
if kind == "thermometer":
    lo, hi = x.min(axis=axis), x.max(axis=axis)
    t = lo[..., None] + (hi - lo)[..., None] * q if fw else np.tile(lo + (hi - lo) * q, (x.shape[1], 1))
elif kind == "distributive_thermometer":
    t = np.quantile(x, q, axis=0).T if fw else np.tile(np.quantile(x, q), (x.shape[1], 1))
else:
    z = np.array([NormalDist().inv_cdf(v) for v in q])
    m, s = x.mean(axis=axis), x.std(axis=axis)
    t = m[..., None] + s[..., None] * z if fw else np.tile(m + s * z, (x.shape[1], 1))
print(json.dumps(t.astype(np.float32).astype(np.float64).tolist()))
)";
  auto r = modelzoo::test::run_process({"/usr/bin/python3", "-c", script, file,
                                        std::to_string(data.size(0)), std::to_string(data.size(1)),
                                        kind, std::to_string(bits), feature_wise ? "1" : "0"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = nlohmann::json::parse(r.out);
  auto out = torch::empty({data.size(1), bits}, torch::kFloat32);
  for (int64_t i = 0; i < data.size(1); ++i)
    for (int j = 0; j < bits; ++j) out[i][j] = rows[i][j].get<double>();
  return out;
}

}  // namespace

TEST_CASE("encoder thresholds equal numpy's", "[lut][encoder][python]") {
  if (!have_numpy()) {
    WARN("skipped: /usr/bin/python3 with numpy is not installed (scripts/install-deps.sh adds it)");
    return;
  }
  const auto data = fixed_data();
  for (const std::string kind : {"thermometer", "distributive_thermometer", "gaussian_thermometer"})
    for (const int bits : {1, 3, 8})
      for (const bool fw : {true, false}) {
        INFO(kind << " num_bits=" << bits << " feature_wise=" << fw);
        EncoderConfig config;
        config.name = kind;
        config.num_bits = bits;
        config.feature_wise = fw;
        ThermometerEncoder encoder(config, 6);
        encoder->fit(data);
        const auto expected = numpy_thresholds(data, kind, bits, fw);
        CHECK(torch::allclose(encoder->thresholds, expected, /*rtol=*/1e-6, /*atol=*/1e-6));
      }
}

TEST_CASE("encoding is bit = x > t, feature-major", "[lut][encoder]") {
  EncoderConfig config;
  config.name = "thermometer";
  config.num_bits = 3;
  ThermometerEncoder encoder(config, 2);
  // Feature 0 on [0, 4] → thresholds 1, 2, 3; feature 1 on [0, 8] → 2, 4, 6.
  encoder->fit(torch::tensor({{0.f, 0.f}, {4.f, 8.f}}));
  CHECK(torch::equal(encoder->thresholds, torch::tensor({{1.f, 2.f, 3.f}, {2.f, 4.f, 6.f}})));
  const auto bits = encoder->forward(torch::tensor({{2.f, 7.f}, {1.f, 0.f}, {3.5f, 4.f}}));
  // A value equal to a threshold is not above it.
  CHECK(torch::equal(bits, torch::tensor({{1.f, 0.f, 0.f, 1.f, 1.f, 1.f},
                                          {0.f, 0.f, 0.f, 0.f, 0.f, 0.f},
                                          {1.f, 1.f, 1.f, 1.f, 0.f, 0.f}})));
  CHECK(torch::equal(encoder->encode_bits(torch::tensor({{2.f, 7.f}})),
                     torch::tensor({{1, 0, 0, 1, 1, 1}}, torch::kUInt8)));
  // Thresholds are part of the state dict, so they travel with the weights.
  CHECK(encoder->named_buffers().contains("thresholds"));
  CHECK_THROWS_WITH(encoder->forward(torch::zeros({1, 3})),
                    Contains("expected 2 features per sample (got 3"));
}

TEST_CASE("normal_quantile is the standard normal's inverse CDF", "[lut][encoder]") {
  for (double p : {1e-9, 0.001, 0.02, 0.25, 0.5, 0.8, 0.975, 0.999999}) {
    const double x = normal_quantile(p);
    CHECK(0.5 * std::erfc(-x / std::sqrt(2.0)) == Approx(p).epsilon(1e-12));
  }
  CHECK(normal_quantile(0.5) == Approx(0).margin(1e-15));
}
