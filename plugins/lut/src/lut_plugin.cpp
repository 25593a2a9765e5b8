// The lut family's entry: registers the factories its manifest declares,
// the family's loader for each, and its commands (commands/).
// Every entrypoint builds a LutNetwork from its (flat) config; the
// pretrained ones differ only in their default config and weight variants.
#include <modelzoo/plugin.h>

#include "commands/lut_commands.h"

// The manifest modelzoo_add_plugin() embeds in this same object.
extern "C" const char modelzoo_embedded_manifest[];

MODELZOO_PLUGIN(registrar) {
  using namespace modelzoo::lut;
  // Every entrypoint builds a LutNetwork from its config, so the plugin
  // registers exactly what its manifest declares (publishing a new
  // pretrained model is a manifest change only).
  const auto manifest = nlohmann::json::parse(modelzoo_embedded_manifest);
  for (const auto& entry : manifest.at("plugin").at("entrypoints")) {
    const auto name = entry.at("name").get<std::string>();
    registrar.add(name, build_model);
    registrar.add_loader(name, load_model);
  }
  registrar.add_command("run", "image-classification", run_command);
  registrar.add_command("eval", "", eval_command);
  registrar.add_command("train", "", train_command);
}
