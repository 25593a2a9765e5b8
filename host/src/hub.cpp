#include "modelzoo/hub.h"

#include "plugin_slot.h"
#include "shipped_files.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

#include "log.h"

#include "modelzoo/host/compatibility.h"
#include "modelzoo/host/discovery.h"
#include "modelzoo/host/elf_section.h"
#include "modelzoo/host/plugin_library.h"
#include "modelzoo/host/registry_cache.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/trust/crypto.h"
#include "modelzoo/trust/statement.h"

namespace modelzoo {
const char* to_string(PluginInfo::State state) {
  switch (state) {
    case PluginInfo::State::kAvailable:
      return "ok";
    case PluginInfo::State::kLoaded:
      return "loaded";
    case PluginInfo::State::kRefused:
      return "refused";
    case PluginInfo::State::kFailed:
      return "failed";
    case PluginInfo::State::kBlacklisted:
      return "blacklisted";
  }
  return "unknown";
}

const trust::TrustStore& Hub::trust_store() {
  if (!trust_store_) {
    trust_store_ = std::make_unique<trust::TrustStore>(trust::TrustStore::load(
        options_.trust_store ? *options_.trust_store : trust::TrustStore::default_directories()));
    for (const auto& problem : trust_store_->problems()) log_warning(problem);
  }
  return *trust_store_;
}

trust::VersionLedger& Hub::version_ledger() {
  if (!ledger_)
    ledger_ = std::make_unique<trust::VersionLedger>(
        options_.version_ledger ? *options_.version_ledger : trust::VersionLedger::default_file());
  return *ledger_;
}

Hub::~Hub() = default;

std::shared_ptr<Model> tie_to_library(std::shared_ptr<PluginLibrary> library,
                                      std::shared_ptr<Model> model) {
  // Members are destroyed in reverse order: the model goes before the
  // library that holds its code.
  struct ModelWithLibrary {
    std::shared_ptr<PluginLibrary> library;
    std::shared_ptr<Model> model;
  };
  auto holder =
      std::make_shared<ModelWithLibrary>(ModelWithLibrary{std::move(library), std::move(model)});
  return std::shared_ptr<Model>(holder, holder->model.get());
}

std::string read_discovered_manifest(const OpenFile& file, const std::string& manifest_sha256) {
  std::string text = read_elf_section(file.fd(), kManifestSection);
  if (trust::sha256_hex(text) != manifest_sha256)
    throw Error("the file changed since it was discovered; run again");
  return text;
}

void Hub::complete_manifest(PluginSlot& slot) {
  // Called with mutex_ held.
  if (!slot.info.manifest || slot.info.manifest->complete) return;
  Manifest full;
  try {
    // The copy discovery kept beside the registry cache is the manifest
    // with the digest discovery recorded for this file's stamp; reading it
    // spares libelf and libcrypto (`info` and `help` load neither).
    const std::filesystem::path cache_file =
        options_.registry_cache ? *options_.registry_cache : RegistryCache::default_file();
    std::optional<std::string> text =
        RegistryCache::kept_manifest(cache_file, slot.manifest_sha256);
    if (!text) {
      text = read_discovered_manifest(OpenFile(slot.info.path), slot.manifest_sha256);
      RegistryCache::keep_manifest(cache_file, slot.manifest_sha256, *text);
    }
    full = parse_manifest_document(*text);
    resolve_shipped_files(full, slot.info.path);
  } catch (const std::exception& e) {
    throw Error("plugin '" + slot.info.path + "': " + e.what());
  }
  for (const auto& e : full.entrypoints)
    registry_.complete_spec(full.family + "/" + e.name, slot.info.path, e);
  slot.info.manifest = std::move(full);
}

Resolved Hub::resolve(std::string_view name) {
  try {
    Resolved r = registry_.resolve(name);
    if (!r.entry->complete) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& slot : plugins_)
          if (slot->info.path == r.entry->provider) complete_manifest(*slot);
      }
      r = registry_.resolve(name);
    }
    return r;
  } catch (const Error&) {
    // Not registered: maybe a plugin that declares it was left out. The
    // name is NAME or NAME.TAG (see Registry::resolve), so both are tried.
    const std::string whole(name);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& base : {whole, whole.substr(0, whole.rfind('.'))}) {
      const auto slash = base.find('/');
      const std::string family = slash == std::string::npos ? "" : base.substr(0, slash);
      const std::string entry = slash == std::string::npos ? base : base.substr(slash + 1);
      for (const auto& slot : plugins_) {
        const auto& m = slot->info.manifest;
        if (!m || slot->info.state == PluginInfo::State::kAvailable ||
            slot->info.state == PluginInfo::State::kLoaded ||
            (!family.empty() && m->family != family))
          continue;
        for (const auto& e : m->entrypoints)
          if (e.name == entry)
            throw Error("'" + m->family + "/" + entry + "' is provided by plugin '" +
                        slot->info.path + "', which is " + to_string(slot->info.state) + ": " +
                        slot->info.reason);
      }
    }
    throw;
  }
}

