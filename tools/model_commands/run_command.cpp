// `modelzoo run NAME[.TAG] --image FILE`: classifies an image with a
// pretrained model — weights pulled into the cache (or --weights FILE),
// loaded into a model built without random initialisation, the variant's
// preprocessing, top-k classes with probabilities.
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <torch/types.h>

#include <unistd.h>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "model_command.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/hub.h"
#include "modelzoo/image/image.h"
#include "modelzoo/init_mode.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/threads.h"
#include "modelzoo/weights.h"

namespace modelzoo::cli {
namespace {

struct Loaded {
  std::shared_ptr<Model> model;
  const WeightVariant* variant = nullptr;
  std::string weights;  // file path, empty for --random-init
  LoadReport report;
};

// The variant's config (e.g. a ViT's image_size) and num_classes, under the
// user's overrides, as torchvision's builders overwrite them.
nlohmann::json config_for(const RegisteredEntrypoint& entry, const WeightVariant* variant,
                          const nlohmann::json& overrides) {
  nlohmann::json config = nlohmann::json::object();
  if (variant) {
    if (variant->meta.contains("config")) config.update(variant->meta["config"]);
    if (variant->meta.contains("num_classes") && entry.spec.config.contains("num_classes"))
      config["num_classes"] = variant->meta["num_classes"];
  }
  config.update(overrides);
  return config;
}

Loaded load_model(Hub& hub, const nlohmann::json& args) {
  const std::string name = args.at("name");
  const Resolved resolved = hub.resolve(name);
  const RegisteredEntrypoint& entry = *resolved.entry;
  const nlohmann::json overrides = args.at("config");
  Loaded out;
  if (args.value("random_init", false)) {
    out.model = hub.create(entry.qualified_name(), overrides);
    return out;
  }
  out.variant = resolved.variant ? resolved.variant : entry.spec.find_variant("DEFAULT");
  const std::string weights = args.value("weights", std::string());
  if (!weights.empty()) {
    out.weights = weights;
  } else {
    if (!out.variant)
      throw Error(entry.qualified_name() +
                  " has no pretrained weights; pass --weights FILE or --random-init");
    cache::Store store;
    std::unique_ptr<cache::ProgressSink> progress;
    if (!args.value("json", false) && isatty(STDERR_FILENO))
      progress = std::make_unique<cache::TerminalProgressBar>(stderr);
    const cache::PullRequest request{entry.qualified_name() + "." + out.variant->tag, *out.variant};
    // A cached blob was hashed when it entered the cache and is read-only;
    // re-hashing 100 MB on every run would double a ResNet-50's start, so
    // hits are checked by size unless --verify (`modelzoo cache verify`
    // re-hashes everything).
    cache::PullOptions pull_options;
    pull_options.verify_hits = args.value("verify", false);
    out.weights = store.pull(request, pull_options, progress.get()).path.string();
  }
  {
    SkipInit no_init;  // the checkpoint provides every value
    out.model = hub.create(entry.qualified_name(), config_for(entry, out.variant, overrides));
  }
  try {
    out.report = out.model->load_weights(Weights::from_file(out.weights));
  } catch (...) {
    rethrow_with_context("loading weights for " + entry.qualified_name());
  }
  return out;
}

// The variant's category name, while the head is the variant's (a head
// replaced for another num_classes has classes the variant cannot name).
std::string label_of(const WeightVariant* variant, int64_t index, int64_t num_outputs) {
  if (variant && variant->meta.contains("categories")) {
    const auto& c = variant->meta["categories"];
    if (static_cast<int64_t>(c.size()) == num_outputs && index >= 0 && index < num_outputs)
      return c[index].get<std::string>();
  }
  return "class " + std::to_string(index);
}

int run(Hub& hub, const nlohmann::json& args) {
  Loaded loaded = load_model(hub, args);
  Model& model = *loaded.model;
  model.eval();
  const RegisteredEntrypoint& entry = *hub.resolve(args.at("name").get<std::string>()).entry;
  const Preprocess preprocess = image::preprocess_from_json(
      loaded.variant ? loaded.variant->meta.value("transforms", nlohmann::json())
                     : nlohmann::json(),
      entry.spec.input.preprocess);
  const std::string image_path = args.at("image");
  torch::Tensor input = image::preprocess(image::decode_file(image_path), preprocess).unsqueeze(0);

  c10::InferenceMode guard;
  const torch::Tensor logits = model.forward(input);
  if (logits.dim() != 2) throw Error(entry.qualified_name() + " does not output class logits");
  const torch::Tensor probs = torch::softmax(logits[0].to(torch::kFloat64), 0);
  const int64_t k = std::min<int64_t>(std::max<int64_t>(args.value("topk", 5), 1), probs.size(0));
  const auto top = probs.topk(k);
  const torch::Tensor values = std::get<0>(top), indices = std::get<1>(top);

  nlohmann::json out = {{"name", entry.qualified_name()},
                        {"variant", loaded.variant && !loaded.weights.empty() &&
                                            args.value("weights", std::string()).empty()
                                        ? nlohmann::json(loaded.variant->tag)
                                        : nlohmann::json(nullptr)},
                        {"weights", loaded.weights.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(loaded.weights)},
                        {"image", image_path},
                        {"input_shape", input.sizes().vec()},
                        {"threads", intra_op_threads()},
                        {"notes", loaded.report.notes},
                        {"top", nlohmann::json::array()}};
  for (int64_t i = 0; i < k; ++i) {
    const int64_t index = indices[i].item<int64_t>();
    out["top"].push_back({{"index", index},
                          {"label", label_of(loaded.variant, index, probs.size(0))},
                          {"probability", values[i].item<double>()}});
  }
  if (args.value("json", false)) {
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  for (const auto& note : loaded.report.notes) std::cerr << "modelzoo: note: " << note << '\n';
  if (loaded.weights.empty())
    std::cerr
        << "modelzoo: note: random initialisation (--random-init): the classes mean nothing\n";
  std::cout << out["name"].get<std::string>();
  if (!out["variant"].is_null()) std::cout << '.' << out["variant"].get<std::string>();
  std::cout << " on " << image_path << '\n';
  std::cout << "  RANK  PROB      CLASS\n";
  for (int64_t i = 0; i < k; ++i) {
    const auto& t = out["top"][i];
    std::cout << "  " << std::left << std::setw(4) << (i + 1) << "  " << std::fixed
              << std::setprecision(4) << std::setw(8) << t["probability"].get<double>() << "  "
              << t["label"].get<std::string>() << " (" << t["index"].get<int64_t>() << ")\n";
  }
  return 0;
}

}  // namespace

int classify_image_command(Hub& hub, const nlohmann::json& args) {
  try {
    return run(hub, args);
  } catch (const c10::Error& e) {
    throw Error(e.what_without_backtrace());  // LibTorch's backtrace helps no user
  }
}

}  // namespace modelzoo::cli
