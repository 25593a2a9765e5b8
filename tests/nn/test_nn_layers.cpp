// modelzoo::nn against LibTorch's own modules, which have PyTorch's
// parameter names and numerics: the same names and shapes, and the same
// outputs for the same parameters.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "modelzoo/nn/activation.h"
#include "modelzoo/nn/attention.h"
#include "modelzoo/nn/batch_norm.h"
#include "modelzoo/nn/conv.h"
#include "modelzoo/nn/embedding.h"
#include "modelzoo/nn/init.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/mlp.h"
#include "modelzoo/nn/normalization.h"
#include "modelzoo/nn/sequential.h"
#include "modelzoo/nn/stochastic_depth.h"

namespace mnn = modelzoo::nn;

namespace {

// Every parameter and buffer that holds a tensor, by state-dict name.
std::map<std::string, torch::Tensor> state(const torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters(true))
    if (p.value().defined()) out[p.key()] = p.value();
  for (const auto& b : m.named_buffers(true))
    if (b.value().defined()) out[b.key()] = b.value();
  return out;
}

// Checks that `ours` has exactly the reference's names and shapes, then
// copies the reference's values into it.
void match_state(torch::nn::Module& ours, const torch::nn::Module& reference) {
  auto mine = state(ours);
  const auto theirs = state(reference);
  std::set<std::string> mine_names, their_names;
  for (const auto& [name, t] : mine) mine_names.insert(name);
  for (const auto& [name, t] : theirs) their_names.insert(name);
  REQUIRE(mine_names == their_names);
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : mine) {
    INFO(name);
    REQUIRE(t.sizes() == theirs.at(name).sizes());
    t.copy_(theirs.at(name));
  }
}

bool close(const torch::Tensor& a, const torch::Tensor& b, double tol = 1e-5) {
  return a.sizes() == b.sizes() && torch::allclose(a, b, tol, tol);
}

}  // namespace

TEST_CASE("Conv2d has nn.Conv2d's parameters and output", "[nn]") {
  torch::manual_seed(0);
  SECTION("strided, padded, with bias") {
    torch::nn::Conv2d reference(torch::nn::Conv2dOptions(4, 6, 3).stride(2).padding(1));
    mnn::Conv2d conv(mnn::Conv2dOptions(4, 6, 3).stride(2).padding(1));
    match_state(*conv, *reference);
    auto x = torch::randn({2, 4, 9, 7});
    CHECK(close(conv->forward(x), reference->forward(x)));
  }
  SECTION("grouped, dilated, rectangular kernel, no bias") {
    torch::nn::Conv2d reference(
        torch::nn::Conv2dOptions(6, 4, {3, 1}).groups(2).dilation(2).padding({2, 0}).bias(false));
    mnn::Conv2d conv(
        mnn::Conv2dOptions(6, 4, {3, 1}).groups(2).dilation(2).padding({2, 0}).bias(false));
    match_state(*conv, *reference);
    CHECK_FALSE(conv->bias.defined());
    auto x = torch::randn({1, 6, 8, 8});
    CHECK(close(conv->forward(x), reference->forward(x)));
  }
  SECTION("channels that do not divide into the groups are refused") {
    CHECK_THROWS_WITH(mnn::Conv2d(mnn::Conv2dOptions(6, 4, 3).groups(4)),
                      Catch::Contains("do not divide into 4 groups"));
  }
}

TEST_CASE("BatchNorm2d has nn.BatchNorm2d's parameters, buffers and statistics", "[nn]") {
  torch::manual_seed(1);
  torch::nn::BatchNorm2d reference(torch::nn::BatchNorm2dOptions(3).eps(1e-3).momentum(0.2));
  mnn::BatchNorm2d bn(mnn::BatchNorm2dOptions(3).eps(1e-3).momentum(0.2));
  {
    torch::NoGradGuard no_grad;
    reference->weight.uniform_(0.5, 1.5);
    reference->bias.uniform_(-1, 1);
  }
  match_state(*bn, *reference);
  auto x = torch::randn({4, 3, 5, 5}) * 2 + 1;
  CHECK(close(bn->forward(x), reference->forward(x)));  // training: batch statistics
  CHECK(close(bn->running_mean, reference->running_mean));
  CHECK(close(bn->running_var, reference->running_var));
  CHECK(bn->num_batches_tracked.item<int64_t>() == 1);
  bn->eval();
  reference->eval();
  CHECK(close(bn->forward(x), reference->forward(x)));  // eval: running statistics
  CHECK(bn->num_batches_tracked.item<int64_t>() == 1);
  bn->reset_parameters();
  CHECK(bn->running_var.eq(1).all().item<bool>());
  CHECK(bn->num_batches_tracked.item<int64_t>() == 0);
}

