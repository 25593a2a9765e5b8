// `modelzoo VERB TARGET [options]` for every verb a plugin declares (run,
// eval, train, chat, …): commands that plugins provide. The verbs
// themselves are the manifests' (is_plugin_verb). The target's manifest
// declares the command and its options, so
// this torch-free binary builds the command line (and `--help`) from it,
// parses and types the options, and hands them to the plugin as JSON
// through Hub::run_command — only then is the plugin, and with it
// LibTorch, loaded. The CLI knows no family: every verb and option beyond
// the common ones below comes from a manifest.
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "command.h"
#include "modelzoo/cache/progress.h"
#include "modelzoo/sdk/error.h"
#include "result_printer.h"
#include "table.h"
#include "terminal_input.h"

namespace modelzoo::cli {
namespace {

using nlohmann::json;

/// The options every model-scope command has; the Hub applies them.
struct CommonOptions {
  std::vector<std::string> configs;
  std::string weights;
  bool random_init = false;
  bool verify = false;
  bool offline = false;
  bool verbose = false;
  int threads = 0;
  bool json = false;
};

void add_common_options(CLI::App& app, CommonOptions& o, bool model_scope) {
  if (model_scope) {
    app.add_option("-c,--config", o.configs, "Config override KEY=VALUE (repeatable)");
    app.add_option("--weights", o.weights,
                   "A local weights file or Hugging Face snapshot directory instead of the "
                   "variant's files");
    app.add_flag("--random-init", o.random_init, "An untrained model (no weights)");
    app.add_flag("--verify", o.verify, "Re-hash cached files before using them");
    app.add_flag("--offline", o.offline, "Never use the network (MODELZOO_OFFLINE=1)");
    app.add_flag("--verbose", o.verbose,
                 "Errors in full: a checkpoint that does not fit names every key");
  }
  app.add_option("--threads", o.threads, "Intra-op threads (default: all cores)");
  app.add_flag("--json", o.json, "Machine-readable JSON output");
}

// One manifest option on the command line; its value is read back typed.
struct DeclaredOption {
  const CommandOption* spec;
  CLI::Option* option;
};

CLI::Option* add_declared(CLI::App& app, const CommandOption& o) {
  std::string names = o.positional ? o.name : "--" + o.name;
  if (!o.short_name.empty()) names = "-" + o.short_name + "," + names;
  CLI::Option* option = nullptr;
  if (o.type == CommandOption::Type::kBool) {
    option = app.add_flag(names, o.help);
  } else {
    option = app.add_option(names, o.help);
    option->type_name(o.type == CommandOption::Type::kInt      ? "INT"
                      : o.type == CommandOption::Type::kNumber ? "NUMBER"
                      : o.type == CommandOption::Type::kPath   ? "PATH"
                                                               : "TEXT");
    if (o.multiple) option->expected(1, CLI::detail::expected_max_vector_size)->allow_extra_args();
    if (!o.choices.empty()) option->check(CLI::IsMember(o.choices));
  }
  if (o.required) option->required();
  if (!o.default_value.is_null() && o.type != CommandOption::Type::kBool)
    option->default_str(o.default_value.is_string() ? o.default_value.get<std::string>()
                                                    : o.default_value.dump());
  return option;
}

json value_of(const DeclaredOption& d) {
  const CommandOption& o = *d.spec;
  if (o.type == CommandOption::Type::kBool) return d.option->count() > 0;
  if (d.option->count() == 0) return o.default_value;
  auto one = [&](const std::string& text) -> json {
    if (o.type != CommandOption::Type::kInt && o.type != CommandOption::Type::kNumber) return text;
    const bool integer = o.type == CommandOption::Type::kInt;
    size_t used = 0;
    try {
      json value = integer ? json(std::stoll(text, &used)) : json(std::stod(text, &used));
      if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    throw Error((o.positional ? o.name : "--" + o.name) + " takes " +
                (integer ? "an integer" : "a number") + " (got '" + text + "')");
  };
  const auto texts = d.option->as<std::vector<std::string>>();
  if (!o.multiple) return one(texts.back());
  json values = json::array();
  for (const auto& t : texts) values.push_back(one(t));
  return values;
}

// `modelzoo run --help` (no target): what the installed plugins offer.
void print_verb_help(Hub& hub, const std::string& verb) {
  std::cout << "Usage: modelzoo " << verb << " TARGET [options]   (modelzoo " << verb
            << " TARGET --help for its options)\n\n";
  Table table({"FAMILY", "SCOPE", "TASK", "SUMMARY"});
  for (const auto& plugin : hub.plugins()) {
    if (!plugin.manifest || (plugin.state != PluginInfo::State::kAvailable &&
                             plugin.state != PluginInfo::State::kLoaded))
      continue;
    for (const auto& c : plugin.manifest->commands)
      if (c.verb == verb)
        table.add_row({plugin.manifest->family,
                       c.scope == CommandSpec::Scope::kModel ? "model" : "family",
                       c.task.empty() ? "-" : c.task, c.summary});
  }
  if (table.empty()) {
    std::cout << "No installed plugin provides `" << verb << "`.\n";
    return;
  }
  table.print(std::cout);
}

// Index of the command's target among `args`: the first word that is not an
// option or the value of a common option taking one.
std::optional<size_t> target_index(const std::vector<std::string>& args) {
  static const std::set<std::string> kTakesValue = {"-c", "--config", "--weights", "--threads"};
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].empty() || args[i][0] != '-') return i;
    if (kTakesValue.count(args[i]) && args[i].find('=') == std::string::npos) ++i;
  }
  return std::nullopt;
}

