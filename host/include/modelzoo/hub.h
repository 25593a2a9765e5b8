// modelzoo::Hub — the facade host apps use.
//
//   modelzoo::Hub hub;                                  // discovers plugins
//   for (auto* e : hub.list({.include = {"resnet*"}})) ...  // torch-free
//   auto pretrained = hub.load("resnet50");              // DEFAULT weights, eval mode
//   auto model = hub.create("resnet50", {{"num_classes", 10}});   // random init
//
// Constructing a Hub reads every plugin's manifest from its file (no plugin
// code runs), checks compatibility and fills the registry. Listing,
// resolving, info and help never load LibTorch. create() opens the plugin
// that provides the model (once; it stays open while any of its models
// lives) and calls its factory; that is when LibTorch enters the process.
// One bad plugin never stops the others: it is kept in plugins() with the
// reason it was refused.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/cache/progress.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/registry/registry.h"
#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/trust/plugin_verifier.h"
#include "modelzoo/trust/policy.h"

namespace modelzoo {

class Model;
class PluginLibrary;

struct HubOptions {
  /// Directories to search; nullopt means default_plugin_search_path().
  std::optional<std::vector<std::filesystem::path>> plugin_path;
  /// Directories of plugins the app marks third-party: searched after
  /// plugin_path, and `require` is their default trust mode.
  std::vector<std::filesystem::path> third_party_plugin_path;
  /// Intra-op threads for LibTorch; 0 means MODELZOO_NUM_THREADS if set,
  /// else every core (LibTorch's own default is half of them).
  int num_threads = 0;
  /// Trust mode for every plugin; nullopt applies the rules in
  /// modelzoo/trust/policy.h (env, config file, per-directory defaults).
  std::optional<trust::TrustMode> trust;
  /// Trust store directories; nullopt means TrustStore::default_directories().
  std::optional<std::vector<std::filesystem::path>> trust_store;
  /// Downgrade ledger file; nullopt means VersionLedger::default_file().
  std::optional<std::filesystem::path> version_ledger;
  /// Probe new and changed plugins in the modelzoo-scan helper process.
  bool probe = true;
  /// Time a plugin may take to load in the helper before it is blacklisted.
  std::chrono::milliseconds probe_timeout{15000};
  /// Registry cache file; nullopt means RegistryCache::default_file(), an
  /// empty path disables the cache.
  std::optional<std::filesystem::path> registry_cache;
  /// Ignore the registry cache and scan every plugin again.
  bool rescan = false;
};

/// What the host knows about one plugin file.
struct PluginInfo {
  enum class State {
    kAvailable,    ///< manifest accepted; code not loaded yet
    kLoaded,       ///< code loaded and its factories match the manifest
    kRefused,      ///< manifest unreadable, invalid or incompatible
    kFailed,       ///< manifest fine, but loading its code failed
    kBlacklisted,  ///< loading it crashed or hung the scanner
  };
  std::string path;
  State state = State::kRefused;
  std::string reason;  ///< why refused or failed; empty otherwise
  std::optional<Manifest> manifest;
  std::vector<std::string> shadowed;  ///< its entrypoints that lost to an earlier plugin
  bool third_party = false;
  trust::TrustVerdict trust;  ///< how its signature checked out
  bool from_cache = false;    ///< facts came from the registry cache
};

/// How the last discovery went, for `modelzoo plugins`.
struct ScanSummary {
  size_t plugins = 0;
  size_t from_cache = 0;     ///< entries reused from the registry cache
  size_t probed = 0;         ///< plugins loaded in the scanner
  size_t verified = 0;       ///< trust verdicts computed (not taken from the cache)
  bool cache_reset = false;  ///< the cache was absent, stale or corrupt
  std::string note;          ///< e.g. why probing was skipped
};

MODELZOO_API const char* to_string(PluginInfo::State state);

/// How Hub::load() gets a pretrained model. Not an aggregate on purpose, so
/// that `hub.load(name, {{"num_classes", 10}})` means config overrides.
struct MODELZOO_API PretrainedOptions {
  PretrainedOptions();
  /// Config overrides, applied over the entrypoint's defaults and the
  /// variant's own config (meta.config, meta.num_classes).
  nlohmann::json config = nlohmann::json::object();
  /// A local weights file or Hugging Face snapshot directory to load instead
  /// of the variant's files (the variant still lends its config and metadata).
  /// A directory stands for the variant: its files found there by name, in
  /// their roles, and its config.json's declared keys under `config`.
  std::filesystem::path weights;
  /// An untrained model with the variant's config; nothing is pulled.
  bool random_init = false;
  /// Re-hash cached files before using them (hits are checked by size
  /// otherwise: every blob was hashed when it entered the cache).
  bool verify = false;
  /// Overrides MODELZOO_OFFLINE / MODELZOO_PREFER_OFFLINE for this load.
  std::optional<cache::NetworkPolicy> network;
  /// Receives download progress; nullptr for none.
  cache::ProgressSink* progress = nullptr;
  /// Missing or unexpected keys are an error (a head for another
  /// num_classes is the family's to adapt, and is reported, not refused).
  bool strict = true;
  /// A strict load's error names every problem key; otherwise the counts
  /// and the first few of each kind (missing, unexpected, mismatched).
  bool verbose = false;
  /// The cache; nullopt means CacheConfig::from_environment().
  std::optional<cache::CacheConfig> cache;
};

/// One local file of a loaded variant.
struct PretrainedFile {
  std::string role;    ///< "weights", "tokenizer", …
  std::string file;    ///< its published name
  std::string format;  ///< the manifest's ("safetensors", "json", …); "" for a file given by path
  std::filesystem::path path;
};
/// {"role", "file", "format", "path"}: how files reach a plugin's loader.
MODELZOO_API nlohmann::json to_json(const PretrainedFile& file);

/// A model with its weights loaded, and how it came to be.
struct MODELZOO_API Pretrained {
  std::shared_ptr<Model> model;          ///< eval mode; keeps its plugin loaded
  std::string name;                      ///< family/entrypoint
  std::optional<WeightVariant> variant;  ///< whose weights (or config, for random init)
  std::vector<PretrainedFile> files;     ///< local paths, by role
  nlohmann::json config;                 ///< what the model was built with
  std::vector<InputSpec> inputs;         ///< the entrypoint's declared inputs
  /// {"loaded", "missing", "kept", "unexpected", "mismatched", "notes"}
  nlohmann::json report = nlohmann::json::object();
  bool random_init = false;
  std::string weights;  ///< the local weights file given instead, if any