std::vector<PluginInfo> Hub::plugins() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<PluginInfo> out;
  for (const auto& slot : plugins_) out.push_back(slot->info);
  return out;
}

void Hub::register_entrypoint(const std::string& family, Entrypoint spec, LocalFactory factory) {
  if (!factory) throw Error("registering " + family + "/" + spec.name + ": no factory given");
  // Validate the same way a manifest is validated.
  Entrypoint checked = parse_entrypoint(to_json(spec), family + "/" + spec.name);
  RegisteredEntrypoint entry{family, std::move(checked), kRuntimeProvider, "", ""};
  const std::string key = entry.qualified_name();
  std::lock_guard<std::mutex> lock(mutex_);
  if (const auto* existing = registry_.find(key))
    throw Error("cannot register " + key + ": already provided by " + existing->provider);
  registry_.add(std::move(entry));
  local_factories_.emplace_back(key, std::move(factory));
}

namespace {

// Applies `overrides` to `config`: every key must exist there with a value
// of the same JSON kind, or the error names the key and the closest one.
nlohmann::json merged(nlohmann::json config, const nlohmann::json& overrides,
                      const std::string& model) {
  if (overrides.is_null()) return config;
  if (!overrides.is_object()) throw Error("config overrides must be a JSON object");
  for (auto it = overrides.begin(); it != overrides.end(); ++it) {
    auto current = config.find(it.key());
    if (current == config.end()) {
      std::string best;
      size_t best_distance = SIZE_MAX;
      for (auto k = config.begin(); k != config.end(); ++k) {
        const size_t d = edit_distance(it.key(), k.key());
        if (d < best_distance) best_distance = d, best = k.key();
      }
      std::string hint = !best.empty() && best_distance <= 3 ? "did you mean '" + best + "'? " : "";
      std::string keys;
      for (auto k = config.begin(); k != config.end(); ++k)
        keys += (keys.empty() ? "" : ", ") + k.key();
      throw Error("unknown config key '" + it.key() + "' for " + model + "; " + hint +
                  "known keys: " + (keys.empty() ? "(none)" : keys));
    }
    if (!config_value_fits(*current, it.value()))
      throw Error("config key '" + it.key() + "' of " + model + " takes " +
                  config_type_name(*current) + " (got " + it.value().dump() + ")");
    *current = it.value();
  }
  return config;
}

}  // namespace

nlohmann::json Hub::merge_config(const RegisteredEntrypoint& entry,
                                 const nlohmann::json& overrides) {
  return merged(entry.spec.config, overrides, entry.qualified_name());
}

nlohmann::json Hub::config_for(const RegisteredEntrypoint& entry, const WeightVariant* variant,
                               const nlohmann::json& overrides) {
  nlohmann::json config = entry.spec.config;
  if (variant) {
    // The checkpoint's own structure (a ViT's image_size, an earlier LUT
    // recipe), as torchvision's builders overwrite num_classes from the
    // weights' metadata; keys the entrypoint lacks are the variant's error.
    const std::string where = entry.qualified_name() + "." + variant->tag + " (meta.config)";
    if (const nlohmann::json* own = variant->meta_value("config"))
      config = merged(std::move(config), *own, where);
    if (const nlohmann::json* classes = variant->meta_value("num_classes");
        classes && config.contains("num_classes"))
      config["num_classes"] = *classes;
  }
  return merged(std::move(config), overrides, entry.qualified_name());
}

