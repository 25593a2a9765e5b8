#include "vision_model.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <map>
#include <set>

#include "modelzoo/sdk/error.h"

namespace modelzoo::vision {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The checkpoint weight of the first convolution, for `channels` inputs
// (timm's adapt_input_conv): one channel takes the sum over RGB, more
// repeat RGB and scale by 3/channels so activations keep their size.
torch::Tensor adapt_input_conv(const torch::Tensor& weight, int64_t channels) {
  auto w = weight.to(torch::kFloat32);
  if (channels == 1) return w.sum(1, /*keepdim=*/true);
  const int64_t repeats = (channels + w.size(1) - 1) / w.size(1);
  return w.repeat({1, repeats, 1, 1})
      .slice(1, 0, channels)
      .mul(static_cast<double>(w.size(1)) / static_cast<double>(channels));
}

}  // namespace

VisionModel::VisionModel(std::string name, std::shared_ptr<VisionNet> net, bool initialised)
    : name_(std::move(name)), net_(std::move(net)), initialised_(initialised) {}

LoadReport VisionModel::load_weights(const Weights& weights, const LoadOptions& options) {
  const std::string head = net_->head_prefix();
  const std::string stem = net_->stem_weight();
  const std::string file = weights.source();

  LoadOptions mapped = options;
  mapped.strict = false;  // the checks below decide; load_into only copies
  mapped.remap = [&options, this](const std::string& key) {
    return net_->upgrade_key(options.remap ? options.remap(key) : key);
  };
  // The same mapping load_into applies (strip prefixes, renames, remap).
  auto model_name = [&](std::string key) {
    for (const auto& prefix : mapped.strip_prefixes)
      if (starts_with(key, prefix)) key = key.substr(prefix.size());
    if (auto it = mapped.renames.find(key); it != mapped.renames.end()) key = it->second;
    return mapped.remap(key);
  };

  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : net_->named_parameters(true)) targets[p.key()] = p.value();
  for (const auto& b : net_->named_buffers(true)) targets[b.key()] = b.value();

  // Dry run: what load_into would find, and which of it this family adapts.
  LoadReport problems;
  std::set<std::string> seen;
  bool head_replaced = false, stem_adapted = false, fills_missing = false;
  int64_t checkpoint_classes = -1, checkpoint_chans = -1;
  std::string stem_checkpoint_name;
  for (const auto* view_ptr : weights.views()) {
    const formats::TensorView& view = *view_ptr;
    const std::string name = model_name(view.name);
    const bool is_head = starts_with(name, head);
    if (is_head && ends_with(name, "weight") && view.shape.size() == 2)
      checkpoint_classes = view.shape[0];
    auto it = targets.find(name);
    if (it == targets.end()) {
      if (is_head)
        head_replaced = true;  // the model has no head (num_classes 0)
      else
        problems.unexpected.push_back(view.name);
      continue;
    }
    seen.insert(name);
    const auto model_shape = it->second.sizes().vec();
    if (model_shape == view.shape) continue;
    if (is_head) {
      head_replaced = true;
    } else if (name == stem && view.shape.size() == 4 && model_shape.size() == 4 &&
               view.shape[0] == model_shape[0] && view.shape[2] == model_shape[2] &&
               view.shape[3] == model_shape[3]) {
      stem_adapted = true;
      checkpoint_chans = view.shape[1];
      stem_checkpoint_name = view.name;
    } else {
      problems.mismatched.push_back({name, model_shape, view.shape});
    }
  }
  for (const auto& [name, tensor] : targets) {
    if (seen.count(name)) continue;
    const bool optional =
        std::any_of(options.optional_suffixes.begin(), options.optional_suffixes.end(),
                    [&name](const std::string& suffix) { return ends_with(name, suffix); });
    if (starts_with(name, head))
      head_replaced = true;
    else if (optional)
      problems.kept.push_back(name);
    else
      problems.missing.push_back(name);
  }
  if (options.strict && !problems.clean())
    throw Error("loading " + file + " into " + name_ + " (strict): " +
                problems.describe(options.keys_listed) + "\n  (is this a checkpoint of " + name_ +
                "? a different num_classes or in_chans is adapted; anything else is not)");
  if (!problems.missing.empty() && !initialised_) {
    // Built under SkipInit: what the checkpoint lacks must not stay garbage.
    net_->init_weights();
    fills_missing = true;
  }

  LoadReport report = weights.load_into(*net_, mapped);
  // load_into saw the adapted keys as problems; keep only the real ones.
  report.missing = problems.missing;
  report.kept = problems.kept;
  report.unexpected = problems.unexpected;
  report.mismatched = problems.mismatched;

  torch::NoGradGuard no_grad;
  if (stem_adapted) {
    targets.at(stem).copy_(
        adapt_input_conv(weights.tensor(stem_checkpoint_name), targets.at(stem).size(1)));
    ++report.loaded;
    report.notes.push_back(
        stem + ": adapted from " + std::to_string(checkpoint_chans) + " to " +
        std::to_string(targets.at(stem).size(1)) + " input channels (" +
        (targets.at(stem).size(1) == 1
             ? "summed over the checkpoint's channels"
             : "repeated and scaled by " + std::to_string(checkpoint_chans) + "/in_chans") +
        ")");
  }
  if (head_replaced) {
    const int64_t classes = net_->num_classes();
    net_->reset_classifier(classes);  // fresh and initialised
    report.notes.push_back(
        head + "*: " +
        (classes == 0 ? std::string("head removed")
                      : "new head for " + std::to_string(classes) + " classes, initialised") +
        (checkpoint_classes > 0
             ? " (the checkpoint's has " + std::to_string(checkpoint_classes) + ")"
             : std::string()));
  }
  if (fills_missing)
    report.notes.push_back("parameters missing from the checkpoint keep a random initialisation");
  return report;
}

}  // namespace modelzoo::vision
