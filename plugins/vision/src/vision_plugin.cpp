// The vision family's entry: one factory per entrypoint of manifest.json,
// each a literal configuration of one architecture template, and the
// image-classification run command (shared with other families, from the
// SDK's task library).
#include <modelzoo/init_mode.h>
#include <modelzoo/plugin.h>
#include <modelzoo/sdk/error.h>
#include <modelzoo/tasks/classification.h>

#include <functional>
#include <memory>
#include <string>

#include "convnext.h"
#include "efficientnet.h"
#include "resnet.h"
#include "vision_model.h"
#include "vision_transformer.h"

namespace {

using modelzoo::vision::VisionNet;
using Json = nlohmann::json;

std::shared_ptr<modelzoo::Model> finish(const std::string& name, std::shared_ptr<VisionNet> net) {
  const bool init = modelzoo::init_parameters_enabled();
  if (init) net->init_weights();
  return std::make_shared<modelzoo::vision::VisionModel>(name, std::move(net), init);
}

// LibTorch's messages carry a C++ backtrace; a user needs only the message.
template <typename Build>
modelzoo::PluginRegistrar::Factory checked(Build build) {
  return [build](const Json& config) -> std::shared_ptr<modelzoo::Model> {
    try {
      return build(config);
    } catch (const c10::Error& e) {
      throw modelzoo::Error(e.what_without_backtrace());
    }
  };
}

modelzoo::PluginRegistrar::Factory resnet(const std::string& name, std::vector<int64_t> layers,
                                          bool bottleneck) {
  return checked([=](const Json& c) {
    modelzoo::vision::ResNetOptions o;
    o.layers = layers;
    o.bottleneck = bottleneck;
    o.num_classes = c.value("num_classes", int64_t{1000});
    o.in_chans = c.value("in_chans", int64_t{3});
    o.groups = c.value("groups", int64_t{1});
    o.width_per_group = c.value("width_per_group", int64_t{64});
    o.zero_init_residual = c.value("zero_init_residual", false);
    return finish(name, std::make_shared<modelzoo::vision::ResNet>(o));
  });
}

modelzoo::PluginRegistrar::Factory efficientnet(const std::string& name, double width, double depth,
                                                double dropout) {
  return checked([=](const Json& c) {
    modelzoo::vision::EfficientNetOptions o;
    o.width_mult = width;
    o.depth_mult = depth;
    o.dropout = c.value("dropout", dropout);
    o.stochastic_depth_prob = c.value("stochastic_depth_prob", 0.2);
    o.num_classes = c.value("num_classes", int64_t{1000});
    o.in_chans = c.value("in_chans", int64_t{3});
    return finish(name, std::make_shared<modelzoo::vision::EfficientNet>(o));
  });
}

}  // namespace

MODELZOO_PLUGIN(registrar) {
  // Every vision model is an image classifier: the SDK's shared command.
  registrar.add_command("run", "image-classification", modelzoo::tasks::classify_image);

  registrar.add("resnet18", resnet("resnet18", {2, 2, 2, 2}, false));
  registrar.add("resnet34", resnet("resnet34", {3, 4, 6, 3}, false));
  registrar.add("resnet50", resnet("resnet50", {3, 4, 6, 3}, true));
  registrar.add("resnet101", resnet("resnet101", {3, 4, 23, 3}, true));
  registrar.add("resnet152", resnet("resnet152", {3, 8, 36, 3}, true));
  // ResNeXt and Wide ResNet: the same template, groups / width_per_group
  // defaults in the manifest's config.
  registrar.add("resnext50_32x4d", resnet("resnext50_32x4d", {3, 4, 6, 3}, true));
  registrar.add("resnext101_32x8d", resnet("resnext101_32x8d", {3, 4, 23, 3}, true));
  registrar.add("resnext101_64x4d", resnet("resnext101_64x4d", {3, 4, 23, 3}, true));
  registrar.add("wide_resnet50_2", resnet("wide_resnet50_2", {3, 4, 6, 3}, true));
  registrar.add("wide_resnet101_2", resnet("wide_resnet101_2", {3, 4, 23, 3}, true));

  registrar.add("efficientnet_b0", efficientnet("efficientnet_b0", 1.0, 1.0, 0.2));
  registrar.add("efficientnet_b1", efficientnet("efficientnet_b1", 1.0, 1.1, 0.2));
  registrar.add("efficientnet_b2", efficientnet("efficientnet_b2", 1.1, 1.2, 0.3));
  registrar.add("efficientnet_b3", efficientnet("efficientnet_b3", 1.2, 1.4, 0.3));
  registrar.add("efficientnet_b4", efficientnet("efficientnet_b4", 1.4, 1.8, 0.4));

  registrar.add("vit_b_16", checked([](const Json& c) {
                  modelzoo::vision::ViTOptions o;  // B/16: 12 layers, 12 heads, 768 wide, MLP 3072
                  o.image_size = c.value("image_size", int64_t{224});
                  o.dropout = c.value("dropout", 0.0);
                  o.attention_dropout = c.value("attention_dropout", 0.0);
                  o.num_classes = c.value("num_classes", int64_t{1000});
                  o.in_chans = c.value("in_chans", int64_t{3});
                  return finish("vit_b_16",
                                std::make_shared<modelzoo::vision::VisionTransformer>(o));
                }));

  registrar.add(
      "convnext_tiny", checked([](const Json& c) {
        modelzoo::vision::ConvNeXtOptions o;  // tiny: depths {3, 3, 9, 3}, dims {96 … 768}
        o.stochastic_depth_prob = c.value("stochastic_depth_prob", 0.1);
        o.layer_scale = c.value("layer_scale", 1e-6);
        o.num_classes = c.value("num_classes", int64_t{1000});
        o.in_chans = c.value("in_chans", int64_t{3});
        return finish("convnext_tiny", std::make_shared<modelzoo::vision::ConvNeXt>(o));
      }));
}
