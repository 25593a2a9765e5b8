// Weight-file commands: `inspect FILE` and `convert IN OUT`. Torch-free:
// both work on the zero-copy views of the formats library.
#include <filesystem>
#include <iostream>

#include "command.h"
#include "modelzoo/formats/safetensors.h"
#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/error.h"
#include "table.h"

namespace modelzoo::cli {
namespace {

void add_inspect_command(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("inspect", "Show a weights file's format, tensors and metadata");
  auto path = std::make_shared<std::string>();
  cmd->add_option("file", *path, "safetensors, PyTorch .pth or TorchScript archive")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->callback([&context, path] {
    const formats::TensorFile file = formats::read_tensor_file(*path);
    uint64_t total = 0;
    for (const auto& t : file.tensors) total += t.nbytes();
    if (context.json) {
      nlohmann::json tensors = nlohmann::json::array();
      for (const auto& t : file.tensors)
        tensors.push_back({{"name", t.name},
                           {"dtype", formats::dtype_name(t.dtype)},
                           {"shape", t.shape},
                           {"bytes", t.nbytes()},
                           {"contiguous", t.is_contiguous()}});
      std::cout << nlohmann::json{{"file", *path},      {"format", file.format},
                                  {"tensors", tensors}, {"count", file.tensors.size()},
                                  {"bytes", total},     {"metadata", file.metadata}}
                       .dump(2)
                << '\n';
      return;
    }
    std::cout << *path << ": " << file.format << ", " << file.tensors.size() << " tensors, "
              << total << " bytes\n";
    for (const auto& [k, v] : file.metadata) std::cout << "  " << k << ": " << v << '\n';
    Table table({"NAME", "DTYPE", "SHAPE"});
    for (const auto& t : file.tensors)
      table.add_row({t.name, formats::dtype_name(t.dtype), formats::shape_text(t.shape)});
    table.print(std::cout);
  });
}

void add_convert_command(CLI::App& app, Context& context) {
  auto* cmd =
      app.add_subcommand("convert", "Write a .pth, TorchScript or safetensors file as safetensors");
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("input", *in, "Input weights file")->required()->check(CLI::ExistingFile);
  cmd->add_option("output", *out, "Output .safetensors file")->required();
  cmd->add_flag("--force", *force, "Overwrite the output if it exists");
  cmd->callback([&context, in, out, force] {
    std::error_code ec;
    if (std::filesystem::exists(*out, ec) && !*force)
      throw Error(*out + " exists; pass --force to overwrite it");
    const formats::TensorFile source = formats::read_tensor_file(*in);
    std::map<std::string, std::string> metadata = source.metadata;
    if (!metadata.count("format")) metadata["format"] = "pt";
    formats::write_safetensors(*out, source.tensors, metadata);
    // Verify by reading the result back, tensor by tensor.
    const formats::TensorFile written = formats::read_tensor_file(*out);
    if (written.tensors.size() != source.tensors.size())
      throw Error("verifying " + *out + ": tensor count differs; the output was not kept");
    for (const auto& t : source.tensors) {
      const formats::TensorView* w = written.find(t.name);
      if (!w || w->dtype != t.dtype || w->shape != t.shape ||
          w->contiguous_bytes() != t.contiguous_bytes()) {
        std::filesystem::remove(*out, ec);
        throw Error("verifying " + *out + ": tensor '" + t.name +
                    "' differs; the output was removed");
      }
    }
    if (context.json) {
      std::cout << nlohmann::json{{"input", *in},
                                  {"output", *out},
                                  {"format", source.format},
                                  {"tensors", source.tensors.size()},
                                  {"verified", true}}
                       .dump(2)
                << '\n';
      return;
    }
    std::cout << "wrote " << *out << ": " << source.tensors.size() << " tensors from "
              << source.format << ", verified by reading it back\n";
  });
}

}  // namespace

void add_weights_commands(CLI::App& app, Context& context) {
  add_inspect_command(app, context);
  add_convert_command(app, context);
}

}  // namespace modelzoo::cli
