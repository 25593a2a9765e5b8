// modelzoo::nn::KVCache against concatenation, the definition of what it
// holds: every append returns the past and this step's entries along dim 2,
// whether the buffer was reserved, grown or neither.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <catch2/catch.hpp>

#include <vector>

#include "modelzoo/nn/kv_cache.h"

using modelzoo::nn::KVCache;

namespace {

at::Tensor step(int64_t batch, int64_t positions, int64_t dim = 4) {
  return at::randn({batch, 3, positions, dim});
}

}  // namespace

TEST_CASE("KVCache returns the concatenation of every step, reserved or grown", "[nn][kv_cache]") {
  for (const int64_t reserve : {0, 3, 64}) {
    CAPTURE(reserve);
    KVCache cache(2);
    cache.reserve(reserve);
    std::vector<at::Tensor> keys, values;
    for (const int64_t n : {5, 1, 1, 4, 1, 1, 1, 9}) {
      CHECK(cache.length() == (keys.empty() ? 0 : at::cat(keys, 2).size(2)));
      keys.push_back(step(2, n));
      values.push_back(step(2, n));
      for (int64_t layer = 0; layer < 2; ++layer) {
        auto [k, v] = cache.append(layer, keys.back() * (layer + 1), values.back());
        CHECK(at::equal(k, at::cat(keys, 2) * (layer + 1)));
        CHECK(at::equal(v, at::cat(values, 2)));
      }
    }
    CHECK(cache.length() == 23);
  }
}

TEST_CASE("KVCache: tensors returned earlier are unchanged by later appends", "[nn][kv_cache]") {
  KVCache cache(1);
  cache.reserve(10);
  const auto a = step(1, 2);
  auto [k1, v1] = cache.append(0, a, a);
  const auto snapshot = k1.clone();
  cache.append(0, step(1, 3), step(1, 3));
  cache.append(0, step(1, 20), step(1, 20));  // beyond the reservation: grows
  CHECK(at::equal(k1, snapshot));
  CHECK(k1.size(2) == 2);
}

TEST_CASE("KVCache select_rows keeps rows in order, clear forgets, mismatches are refused",
          "[nn][kv_cache]") {
  KVCache cache(1);
  const auto k = step(3, 4), v = step(3, 4);
  cache.append(0, k, v);
  cache.select_rows(at::tensor({2, 0}, at::kLong));
  const auto k2 = step(2, 1), v2 = step(2, 1);
  auto [keys, values] = cache.append(0, k2, v2);
  CHECK(at::equal(keys, at::cat({k.index_select(0, at::tensor({2, 0}, at::kLong)), k2}, 2)));
  CHECK(at::equal(values, at::cat({v.index_select(0, at::tensor({2, 0}, at::kLong)), v2}, 2)));
  CHECK_THROWS_WITH(cache.append(0, step(3, 1), step(3, 1)), Catch::Contains("do not match"));
  CHECK_THROWS_WITH(cache.append(1, k2, v2), Catch::Contains("out of range"));
  cache.clear();
  CHECK(cache.length() == 0);
  auto [fresh, unused] = cache.append(0, step(3, 1), step(3, 1));
  CHECK(fresh.size(0) == 3);
}

TEST_CASE("KVCache under autograd lets gradients reach every step's entries", "[nn][kv_cache]") {
  KVCache cache(1);
  cache.reserve(8);
  auto a = step(1, 2).requires_grad_(), b = step(1, 1).requires_grad_();
  cache.append(0, a, a);
  auto [keys, values] = cache.append(0, b, b);
  (keys.sum() + 2 * values.sum()).backward();
  CHECK(at::allclose(a.grad(), at::full_like(a, 3)));
  CHECK(at::allclose(b.grad(), at::full_like(b, 3)));
}
