#include "lut_layer.h"

#include <torch/csrc/autograd/custom_function.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <random>
#include <vector>

#include "modelzoo/sdk/error.h"

namespace modelzoo::lut {
namespace {

// Uniform integer in [0, bound) from a 64-bit engine; unlike
// std::uniform_int_distribution it is the same on every standard library,
// so connections are the same everywhere for a seed.
uint64_t uniform_below(std::mt19937_64& engine, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t r;
  do r = engine();
  while (r >= limit);
  return r % bound;
}

struct DwnLookup : public torch::autograd::Function<DwnLookup> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& bits,
                               const torch::Tensor& luts) {
    const int64_t nodes = luts.size(0), entries = luts.size(1);
    const auto addresses = table_addresses(bits);
    const auto flat = addresses + torch::arange(nodes, torch::kInt64).mul(entries).unsqueeze(0);
    ctx->save_for_backward({flat, luts});
    return luts.reshape(-1)
        .index_select(0, flat.reshape(-1))
        .view_as(addresses)
        .gt(0)
        .to(luts.scalar_type());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& flat = saved[0];
    const auto luts = saved[1].detach().to(torch::kFloat64).contiguous();
    const auto grad = grads[0].contiguous();
    const int64_t n = flat.size(0), nodes = luts.size(0), entries = luts.size(1);
    int64_t k = 0;
    while ((int64_t{1} << k) < entries) ++k;

    auto grad_luts = torch::zeros({nodes * entries}, grad.options());
    grad_luts.index_add_(0, flat.reshape(-1), grad.reshape(-1));
    // The first layer's inputs (the encoder's bits) need no gradient.
    if (!ctx->needs_input_grad(0)) return {torch::Tensor(), grad_luts.view({nodes, entries})};

    // efd[node, a, i]: the extended finite difference at address a.
    auto efd = torch::zeros({nodes, entries, k}, torch::kFloat64);
    auto e = efd.accessor<double, 3>();
    auto t = luts.accessor<double, 2>();
    for (int64_t node = 0; node < nodes; ++node)
      for (int64_t a = 0; a < entries; ++a)
        for (int64_t i = 0; i < k; ++i) {
          const int64_t bit = int64_t{1} << i;
          double sum = 0;
          for (int64_t b = bit; b < entries; ++b) {
            if (!(b & bit)) continue;
            const int distance = __builtin_popcountll(static_cast<uint64_t>((b ^ a) & ~bit));
            sum += (t[node][b] - t[node][b ^ bit]) / (1.0 + distance);
          }
          e[node][a][i] = sum;
        }
    const auto per_sample = efd.view({nodes * entries, k})
                                .index_select(0, flat.reshape(-1))
                                .view({n, nodes, k})
                                .to(grad.scalar_type());
    return {per_sample * grad.unsqueeze(2), grad_luts.view({nodes, entries})};
  }
};

}  // namespace

torch::Tensor random_connections(int64_t inputs, int64_t nodes, int64_t k, uint64_t seed) {
  if (inputs < 1) throw Error("a LUT layer needs at least one input");
  std::mt19937_64 engine(seed);
  std::vector<int64_t> pool;
  size_t next = 0;
  auto refill = [&] {
    pool.resize(static_cast<size_t>(inputs));
    for (int64_t i = 0; i < inputs; ++i) pool[i] = i;
    for (size_t i = pool.size() - 1; i > 0; --i)
      std::swap(pool[i], pool[uniform_below(engine, i + 1)]);
    next = 0;
  };
  refill();
  auto out = torch::empty({nodes, k}, torch::kInt64);
  auto o = out.accessor<int64_t, 2>();
  for (int64_t node = 0; node < nodes; ++node) {
    for (int64_t slot = 0; slot < k; ++slot) {
      if (next == pool.size()) refill();
      // Keep a node's inputs distinct: swap in a later unused candidate of
      // the current round (there is one unless the layer has < k inputs).
      auto taken = [&](int64_t v) {
        for (int64_t s = 0; s < slot; ++s)
          if (o[node][s] == v) return true;
        return false;
      };
      if (inputs >= k && taken(pool[next])) {
        for (size_t j = next + 1; j < pool.size(); ++j)
          if (!taken(pool[j])) {
            std::swap(pool[next], pool[j]);
            break;
          }
        // Every input left in this round is already one of this node's: the
        // next round starts now, with the leftovers first so that they are
        // the next ones used (only this slot reuses an input early).
        if (taken(pool[next])) {
          std::vector<int64_t> leftover(pool.begin() + static_cast<std::ptrdiff_t>(next),
                                        pool.end());
          refill();
          std::stable_partition(pool.begin(), pool.end(), [&](int64_t v) {
            return std::find(leftover.begin(), leftover.end(), v) != leftover.end();
          });
          size_t j = leftover.size();
          while (taken(pool[j])) ++j;
          std::swap(pool[0], pool[j]);
        }
      }
      o[node][slot] = pool[next++];
    }
  }
  return out;
}

