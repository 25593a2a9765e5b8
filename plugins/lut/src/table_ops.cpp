#include "table_ops.h"

#include <torch/csrc/autograd/custom_function.h>

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>

namespace modelzoo::lut {
namespace {

// k is at most 6 in a config (2^6 entries); the loops take up to this many.
constexpr int64_t kMaxInputs = 10;
constexpr int64_t kMaxEntries = int64_t{1} << kMaxInputs;

// Work items of at least this many table entries go to one thread.
int64_t grain_in_nodes(int64_t samples, int64_t entries) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, samples * entries));
}

// The expectation contracts the table one input at a time: level 0 is the
// table; level j+1 has half the entries of level j, entry b being
// (1 − p_j)·L_j[2b] + p_j·L_j[2b + 1] (bit j is the low bit left). The last
// level's single entry is the expectation.
template <typename T>
void expectation_forward(const T* p, const T* w, T* out, int64_t n, int64_t nodes, int64_t k) {
  const int64_t entries = int64_t{1} << k;
  at::parallel_for(0, nodes, grain_in_nodes(n, entries), [&](int64_t begin, int64_t end) {
    T level[kMaxEntries];
    for (int64_t node = begin; node < end; ++node) {
      const T* table = w + node * entries;
      for (int64_t s = 0; s < n; ++s) {
        const T* q = p + (s * nodes + node) * k;
        std::copy(table, table + entries, level);
        for (int64_t j = 0; j < k; ++j) {
          const int64_t half = entries >> (j + 1);
          for (int64_t b = 0; b < half; ++b)
            level[b] = level[2 * b] + q[j] * (level[2 * b + 1] - level[2 * b]);
        }
        out[s * nodes + node] = level[0];
      }
    }
  });
}

// Reverse mode of the contraction: the levels are recomputed (cheaper than
// storing 2^k values per sample and node), then the output gradient flows
// back level by level; what reaches level 0 is the gradient to the table.
template <typename T>
void expectation_backward(const T* p, const T* w, const T* grad_out, T* grad_p, T* grad_w,
                          int64_t n, int64_t nodes, int64_t k) {
  const int64_t entries = int64_t{1} << k;
  at::parallel_for(0, nodes, grain_in_nodes(n, entries), [&](int64_t begin, int64_t end) {
    T levels[2 * kMaxEntries];  // levels 1..k-1, back to back
    T upper[kMaxEntries], lower[kMaxEntries];
    int64_t offset[kMaxInputs + 1];
    offset[1] = 0;
    for (int64_t j = 1; j < k; ++j) offset[j + 1] = offset[j] + (entries >> j);
    for (int64_t node = begin; node < end; ++node) {
      const T* table = w + node * entries;
      T* table_grad = grad_w ? grad_w + node * entries : nullptr;
      for (int64_t s = 0; s < n; ++s) {
        const T* q = p + (s * nodes + node) * k;
        const T g = grad_out[s * nodes + node];
        for (int64_t j = 0; j + 1 < k; ++j) {
          const T* from = j == 0 ? table : levels + offset[j];
          T* to = levels + offset[j + 1];
          const int64_t half = entries >> (j + 1);
          for (int64_t b = 0; b < half; ++b)
            to[b] = from[2 * b] + q[j] * (from[2 * b + 1] - from[2 * b]);
        }
        upper[0] = g;
        for (int64_t j = k - 1; j >= 0; --j) {
          const T* level = j == 0 ? table : levels + offset[j];
          const int64_t half = entries >> (j + 1);
          T dp = 0;
          for (int64_t b = 0; b < half; ++b) {
            dp += upper[b] * (level[2 * b + 1] - level[2 * b]);
            lower[2 * b] = upper[b] * (1 - q[j]);
            lower[2 * b + 1] = upper[b] * q[j];
          }
          if (grad_p) grad_p[(s * nodes + node) * k + j] = dp;
          std::copy(lower, lower + 2 * half, upper);
        }
        if (table_grad)
          for (int64_t a = 0; a < entries; ++a) table_grad[a] += upper[a];
      }
    }
  });
}

