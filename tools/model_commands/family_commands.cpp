#include "family_commands.h"

#include "model_command.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::cli {
namespace {

struct FamilyTarget {
  std::unique_ptr<Hub> hub;
  Resolved resolved;
  std::string family;
};

FamilyTarget resolve(const nlohmann::json& args) {
  HubOptions options;
  options.num_threads = args.value("threads", 0);
  FamilyTarget t;
  t.hub = std::make_unique<Hub>(options);
  t.resolved = t.hub->resolve(args.at("name").get<std::string>());
  t.family = t.resolved.entry->family;
  return t;
}

[[noreturn]] void unsupported(const std::string& command, const std::string& family) {
  throw Error("`modelzoo " + command + "` is not implemented for the " + family +
              " family (implemented for: lut)");
}

}  // namespace

int train_command(const nlohmann::json& args) {
  const std::string family = args.at("family").get<std::string>();
  if (family == "lut") return lut_train_command(args);
  unsupported("train", family);
}

int eval_command(const nlohmann::json& args) {
  auto t = resolve(args);
  if (t.family == "lut") return lut_eval_command(*t.hub, t.resolved, args);
  unsupported("eval", t.family);
}

int run_command(const nlohmann::json& args) {
  auto t = resolve(args);
  if (t.family == "lut") return lut_run_command(*t.hub, t.resolved, args);
  // Every other family: an image classifier, preprocessed as its manifest says.
  if (args.value("image", std::string()).empty())
    throw Error("`modelzoo run " + t.resolved.entry->qualified_name() +
                "` needs --image FILE (--idx-index is for the lut family)");
  return classify_image_command(*t.hub, args);
}

}  // namespace modelzoo::cli