  /// What load_weights adapted ("fc.*: new head for 10 classes").
  std::vector<std::string> notes() const;
  /// The local path of the first file with `role`, or "".
  std::string file(std::string_view role) const;
  /// Everything above but the model, as handed to plugin commands.
  nlohmann::json info() const;
};

/// A command a plugin declares, found for `modelzoo VERB TARGET`.
struct CommandTarget {
  const CommandSpec* command = nullptr;
  std::string family;
  const RegisteredEntrypoint* entry = nullptr;  ///< null for a family-scope command
};

/// What a host gives an interactive plugin command, besides its options
/// (CommandCall's read_line and interrupted: see plugin_abi.h). Both may be
/// empty: no input, no interruption.
struct CommandInteraction {
  /// Shows a prompt and reads one line of the user's input.
  std::function<InputLine(const std::string& prompt)> read_line;
  /// True once the user asked the command to stop (Ctrl-C) since the last
  /// read_line began.
  std::function<bool()> interrupted;
};

class MODELZOO_API Hub {
 public:
  /// A factory registered from app code; no plugin file involved.
  using LocalFactory = std::function<std::shared_ptr<Model>(const nlohmann::json& config)>;

  explicit Hub(HubOptions options = {});
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Every plugin file found, in search order, with its state.
  std::vector<PluginInfo> plugins() const;
  const ScanSummary& scan_summary() const { return scan_summary_; }

  const Registry& registry() const { return registry_; }
  /// Entrypoints matching `query`. Their specs may hold only the listing
  /// index (name, summary, variant tags; `complete` false): resolve() a
  /// name for everything else.
  std::vector<const RegisteredEntrypoint*> list(const Query& query = {}) const {
    return registry_.query(query);
  }
  /// Resolves a name to its complete spec (parsing its plugin's full
  /// manifest on first need); for a model whose plugin was refused, failed
  /// or blacklisted, the error says which plugin and why.
  Resolved resolve(std::string_view name);