// --threads must be known before the Hub loads a plugin, which is when
// LibTorch's thread count is set.
}  // namespace

int plugin_command_threads(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--threads" && i + 1 < args.size()) return std::atoi(args[i + 1].c_str());
    if (args[i].rfind("--threads=", 0) == 0) return std::atoi(args[i].c_str() + 10);
  }
  return 0;
}

namespace {

int run_command_line(Context& context, const std::string& verb, std::vector<std::string> args,
                     bool json_output) {
  const auto target_at = target_index(args);
  if (!target_at) {
    const bool help = std::any_of(args.begin(), args.end(),
                                  [](const std::string& a) { return a == "--help" || a == "-h"; });
    if (!help) {
      std::cerr << "modelzoo: error: `modelzoo " << verb << "` needs a TARGET (a model, or a "
                << "family for family commands); see `modelzoo " << verb << " --help`\n";
      return 2;
    }
    print_verb_help(context.hub(), verb);
    return 0;
  }
  const std::string target = args[*target_at];
  args.erase(args.begin() + static_cast<std::ptrdiff_t>(*target_at));

  const CommandTarget found = context.hub().find_command(verb, target);
  const CommandSpec& spec = *found.command;
  const bool model_scope = spec.scope == CommandSpec::Scope::kModel;
  CLI::App app{spec.summary + " (" + found.family + " plugin)", "modelzoo " + verb + " " + target};
  CommonOptions common;
  common.json = json_output;
  add_common_options(app, common, model_scope);
  std::vector<DeclaredOption> declared;
  for (const auto& o : spec.options) declared.push_back({&o, add_declared(app, o)});
  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  json options = json::object();
  for (const auto& d : declared) {
    json value = value_of(d);
    if (!value.is_null()) options[d.spec->json_key()] = std::move(value);
  }
  if (common.random_init && !common.weights.empty())
    throw Error("--random-init and --weights exclude each other");
  PretrainedOptions load;
  load.config = parse_overrides(common.configs);
  load.weights = common.weights;
  load.random_init = common.random_init;
  load.verify = common.verify;
  load.verbose = common.verbose;
  if (common.offline) load.network = cache::NetworkPolicy::offline;
  std::unique_ptr<cache::ProgressSink> progress;
  if (!common.json && isatty(STDERR_FILENO))
    progress = std::make_unique<cache::TerminalProgressBar>(stderr);
  load.progress = progress.get();

  const bool as_json = common.json;
  std::set<std::string> streamed;  // result keys whose text was printed as it came
  TerminalInput input(/*prompt_to_stderr=*/as_json);  // Ctrl-C and lines, while the command runs
  json result = context.hub().run_command(
      verb, target, options, load,
      [as_json, &streamed](const json& record) {
        if (print_note_record(record, std::cerr)) return;  // for the reader, in either format
        if (print_stream_record(record, as_json, std::cout, streamed)) return;
        if (as_json)
          std::cout << record.dump() << std::endl;
        else
          print_record(record, std::cout);
      },
      input.interaction());
  if (as_json) {
    std::cout << result.dump(2) << '\n';
    return 0;
  }
  if (!streamed.empty()) std::cout << '\n';  // the stream ends its line here
  for (const auto& key : streamed)
    if (result.is_object()) result.erase(key);
  print_result(result, std::cout, std::cerr);
  return 0;
}

}  // namespace

// verb → the tasks (or families, for family-scope commands) that offer it,
// over the installed plugins that can run.
std::map<std::string, std::set<std::string>> plugin_verbs(Hub& hub) {
  std::map<std::string, std::set<std::string>> verbs;
  for (const auto& plugin : hub.plugins()) {
    if (!plugin.manifest || (plugin.state != PluginInfo::State::kAvailable &&
                             plugin.state != PluginInfo::State::kLoaded))
      continue;
    for (const auto& c : plugin.manifest->commands)
      verbs[c.verb].insert(c.scope == CommandSpec::Scope::kFamily ? plugin.manifest->family
                           : c.task.empty()                       ? std::string("models")
                                                                  : c.task);
  }
  return verbs;
}

void add_plugin_command_help(CLI::App& app, Context& context) {
  try {
    for (const auto& [verb, offered] : plugin_verbs(context.hub())) {
      std::string what;
      for (const auto& o : offered) what += (what.empty() ? "" : ", ") + o;
      app.add_subcommand(
          verb, "A plugin command, for " + what + " (modelzoo " + verb + " TARGET --help)");
    }
  } catch (const std::exception& e) {
    // Help must come out even when discovery cannot run; say why verbs are missing.
    std::cerr << "modelzoo: warning: plugin commands not listed: " << e.what() << '\n';
  }
}

bool is_plugin_verb(Context& context, const std::string& word) {
  return plugin_verbs(context.hub()).count(word) > 0;
}

int run_plugin_command(Context& context, const std::string& verb, std::vector<std::string> args,
                       bool json) {
  try {
    return run_command_line(context, verb, std::move(args), json);
  } catch (const std::exception& e) {
    std::cerr << "modelzoo: error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace modelzoo::cli
