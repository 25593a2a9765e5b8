// `modelzoo create NAME`: builds a model through the Hub (loading its
// plugin, and with it LibTorch) and reports its size and output shape.
#include <torch/types.h>

#include <iostream>

#include "model_command.h"
#include "modelzoo/hub.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/threads.h"

namespace modelzoo::cli {
namespace {

// A batch of one with the entrypoint's declared shape, when every dim but
// the batch is fixed; otherwise no sample input (the shape needs sizes).
std::optional<std::vector<int64_t>> sample_shape(const InputSpec& input) {
  std::vector<int64_t> shape;
  for (size_t i = 0; i < input.shape.size(); ++i) {
    const Dim& d = input.shape[i];
    if (d.name.empty()) shape.push_back(d.size);
    else if (i == 0) shape.push_back(1);
    else return std::nullopt;
  }
  return shape;
}

}  // namespace

int create_command(const nlohmann::json& args) {
  HubOptions options;
  options.num_threads = args.value("threads", 0);
  Hub hub(options);
  const std::string name = args.at("name").get<std::string>();
  const Resolved resolved = hub.resolve(name);
  auto model = hub.create(name, args.at("config"));
  model->eval();

  int64_t parameters = 0;
  for (const auto& p : model->named_parameters()) parameters += p.value().numel();
  nlohmann::json out = {{"name", resolved.entry->qualified_name()},
                        {"config", model->config()},
                        {"num_params", parameters},
                        {"num_buffers", model->named_buffers().size()},
                        {"threads", intra_op_threads()}};
  if (auto shape = sample_shape(resolved.entry->spec.input)) {
    torch::InferenceMode guard;
    const auto output = model->forward(torch::zeros(*shape));
    out["input_shape"] = *shape;
    out["output_shape"] = output.sizes().vec();
  }
  if (args.value("json", false)) {
    std::cout << out.dump(2) << '\n';
  } else {
    std::cout << out["name"].get<std::string>() << '\n'
              << "  config:     " << out["config"].dump() << '\n'
              << "  parameters: " << parameters << '\n'
              << "  threads:    " << out["threads"] << '\n';
    if (out.contains("output_shape"))
      std::cout << "  forward:    " << out["input_shape"].dump() << " -> "
                << out["output_shape"].dump() << '\n';
  }
  return 0;
}

}  // namespace modelzoo::cli