std::shared_ptr<PluginLibrary> Hub::load_plugin(PluginSlot& slot) {
  // Called with mutex_ held.
  if (slot.library) return slot.library;
  if (slot.info.state == PluginInfo::State::kFailed)
    throw Error("plugin '" + slot.info.path + "' failed to load earlier: " + slot.info.reason);
  if (slot.info.state != PluginInfo::State::kAvailable)
    throw Error("plugin '" + slot.info.path + "' is " + to_string(slot.info.state) + ": " +
                slot.info.reason);
  try {
    // Check again on the descriptor that is loaded: the file may have
    // changed since discovery.
    OpenFile opened(slot.info.path);
    read_discovered_manifest(opened, slot.manifest_sha256);
    // In every trust mode: the bytes loaded are the bytes that were
    // load-tested (and verified), or nothing is loaded.
    const trust::PluginFileFacts facts = facts_of(opened, slot.info.path, slot.manifest_sha256);
    if (facts.sha256 != slot.sha256)
      throw Error("the file changed since discovery tested it (SHA-256 " +
                  facts.sha256.substr(0, 16) + "…, tested " + slot.sha256.substr(0, 16) +
                  "…); it is tested again at the next start");
    if (slot.info.trust.mode != trust::TrustMode::kOff) {
      const auto verdict =
          trust::verify_plugin(facts, *slot.info.manifest, trust_store(), &version_ledger(),
                               slot.info.trust.mode, trust::today_utc());
      if (!verdict.allowed) throw Error("trust: " + verdict.detail);
      if (verdict.warn) log_warning("loading plugin '" + slot.info.path + "': " + verdict.detail);
    }
    slot.library =
        PluginLibrary::open(opened.release(), slot.info.path, *slot.info.manifest, num_threads_);
    slot.info.state = PluginInfo::State::kLoaded;
  } catch (const std::exception& e) {
    slot.info.state = PluginInfo::State::kFailed;
    slot.info.reason = e.what();
    throw Error("plugin '" + slot.info.path + "': " + e.what());
  }
  return slot.library;
}

std::shared_ptr<PluginLibrary> Hub::library_of(const RegisteredEntrypoint& entry,
                                               const std::string& context) {
  std::shared_ptr<PluginLibrary> library;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& slot : plugins_)
      if (slot->info.path == entry.provider) library = load_plugin(*slot);
  }
  if (!library) throw Error(context + ": its plugin '" + entry.provider + "' is gone");
  return library;
}

std::shared_ptr<Model> Hub::create(std::string_view name, const nlohmann::json& overrides) {
  const Resolved resolved = resolve(name);
  const RegisteredEntrypoint& entry = *resolved.entry;
  const std::string context = "building " + entry.qualified_name();
  nlohmann::json config;
  try {
    config = config_for(entry, resolved.variant, overrides);
  } catch (...) {
    rethrow_with_context(context);
  }

  if (entry.provider == kRuntimeProvider) {
    LocalFactory factory;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& [key, f] : local_factories_)
        if (key == entry.qualified_name()) factory = f;
    }
    // The host does not link LibTorch; the app that registered a factory
    // does, through modelzoo::torch, which exports this setter.
    using SetThreads = void (*)(int);
    if (auto set_threads =
            reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "modelzoo_set_intra_op_threads")))
      set_threads(num_threads_);
    std::shared_ptr<Model> model;
    try {
      model = factory(config);
    } catch (...) {
      rethrow_with_context(context);
    }
    if (!model) throw Error(context + ": the registered factory returned no model");
    return model;
  }

  const std::shared_ptr<PluginLibrary> library = library_of(entry, context);
  FactoryResult result = library->factory(entry.spec.name)(config.dump());
  if (!result.model) throw Error(context + ": " + result.error);
  return tie_to_library(std::move(library), std::move(result.model));
}

}  // namespace modelzoo
