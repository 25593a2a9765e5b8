// The shape every vision architecture here has: a feature trunk, global
// pooling, a classifier head; and what the family's Model adapter needs to
// know about it to adapt checkpoints (which keys are the head, which is the
// first convolution).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace modelzoo::vision {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct VisionNet : torch::nn::Module {
  /// Logits [N, num_classes], or the pooled features [N, num_features]
  /// when the head was removed.
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  /// The stem's and each stage's output, in order; the last one is what
  /// the pooling consumes.
  virtual NamedTensors forward_features(const torch::Tensor& x) = 0;

  virtual int64_t num_features() const = 0;
  /// 0 when the head was removed.
  virtual int64_t num_classes() const = 0;
  /// A new head with `num_classes` outputs, initialised as the architecture
  /// initialises it; 0 removes the head.
  virtual void reset_classifier(int64_t num_classes) = 0;
  /// Prefix of the head's parameters in a state dict ("fc.").
  virtual std::string head_prefix() const = 0;
  /// State-dict name of the first convolution's weight ("conv1.weight").
  virtual std::string stem_weight() const = 0;
  /// The architecture's own random initialisation (torchvision's).
  virtual void init_weights() = 0;
  /// Renames a key of an older checkpoint layout; identity by default.
  virtual std::string upgrade_key(const std::string& key) const { return key; }
};

}  // namespace modelzoo::vision