TEST_CASE("Linear has nn.Linear's parameters, output and default initialisation", "[nn]") {
  torch::manual_seed(2);
  torch::nn::Linear reference(5, 3);
  mnn::Linear fc(5, 3);
  match_state(*fc, *reference);
  auto x = torch::randn({2, 7, 5});
  CHECK(close(fc->forward(x), reference->forward(x)));

  mnn::Linear wide(400, 10);
  wide->reset_parameters();
  const double bound = 1.0 / std::sqrt(400.0);  // kaiming_uniform(a=sqrt(5)) on fan_in 400
  CHECK(wide->weight.abs().max().item<double>() <= bound);
  CHECK(wide->weight.abs().max().item<double>() > 0.9 * bound);
  CHECK(wide->bias.abs().max().item<double>() <= bound);

  mnn::Linear no_bias(mnn::LinearOptions(5, 3).bias(false));
  CHECK(state(*no_bias).count("bias") == 0);
}

TEST_CASE("replace_head swaps, or removes, a classifier head", "[nn]") {
  torch::nn::Module parent;
  mnn::Linear head = parent.register_module("fc", mnn::Linear(8, 1000));
  head = mnn::replace_head(parent, "fc", head, 8, 10);
  REQUIRE(head);
  CHECK(head->options.out_features() == 10);
  CHECK(state(parent).at("fc.weight").sizes() == torch::IntArrayRef({10, 8}));
  head = mnn::replace_head(parent, "fc", head, 8, 0);
  CHECK_FALSE(head);
  CHECK(state(parent).empty());
  CHECK_THROWS_WITH(mnn::replace_head(parent, "fc", head, 8, -1),
                    Catch::Contains("num_classes must be >= 0"));
}

TEST_CASE("Embedding has nn.Embedding's parameter and lookup, and names a bad index", "[nn]") {
  torch::manual_seed(2);
  torch::nn::Embedding reference(10, 4);
  mnn::Embedding table(10, 4);
  match_state(*table, *reference);
  const auto ids = torch::tensor({{0, 9, 3}, {3, 3, 1}}, torch::kInt64);
  CHECK(torch::equal(table->forward(ids), reference->forward(ids)));
  CHECK(table->forward(ids).sizes() == torch::IntArrayRef({2, 3, 4}));
  CHECK_THROWS_WITH(table->forward(torch::tensor({2, 10}, torch::kInt64)),
                    Catch::Contains("index 10 is outside the table of 10 entries"));
}

TEST_CASE("LayerNorm has nn.LayerNorm's parameters and output, and a channels-first form", "[nn]") {
  torch::manual_seed(3);
  torch::nn::LayerNorm reference(torch::nn::LayerNormOptions({6}).eps(1e-6));
  {
    torch::NoGradGuard no_grad;
    reference->weight.uniform_(0.5, 1.5);
    reference->bias.uniform_(-1, 1);
  }
  mnn::LayerNorm ln(mnn::LayerNormOptions(6).eps(1e-6));
  match_state(*ln, *reference);
  auto x = torch::randn({2, 3, 6});
  CHECK(close(ln->forward(x), reference->forward(x)));

  mnn::LayerNorm ln2d(mnn::LayerNormOptions(6).eps(1e-6).channels_first(true));
  match_state(*ln2d, *reference);
  auto image = torch::randn({2, 6, 4, 5});
  CHECK(close(ln2d->forward(image),
              reference->forward(image.permute({0, 2, 3, 1})).permute({0, 3, 1, 2})));
  CHECK_THROWS_WITH(ln2d->forward(x), Catch::Contains("expected [N, 6, H, W]"));
}

TEST_CASE("MultiheadAttention has nn.MultiheadAttention's parameters and self-attention", "[nn]") {
  torch::manual_seed(4);
  torch::nn::MultiheadAttention reference(8, 2);
  mnn::MultiheadAttention attn(8, 2);
  match_state(*attn, *reference);
  auto x = torch::randn({3, 5, 8});  // [N, S, E]; LibTorch's module takes [S, N, E]
  const auto xt = x.transpose(0, 1);
  const auto expected = std::get<0>(reference->forward(xt, xt, xt)).transpose(0, 1);
  SECTION("with autograd (the unfused path)") {
    CHECK(close(attn->forward(x), expected));
  }
  SECTION("in eval without autograd (PyTorch's fused kernel)") {
    attn->eval();
    torch::NoGradGuard no_grad;
    CHECK(close(attn->forward(x), expected));
  }
  SECTION("errors name the expected shape") {
    CHECK_THROWS_WITH(attn->forward(torch::randn({5, 8})),
                      Catch::Contains("expected [batch, sequence, 8]"));
    CHECK_THROWS_WITH(mnn::MultiheadAttention(8, 3), Catch::Contains("not divisible by num_heads"));
  }
  SECTION("reset_parameters zeroes the biases") {
    attn->reset_parameters();
    CHECK(attn->in_proj_bias.eq(0).all().item<bool>());
    CHECK(attn->out_proj->bias.eq(0).all().item<bool>());
  }
}

