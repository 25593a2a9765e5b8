// `modelzoo eval lut/NAME [--limit N]`: accuracy on the Fashion-MNIST test
// set, compared with what the variant's metadata publishes.
#include <modelzoo/sdk/error.h>

#include <c10/core/InferenceMode.h>

#include "heap_reuse.h"
#include "idx_dataset.h"
#include "lut_commands.h"

namespace modelzoo::lut {

nlohmann::json eval_command(CommandContext& ctx) {
  const auto& options = ctx.options();
  check_data(options);
  retain_freed_heap_memory();
  LoadedModel loaded = ctx.load();
  auto test_set = load_fashion_mnist("test", options.value("data_dir", ""),
                                     loaded.model->config().value("num_classes", int64_t{10}));
  const int64_t limit = options.value("limit", int64_t{0});
  if (limit > 0 && limit < test_set.size()) test_set = test_set.slice(0, limit);
  c10::InferenceMode guard;
  int64_t correct = 0;
  for (int64_t start = 0; start < test_set.size(); start += 1000) {
    const auto batch = test_set.slice(start, std::min(test_set.size(), start + 1000));
    correct += loaded.model->forward(batch.images).argmax(1).eq(batch.labels).sum().item<int64_t>();
  }
  const int64_t total = test_set.size();
  const std::string mode = loaded.model->config().value("eval_mode", "hard");
  nlohmann::json result = {{"task", "evaluation"},
                           {"model", loaded.info.value("name", ctx.target())},
                           {"variant", loaded.info.value("variant", nlohmann::json(nullptr))},
                           {"weights", loaded.info.value("weights", nlohmann::json(nullptr))},
                           {"data", "fashion-mnist/test"},
                           {"eval_mode", mode},
                           {"correct", correct},
                           {"total", total},
                           {"acc@1", 100.0 * double(correct) / double(total)},
                           {"config", loaded.model->config()},
                           {"notes", loaded.notes()}};
  // What the variant publishes, when this run measures the same thing.
  const auto metrics = loaded.meta().value("metrics", nlohmann::json::object());
  if (loaded.info.value("weights", nlohmann::json()).is_null() && limit == 0 && mode == "hard" &&
      metrics.contains("Fashion-MNIST") && metrics["Fashion-MNIST"].contains("correct")) {
    result["published_correct"] = metrics["Fashion-MNIST"]["correct"];
    result["reproduced"] = metrics["Fashion-MNIST"]["correct"] == correct;
  }
  return result;
}

}  // namespace modelzoo::lut
