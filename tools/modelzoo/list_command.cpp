// `modelzoo list`: the entrypoints, filtered like timm.list_models.
#include <iostream>

#include "command.h"
#include "table.h"

namespace modelzoo::cli {
namespace {

// Why nothing is listed: no usable plugin at all is another answer than a
// query that matches nothing, and `modelzoo plugins` says why each failed.
std::string nothing_listed(Hub& hub) {
  std::size_t usable = 0, unusable = 0;
  for (const auto& p : hub.plugins()) {
    const bool ok =
        p.state == PluginInfo::State::kAvailable || p.state == PluginInfo::State::kLoaded;
    (ok ? usable : unusable) += 1;
  }
  if (usable > 0) return "no entrypoints match";
  if (unusable == 0)
    return "no entrypoints: no plugins found; set MODELZOO_PLUGIN_PATH to a directory of plugin "
           ".so files";
  return "no entrypoints: none of the " + std::to_string(unusable) +
         " plugins found could be used; `modelzoo plugins` says why for each";
}

}  // namespace

void add_list_command(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("list", "List model entrypoints (natural order)");
  auto query = std::make_shared<Query>();
  cmd->add_option("patterns", query->include,
                  "fnmatch patterns on name or family/name ('resnet*')");
  cmd->add_option("--exclude", query->exclude,
                  "Leave out names matching this pattern (repeatable)");
  cmd->add_option("--family", query->families, "Only this family (repeatable)");
  cmd->add_flag("--pretrained", query->pretrained_only, "Only entrypoints with weight variants");
  cmd->add_option("--task", query->tasks,
                  "Only this task (repeatable): image-classification, text-generation, …");
  cmd->callback([&context, query] {
    const auto entries = context.hub().list(*query);
    if (context.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto* e : entries) {
        nlohmann::json tags = nlohmann::json::array();
        for (const auto& v : e->spec.variants) tags.push_back(v.tag);
        out.push_back({{"name", e->qualified_name()},
                       {"family", e->family},
                       {"entrypoint", e->spec.name},
                       {"summary", e->spec.summary},
                       {"task", e->spec.task},
                       {"variants", tags},
                       {"default", e->spec.default_tag},
                       {"provider", e->provider}});
      }
      std::cout << out.dump(2) << '\n';
      return;
    }
    Table table({"NAME", "TASK", "VARIANTS", "SUMMARY"});
    for (const auto* e : entries) {
      std::string variants = "-";
      if (!e->spec.variants.empty())
        variants =
            std::to_string(e->spec.variants.size()) + " (default " + e->spec.default_tag + ")";
      table.add_row({e->qualified_name(), e->spec.task.empty() ? "-" : e->spec.task, variants,
                     ellipsize(e->spec.summary, 60)});
    }
    if (table.empty()) {
      std::cout << nothing_listed(context.hub()) << '\n';
      return;
    }
    table.print(std::cout);
  });
}

}  // namespace modelzoo::cli