torch::Tensor local_connections(int64_t side, int64_t bits_per_pixel, int64_t nodes, int64_t k,
                                int64_t window, uint64_t seed) {
  if (side < 1 || bits_per_pixel < 1 || window < 1 || window % 2 == 0)
    throw Error("local connections need a positive image side, bits per pixel and odd window");
  if (window * window * bits_per_pixel < k)
    throw Error("a " + std::to_string(window) + "x" + std::to_string(window) +
                " window holds fewer than " + std::to_string(k) + " encoded bits");
  std::mt19937_64 engine(seed);
  const int64_t pixels = side * side, half = window / 2;
  std::vector<int64_t> centres;
  auto out = torch::empty({nodes, k}, torch::kInt64);
  auto o = out.accessor<int64_t, 2>();
  std::vector<int64_t> candidates;
  for (int64_t node = 0; node < nodes; ++node) {
    if (centres.empty()) {
      centres.resize(static_cast<size_t>(pixels));
      for (int64_t i = 0; i < pixels; ++i) centres[i] = i;
      for (size_t i = centres.size() - 1; i > 0; --i)
        std::swap(centres[i], centres[uniform_below(engine, i + 1)]);
    }
    const int64_t centre = centres.back();
    centres.pop_back();
    const int64_t row = centre / side, col = centre % side;
    // Windows at the border are shifted inwards, so every node has
    // window² pixels to choose from.
    const int64_t top = std::clamp<int64_t>(row - half, 0, std::max<int64_t>(0, side - window));
    const int64_t left = std::clamp<int64_t>(col - half, 0, std::max<int64_t>(0, side - window));
    candidates.clear();
    for (int64_t r = top; r < std::min(side, top + window); ++r)
      for (int64_t c = left; c < std::min(side, left + window); ++c)
        for (int64_t b = 0; b < bits_per_pixel; ++b)
          candidates.push_back((r * side + c) * bits_per_pixel + b);
    // k distinct picks: a partial Fisher–Yates shuffle.
    for (int64_t slot = 0; slot < k; ++slot) {
      const auto j = slot + static_cast<int64_t>(uniform_below(
                                engine, uint64_t(candidates.size()) - uint64_t(slot)));
      std::swap(candidates[slot], candidates[j]);
      o[node][slot] = candidates[slot];
    }
  }
  return out;
}

torch::Tensor dwn_lookup(const torch::Tensor& bits, const torch::Tensor& luts) {
  return DwnLookup::apply(bits, luts);
}

LutLayerImpl::LutLayerImpl(const LutLayerOptions& options) : options_(options) {
  const int64_t entries = int64_t{1} << options.k;
  luts = register_parameter("luts", torch::zeros({options.nodes, entries}));
  if (options.layer_type == "random") {
    connections = register_buffer(
        "connections",
        options.receptive_field > 0
            ? local_connections(options.image_side, options.bits_per_pixel, options.nodes,
                                options.k, options.receptive_field, options.seed)
            : random_connections(options.inputs, options.nodes, options.k, options.seed));
  } else if (options.layer_type == "learnable") {
    torch::NoGradGuard no_grad;
    auto gen = at::detail::createCPUGenerator(options.seed ^ 0x9e3779b97f4a7c15ULL);
    connection_logits = register_parameter(
        "connection_logits",
        torch::randn({options.nodes * options.k, options.inputs}, gen, torch::kFloat32));
  } else {
    throw Error("unknown layer_type '" + options.layer_type + "' (use random or learnable)");
  }
}

