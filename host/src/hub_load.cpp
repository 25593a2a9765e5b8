// Hub::load — pretrained models in one call — and the plugin commands that
// run on them. Torch-free: the files are pulled here, and the plugin's own
// loader, called with JSON and paths, builds the model and loads them.
#include <algorithm>
#include <filesystem>
#include <utility>

#include "modelzoo/host/plugin_library.h"
#include "modelzoo/hub.h"
#include "modelzoo/sdk/error.h"
#include "plugin_slot.h"
#include "snapshot_directory.h"

namespace modelzoo {
namespace fs = std::filesystem;

PretrainedOptions::PretrainedOptions() = default;

nlohmann::json to_json(const PretrainedFile& file) {
  return {{"role", file.role},
          {"file", file.file},
          {"format", file.format},
          {"path", file.path.string()}};
}

std::vector<std::string> Pretrained::notes() const {
  return report.value("notes", std::vector<std::string>{});
}

std::string Pretrained::file(std::string_view role) const {
  for (const auto& f : files)
    if (f.role == role) return f.path.string();
  return "";
}

nlohmann::json Pretrained::info() const {
  nlohmann::json files_json = nlohmann::json::array();
  for (const auto& f : files) files_json.push_back(to_json(f));
  nlohmann::json inputs_json = nlohmann::json::array();
  for (const auto& i : inputs) inputs_json.push_back(to_json(i));
  return {{"name", name},
          {"inputs", inputs_json},
          {"variant", variant ? nlohmann::json(variant->tag) : nlohmann::json(nullptr)},
          {"meta", variant ? variant->resolved_meta() : nlohmann::json::object()},
          {"files", files_json},
          {"config", config},
          {"notes", notes()},
          {"report", report},
          {"random_init", random_init},
          {"weights", weights.empty() ? nlohmann::json(nullptr) : nlohmann::json(weights)}};
}

std::vector<PretrainedFile> Hub::pull_files(const RegisteredEntrypoint& entry,
                                            const WeightVariant& variant,
                                            const PretrainedOptions& options) {
  cache::CacheConfig config =
      options.cache ? *options.cache : cache::CacheConfig::from_environment();
  if (options.network) config.network = *options.network;
  cache::Store store(config);
  cache::PullOptions pull;
  // A cached blob was hashed when it entered the cache and is read-only;
  // re-hashing 100 MB on every load would double a ResNet-50's start.
  pull.verify_hits = options.verify;
  const std::string alias = entry.qualified_name() + "." + variant.tag;
  const cache::VariantPull pulled = store.pull_variant(alias, variant, pull, options.progress);
  std::vector<PretrainedFile> files;
  for (const auto& f : pulled.files)
    files.push_back({f.file.role, f.file.file, f.file.format, f.result.path});
  return files;
}

Pretrained Hub::load(std::string_view name, const nlohmann::json& overrides) {
  PretrainedOptions options;
  options.config = overrides;
  return load(name, options);
}

Pretrained Hub::load(std::string_view name, const PretrainedOptions& options) {
  const Resolved resolved = resolve(name);
  const RegisteredEntrypoint& entry = *resolved.entry;
  const WeightVariant* variant =
      resolved.variant ? resolved.variant : entry.spec.find_variant("DEFAULT");
  Pretrained out;
  out.name = entry.qualified_name();
  out.random_init = options.random_init;
  out.inputs = entry.spec.inputs;
  const std::string context =
      "loading " + out.name + (variant && options.weights.empty() ? "." + variant->tag : "");
  if (options.random_init && !options.weights.empty())
    throw Error(context + ": random_init and a weights file exclude each other");
  if (variant) out.variant = *variant;
  nlohmann::json request;
  try {
    // A snapshot directory's config.json is the checkpoint's structure: it
    // goes where a variant's meta.config goes, under the user's overrides.
    nlohmann::json checkpoint_config = nlohmann::json::object();
    if (!options.weights.empty()) {
      std::error_code ec;
      if (!fs::exists(options.weights, ec))
        throw Error("weights '" + options.weights.string() + "' do not exist");
      out.weights = fs::absolute(options.weights).string();
      if (fs::is_directory(options.weights, ec)) {
        SnapshotDirectory snapshot = read_snapshot_directory(options.weights, entry, variant);
        out.files = std::move(snapshot.files);
        checkpoint_config = std::move(snapshot.config);
      } else {
        out.files = {{"weights", options.weights.filename().string(), "", out.weights}};
      }
    }
    nlohmann::json overrides = options.config;  // config_for refuses a non-object
    if (overrides.is_object())
      for (auto it = checkpoint_config.begin(); it != checkpoint_config.end(); ++it)
        overrides.emplace(it.key(), it.value());  // the user's win
    const nlohmann::json base = config_for(entry, variant, checkpoint_config);
    out.config = config_for(entry, variant, overrides);
    if (options.weights.empty() && !options.random_init) {
      if (!variant)
        throw Error(
            "it has no pretrained weights; give a weights file, or random_init for an "
            "untrained model");
      out.files = pull_files(entry, *variant, options);
    }
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : out.files) files.push_back(to_json(f));
    request = {{"name", out.name},
               {"config", out.config},
               {"base_config", base},
               {"overrides", options.config},
               {"strict", options.strict},
               {"verbose", options.verbose},
               {"random_init", options.random_init},
               {"files", files}};
  } catch (...) {
    rethrow_with_context(context);
  }
  if (entry.provider == kRuntimeProvider)
    throw Error(context +
                ": load() needs a plugin's loader; an app-registered entrypoint is "
                "built with create() and its own weights loading");
  std::shared_ptr<PluginLibrary> library = library_of(entry, context);
  LoadResult result;
  try {
    result = library->loader(entry.spec.name)(request.dump());
  } catch (...) {
    rethrow_with_context(context);
  }
  if (!result.model) throw Error(context + ": " + result.error);
  out.report = nlohmann::json::parse(result.report_json);
  out.model = tie_to_library(std::move(library), std::move(result.model));
  return out;
}

