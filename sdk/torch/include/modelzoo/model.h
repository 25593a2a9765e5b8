// The model interface that plugin factories return and host apps call.
//
// A Model is a handle on a torch::nn::Module that any host app can use
// without knowing the family that built it: forward on tensors, its named
// parameters and buffers (PyTorch's names, so Python state dicts load
// as-is), the config it was built with, train/eval and device moves.
// Optional capabilities (a classifier head, feature maps) are asked for at
// run time with classifier() / features(); a family overrides the accessor
// when its models have the capability.
//
// Invariant: the shared object that built a Model stays loaded as long as the
// Model lives (the host ties the library's lifetime to the handle).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/export.h"
#include "modelzoo/weights.h"

namespace modelzoo {

/// A model whose last layer is a classifier head (timm's vocabulary).
class MODELZOO_API Classifier {
 public:
  virtual ~Classifier();
  /// Classes the head predicts (0 when the head was removed).
  virtual int64_t num_classes() const = 0;
  /// Width of the pooled features that feed the head.
  virtual int64_t num_features() const = 0;
  /// Replaces the head by a freshly initialised one with `num_classes`
  /// outputs; 0 removes it, so forward returns the pooled features.
  virtual void reset_classifier(int64_t num_classes) = 0;
};

/// A model that can return its intermediate feature maps.
class MODELZOO_API FeatureExtractor {
 public:
  virtual ~FeatureExtractor();
  /// Named outputs of the stem and of each stage, in order.
  virtual std::vector<std::pair<std::string, torch::Tensor>> forward_features(
      const torch::Tensor& input) = 0;
};

class MODELZOO_API Model {
 public:
  virtual ~Model();

  /// The module that owns the parameters and buffers.
  virtual torch::nn::Module& module() = 0;
  const torch::nn::Module& module() const { return const_cast<Model*>(this)->module(); }

  /// Runs the model on a batch.
  virtual torch::Tensor forward(const torch::Tensor& input) = 0;

  /// Loads a checkpoint into the model. The default is
  /// weights.load_into(module(), options); families override it to adapt a
  /// checkpoint to the model (legacy key names, a head for another
  /// num_classes, a first layer for another in_chans), initialise what the
  /// checkpoint did not provide, and say what they did in LoadReport::notes.
  virtual LoadReport load_weights(const Weights& weights, const LoadOptions& options);
  LoadReport load_weights(const Weights& weights) { return load_weights(weights, LoadOptions{}); }

  /// The output shape for an input of `input_shape`, without computing on
  /// real data: a forward on an empty batch (LibTorch 1.13 has no meta
  /// kernels for convolution), in inference mode. Throws what the forward
  /// throws for an input the model does not accept.
  std::vector<int64_t> output_shape(const std::vector<int64_t>& input_shape);

  /// Optional capabilities; nullptr when the model does not have them.
  virtual Classifier* classifier() { return nullptr; }
  virtual FeatureExtractor* features() { return nullptr; }

  /// The config the model was built with (defaults plus overrides).
  const nlohmann::json& config() const { return config_; }
  /// Set once by the SDK's factory wrapper; apps do not call it.
  void set_config(nlohmann::json config) { config_ = std::move(config); }

  torch::OrderedDict<std::string, torch::Tensor> named_parameters() const;
  torch::OrderedDict<std::string, torch::Tensor> named_buffers() const;
  /// Parameters and persistent buffers, as PyTorch's state_dict().
  torch::OrderedDict<std::string, torch::Tensor> state_dict() const;

  void train(bool on = true) { module().train(on); }
  void eval() { module().eval(); }
  bool is_training() const { return module().is_training(); }
  void to(torch::Device device) { module().to(device); }

 private:
  nlohmann::json config_ = nlohmann::json::object();
};

/// Adapts any TORCH_MODULE holder with `Tensor forward(Tensor)` to Model;
/// families with capabilities derive from it and override the accessors.
template <typename ModuleHolder>
class ModuleModel : public Model {
 public:
  explicit ModuleModel(ModuleHolder net) : net_(std::move(net)) {}
  torch::nn::Module& module() override { return *net_; }
  torch::Tensor forward(const torch::Tensor& input) override { return net_->forward(input); }
  ModuleHolder& net() { return net_; }
  const ModuleHolder& net() const { return net_; }

 private:
  ModuleHolder net_;
};

}  // namespace modelzoo