void LutLayerImpl::reset_tables(const RuntimeConfig& runtime, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t entries = luts.size(1);
  const double std = options_.node_type == "dwn" ? runtime.init_std * 0.05 : runtime.init_std;
  auto values = torch::randn(luts.sizes(), gen, torch::kFloat32) * std;
  if (runtime.init_fn == "residual") {
    // Pass input 0 through: +2 where bit 0 of the address is set, −2 elsewhere.
    const auto bit0 = torch::arange(entries, torch::kInt64).remainder(2).to(torch::kFloat32);
    values += (bit0 * 4 - 2).unsqueeze(0);
  }
  luts.copy_(values);
}

torch::Tensor LutLayerImpl::hard_connections() const {
  if (connections.defined()) return connections;
  return connection_logits.detach().argmax(1).view({options_.nodes, options_.k});
}

torch::Tensor LutLayerImpl::truth_tables() const {
  return luts.detach().gt(0);
}

void LutLayerImpl::check_input(const torch::Tensor& x) const {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options_.inputs, "LUT layer: expected input (N, ",
              options_.inputs, ") (got ", x.sizes(), ")");
}

torch::Tensor LutLayerImpl::gather_inputs(const torch::Tensor& x, bool hard,
                                          const RuntimeConfig& runtime) const {
  check_input(x);
  const int64_t n = x.size(0);
  if (connections.defined() || hard)
    return x.index_select(1, hard_connections().reshape(-1)).view({n, options_.nodes, options_.k});
  const auto weights = torch::softmax(connection_logits / runtime.connection_temperature, 1);
  return x.matmul(weights.t()).view({n, options_.nodes, options_.k});
}

torch::Tensor LutLayerImpl::lookup(const torch::Tensor& flat_indices, NodeMode mode,
                                   const RuntimeConfig& runtime) const {
  const auto selected =
      luts.reshape(-1).index_select(0, flat_indices.reshape(-1)).view_as(flat_indices);
  if (mode == NodeMode::hard) return selected.gt(0).to(luts.scalar_type());
  if (mode == NodeMode::sampling)
    return torch::bernoulli(torch::sigmoid(selected.detach() / runtime.temperature));
  return torch::sigmoid(selected / runtime.temperature);
}

torch::Tensor LutLayerImpl::forward(const torch::Tensor& x, NodeMode mode,
                                    const RuntimeConfig& runtime, bool binary_input) {
  const bool soft_connections = connection_logits.defined() && is_training();
  // 0/1 inputs through hard connections: the expectation is then a lookup
  // of one entry, computed as such (same value, 2^k times less work).
  const bool binary_inputs = binary_input && !soft_connections;
  const bool table_lookup =
      options_.node_type != "dwn" && (mode != NodeMode::expectation || binary_inputs);
  const bool flips =
      is_training() ? runtime.flip_probability > 0 : runtime.eval_flip_probability > 0;
  const int64_t entries = luts.size(1);

  torch::Tensor out;
  if (table_lookup && !flips && !soft_connections) {
    // The common case (every layer in hard eval, the first in training):
    // addresses straight from the layer input, nothing gathered.
    check_input(x);
    out = lookup(lookup_indices(x, hard_connections(), entries), mode, runtime);
  } else {
    auto inputs = gather_inputs(x, !soft_connections, runtime);
    if (is_training() && runtime.flip_probability > 0) {
      if (binary_inputs) {
        const auto flip = torch::bernoulli(torch::full_like(inputs, runtime.flip_probability));
        inputs = (inputs - flip).abs();
      } else {
        inputs = inputs + runtime.flip_probability * (1 - 2 * inputs);
      }
    } else if (!is_training() && runtime.eval_flip_probability > 0) {
      const auto flip = torch::bernoulli(torch::full_like(inputs, runtime.eval_flip_probability));
      inputs = (inputs.gt(0.5).to(inputs.scalar_type()) - flip).abs();
    }
    if (options_.node_type == "dwn") {
      out = dwn_lookup(inputs.gt(0.5).to(inputs.scalar_type()), luts);
    } else if (!table_lookup) {
      out = table_expectation(inputs, torch::sigmoid(luts / runtime.temperature));
    } else {
      const auto flat = table_addresses(inputs) +
                        torch::arange(options_.nodes, torch::kInt64).mul(entries).unsqueeze(0);
      out = lookup(flat, mode, runtime);
    }
  }
  if (is_training() && runtime.dropout > 0) {
    const auto drop = torch::bernoulli(torch::full_like(out, runtime.dropout)).to(torch::kBool);
    out = torch::where(drop, torch::full_like(out, 0.5), out);
  }
  return out;
}

}  // namespace modelzoo::lut
