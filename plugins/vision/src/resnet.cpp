#include "resnet.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>

#include "modelzoo/nn/init.h"

namespace modelzoo::vision {
namespace {

constexpr int64_t kBottleneckExpansion = 4;

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1, int64_t groups = 1) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).groups(groups).bias(false));
}

nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

}  // namespace

ResidualBlock::ResidualBlock(bool bottleneck_, int64_t inplanes, int64_t planes, int64_t stride,
                             int64_t groups, int64_t base_width, bool with_downsample)
    : bottleneck(bottleneck_) {
  int64_t out = planes;
  if (bottleneck) {
    // The same truncation as torchvision: int(planes * (base_width / 64.0)) * groups.
    const int64_t width = static_cast<int64_t>(static_cast<double>(planes) *
                                               (static_cast<double>(base_width) / 64.0)) *
                          groups;
    out = planes * kBottleneckExpansion;
    conv1 = register_module("conv1", conv1x1(inplanes, width));
    bn1 = register_module("bn1", nn::BatchNorm2d(width));
    conv2 = register_module("conv2", conv3x3(width, width, stride, groups));
    bn2 = register_module("bn2", nn::BatchNorm2d(width));
    conv3 = register_module("conv3", conv1x1(width, out));
    bn3 = register_module("bn3", nn::BatchNorm2d(out));
  } else {
    TORCH_CHECK(groups == 1 && base_width == 64,
                "basic ResNet blocks support only groups=1 and width_per_group=64 (got groups=",
                groups, ", width_per_group=", base_width, "); use a bottleneck model");
    conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
    bn1 = register_module("bn1", nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes));
    bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  }
  if (with_downsample) {
    downsample = register_module(
        "downsample", nn::Sequential(conv1x1(inplanes, out, stride), nn::BatchNorm2d(out)));
  }
}

torch::Tensor ResidualBlock::forward(const torch::Tensor& x) {
  auto out = bn1->forward(conv1->forward(x)).relu_();
  out = bn2->forward(conv2->forward(out));
  if (bottleneck) out = bn3->forward(conv3->forward(out.relu_()));
  out += downsample ? downsample->forward(x) : x;
  return out.relu_();
}

ResNet::ResNet(const ResNetOptions& options_) : options(options_) {
  TORCH_CHECK(options.layers.size() == 4, "ResNet needs 4 stages (got ", options.layers.size(),
              ")");
  TORCH_CHECK(options.in_chans > 0, "in_chans must be positive (got ", options.in_chans, ")");
  TORCH_CHECK(options.num_classes >= 0, "num_classes must be >= 0 (got ", options.num_classes, ")");
  conv1 = register_module(
      "conv1",
      nn::Conv2d(nn::Conv2dOptions(options.in_chans, 64, 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  const int64_t expansion = options.bottleneck ? kBottleneckExpansion : 1;
  int64_t inplanes = 64;
  nn::Sequential* stages[] = {&layer1, &layer2, &layer3, &layer4};
  for (int i = 0; i < 4; ++i) {
    const int64_t planes = int64_t{64} << i;
    const int64_t stride = i == 0 ? 1 : 2;
    nn::Sequential stage;
    for (int64_t b = 0; b < options.layers[i]; ++b) {
      const bool first = b == 0;
      stage->push_back(std::make_shared<ResidualBlock>(
          options.bottleneck, inplanes, planes, first ? stride : 1, options.groups,
          options.width_per_group, first && (stride != 1 || inplanes != planes * expansion)));
      inplanes = planes * expansion;
    }
    *stages[i] = register_module("layer" + std::to_string(i + 1), stage);
  }
  num_features_ = inplanes;
  if (options.num_classes > 0)
    fc = register_module("fc", nn::Linear(num_features_, options.num_classes));
}

torch::Tensor ResNet::stem(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_chans, "expected input [N, ",
              options.in_chans, ", H, W] (got ", x.sizes(), ")");
  auto y = bn1->forward(conv1->forward(x)).relu_();
  return torch::max_pool2d(y, {3, 3}, {2, 2}, {1, 1});
}

torch::Tensor ResNet::forward(const torch::Tensor& x) {
  auto y = layer4->forward(layer3->forward(layer2->forward(layer1->forward(stem(x)))));
  y = torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1);
  return fc ? fc->forward(y) : y;
}

NamedTensors ResNet::forward_features(const torch::Tensor& x) {
  NamedTensors out;
  out.emplace_back("stem", stem(x));
  out.emplace_back("layer1", layer1->forward(out.back().second));
  out.emplace_back("layer2", layer2->forward(out.back().second));
  out.emplace_back("layer3", layer3->forward(out.back().second));
  out.emplace_back("layer4", layer4->forward(out.back().second));
  return out;
}

void ResNet::reset_classifier(int64_t num_classes) {
  fc = nn::replace_head(*this, "fc", fc, num_features_, num_classes);
  options.num_classes = num_classes;
  if (!fc) return;
  fc->reset_parameters();  // nn.Linear's default, as torchvision leaves it
}

void ResNet::init_weights() {
  torch::NoGradGuard no_grad;
  nn::for_each_module<nn::Conv2dImpl>(*this, [](nn::Conv2dImpl& c) {
    torch::nn::init::kaiming_normal_(c.weight, 0, torch::kFanOut, torch::kReLU);
  });
  nn::for_each_module<nn::BatchNorm2dImpl>(*this,
                                           [](nn::BatchNorm2dImpl& bn) { bn.reset_parameters(); });
  if (fc) fc->reset_parameters();
  if (options.zero_init_residual) {
    nn::for_each_module<ResidualBlock>(
        *this, [](ResidualBlock& b) { (b.bottleneck ? b.bn3 : b.bn2)->weight.zero_(); });
  }
}

}  // namespace modelzoo::vision
