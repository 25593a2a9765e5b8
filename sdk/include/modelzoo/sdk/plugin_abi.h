// The binary contract between the host and a plugin's code, seen from both
// sides. Torch-free on purpose: the host's loader includes it without pulling
// in LibTorch; Model stays an incomplete type here.
//
// After the host has read and accepted a plugin's manifest, it opens the
// shared object and looks up one Boost.DLL alias, kPluginEntrySymbol. The
// entry fills PluginExports with one factory per entrypoint and returns 0; on
// failure it returns non-zero and leaves a message in `error`. No exception
// ever crosses the entry, nor a factory, loader or command call: the SDK's
// wrappers catch everything inside the plugin and turn it into a message.
//
// SDK ABI 1.1 added, at the end of PluginExports (so a 1.0 plugin, which
// knows only the fields before them, still loads and builds models): the
// pretrained loaders and the commands, and `sdk_abi_minor`, by which the
// host tells a 1.0 plugin (which leaves it 0) from a newer one. What
// crosses is JSON text, paths and std::function, never a LibTorch type but
// the opaque Model.
//
// SDK ABI 1.2 added, at the end of CommandCall (which the host builds and
// a plugin only reads, so a 1.1 plugin, knowing only the fields before
// them, still runs its commands): `read_line` and `interrupted`, what an
// interactive command (`modelzoo chat`) needs from its host. A host never
// runs a plugin of a newer minor than its own (compatibility.h), so a 1.2
// plugin always finds them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace modelzoo {

class Model;

/// What a factory call gives back: a model, or an error message.
struct FactoryResult {
  std::shared_ptr<Model> model;
  std::string error;
};

/// Builds a model from a config (the manifest's default config with the
/// caller's overrides applied), passed as JSON text so that the plugin and
/// the host need not share one nlohmann::json build.
using ModelFactory = std::function<FactoryResult(const std::string& config_json)>;

/// What a pretrained loader or a command's load() gives back: the model (built
/// without random init, weights loaded, in eval mode), a JSON report, or an
/// error message.
struct LoadResult {
  std::shared_ptr<Model> model;
  /// From a loader: {"loaded": N, "missing": [...], "unexpected": [...],
  /// "mismatched": [...], "notes": [...]}. From a command's load(): the
  /// Hub's account of the load as well (name, variant, files, config).
  std::string report_json;
  std::string error;
};

/// Builds a model and loads its weights. The request is JSON:
///   {"name": "vision/resnet50", "config": {merged}, "base_config": {defaults and the
///    variant's config}, "overrides": {the user's}, "strict": true, "random_init": false,
///    "verbose": false, "files": [{"role": "weights", "file": "…", "path": "/abs/…"}, …]}
/// ("verbose": a strict failure names every key, not the first few of each kind.)
/// An empty file list with random_init builds an untrained model.
using PretrainedLoader = std::function<LoadResult(const std::string& request_json)>;

/// A line the host read for an interactive command (CommandCall::read_line).
struct InputLine {
  enum class Status {
    kLine,         ///< `text` holds the line, without its newline
    kEnd,          ///< end of input (Ctrl-D on a terminal, end of a pipe): no more lines
    kInterrupted,  ///< the user pressed Ctrl-C while the line was being typed
  };
  Status status = Status::kEnd;
  std::string text;
};

/// One call of a plugin command, prepared by the host.
struct CommandCall {
  std::string verb;          ///< "run", "eval", "train", …
  std::string task;          ///< the command's task ("" for task-less verbs)
  std::string target;        ///< the model name as the user gave it, or the family
  std::string options_json;  ///< the command's own options, typed, defaults applied
  /// Loads `target` the way the user asked (variant, --weights, -c overrides,
  /// --random-init, network policy, progress): the Hub's one pretrained
  /// path. `overrides_json` adds config keys of the command's own on top.
  std::function<LoadResult(const std::string& overrides_json)> load;
  /// Streams one record (a training epoch, a generated token) to the caller.
  std::function<void(const std::string& record_json)> emit;

  // --- SDK ABI 1.2 ---
  /// Shows `prompt` and reads one line of the user's input. Empty when the
  /// host has no input to give (a library host that supplies none):
  /// interactive commands then refuse, naming their one-shot options.
  std::function<InputLine(const std::string& prompt)> read_line;
  /// True once the user asked to stop what the command is doing (Ctrl-C on
  /// the CLI) since the last read_line call began: a command polls it
  /// between steps (generate()'s on_token) and stops early, keeping what
  /// it has. Empty, or always false, when the host offers no interruption.
  /// The CLI lets Ctrl-C end the process as usual until a command first
  /// polls this or reads a line: only a command that listens is spared.
  std::function<bool()> interrupted;
};

/// A command's structured result (one documented JSON shape per task) or error.
struct CommandResult {
  std::string result_json;
  std::string error;
};

using PluginCommand = std::function<CommandResult(const CommandCall& call)>;

struct PluginExports {
  /// In: the intra-op thread count the host wants LibTorch to use (0: leave
  /// as is). The plugin applies it, since the host itself does not link
  /// LibTorch. Out: everything below.
  int num_threads = 0;
  std::vector<std::pair<std::string, ModelFactory>> factories;  ///< entrypoint name → factory
  std::string error;  ///< set when the entry returns non-zero

  // --- SDK ABI 1.1 ---
  /// Set by the plugin to the SDK minor it was built with; a 1.0 plugin
  /// does not know the field and leaves it 0.
  int sdk_abi_minor = 0;
  std::vector<std::pair<std::string, PretrainedLoader>> loaders;  ///< entrypoint name → loader
  /// CommandSpec::key() ("run:image-classification", "eval") → command.
  std::vector<std::pair<std::string, PluginCommand>> commands;
};

/// Signature of the entry function behind kPluginEntrySymbol.
using PluginEntry = int(PluginExports& exports);

/// The versioned entry name: a plugin of another SDK ABI major exports
/// another name, so the lookup itself refuses it.
inline constexpr const char* kPluginEntrySymbol = "modelzoo_plugin_entry_v1";

/// Name of the ELF section that holds the manifest document.
inline constexpr const char* kManifestSection = ".modelzoo_manifest";

}  // namespace modelzoo
