// The vision family's modelzoo::Model: any VisionNet, with the classifier
// and feature-map capabilities, and checkpoint loading that adapts a
// torchvision checkpoint to the model the user asked for:
//  * num_classes differs from the checkpoint's (or the head was removed):
//    everything but the head loads, the head is initialised fresh;
//  * in_chans differs from the checkpoint's 3: the first convolution is
//    adapted (1 channel: summed over RGB; N: RGB repeated, scaled by 3/N);
//  * older key layouts are renamed (VisionNet::upgrade_key).
// Each adaptation is a line in LoadReport::notes; anything else that does
// not fit is an error under strict loading, naming every key.
#pragma once

#include <memory>
#include <string>

#include "modelzoo/model.h"
#include "vision_net.h"

namespace modelzoo::vision {

class VisionModel : public Model, public Classifier, public FeatureExtractor {
 public:
  /// `initialised`: whether the parameters hold values (false when built
  /// under modelzoo::SkipInit, waiting for a checkpoint).
  VisionModel(std::string name, std::shared_ptr<VisionNet> net, bool initialised);

  torch::nn::Module& module() override { return *net_; }
  torch::Tensor forward(const torch::Tensor& input) override { return net_->forward(input); }
  Classifier* classifier() override { return this; }
  FeatureExtractor* features() override { return this; }

  int64_t num_classes() const override { return net_->num_classes(); }
  int64_t num_features() const override { return net_->num_features(); }
  void reset_classifier(int64_t num_classes) override { net_->reset_classifier(num_classes); }

  std::vector<std::pair<std::string, torch::Tensor>> forward_features(
      const torch::Tensor& input) override {
    return net_->forward_features(input);
  }

  LoadReport load_weights(const Weights& weights, const LoadOptions& options) override;
  using Model::load_weights;

  VisionNet& net() { return *net_; }

 private:
  std::string name_;
  std::shared_ptr<VisionNet> net_;
  bool initialised_;
};

}  // namespace modelzoo::vision
