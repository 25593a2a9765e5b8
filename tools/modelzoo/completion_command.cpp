// `modelzoo completion bash|zsh`: a shell completion script, and
// `modelzoo __complete WORD…`, which the script calls at every <Tab> with
// the words typed so far (the last one being completed) and which prints
// the candidates, one a line. It answers from what `list` reads — the
// registry cache's listing index — and from the CLI's own command tree, so
// a <Tab> costs what a warm `modelzoo list` does and never loads a plugin:
// verbs (the CLI's and the plugins'), sub-commands, options (a plugin
// command's from its manifest), entrypoint names and NAME.TAG variants.
#include <iostream>
#include <set>

#include "command.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::cli {
namespace {

// `complete -o default`: when modelzoo offers nothing (a file argument),
// bash completes file names.
constexpr const char* kBashScript =
    R"(# modelzoo completion for bash: source <(modelzoo completion bash)
_modelzoo() {
  local IFS=$'\n'
  COMPREPLY=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _modelzoo modelzoo
)";

constexpr const char* kZshScript = R"(#compdef modelzoo
# modelzoo completion for zsh: source <(modelzoo completion zsh), after compinit
_modelzoo() {
  local -a candidates
  candidates=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n "${candidates[1]}" ]]; then
    compadd -- "${candidates[@]}"
  else
    _files
  fi
}
compdef _modelzoo modelzoo
)";

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The options of `app` as typed: --long and -s names, and --help.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names = {"--help"};
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) continue;
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
  }
  return names;
}

// A positional that names models is described as such ("[family/]entrypoint",
// list's "patterns on name or family/name").
bool takes_model_names(const CLI::App& app) {
  for (const CLI::Option* o : app.get_options()) {
    if (!o->get_positional()) continue;
    const std::string& text = o->get_description();
    if (text.find("entrypoint") != std::string::npos ||
        text.find("family/name") != std::string::npos)
      return true;
  }
  return false;
}

// Entrypoint names: family/name and name; after a NAME. its variants' tags.
std::vector<std::string> model_names(Hub& hub, const std::string& current) {
  std::vector<std::string> names;
  for (const auto* e : hub.list()) {
    for (const std::string& name : {e->qualified_name(), e->spec.name}) {
      names.push_back(name);
      if (!starts_with(current, name + ".")) continue;
      if (!e->spec.variants.empty()) names.push_back(name + ".DEFAULT");
      for (const auto& v : e->spec.variants) names.push_back(name + "." + v.tag);
    }
  }
  return names;
}

// Plugin verbs and, for one, the targets that offer it.
std::set<std::string> plugin_verbs(Hub& hub) {
  std::set<std::string> verbs;
  for (const auto& plugin : hub.plugins())
    if (plugin.manifest && (plugin.state == PluginInfo::State::kAvailable ||
                            plugin.state == PluginInfo::State::kLoaded))
      for (const auto& c : plugin.manifest->commands) verbs.insert(c.verb);
  return verbs;
}

std::vector<std::string> verb_targets(Hub& hub, const std::string& verb) {
  std::vector<std::string> targets;
  for (const auto& plugin : hub.plugins()) {
    if (!plugin.manifest || (plugin.state != PluginInfo::State::kAvailable &&
                             plugin.state != PluginInfo::State::kLoaded))
      continue;
    const Manifest& m = *plugin.manifest;
    for (const auto& c : m.commands) {
      if (c.verb != verb) continue;
      if (c.scope == CommandSpec::Scope::kFamily) {
        targets.push_back(m.family);
        continue;
      }
      for (const auto& e : m.entrypoints)
        if (m.find_command(verb, &e) == &c) {
          targets.push_back(m.family + "/" + e.name);
          targets.push_back(e.name);
        }
    }
  }
  return targets;
}

// A plugin command's options: the common ones and its manifest's.
std::vector<std::string> plugin_command_options(Hub& hub, const std::string& verb,
                                                const std::string& target) {
  std::vector<std::string> names = {"--help", "--threads", "--json"};
  const CommandTarget found = hub.find_command(verb, target);
  if (found.command->scope == CommandSpec::Scope::kModel)
    names.insert(names.end(), {"-c", "--config", "--weights", "--random-init", "--verify",
                               "--offline", "--verbose"});
  for (const auto& o : found.command->options) {
    if (o.positional) continue;
    names.push_back("--" + o.name);
    if (!o.short_name.empty()) names.push_back("-" + o.short_name);
  }
  return names;
}

std::vector<std::string> candidates(CLI::App& app, Context& context,
                                    const std::vector<std::string>& typed,
                                    const std::string& current) {
  // The words before the current one: the verb, its sub-commands, and for
  // a plugin verb its target.
  CLI::App* at = &app;
  std::string plugin_verb;
  std::string target;
  bool past_verb = false;
  for (const auto& word : typed) {
    if (word.empty() || word[0] == '-') continue;
    if (!plugin_verb.empty()) {
      if (target.empty()) target = word;
      continue;
    }
    CLI::App* sub = nullptr;
    for (CLI::App* s : at->get_subcommands([](CLI::App*) { return true; }))
      if (s->check_name(word)) sub = s;
    if (sub) {
      at = sub;
      past_verb = true;
    } else if (!past_verb) {
      plugin_verb = word;
    }
  }
  Hub& hub = context.hub();
  if (!plugin_verb.empty()) {
    if (target.empty())
      return starts_with(current, "-") ? std::vector<std::string>{"--help"}
                                       : verb_targets(hub, plugin_verb);
    return starts_with(current, "-") ? plugin_command_options(hub, plugin_verb, target)
                                     : std::vector<std::string>{};
  }
  if (starts_with(current, "-")) {
    std::vector<std::string> names = option_names(*at);
    if (at == &app) names.insert(names.end(), {"--json", "--version"});
    return names;
  }
  std::vector<std::string> names;
  for (const CLI::App* s : at->get_subcommands([](CLI::App*) { return true; }))
    if (s->get_name().rfind("__", 0) != 0) names.push_back(s->get_name());
  if (at == &app)
    for (const auto& verb : plugin_verbs(hub)) names.push_back(verb);
  if (at != &app && takes_model_names(*at)) {
    const auto models = model_names(hub, current);
    names.insert(names.end(), models.begin(), models.end());
  }
  return names;
}

}  // namespace

void add_completion_command(CLI::App& app, Context&) {
  auto* cmd = app.add_subcommand(
      "completion", "Print a shell completion script: source <(modelzoo completion bash)");
  auto shell = std::make_shared<std::string>();
  cmd->add_option("shell", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  cmd->callback([shell] { std::cout << (*shell == "bash" ? kBashScript : kZshScript); });
}

int complete_command_line(CLI::App& app, Context& context, std::vector<std::string> words) {
  if (words.empty()) words.emplace_back();
  const std::string current = words.back();
  words.pop_back();
  try {
    std::set<std::string> printed;
    for (const auto& c : candidates(app, context, words, current))
      if (starts_with(c, current) && printed.insert(c).second) std::cout << c << '\n';
  } catch (const std::exception&) {
    // A <Tab> never prints an error into the user's command line: no
    // candidates (the shell then completes file names).
  }
  return 0;
}

}  // namespace modelzoo::cli
