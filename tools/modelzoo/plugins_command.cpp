// `modelzoo plugins`: every plugin file found, with its state and, for a
// refused or failed one, the reason.
#include <algorithm>
#include <iostream>

#include "command.h"
#include "table.h"

namespace modelzoo::cli {
namespace {
std::string trust_text(const trust::TrustVerdict& v) {
  if (v.state == trust::TrustState::kSigned) return "signed by " + v.signer;
  return trust::to_string(v.state);
}
}  // namespace

void add_plugins_command(CLI::App& app, Context& context) {
  auto* cmd =
      app.add_subcommand("plugins", "List plugin files, their state and why any was refused");
  auto blacklist_only = std::make_shared<bool>(false);
  cmd->add_flag("--rescan", context.hub_options.rescan,
                "Scan every plugin again instead of reading the registry cache");
  cmd->add_flag("--blacklist", *blacklist_only,
                "Only plugins that crashed or hung when loaded, with the reason");
  cmd->callback([&context, blacklist_only] {
    auto plugins = context.hub().plugins();
    if (*blacklist_only)
      plugins.erase(std::remove_if(plugins.begin(), plugins.end(),
                                   [](const PluginInfo& p) {
                                     return p.state != PluginInfo::State::kBlacklisted;
                                   }),
                    plugins.end());
    const ScanSummary& summary = context.hub().scan_summary();
    if (!summary.note.empty()) std::cerr << "modelzoo: note: " << summary.note << '\n';
    if (context.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& p : plugins) {
        nlohmann::json item = {
            {"path", p.path}, {"status", to_string(p.state)}, {"reason", p.reason}};
        if (p.manifest) {
          item["family"] = p.manifest->family;
          item["version"] = p.manifest->plugin_version;
          item["vendor"] = p.manifest->vendor;
          item["build"] = to_json(p.manifest->build);
          nlohmann::json names = nlohmann::json::array();
          for (const auto& e : p.manifest->entrypoints) names.push_back(e.name);
          item["entrypoints"] = names;
        }
        item["shadowed"] = p.shadowed;
        item["third_party"] = p.third_party;
        item["trust"] = {{"mode", trust::to_string(p.trust.mode)},
                         {"state", trust::to_string(p.trust.state)},
                         {"signer", p.trust.signer},
                         {"detail", p.trust.detail}};
        out.push_back(item);
      }
      std::cout << out.dump(2) << '\n';
      return;
    }
    Table table({"PATH", "FAMILY", "VERSION", "VENDOR", "TRUST", "STATUS", "REASON"});
    for (const auto& p : plugins) {
      std::string reason = p.reason;
      if (reason.empty() && !p.shadowed.empty()) {
        reason = "shadowed by an earlier plugin:";
        for (const auto& s : p.shadowed) reason += " " + s;
      }
      table.add_row({p.path, p.manifest ? p.manifest->family : "-",
                     p.manifest ? p.manifest->plugin_version : "-",
                     p.manifest ? p.manifest->vendor : "-", trust_text(p.trust), to_string(p.state),
                     reason});
    }
    if (table.empty()) {
      std::cout << (*blacklist_only
                        ? "no blacklisted plugins\n"
                        : "no plugins found; set MODELZOO_PLUGIN_PATH to a directory of plugin .so "
                          "files\n");
      return;
    }
    table.print(std::cout);
  });
}

}  // namespace modelzoo::cli
