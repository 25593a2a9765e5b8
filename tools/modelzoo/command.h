// How the CLI's subcommands plug into main(): each command file defines one
// add_*_command() that declares its options with CLI11 and sets a callback.
// Callbacks throw modelzoo::Error for user errors (exit code 1).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>

#include "modelzoo/hub.h"

namespace modelzoo::cli {

/// State shared by the commands of one invocation.
struct Context {
  bool json = false;       ///< --json: machine-readable output on stdout
  HubOptions hub_options;  ///< commands may adjust these before hub()
  /// The Hub, constructed on first use (discovery reads every manifest).
  Hub& hub() {
    if (!hub_) hub_ = std::make_unique<Hub>(hub_options);
    return *hub_;
  }

 private:
  std::unique_ptr<Hub> hub_;
};

void add_plugins_command(CLI::App& app, Context& context);
void add_list_command(CLI::App& app, Context& context);
void add_info_command(CLI::App& app, Context& context);
void add_help_command(CLI::App& app, Context& context);
void add_model_commands(CLI::App& app, Context& context);
void add_trust_commands(CLI::App& app, Context& context);
void add_cache_commands(CLI::App& app, Context& context);
void add_weights_commands(CLI::App& app, Context& context);
/// `modelzoo completion bash|zsh` (completion_command.cpp).
void add_completion_command(CLI::App& app, Context& context);
/// `modelzoo __complete WORD…`, which the completion scripts call: prints
/// the candidates for the last word, given the ones before it; returns the
/// exit code (0, also when there are none).
int complete_command_line(CLI::App& app, Context& context, std::vector<std::string> words);
/// Placeholders that list the plugins' verbs (from their manifests) in
/// `modelzoo --help`; main() hands those verbs to run_plugin_command
/// before CLI11 parses anything.
void add_plugin_command_help(CLI::App& app, Context& context);

/// True for a verb some installed plugin's manifest declares (run, eval,
/// train, chat, …). Reads the manifests (discovery), never plugin code.
bool is_plugin_verb(Context& context, const std::string& word);
/// The --threads a plugin command's arguments ask for (0: none): it must
/// be set in context.hub_options before the Hub exists.
int plugin_command_threads(const std::vector<std::string>& args);
/// `modelzoo VERB ARGS…` through the target's plugin (plugin_commands.cpp);
/// returns the exit code.
int run_plugin_command(Context& context, const std::string& verb, std::vector<std::string> args,
                       bool json);

/// Runs `command` in libmodelzoo_model_commands.so (loaded on demand, with
/// LibTorch); returns its exit code.
int run_in_model_library(const std::string& command, const nlohmann::json& args);
/// `-c KEY=VALUE` assignments as a JSON object (values parsed as JSON when they are).
nlohmann::json parse_overrides(const std::vector<std::string>& assignments);

}  // namespace modelzoo::cli
