#include "modelzoo/tasks/classification.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "modelzoo/image/image.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/threads.h"

namespace modelzoo::tasks {

nlohmann::json top_k_classes(const torch::Tensor& logits, int64_t k,
                             const nlohmann::json& categories) {
  if (logits.dim() != 1)
    throw Error("top_k_classes expects one row of logits (got " + std::to_string(logits.dim()) +
                " dimensions)");
  const torch::Tensor probs = torch::softmax(logits.to(torch::kFloat64), 0);
  const int64_t n = probs.size(0);
  k = std::min<int64_t>(std::max<int64_t>(k, 1), n);
  const auto top = probs.topk(k);
  const torch::Tensor values = std::get<0>(top), indices = std::get<1>(top);
  const bool named = categories.is_array() && static_cast<int64_t>(categories.size()) == n;
  nlohmann::json out = nlohmann::json::array();
  for (int64_t i = 0; i < k; ++i) {
    const int64_t index = indices[i].item<int64_t>();
    out.push_back(
        {{"rank", i + 1},
         {"index", index},
         {"label", named ? categories[index].get<std::string>() : "class " + std::to_string(index)},
         {"probability", values[i].item<double>()}});
  }
  return out;
}

Preprocess image_preprocessing(const LoadedModel& loaded) {
  Preprocess declared;
  const auto inputs = loaded.info.value("inputs", nlohmann::json::array());
  if (!inputs.empty() && inputs[0].contains("preprocess"))
    declared = image::preprocess_from_json(inputs[0]["preprocess"]);
  return image::preprocess_from_json(loaded.meta().value("transforms", nlohmann::json()), declared);
}

int64_t input_channels(const LoadedModel& loaded) {
  const nlohmann::json config = loaded.info.value("config", nlohmann::json::object());
  if (config.is_object() && config.contains("in_chans") && config["in_chans"].is_number_integer())
    return config["in_chans"].get<int64_t>();
  const nlohmann::json inputs = loaded.info.value("inputs", nlohmann::json::array());
  if (inputs.is_array() && !inputs.empty() && inputs[0].is_object()) {
    const nlohmann::json shape = inputs[0].value("shape", nlohmann::json::array());
    if (shape.is_array() && shape.size() == 4 && shape[1].is_number_integer())
      return shape[1].get<int64_t>();
  }
  return 3;
}

nlohmann::json classify_image(CommandContext& ctx) {
  const std::string image_path = ctx.options().at("image").get<std::string>();
  const int64_t k = ctx.options().value("topk", int64_t{5});
  // Not an image, too large, or its header cut off: said before a model
  // is loaded (and its weights perhaps downloaded) for nothing.
  image::probe_file(image_path);
  LoadedModel loaded = ctx.load();
  const torch::Tensor input =
      image::model_input(image_path, image_preprocessing(loaded), input_channels(loaded))
          .unsqueeze(0);
  c10::InferenceMode guard;
  const torch::Tensor logits = loaded.model->forward(input);
  if (logits.dim() != 2 || logits.size(0) != 1)
    throw Error(loaded.info.value("name", ctx.target()) + " does not output class logits (got " +
                "a tensor of " + std::to_string(logits.dim()) + " dimensions)");
  nlohmann::json result = classification_result(loaded, ctx.target());
  result["input_shape"] = input.sizes().vec();
  for (auto& row :
       top_k_classes(logits[0], k, loaded.meta().value("categories", nlohmann::json()))) {
    row["input"] = image_path;
    result["predictions"].push_back(std::move(row));
  }
  return result;
}

nlohmann::json classification_result(const LoadedModel& loaded, const std::string& target) {
  nlohmann::json notes = loaded.notes();
  if (loaded.info.value("random_init", false))
    notes.push_back("random initialisation (--random-init): the classes mean nothing");
  return {{"task", "image-classification"},
          {"model", loaded.info.value("name", target)},
          {"variant", loaded.info.value("variant", nlohmann::json(nullptr))},
          {"weights", loaded.info.value("weights", nlohmann::json(nullptr))},
          {"threads", intra_op_threads()},
          {"notes", notes},
          {"predictions", nlohmann::json::array()}};
}

}  // namespace modelzoo::tasks
