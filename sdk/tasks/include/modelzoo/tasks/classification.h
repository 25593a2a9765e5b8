// Task code that several families share: image classification's
// pre-processing from a variant's metadata, softmax top-k with category
// names, and the ready-made `run` command of the image-classification task
// (vision registers it; CLIP and any vendor's classifier can too).
//
//   registrar.add_command("run", "image-classification", modelzoo::tasks::classify_image);
//
// with, in the manifest's commands:
//
//   {"verb": "run", "task": "image-classification", "summary": "Classify an image",
//    "options": [{"name": "image", "type": "path", "required": true, "positional": false, …},
//                {"name": "topk", "type": "int", "default": 5, …}]}
//
// The result is the image-classification shape of docs/commands.md.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include <nlohmann/json.hpp>

#include "modelzoo/command.h"
#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"

namespace modelzoo::tasks {

/// The k most probable classes of one row of logits, best first:
/// [{"rank": 1, "index": 281, "label": "tabby", "probability": 0.83}, …].
/// Labels come from `categories` while it has one name per output (a head
/// replaced for another num_classes has classes the variant cannot name),
/// else "class N".
MODELZOO_API nlohmann::json top_k_classes(const torch::Tensor& logits, int64_t k,
                                          const nlohmann::json& categories);

/// The image pre-processing of a loaded model: the variant's
/// `meta.transforms` over the entrypoint's declared `input.preprocess`.
MODELZOO_API Preprocess image_preprocessing(const LoadedModel& loaded);

/// The number of input channels a loaded image model takes: its config's
/// `in_chans` (timm's and vision's name), else the channel dimension of its
/// declared input shape [N, C, H, W], else 3.
MODELZOO_API int64_t input_channels(const LoadedModel& loaded);

/// The image-classification result without predictions yet: {"task",
/// "model", "variant", "weights", "threads", "notes", "predictions": []}.
/// Each prediction row is a top_k_classes() row plus "input" (what was
/// classified) and, where known, "true_index" and "true_label".
MODELZOO_API nlohmann::json classification_result(const LoadedModel& loaded,
                                                  const std::string& target);

/// `modelzoo run NAME --image FILE [--topk K]` for image classifiers:
/// decodes the image (refused from its header before the model is loaded
/// when it is not one, or too large), converts it to the model's
/// input_channels() (image::model_input), pre-processes it as the variant
/// says, runs the model
/// and returns classification_result() with the top k predictions and
/// "input_shape".
MODELZOO_API nlohmann::json classify_image(CommandContext& ctx);

}  // namespace modelzoo::tasks
