// What a plugin's commands see: their options, the model they run on, and a
// way to stream records back. A command is registered beside the factories
// (plugin.h) and declared, with its options, in the manifest:
//
//   registrar.add_command("run", "text-generation", [](modelzoo::CommandContext& ctx) {
//     auto loaded = ctx.load();                       // the Hub's one pretrained path
//     const auto prompt = ctx.options().at("prompt").get<std::string>();
//     ...
//     return nlohmann::json{{"task", "text-generation"}, {"text", generated}};
//   });
//
// The host has parsed and typed the options from the manifest's
// declaration (defaults applied, '-' in names turned into '_'), so a
// command reads them as JSON. It returns its result as JSON, in the shape
// documented for its task (docs/commands.md); the CLI prints it as a table
// or, with --json, as is.
//
// An interactive command (`modelzoo chat`) also reads lines of input and
// polls for Ctrl-C through the context; both come from the host and may be
// absent (has_input()).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/model.h"
#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/plugin_abi.h"

namespace modelzoo {

/// A model loaded for a command, and the Hub's account of how.
struct LoadedModel {
  std::shared_ptr<Model> model;
  /// {"name": "family/entry", "variant": "TAG" or null, "meta": {variant meta},
  ///  "files": [{"role", "file", "path"}], "config": {...}, "notes": [...],
  ///  "random_init": bool, "weights": path or null}
  nlohmann::json info;

  /// The variant's metadata (empty object without a variant).
  MODELZOO_API const nlohmann::json& meta() const;
  /// The local path of the first file with `role`, or "" when there is none.
  MODELZOO_API std::string file(const std::string& role) const;
  /// The tag of the variant the user named (or DEFAULT's), whose config the
  /// model was built with, even under random init or a local weights file
  /// (info["weights"] then says where the values came from); "" without one.
  MODELZOO_API std::string variant() const;
  /// What the load adapted ("fc: new head for 10 classes").
  MODELZOO_API std::vector<std::string> notes() const;
};

class MODELZOO_API CommandContext {
 public:
  explicit CommandContext(const CommandCall& call);

  const std::string& verb() const { return call_.verb; }
  const std::string& task() const { return call_.task; }
  /// The model name as the user gave it (with its tag), or the family.
  const std::string& target() const { return call_.target; }
  const nlohmann::json& options() const { return options_; }

  /// Loads the target as the user asked; `overrides` adds config keys.
  /// Throws modelzoo::Error with the Hub's message.
  LoadedModel load(const nlohmann::json& overrides = nlohmann::json::object()) const;
  /// Streams a record to the caller (printed as it comes).
  void emit(const nlohmann::json& record) const;

  /// True when the host gives lines of input: an interactive command
  /// converses only then (the CLI reads the terminal, or a pipe).
  bool has_input() const { return static_cast<bool>(call_.read_line); }
  /// Shows `prompt` and reads one line of the user's input (Status::kEnd
  /// when the host gives none).
  InputLine read_line(const std::string& prompt) const;
  /// True once the user asked to stop (Ctrl-C) since the last read_line
  /// began; poll it between steps and stop early, keeping what is done.
  /// False when the host offers no interruption.
  bool interrupted() const;

 private:
  const CommandCall& call_;
  nlohmann::json options_;
};

/// The SDK's pretrained loader, used for every factory a plugin registers
/// unless it registers its own: builds under SkipInit (or with random init
/// when the request says so), loads the files of role weights (one file, a
/// sharded index with its shards, or a snapshot directory) through the
/// model's own load_weights, and puts the model in eval mode.
MODELZOO_API LoadResult
load_pretrained(const std::function<std::shared_ptr<Model>(const nlohmann::json&)>& factory,
                const nlohmann::json& request);

/// The weights of a load request's files: its files of role "weights" —
/// one file, a snapshot directory, or shards with or without their
/// safetensors index — else an error.
MODELZOO_API Weights weights_of_files(const nlohmann::json& files);

/// A LoadReport as the JSON a loader returns.
MODELZOO_API nlohmann::json to_json(const LoadReport& report);

}  // namespace modelzoo