  /// Registers an entrypoint from app code (like fishstick's
  /// registry.register). Throws if `family/name` is taken.
  void register_entrypoint(const std::string& family, Entrypoint spec, LocalFactory factory);

  /// The entrypoint's default config with `overrides` applied. Every
  /// override key must exist in the defaults with a value of the same JSON
  /// type; otherwise modelzoo::Error names the key (and the closest one).
  static nlohmann::json merge_config(const RegisteredEntrypoint& entry,
                                     const nlohmann::json& overrides);

  /// The config a model of `entry` is built with: the defaults, then the
  /// variant's own config (meta.config, and meta.num_classes where the
  /// entrypoint has that key, as torchvision's builders do), then the
  /// user's overrides, checked as merge_config checks them. The one rule
  /// for every family.
  static nlohmann::json config_for(const RegisteredEntrypoint& entry, const WeightVariant* variant,
                                   const nlohmann::json& overrides);

  /// Builds a randomly initialised model of `name` ([family/]entrypoint[.TAG];
  /// with a tag, the variant's config). Loads the providing plugin on first
  /// use. Throws modelzoo::Error.
  std::shared_ptr<Model> create(std::string_view name,
                                const nlohmann::json& overrides = nlohmann::json::object());

  /// A pretrained model in one call, like torchvision's get_model(name,
  /// weights="DEFAULT"): resolves `name` ([family/]entrypoint[.TAG]; the
  /// DEFAULT variant without a tag) once, applies config_for(), pulls every
  /// file of the variant through the cache (mirrors, checksums, network
  /// policy), builds without random init, loads through the model's own
  /// load_weights and puts it in eval mode. Throws modelzoo::Error naming
  /// the model and, for a file, the file.
  Pretrained load(std::string_view name, const PretrainedOptions& options);
  Pretrained load(std::string_view name,
                  const nlohmann::json& overrides = nlohmann::json::object());

  /// The command `modelzoo VERB TARGET` runs: for a model (`run`, `eval`,
  /// …), the one its plugin declares for its task; for a family (`train
  /// lut`), the family's. Reads manifests only. Throws modelzoo::Error
  /// saying what exists instead.
  CommandTarget find_command(std::string_view verb, std::string_view target);

  /// Runs a plugin command: loads the plugin, hands it `options` (typed as
  /// the manifest declares them), a load() that is this Hub's load() of the
  /// target with `load_options`, and `on_record` for streamed records.
  /// Returns the command's result. Throws modelzoo::Error. `interaction`
  /// is what an interactive command reads (`modelzoo chat`): lines of
  /// input and an interruption flag; without it such a command refuses
  /// to converse and asks for its one-shot options.
  nlohmann::json run_command(std::string_view verb, std::string_view target,
                             const nlohmann::json& options,
                             const PretrainedOptions& load_options = {},
                             std::function<void(const nlohmann::json&)> on_record = {},
                             const CommandInteraction& interaction = {});

  /// The intra-op thread count models built here run with.
  int num_threads() const { return num_threads_; }

 private:
  struct PluginSlot;
  class Discovery;
  std::shared_ptr<PluginLibrary> load_plugin(PluginSlot& slot);
  std::shared_ptr<PluginLibrary> library_of(const RegisteredEntrypoint& entry,
                                            const std::string& context);
  std::vector<PretrainedFile> pull_files(const RegisteredEntrypoint& entry,
                                         const WeightVariant& variant,
                                         const PretrainedOptions& options);
  const trust::TrustStore& trust_store();
  void complete_manifest(PluginSlot& slot);
  trust::VersionLedger& version_ledger();

  HubOptions options_;
  int num_threads_ = 1;
  ScanSummary scan_summary_;
  Registry registry_;
  std::vector<std::unique_ptr<PluginSlot>> plugins_;
  std::vector<std::pair<std::string, LocalFactory>> local_factories_;  // by qualified name
  std::unique_ptr<trust::TrustStore> trust_store_;                     // loaded on first need
  std::unique_ptr<trust::VersionLedger> ledger_;                       // loaded on first need
  mutable std::mutex mutex_;  // guards lazy loading and plugin states
};

}  // namespace modelzoo
