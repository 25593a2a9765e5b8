#include "vision_transformer.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>

#include <cmath>

#include "modelzoo/nn/init.h"

namespace modelzoo::vision {

EncoderBlock::EncoderBlock(int64_t num_heads, int64_t hidden_dim, int64_t mlp_dim, double dropout_,
                           double attention_dropout)
    : dropout(dropout_) {
  const auto layer_norm = nn::LayerNormOptions(hidden_dim).eps(1e-6);
  ln_1 = register_module("ln_1", nn::LayerNorm(layer_norm));
  self_attention = register_module(
      "self_attention",
      nn::MultiheadAttention(
          nn::MultiheadAttentionOptions(hidden_dim, num_heads).dropout(attention_dropout)));
  ln_2 = register_module("ln_2", nn::LayerNorm(layer_norm));
  mlp = register_module(
      "mlp",
      nn::Mlp(nn::MlpOptions(hidden_dim, mlp_dim).dropout(dropout).fc1_name("0").fc2_name("3")));
}

torch::Tensor EncoderBlock::forward(const torch::Tensor& input) {
  auto x = self_attention->forward(ln_1->forward(input));
  x = torch::dropout(x, dropout, is_training()) + input;
  return x + mlp->forward(ln_2->forward(x));
}

VisionTransformer::VisionTransformer(const ViTOptions& options_) : options(options_) {
  TORCH_CHECK(options.image_size % options.patch_size == 0, "image_size ", options.image_size,
              " is not a multiple of the patch size ", options.patch_size);
  TORCH_CHECK(options.in_chans > 0, "in_chans must be positive (got ", options.in_chans, ")");
  TORCH_CHECK(options.num_classes >= 0, "num_classes must be >= 0 (got ", options.num_classes, ")");
  const int64_t e = options.hidden_dim;
  conv_proj = register_module(
      "conv_proj",
      nn::Conv2d(
          nn::Conv2dOptions(options.in_chans, e, options.patch_size).stride(options.patch_size)));
  class_token = register_parameter("class_token", torch::empty({1, 1, e}));
  const int64_t grid = options.image_size / options.patch_size;
  encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  pos_embedding =
      encoder->register_parameter("pos_embedding", torch::empty({1, grid * grid + 1, e}));
  auto layers = encoder->register_module("layers", std::make_shared<torch::nn::Module>());
  for (int64_t i = 0; i < options.num_layers; ++i) {
    blocks.push_back(layers->register_module(
        "encoder_layer_" + std::to_string(i),
        std::make_shared<EncoderBlock>(options.num_heads, e, options.mlp_dim, options.dropout,
                                       options.attention_dropout)));
  }
  encoder_ln = encoder->register_module("ln", nn::LayerNorm(nn::LayerNormOptions(e).eps(1e-6)));
  heads = register_module("heads", std::make_shared<torch::nn::Module>());
  build_head(options.num_classes);
}

torch::Tensor VisionTransformer::patchify(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_chans && x.size(2) == options.image_size &&
                  x.size(3) == options.image_size,
              "expected input [N, ", options.in_chans, ", ", options.image_size, ", ",
              options.image_size, "] (got ", x.sizes(),
              "); build the model with config image_size=", x.dim() == 4 ? x.size(2) : 0,
              " for other sizes");
  return conv_proj->forward(x);
}

torch::Tensor VisionTransformer::encode(const torch::Tensor& patches) {
  const int64_t n = patches.size(0);
  auto x = patches.flatten(2).permute({0, 2, 1});  // [N, h*w, E]
  x = torch::cat({class_token.expand({n, -1, -1}), x}, 1);
  x = torch::dropout(x + pos_embedding, options.dropout, is_training());
  for (auto& block : blocks) x = block->forward(x);
  return encoder_ln->forward(x);
}

torch::Tensor VisionTransformer::forward(const torch::Tensor& x) {
  auto cls = encode(patchify(x)).select(1, 0);
  return head ? head->forward(cls) : cls;
}

NamedTensors VisionTransformer::forward_features(const torch::Tensor& x) {
  NamedTensors out;
  out.emplace_back("patch_embed", patchify(x));
  out.emplace_back("encoder", encode(out.back().second));
  return out;
}

void VisionTransformer::build_head(int64_t num_classes) {
  head = nn::replace_head(*heads, "head", head, options.hidden_dim, num_classes);
  options.num_classes = num_classes;
}

void VisionTransformer::init_head() {
  if (!head) return;
  torch::NoGradGuard no_grad;
  head->weight.zero_();  // torchvision starts the head at zero
  head->bias.zero_();
}

void VisionTransformer::reset_classifier(int64_t num_classes) {
  build_head(num_classes);
  init_head();
}

void VisionTransformer::init_weights() {
  torch::NoGradGuard no_grad;
  const double fan_in =
      static_cast<double>(options.in_chans * options.patch_size * options.patch_size);
  nn::trunc_normal_(conv_proj->weight, std::sqrt(1.0 / fan_in));
  conv_proj->bias.zero_();
  class_token.zero_();
  pos_embedding.normal_(0.0, 0.02);
  for (auto& block : blocks) {
    block->ln_1->reset_parameters();
    block->ln_2->reset_parameters();
    block->self_attention->reset_parameters();
    for (nn::Linear* fc : {&block->mlp->fc1, &block->mlp->fc2}) {
      torch::nn::init::xavier_uniform_((*fc)->weight);
      (*fc)->bias.normal_(0.0, 1e-6);
    }
  }
  encoder_ln->reset_parameters();
  init_head();
}

std::string VisionTransformer::upgrade_key(const std::string& key) const {
  // torchvision < 0.13 named the MLP's linears linear_1 / linear_2 (now "0" / "3").
  for (const auto& [old_name, new_name] :
       {std::pair<const char*, const char*>{".mlp.linear_1.", ".mlp.0."},
        {".mlp.linear_2.", ".mlp.3."}}) {
    const auto pos = key.find(old_name);
    if (pos != std::string::npos)
      return key.substr(0, pos) + new_name +
             key.substr(pos + std::char_traits<char>::length(old_name));
  }
  return key;
}

}  // namespace modelzoo::vision
