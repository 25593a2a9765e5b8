// LUT nodes and connections against independent references: brute-force
// enumeration of every input pattern, finite differences, plain loops.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>

#include <set>

#include "lut_layer.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

using namespace modelzoo::lut;

namespace {

// E[w_a] over independent bits, by enumerating every pattern a.
double brute_force_expectation(const std::vector<double>& p, const std::vector<double>& w) {
  const size_t k = p.size();
  double sum = 0;
  for (size_t a = 0; a < (size_t{1} << k); ++a) {
    double prob = 1;
    for (size_t i = 0; i < k; ++i) prob *= (a >> i & 1) ? p[i] : 1 - p[i];
    sum += prob * w[a];
  }
  return sum;
}

}  // namespace

TEST_CASE("probabilistic node: expectation equals enumeration over all 2^k patterns",
          "[lut][nodes]") {
  auto gen = at::detail::createCPUGenerator(99);
  for (int64_t k = 2; k <= 6; ++k) {
    INFO("k = " << k);
    const int64_t n = 5, nodes = 7;
    const auto p = torch::rand({n, nodes, k}, gen, torch::kFloat64);
    const auto w = torch::rand({nodes, int64_t{1} << k}, gen, torch::kFloat64);
    const auto got = table_expectation(p, w);
    REQUIRE(got.sizes() == torch::IntArrayRef({n, nodes}));
    for (int64_t s = 0; s < n; ++s)
      for (int64_t node = 0; node < nodes; ++node) {
        std::vector<double> pv, wv;
        for (int64_t i = 0; i < k; ++i) pv.push_back(p[s][node][i].item<double>());
        for (int64_t a = 0; a < (int64_t{1} << k); ++a) wv.push_back(w[node][a].item<double>());
        CHECK(got[s][node].item<double>() ==
              Approx(brute_force_expectation(pv, wv)).epsilon(1e-12));
      }
  }
}

TEST_CASE("probabilistic node: gradients match finite differences", "[lut][nodes]") {
  auto gen = at::detail::createCPUGenerator(5);
  const int64_t k = 4, n = 3, nodes = 2;
  const auto p = torch::rand({n, nodes, k}, gen, torch::kFloat64).requires_grad_();
  const auto theta = torch::randn({nodes, int64_t{1} << k}, gen, torch::kFloat64).requires_grad_();
  const auto weights = torch::randn({n, nodes}, gen, torch::kFloat64);  // a random linear loss
  const double temperature = 0.7;
  auto loss_of = [&](const torch::Tensor& pp, const torch::Tensor& tt) {
    return (table_expectation(pp, torch::sigmoid(tt / temperature)) * weights).sum();
  };
  loss_of(p, theta).backward();
  const double h = 1e-6;
  torch::NoGradGuard no_grad;
  for (const auto* t : {&p, &theta}) {
    const auto flat = t->detach().reshape(-1);
    const auto grad = t->grad().reshape(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      auto plus = flat.clone(), minus = flat.clone();
      plus[i] += h;
      minus[i] -= h;
      const bool is_p = t == &p;
      const double lp =
          loss_of(is_p ? plus.view_as(p) : p, is_p ? theta : plus.view_as(theta)).item<double>();
      const double lm =
          loss_of(is_p ? minus.view_as(p) : p, is_p ? theta : minus.view_as(theta)).item<double>();
      CHECK(grad[i].item<double>() == Approx((lp - lm) / (2 * h)).epsilon(1e-6).margin(1e-9));
    }
  }
}

