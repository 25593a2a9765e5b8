// Vision Transformer (Dosovitskiy et al. 2020) with torchvision 0.14's
// module names: conv_proj, class_token, encoder.pos_embedding,
// encoder.layers.encoder_layer_{i}.{ln_1,self_attention,ln_2,mlp.0,mlp.3},
// encoder.ln, heads.head. Checkpoints of the older MLP layout
// (mlp.linear_1 / mlp.linear_2, torchvision < 0.13, which the published
// vit_b_16 file uses) are renamed on load.
//
//   ViTOptions o;  o.image_size = 384;   // vit_b_16 for the SWAG E2E weights
#pragma once

#include <torch/nn/modules/container/sequential.h>

#include <vector>

#include "modelzoo/nn/attention.h"
#include "modelzoo/nn/conv.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/mlp.h"
#include "modelzoo/nn/normalization.h"
#include "vision_net.h"

namespace modelzoo::vision {

struct ViTOptions {
  int64_t image_size = 224;  ///< inputs must be image_size x image_size
  int64_t patch_size = 16;
  int64_t num_layers = 12;
  int64_t num_heads = 12;
  int64_t hidden_dim = 768;
  int64_t mlp_dim = 3072;
  double dropout = 0.0;
  double attention_dropout = 0.0;
  int64_t num_classes = 1000;
  int64_t in_chans = 3;
};

struct EncoderBlock : torch::nn::Module {
  EncoderBlock(int64_t num_heads, int64_t hidden_dim, int64_t mlp_dim, double dropout,
               double attention_dropout);
  torch::Tensor forward(const torch::Tensor& x);

  double dropout;
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  nn::MultiheadAttention self_attention{nullptr};
  nn::Mlp mlp{nullptr};  ///< torchvision's MLPBlock: linears "0" and "3"
};

struct VisionTransformer : VisionNet {
  explicit VisionTransformer(const ViTOptions& options);

  torch::Tensor forward(const torch::Tensor& x) override;
  NamedTensors forward_features(const torch::Tensor& x) override;
  int64_t num_features() const override { return options.hidden_dim; }
  int64_t num_classes() const override { return head ? head->options.out_features() : 0; }
  void reset_classifier(int64_t num_classes) override;
  std::string head_prefix() const override { return "heads.head."; }
  std::string stem_weight() const override { return "conv_proj.weight"; }
  void init_weights() override;
  std::string upgrade_key(const std::string& key) const override;

  ViTOptions options;
  nn::Conv2d conv_proj{nullptr};
  torch::Tensor class_token;
  std::shared_ptr<torch::nn::Module> encoder;
  torch::Tensor pos_embedding;  ///< encoder.pos_embedding
  std::vector<std::shared_ptr<EncoderBlock>> blocks;
  nn::LayerNorm encoder_ln{nullptr};  ///< encoder.ln
  std::shared_ptr<torch::nn::Module> heads;
  nn::Linear head{nullptr};  ///< heads.head

 private:
  torch::Tensor patchify(const torch::Tensor& x);      // [N, E, h, w]
  torch::Tensor encode(const torch::Tensor& patches);  // [N, 1 + h*w, E]
  void build_head(int64_t num_classes);
  void init_head();
};

}  // namespace modelzoo::vision