TEST_CASE("Mlp registers its linears under the checkpoint's names", "[nn]") {
  torch::manual_seed(5);
  mnn::Mlp mlp(mnn::MlpOptions(4, 16).fc1_name("0").fc2_name("3"));  // torchvision's ViT
  std::set<std::string> names;
  for (const auto& [name, t] : state(*mlp)) names.insert(name);
  CHECK(names == std::set<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"});
  for (auto& [name, t] : state(*mlp)) {
    torch::NoGradGuard no_grad;
    t.normal_();
  }
  auto x = torch::randn({2, 4});
  auto expected = torch::linear(torch::gelu(torch::linear(x, mlp->fc1->weight, mlp->fc1->bias)),
                                mlp->fc2->weight, mlp->fc2->bias);
  CHECK(close(mlp->forward(x), expected));

  mnn::Mlp narrow(mnn::MlpOptions(4, 8).out_features(2).activation(mnn::Activation::kReLU));
  CHECK(narrow->forward(x).sizes() == torch::IntArrayRef({2, 2}));
  CHECK(state(*narrow).count("fc1.weight") == 1);
  CHECK_THROWS_WITH(mnn::Mlp(mnn::MlpOptions(4, 8).fc1_name("x").fc2_name("x")),
                    Catch::Contains("different names"));
}

TEST_CASE("activate applies the named activation", "[nn]") {
  const auto x = torch::linspace(-3, 3, 13);
  CHECK(close(mnn::activate(x.clone(), mnn::Activation::kNone), x));
  CHECK(close(mnn::activate(x.clone(), mnn::Activation::kReLU), torch::relu(x)));
  CHECK(close(mnn::activate(x.clone(), mnn::Activation::kSiLU), x * torch::sigmoid(x)));
  CHECK(close(mnn::activate(x.clone(), mnn::Activation::kGELU),
              0.5 * x * (1 + torch::erf(x / std::sqrt(2.0)))));
}

TEST_CASE("stochastic_depth drops whole samples while training only", "[nn]") {
  torch::manual_seed(6);
  const auto x = torch::ones({64, 3, 2, 2});
  CHECK(mnn::stochastic_depth(x, 0.5, /*training=*/false).is_same(x));
  CHECK(mnn::stochastic_depth(x, 0.0, /*training=*/true).is_same(x));
  CHECK(mnn::stochastic_depth(x, 1.0, /*training=*/true).eq(0).all().item<bool>());
  const auto y = mnn::stochastic_depth(x, 0.5, /*training=*/true);
  const auto per_sample = y.flatten(1);
  // Every sample is all 0 or all 2 (the survivors scaled by 1/(1-p)).
  CHECK(per_sample.eq(per_sample.select(1, 0).unsqueeze(1)).all().item<bool>());
  CHECK((per_sample.eq(0) | per_sample.eq(2)).all().item<bool>());
  const auto dropped = per_sample.select(1, 0).eq(0).sum().item<int64_t>();
  CHECK(dropped > 10);
  CHECK(dropped < 54);
  CHECK_THROWS_WITH(mnn::stochastic_depth(x, 1.5, true), Catch::Contains("p must be in [0, 1]"));
}

TEST_CASE("trunc_normal_ stays in its bounds with the requested spread", "[nn]") {
  torch::manual_seed(7);
  auto t = torch::empty({100000});
  mnn::trunc_normal_(t, 0.02);  // bounds ±2 are 100 standard deviations away
  CHECK(std::abs(t.mean().item<double>()) < 1e-3);
  CHECK(std::abs(t.std().item<double>() - 0.02) < 1e-3);
  mnn::trunc_normal_(t, 1.0, 0.0, -0.5, 1.0);
  CHECK(t.min().item<double>() >= -0.5);
  CHECK(t.max().item<double>() <= 1.0);
  CHECK(t.min().item<double>() < -0.49);
  CHECK(t.max().item<double>() > 0.99);
  CHECK_FALSE(t.requires_grad());
}

TEST_CASE("Sequential nests, for_each_module finds modules by type", "[nn]") {
  mnn::Sequential inner(mnn::Conv2d(mnn::Conv2dOptions(3, 4, 1).bias(false)), mnn::BatchNorm2d(4));
  mnn::Sequential outer;
  outer->push_back(inner);
  outer->push_back(mnn::Conv2d(4, 2, 1));
  std::set<std::string> names;
  for (const auto& [name, t] : state(*outer)) names.insert(name);
  CHECK(names.count("0.0.weight") == 1);
  CHECK(names.count("0.1.running_mean") == 1);
  CHECK(names.count("1.bias") == 1);
  CHECK(outer->forward(torch::randn({1, 3, 5, 5})).sizes() == torch::IntArrayRef({1, 2, 5, 5}));

  int convs = 0, norms = 0;
  mnn::for_each_module<mnn::Conv2dImpl>(*outer, [&](mnn::Conv2dImpl&) { ++convs; });
  mnn::for_each_module<mnn::BatchNorm2dImpl>(*outer, [&](mnn::BatchNorm2dImpl&) { ++norms; });
  CHECK(convs == 2);
  CHECK(norms == 1);
}