TEST_CASE("hard mode is a lookup: binary inputs make the expectation a lookup too",
          "[lut][nodes]") {
  LutLayerOptions o;
  o.inputs = 20;
  o.nodes = 9;
  o.k = 3;
  o.seed = 3;
  LutLayer layer(o);
  RuntimeConfig runtime;
  runtime.temperature = 2.0;
  layer->reset_tables(runtime, 11);
  layer->eval();
  auto gen = at::detail::createCPUGenerator(8);
  const auto bits = torch::randint(0, 2, {6, 20}, gen, torch::kFloat32);
  const auto hard = layer->forward(bits, NodeMode::hard, runtime, true);
  const auto soft_binary = layer->forward(bits, NodeMode::expectation, runtime, true);
  const auto soft_general = layer->forward(bits, NodeMode::expectation, runtime, false);
  const auto c = layer->connections;
  for (int64_t s = 0; s < 6; ++s)
    for (int64_t node = 0; node < 9; ++node) {
      int64_t a = 0;
      for (int64_t i = 0; i < 3; ++i)
        a |= static_cast<int64_t>(bits[s][c[node][i].item<int64_t>()].item<float>()) << i;
      const float theta = layer->luts[node][a].item<float>();
      CHECK(hard[s][node].item<float>() == (theta > 0 ? 1.f : 0.f));
      CHECK(soft_binary[s][node].item<float>() == Approx(1 / (1 + std::exp(-theta / 2.0))));
    }
  CHECK(torch::allclose(soft_binary, soft_general, 1e-5, 1e-6));
}

TEST_CASE("dwn node: hard forward, extended-finite-difference backward", "[lut][nodes]") {
  auto gen = at::detail::createCPUGenerator(21);
  const int64_t k = 3, n = 4, nodes = 5, entries = 8;
  const auto bits = torch::randint(0, 2, {n, nodes, k}, gen, torch::kFloat64).requires_grad_();
  const auto luts = torch::randn({nodes, entries}, gen, torch::kFloat64).requires_grad_();
  const auto upstream = torch::randn({n, nodes}, gen, torch::kFloat64);
  const auto out = dwn_lookup(bits, luts);
  (out * upstream).sum().backward();
  auto expected_lut_grad = torch::zeros({nodes, entries}, torch::kFloat64);
  for (int64_t s = 0; s < n; ++s)
    for (int64_t node = 0; node < nodes; ++node) {
      int64_t a = 0;
      for (int64_t i = 0; i < k; ++i)
        a |= static_cast<int64_t>(bits[s][node][i].item<double>()) << i;
      CHECK(out[s][node].item<double>() == (luts[node][a].item<double>() > 0 ? 1.0 : 0.0));
      expected_lut_grad[node][a] += upstream[s][node];
      for (int64_t i = 0; i < k; ++i) {
        // EFD, written out: every address b with bit i set, weighted by
        // 1 / (1 + Hamming distance to a over the other bits).
        double efd = 0;
        for (int64_t b = 0; b < entries; ++b) {
          if (!(b >> i & 1)) continue;
          int distance = 0;
          for (int64_t j = 0; j < k; ++j)
            if (j != i && ((a >> j) & 1) != ((b >> j) & 1)) ++distance;
          efd +=
              (luts[node][b].item<double>() - luts[node][b & ~(int64_t{1} << i)].item<double>()) /
              (1.0 + distance);
        }
        CHECK(bits.grad()[s][node][i].item<double>() ==
              Approx(efd * upstream[s][node].item<double>()).epsilon(1e-12).margin(1e-12));
      }
    }
  CHECK(torch::allclose(luts.grad(), expected_lut_grad));
}

TEST_CASE("random connections: every input once before any twice, distinct per node, seeded",
          "[lut][layers]") {
  for (auto [inputs, nodes, k] :
       {std::tuple<int64_t, int64_t, int64_t>{100, 50, 6}, {37, 40, 5}, {12, 30, 6}, {6, 10, 6}}) {
    INFO(inputs << " inputs, " << nodes << " nodes, k=" << k);
    const auto c = random_connections(inputs, nodes, k, 17);
    CHECK(torch::equal(c, random_connections(inputs, nodes, k, 17)));
    CHECK_FALSE(torch::equal(c, random_connections(inputs, nodes, k, 18)));
    std::vector<int64_t> uses(inputs, 0);
    const auto flat = c.reshape(-1);
    for (int64_t s = 0; s < flat.numel(); ++s) {
      const int64_t v = flat[s].item<int64_t>();
      REQUIRE(v >= 0);
      REQUIRE(v < inputs);
      // Reuse only once every input has been used as often: counts never
      // differ by more than one... except the single early reuse allowed
      // when a round's leftovers all sit in the current node.
      CHECK(uses[v] <= *std::min_element(uses.begin(), uses.end()) + 1);
      ++uses[v];
    }
    for (int64_t node = 0; node < nodes; ++node) {
      std::set<int64_t> distinct;
      for (int64_t i = 0; i < k; ++i) distinct.insert(c[node][i].item<int64_t>());
      CHECK(int64_t(distinct.size()) == k);
    }
  }
}

