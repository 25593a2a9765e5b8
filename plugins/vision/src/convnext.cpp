#include "convnext.h"

#include <torch/csrc/autograd/grad_mode.h>

#include "modelzoo/nn/init.h"
#include "modelzoo/nn/stochastic_depth.h"

namespace modelzoo::vision {
namespace {

// torchvision's LayerNorm2d (eps 1e-6) over the channels of NCHW maps.
nn::LayerNorm layer_norm_2d(int64_t channels) {
  return nn::LayerNorm(nn::LayerNormOptions(channels).eps(1e-6).channels_first(true));
}

}  // namespace

CNBlock::CNBlock(int64_t dim, double stochastic_depth_prob_)
    : stochastic_depth_prob(stochastic_depth_prob_) {
  block = register_module("block", std::make_shared<torch::nn::Module>());
  dwconv = block->register_module(
      "0", nn::Conv2d(nn::Conv2dOptions(dim, dim, 7).padding(3).groups(dim)));
  norm = block->register_module("2", nn::LayerNorm(nn::LayerNormOptions(dim).eps(1e-6)));
  pwconv1 = block->register_module("3", nn::Linear(dim, 4 * dim));
  pwconv2 = block->register_module("5", nn::Linear(4 * dim, dim));
  layer_scale = register_parameter("layer_scale", torch::empty({dim, 1, 1}));
}

torch::Tensor CNBlock::forward(const torch::Tensor& x) {
  auto y = dwconv->forward(x).permute({0, 2, 3, 1});
  y = pwconv2->forward(torch::gelu(pwconv1->forward(norm->forward(y)))).permute({0, 3, 1, 2});
  y = nn::stochastic_depth(layer_scale * y, stochastic_depth_prob, is_training());
  return y + x;
}

ConvNeXt::ConvNeXt(const ConvNeXtOptions& options_) : options(options_) {
  TORCH_CHECK(!options.depths.empty() && options.depths.size() == options.dims.size(),
              "ConvNeXt needs one dim per stage (got ", options.depths.size(), " depths and ",
              options.dims.size(), " dims)");
  TORCH_CHECK(options.in_chans > 0, "in_chans must be positive (got ", options.in_chans, ")");
  TORCH_CHECK(options.num_classes >= 0, "num_classes must be >= 0 (got ", options.num_classes, ")");
  features = register_module("features", std::make_shared<torch::nn::Module>());
  auto stem = features->register_module("0", std::make_shared<torch::nn::Module>());
  stem_conv = stem->register_module(
      "0", nn::Conv2d(nn::Conv2dOptions(options.in_chans, options.dims[0], 4).stride(4)));
  stem_norm = stem->register_module("1", layer_norm_2d(options.dims[0]));

  int64_t total = 0;
  for (auto d : options.depths) total += d;
  int64_t block_id = 0, index = 1;
  for (size_t s = 0; s < options.depths.size(); ++s) {
    auto stage =
        features->register_module(std::to_string(index++), std::make_shared<torch::nn::Module>());
    stages.emplace_back();
    for (int64_t b = 0; b < options.depths[s]; ++b) {
      const double sd = total > 1 ? options.stochastic_depth_prob * static_cast<double>(block_id) /
                                        (static_cast<double>(total) - 1.0)
                                  : 0.0;
      stages.back().push_back(stage->register_module(
          std::to_string(b), std::make_shared<CNBlock>(options.dims[s], sd)));
      ++block_id;
    }
    if (s + 1 < options.depths.size()) {
      auto down =
          features->register_module(std::to_string(index++), std::make_shared<torch::nn::Module>());
      downsamples.emplace_back(
          down->register_module("0", layer_norm_2d(options.dims[s])),
          down->register_module(
              "1",
              nn::Conv2d(nn::Conv2dOptions(options.dims[s], options.dims[s + 1], 2).stride(2))));
    }
  }
  classifier = register_module("classifier", std::make_shared<torch::nn::Module>());
  head_norm = classifier->register_module("0", layer_norm_2d(options.dims.back()));
  build_head(options.num_classes);
}

void ConvNeXt::check_input(const torch::Tensor& x) const {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_chans, "expected input [N, ",
              options.in_chans, ", H, W] (got ", x.sizes(), ")");
}

NamedTensors ConvNeXt::forward_features(const torch::Tensor& x) {
  check_input(x);
  NamedTensors out;
  auto y = stem_norm->forward(stem_conv->forward(x));
  out.emplace_back("stem", y);
  for (size_t s = 0; s < stages.size(); ++s) {
    if (s > 0) y = downsamples[s - 1].second->forward(downsamples[s - 1].first->forward(y));
    for (auto& block : stages[s]) y = block->forward(y);
    out.emplace_back("stage" + std::to_string(s + 1), y);
  }
  return out;
}

torch::Tensor ConvNeXt::forward(const torch::Tensor& x) {
  auto y = forward_features(x).back().second;
  y = head_norm->forward(torch::adaptive_avg_pool2d(y, {1, 1})).flatten(1);
  return head ? head->forward(y) : y;
}

void ConvNeXt::build_head(int64_t num_classes) {
  head = nn::replace_head(*classifier, "2", head, options.dims.back(), num_classes);
  options.num_classes = num_classes;
}

void ConvNeXt::init_head() {
  if (!head) return;
  torch::NoGradGuard no_grad;
  nn::trunc_normal_(head->weight, 0.02);
  head->bias.zero_();
}

void ConvNeXt::reset_classifier(int64_t num_classes) {
  build_head(num_classes);
  init_head();
}

void ConvNeXt::init_weights() {
  torch::NoGradGuard no_grad;
  nn::for_each_module<nn::Conv2dImpl>(*this, [](nn::Conv2dImpl& c) {
    nn::trunc_normal_(c.weight, 0.02);
    c.bias.zero_();
  });
  nn::for_each_module<nn::LinearImpl>(*this, [](nn::LinearImpl& l) {
    nn::trunc_normal_(l.weight, 0.02);
    l.bias.zero_();
  });
  nn::for_each_module<nn::LayerNormImpl>(*this, [](nn::LayerNormImpl& n) { n.reset_parameters(); });
  nn::for_each_module<CNBlock>(*this,
                               [this](CNBlock& b) { b.layer_scale.fill_(options.layer_scale); });
}

}  // namespace modelzoo::vision