CommandTarget Hub::find_command(std::string_view verb, std::string_view target) {
  CommandTarget found;
  const std::string verb_text(verb), target_text(target);
  // A family name (no model of that name): the family's own verbs.
  const Manifest* family_manifest = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& slot : plugins_) {
      auto& m = slot->info.manifest;
      if (!m || m->family != target_text) continue;
      if (slot->info.state != PluginInfo::State::kAvailable &&
          slot->info.state != PluginInfo::State::kLoaded)
        throw Error("the " + m->family + " family's plugin '" + slot->info.path + "' is " +
                    to_string(slot->info.state) + ": " + slot->info.reason);
      complete_manifest(*slot);
      family_manifest = &*m;
      break;
    }
  }
  if (family_manifest && !registry_.find(target_text)) {
    for (const auto& c : family_manifest->commands)
      if (c.verb == verb_text && c.scope == CommandSpec::Scope::kFamily) {
        found.command = &c;
        found.family = family_manifest->family;
        return found;
      }
    if (target_text.find('/') == std::string::npos && target_text.find('.') == std::string::npos) {
      std::string verbs;
      for (const auto& c : family_manifest->commands)
        if (c.scope == CommandSpec::Scope::kFamily) verbs += (verbs.empty() ? "" : ", ") + c.verb;
      throw Error("the " + target_text + " family has no `" + verb_text + "` command" +
                  (verbs.empty() ? "" : " (it has: " + verbs + ")"));
    }
  }

  const Resolved resolved = resolve(target);
  found.entry = resolved.entry;
  found.family = resolved.entry->family;
  const std::string model = resolved.entry->qualified_name();
  if (resolved.entry->provider == kRuntimeProvider)
    throw Error(model + " was registered by the app and has no plugin commands");
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& slot : plugins_) {
    if (slot->info.path != resolved.entry->provider || !slot->info.manifest) continue;
    const Manifest& m = *slot->info.manifest;
    found.command = m.find_command(verb, &resolved.entry->spec);
    if (found.command && found.command->scope == CommandSpec::Scope::kModel) return found;
    std::string offered;
    for (const auto& c : m.commands)
      if (c.scope == CommandSpec::Scope::kModel &&
          (c.task.empty() || c.task == resolved.entry->spec.task))
        offered += (offered.empty() ? "" : ", ") + c.verb;
    const std::string task = resolved.entry->spec.task;
    throw Error("the " + m.family + " plugin has no `" + verb_text + "` command for " + model +
                (task.empty() ? " (it declares no task)" : " (task " + task + ")") +
                (offered.empty() ? "" : "; its commands for it: " + offered));
  }
  throw Error(model + ": its plugin '" + resolved.entry->provider + "' is gone");
}

nlohmann::json Hub::run_command(std::string_view verb, std::string_view target,
                                const nlohmann::json& options,
                                const PretrainedOptions& load_options,
                                std::function<void(const nlohmann::json&)> on_record,
                                const CommandInteraction& interaction) {
  const CommandTarget found = find_command(verb, target);
  const std::string context = "`" + std::string(verb) + " " + std::string(target) + "`";
  std::shared_ptr<PluginLibrary> library;
  if (found.entry) {
    library = library_of(*found.entry, context);
  } else {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& slot : plugins_)
      if (slot->info.manifest && slot->info.manifest->family == found.family &&
          slot->info.state == PluginInfo::State::kAvailable) {
        library = load_plugin(*slot);
        break;
      }
  }
  if (!library) throw Error(context + ": the " + found.family + " plugin is gone");
  const PluginCommand& command = library->command(found.command->key());

  CommandCall call;
  call.verb = found.command->verb;
  call.task = found.command->task;
  call.target = std::string(target);
  call.options_json = options.dump();
  if (found.entry) {
    call.load = [this, &call, &load_options](const std::string& overrides_json) {
      LoadResult result;
      try {
        PretrainedOptions with_command_config = load_options;
        const nlohmann::json command_config = nlohmann::json::parse(overrides_json);
        for (auto& [key, value] : command_config.items())
          if (!with_command_config.config.contains(key))
            with_command_config.config[key] = value;  // the user's win
        Pretrained loaded = load(call.target, with_command_config);
        result.report_json = loaded.info().dump();
        result.model = std::move(loaded.model);
      } catch (const std::exception& e) {
        result.error = e.what();
      }
      return result;
    };
  }
  if (on_record)
    call.emit = [&on_record](const std::string& record) {
      on_record(nlohmann::json::parse(record));
    };
  call.read_line = interaction.read_line;
  call.interrupted = interaction.interrupted;
  CommandResult result = command(call);
  if (!result.error.empty()) throw Error(result.error);
  return nlohmann::json::parse(result.result_json);
}

}  // namespace modelzoo