TEST_CASE("learnable connections: soft in training, argmax in eval", "[lut][layers]") {
  LutLayerOptions o;
  o.inputs = 10;
  o.nodes = 4;
  o.k = 2;
  o.layer_type = "learnable";
  o.seed = 2;
  LutLayer layer(o);
  RuntimeConfig runtime;
  layer->reset_tables(runtime, 1);
  REQUIRE(layer->connection_logits.sizes() == torch::IntArrayRef({8, 10}));
  const auto hard = layer->hard_connections();
  CHECK(torch::equal(hard, layer->connection_logits.argmax(1).view({4, 2})));
  auto gen = at::detail::createCPUGenerator(4);
  const auto bits = torch::randint(0, 2, {3, 10}, gen, torch::kFloat32);
  layer->train();
  const auto soft = layer->forward(bits, NodeMode::expectation, runtime, true);
  soft.sum().backward();
  CHECK(layer->connection_logits.grad().abs().sum().item<float>() > 0);
  // A very low softmax temperature is the argmax.
  runtime.connection_temperature = 1e-4;
  torch::NoGradGuard no_grad;
  const auto sharp = layer->forward(bits, NodeMode::expectation, runtime, true);
  layer->eval();
  const auto eval = layer->forward(bits, NodeMode::expectation, runtime, true);
  CHECK(torch::allclose(sharp, eval, 1e-4, 1e-4));
}

TEST_CASE("lookup_indices: the addresses of the gathered, rounded inputs", "[lut][nodes]") {
  auto gen = at::detail::createCPUGenerator(31);
  for (int64_t k : {2, 5, 6}) {
    INFO("k = " << k);
    const int64_t n = 7, inputs = 40, nodes = 13, entries = int64_t{1} << k;
    const auto c = random_connections(inputs, nodes, k, 5 + k);
    // Probabilities, not only 0/1: every input is rounded at 0.5.
    const auto x = torch::rand({n, inputs}, gen, torch::kFloat32);
    const auto got = lookup_indices(x, c, entries);
    REQUIRE(got.sizes() == torch::IntArrayRef({n, nodes}));
    for (int64_t s = 0; s < n; ++s)
      for (int64_t node = 0; node < nodes; ++node) {
        int64_t a = 0;
        for (int64_t i = 0; i < k; ++i)
          if (x[s][c[node][i].item<int64_t>()].item<float>() > 0.5f) a += int64_t{1} << i;
        CHECK(got[s][node].item<int64_t>() == node * entries + a);
      }
  }
  const auto c = random_connections(10, 4, 3, 1);
  CHECK_THROWS(lookup_indices(torch::zeros({2, 5}), c, 8));    // connections past the inputs
  CHECK_THROWS(lookup_indices(torch::zeros({2, 10}), c, 16));  // 3 inputs address 8 entries
}

