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
    if (d.name.empty())
      shape.push_back(d.size);
    else if (i == 0)
      shape.push_back(1);
    else
      return std::nullopt;
  }
  return shape;
}

// The declared dtype of the input (token ids are int64, waveforms float32, …).
torch::Dtype dtype_of(const std::string& name) {
  if (name == "float16") return torch::kFloat16;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float64") return torch::kFloat64;
  if (name == "int64") return torch::kInt64;
  if (name == "int32") return torch::kInt32;
  if (name == "uint8") return torch::kUInt8;
  if (name == "bool") return torch::kBool;
  return torch::kFloat32;
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
  nlohmann::json out = {{"name", resolved.entry->qualified_name() +
                                     (resolved.variant ? "." + resolved.variant->tag : "")},
                        {"config", model->config()},
                        {"num_params", parameters},
                        {"num_buffers", model->named_buffers().size()},
                        {"threads", intra_op_threads()}};
  const InputSpec& input = resolved.entry->spec.input();
  if (auto shape = sample_shape(input)) {
    torch::InferenceMode guard;
    const auto output = model->forward(torch::zeros(*shape, dtype_of(input.dtype)));
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