struct TableExpectation : public torch::autograd::Function<TableExpectation> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& p,
                               const torch::Tensor& w) {
    TORCH_CHECK(p.dim() == 3 && w.dim() == 2 && p.size(1) == w.size(0) &&
                    w.size(1) == (int64_t{1} << p.size(2)),
                "table_expectation: expected p (N, nodes, k) and w (nodes, 2^k) (got ", p.sizes(),
                " and ", w.sizes(), ")");
    TORCH_CHECK(p.size(2) <= kMaxInputs, "table_expectation: at most ", kMaxInputs,
                " inputs per node (got ", p.size(2), ")");
    TORCH_CHECK(p.scalar_type() == w.scalar_type(), "table_expectation: p is ", p.scalar_type(),
                " but w is ", w.scalar_type());
    const auto pc = p.contiguous(), wc = w.contiguous();
    ctx->save_for_backward({pc, wc});
    auto out = torch::empty({p.size(0), p.size(1)}, p.options());
    AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "table_expectation", [&] {
      expectation_forward(pc.data_ptr<scalar_t>(), wc.data_ptr<scalar_t>(),
                          out.data_ptr<scalar_t>(), p.size(0), p.size(1), p.size(2));
    });
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& p = saved[0];
    const auto& w = saved[1];
    const auto grad = grads[0].contiguous();
    torch::Tensor grad_p, grad_w;
    if (ctx->needs_input_grad(0)) grad_p = torch::empty_like(p);
    if (ctx->needs_input_grad(1)) grad_w = torch::zeros_like(w);
    AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "table_expectation_backward", [&] {
      expectation_backward(p.data_ptr<scalar_t>(), w.data_ptr<scalar_t>(),
                           grad.data_ptr<scalar_t>(),
                           grad_p.defined() ? grad_p.data_ptr<scalar_t>() : nullptr,
                           grad_w.defined() ? grad_w.data_ptr<scalar_t>() : nullptr, p.size(0),
                           p.size(1), p.size(2));
    });
    return {grad_p, grad_w};
  }
};

}  // namespace

torch::Tensor table_expectation(const torch::Tensor& p, const torch::Tensor& w) {
  return TableExpectation::apply(p, w);
}

torch::Tensor table_addresses(const torch::Tensor& bits) {
  const int64_t k = bits.size(-1);
  return bits.gt(0.5).to(torch::kInt64).mul(torch::pow(2, torch::arange(k, torch::kInt64))).sum(-1);
}

torch::Tensor lookup_indices(const torch::Tensor& x, const torch::Tensor& connections,
                             int64_t entries) {
  TORCH_CHECK(x.dim() == 2 && connections.dim() == 2 && connections.scalar_type() == torch::kInt64,
              "lookup_indices: expected x (N, inputs) and int64 connections (nodes, k) (got ",
              x.sizes(), " and ", connections.sizes(), ")");
  const auto xc = x.contiguous();
  const auto c = connections.contiguous();
  const int64_t n = x.size(0), inputs = x.size(1), nodes = c.size(0), k = c.size(1);
  TORCH_CHECK(entries == (int64_t{1} << k), "lookup_indices: ", k, " inputs per node address ",
              int64_t{1} << k, " entries (got ", entries, ")");
  TORCH_CHECK(nodes == 0 || (c.min().item<int64_t>() >= 0 && c.max().item<int64_t>() < inputs),
              "lookup_indices: a connection is outside the ", inputs, " inputs");
  auto out = torch::empty({n, nodes}, torch::kInt64);
  const int64_t* conn = c.data_ptr<int64_t>();
  int64_t* o = out.data_ptr<int64_t>();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lookup_indices", [&] {
    const scalar_t* xs = xc.data_ptr<scalar_t>();
    at::parallel_for(0, n, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, nodes * k)),
                     [&](int64_t begin, int64_t end) {
                       for (int64_t s = begin; s < end; ++s) {
                         const scalar_t* row = xs + s * inputs;
                         for (int64_t node = 0; node < nodes; ++node) {
                           const int64_t* from = conn + node * k;
                           int64_t address = 0;
                           for (int64_t i = 0; i < k; ++i)
                             address |= int64_t{row[from[i]] > scalar_t(0.5)} << i;
                           o[s * nodes + node] = node * entries + address;
                         }
                       }
                     });
  });
  return out;
}

}  // namespace modelzoo::lut