TEST_CASE("probabilistic node: six-input gradients, and finite differences at 0/1 inputs",
          "[lut][nodes]") {
  auto gen = at::detail::createCPUGenerator(77);
  const int64_t k = 6, n = 4, nodes = 3, entries = 64;
  const auto p = torch::rand({n, nodes, k}, gen, torch::kFloat64).requires_grad_();
  const auto w = torch::randn({nodes, entries}, gen, torch::kFloat64).requires_grad_();
  const auto upstream = torch::randn({n, nodes}, gen, torch::kFloat64);
  (table_expectation(p, w) * upstream).sum().backward();
  // d/dp_i is E[w | bit i = 1] − E[w | bit i = 0]; d/dw_a is P(pattern a):
  // both by enumeration.
  for (int64_t s = 0; s < n; ++s)
    for (int64_t node = 0; node < nodes; ++node) {
      std::vector<double> pv(k), wv(entries);
      for (int64_t i = 0; i < k; ++i) pv[i] = p[s][node][i].item<double>();
      for (int64_t a = 0; a < entries; ++a) wv[a] = w[node][a].item<double>();
      const double g = upstream[s][node].item<double>();
      for (int64_t i = 0; i < k; ++i) {
        auto one = pv, zero = pv;
        one[i] = 1;
        zero[i] = 0;
        const double expected =
            g * (brute_force_expectation(one, wv) - brute_force_expectation(zero, wv));
        CHECK(p.grad()[s][node][i].item<double>() == Approx(expected).epsilon(1e-10));
      }
    }
  for (int64_t node = 0; node < nodes; ++node)
    for (int64_t a = 0; a < entries; a += 7) {
      double expected = 0;
      for (int64_t s = 0; s < n; ++s) {
        double prob = 1;
        for (int64_t i = 0; i < k; ++i) {
          const double q = p[s][node][i].item<double>();
          prob *= (a >> i & 1) ? q : 1 - q;
        }
        expected += upstream[s][node].item<double>() * prob;
      }
      CHECK(w.grad()[node][a].item<double>() == Approx(expected).epsilon(1e-10));
    }

  // At 0/1 inputs the value is the entry at the address and the gradient to
  // input i the difference of the two entries that differ in bit i.
  const auto bits = torch::randint(0, 2, {n, nodes, k}, gen, torch::kFloat32).requires_grad_();
  const auto table = torch::randn({nodes, entries}, gen, torch::kFloat32);
  const auto out = table_expectation(bits, table);
  out.sum().backward();
  for (int64_t s = 0; s < n; ++s)
    for (int64_t node = 0; node < nodes; ++node) {
      int64_t a = 0;
      for (int64_t i = 0; i < k; ++i)
        a |= static_cast<int64_t>(bits[s][node][i].item<float>()) << i;
      CHECK(out[s][node].item<float>() == Approx(table[node][a].item<float>()).epsilon(1e-6));
      for (int64_t i = 0; i < k; ++i) {
        const int64_t bit = int64_t{1} << i;
        const float diff = table[node][a | bit].item<float>() - table[node][a & ~bit].item<float>();
        CHECK(bits.grad()[s][node][i].item<float>() == Approx(diff).epsilon(1e-5).margin(1e-6));
      }
    }
}

TEST_CASE("local connections: k distinct bits from the window around each node's centre",
          "[lut][layers]") {
  const int64_t side = 9, bits = 3, k = 6, window = 3, nodes = 200;
  const auto c = local_connections(side, bits, nodes, k, window, 12);
  CHECK(torch::equal(c, local_connections(side, bits, nodes, k, window, 12)));
  CHECK_FALSE(torch::equal(c, local_connections(side, bits, nodes, k, window, 13)));
  std::vector<int64_t> centre_rows, centre_cols;
  for (int64_t node = 0; node < nodes; ++node) {
    std::set<int64_t> distinct;
    int64_t min_r = side, max_r = -1, min_c = side, max_c = -1;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t input = c[node][i].item<int64_t>();
      REQUIRE(input >= 0);
      REQUIRE(input < side * side * bits);
      distinct.insert(input);
      const int64_t pixel = input / bits;
      min_r = std::min(min_r, pixel / side);
      max_r = std::max(max_r, pixel / side);
      min_c = std::min(min_c, pixel % side);
      max_c = std::max(max_c, pixel % side);
    }
    CHECK(int64_t(distinct.size()) == k);
    // All inputs fit in one window×window square.
    CHECK(max_r - min_r < window);
    CHECK(max_c - min_c < window);
  }
  // Inputs spread over the whole image and over every threshold.
  std::set<int64_t> pixels, thresholds;
  for (int64_t v : std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel())) {
    pixels.insert(v / bits);
    thresholds.insert(v % bits);
  }
  CHECK(int64_t(pixels.size()) == side * side);
  CHECK(int64_t(thresholds.size()) == bits);
  CHECK_THROWS(local_connections(side, 1, 10, 6, 1, 1));     // a 1x1 window has one bit
  CHECK_THROWS(local_connections(side, bits, 10, 6, 4, 1));  // even window
}
