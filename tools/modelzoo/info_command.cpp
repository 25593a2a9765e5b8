// `modelzoo info NAME[.TAG]` and `modelzoo help NAME`: what one entrypoint
// is, what it takes, and which weights exist for it.
#include <iostream>
#include <set>
#include <sstream>

#include "command.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "table.h"

namespace modelzoo::cli {
namespace {

std::string shape_text(const InputSpec& input) {
  std::string out = "[";
  for (size_t i = 0; i < input.shape.size(); ++i) {
    if (i) out += ", ";
    out += input.shape[i].name.empty() ? std::to_string(input.shape[i].size) : input.shape[i].name;
  }
  return out + "]";
}

std::string numbers_text(const std::vector<double>& values) {
  std::ostringstream out;
  for (size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  return out.str();
}

void print_meta(const nlohmann::json& meta, bool full) {
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    if (it.key() == "categories" && it->is_array()) {
      std::string first;
      for (size_t i = 0; i < it->size() && (full || i < 5); ++i)
        first += (i ? ", " : "") + (*it)[i].get<std::string>();
      if (!full && it->size() > 5) first += ", …";
      std::cout << "      categories: " << it->size() << " (" << first << ")\n";
    } else {
      std::cout << "      " << it.key() << ": " << it->dump() << '\n';
    }
  }
}

// Whether a file is in the local cache, and how its bytes were verified;
// never touches the network nor re-hashes, and changes nothing in the
// cache (a description must not count as a use).
struct CacheStatus {
  enum class State { kCached, kMissing, kUnreadable } state;
  std::string text;
};

CacheStatus cache_status(const cache::PullRequest& request) {
  cache::PullOptions no_rehash;
  no_rehash.verify_hits = false;
  try {
    const auto hit = cache::Store().lookup(request, no_rehash);
    if (!hit) return {CacheStatus::State::kMissing, "not cached"};
    std::string text =
        std::string("cached, ") + (hit->verification == cache::Verification::tofu
                                       ? "trust on first use: prefix checked, full digest " +
                                             hit->sha256.substr(0, 16) + "… recorded"
                                       : "full digest verified");
    // Say what vouches for the bytes now, not only how they entered.
    if (hit->hit_check == cache::HitCheck::unchanged_since_hash)
      text += "; hashed on " + date_text(hit->hashed_at) + ", unchanged since";
    else
      text = "cached, size checked; changed since it was hashed" +
             (hit->hashed_at.time_since_epoch().count() ? " on " + date_text(hit->hashed_at)
                                                        : std::string()) +
             ", so the next use re-hashes it";
    return {CacheStatus::State::kCached, text};
  } catch (const std::exception& e) {
    return {CacheStatus::State::kUnreadable, std::string("cache unreadable: ") + e.what()};
  }
}

std::string pull_hint(const std::string& alias) {
  return " (modelzoo pull " + alias + ")";
}

void print_file(const cache::PullRequest& request, bool with_role, const std::string& alias) {
  const VariantFile& f = request.file;
  const std::string indent = with_role ? "      " : "    ";
  if (with_role) std::cout << "    " << f.role << ":\n";
  const CacheStatus status = cache_status(request);
  std::cout << indent << "file:   " << f.file << " (" << f.format
            << (f.size ? ", " + bytes_text(*f.size) : std::string()) << ")\n"
            << indent << "sha256: " << f.sha256.hex << (f.sha256.is_prefix ? "… (prefix)" : "")
            << '\n'
            << indent << "cache:  " << status.text
            << (status.state == CacheStatus::State::kMissing ? pull_hint(alias) : "") << '\n';
  for (const auto& url : f.urls) std::cout << indent << "url:    " << url << '\n';
}

// For `info --json`: the one file's status, or how many of the files are cached.
std::string variant_cache_status(const std::string& alias, const WeightVariant& v) {
  const auto requests = cache::variant_requests(alias, v);
  if (requests.size() == 1) {
    const CacheStatus status = cache_status(requests.front());
    return status.text + (status.state == CacheStatus::State::kMissing ? pull_hint(alias) : "");
  }
  size_t cached = 0;
  for (const auto& r : requests) cached += cache_status(r).state == CacheStatus::State::kCached;
  if (cached == requests.size()) return "cached, all " + std::to_string(cached) + " files verified";
  return (cached ? "partly cached (" + std::to_string(cached) + " of " +
                       std::to_string(requests.size()) + " files)"
                 : std::string("not cached")) +
         pull_hint(alias);
}

void print_input(const InputSpec& input, bool named) {
  std::cout << (named ? "input " + input.name + ":" : std::string("input:")) << "    " << input.kind
            << " " << shape_text(input) << " " << input.dtype;
  if (input.sample_rate) std::cout << ", " << *input.sample_rate << " Hz";
  if (input.channels)
    std::cout << ", " << *input.channels << (*input.channels == 1 ? " channel" : " channels");
  std::cout << '\n';
  const Preprocess& p = input.preprocess;
  if (p.resize || p.crop || !p.mean.empty()) {
    std::vector<std::string> steps;
    if (p.resize) steps.push_back("resize " + std::to_string(*p.resize));
    if (p.crop) steps.push_back("crop " + std::to_string(*p.crop));
    if (!p.interpolation.empty()) steps.push_back(p.interpolation);
    if (!p.mean.empty())
      steps.push_back("mean [" + numbers_text(p.mean) + "], std [" + numbers_text(p.std) + "]");
    std::cout << "preprocess:";
    for (size_t i = 0; i < steps.size(); ++i) std::cout << (i ? ", " : " ") << steps[i];
    std::cout << '\n';
  }
}

// The plugin commands that run on this entrypoint (run, eval, chat, …):
// every model-scope verb a manifest declares (a family-scope one, train,
// takes a family, not a model).
std::vector<std::pair<std::string, const CommandSpec*>> commands_of(Hub& hub,
                                                                    const std::string& name) {
  std::set<std::string> verbs;
  for (const auto& plugin : hub.plugins())
    if (plugin.manifest)
      for (const auto& c : plugin.manifest->commands)
        if (c.scope == CommandSpec::Scope::kModel) verbs.insert(c.verb);
  std::vector<std::pair<std::string, const CommandSpec*>> out;
  for (const auto& verb : verbs) {
    try {
      const CommandTarget target = hub.find_command(verb, name);
      if (target.command && target.entry) out.emplace_back(verb, target.command);
    } catch (const Error&) {
      // the family has no such command for this entrypoint
    }
  }
  return out;
}

void print_commands(Hub& hub, const std::string& name) {
  const auto commands = commands_of(hub, name);
  if (commands.empty()) return;
  std::cout << "\ncommands:\n";
  for (const auto& [verb, command] : commands) {
    std::cout << "  modelzoo " << verb << " " << name;
    for (const auto& option : command->options)
      if (option.required) std::cout << " --" << option.name << " " << to_string(option.type);
    std::cout << "   " << command->summary << '\n';
  }
  std::cout << "  (modelzoo VERB " << name << " --help for every option)\n";
}

void print_variant(const std::string& alias, const WeightVariant& v, bool is_default, bool full) {
  std::cout << "  " << v.tag << (is_default ? "  (DEFAULT)" : "") << '\n';
  const auto requests = cache::variant_requests(alias, v);
  for (const auto& request : requests) print_file(request, requests.size() > 1, alias);
  if (!v.meta.empty()) {
    std::cout << "    meta:\n";
    print_meta(v.resolved_meta(), full);
  }
}

}  // namespace

void add_info_command(CLI::App& app, Context& context) {
  auto* cmd =
      app.add_subcommand("info", "Show an entrypoint: summary, config, input, weight variants");
  auto name = std::make_shared<std::string>();
  cmd->add_option("name", *name, "[family/]entrypoint[.TAG]")->required();
  cmd->callback([&context, name] {
    const Resolved r = context.hub().resolve(*name);
    const RegisteredEntrypoint& e = *r.entry;
    if (context.json) {
      nlohmann::json out = to_json(e.spec);
      out["name"] = e.qualified_name();
      out["family"] = e.family;
      out["entrypoint"] = e.spec.name;
      out["provider"] = e.provider;
      out["vendor"] = e.vendor;
      out["plugin_version"] = e.plugin_version;
      out["default"] = e.spec.default_tag;
      if (r.variant) out["variant"] = to_json(*r.variant);
      for (auto& v : out["variants"]) {
        const std::string tag = v["tag"].get<std::string>();
        v["cache"] =
            variant_cache_status(e.qualified_name() + "." + tag, *e.spec.find_variant(tag));
      }
      out["commands"] = nlohmann::json::array();
      for (const auto& [verb, command] : commands_of(context.hub(), *name))
        out["commands"].push_back(to_json(*command));
      std::cout << out.dump(2) << '\n';
      return;
    }
    std::cout << e.qualified_name() << " — " << e.spec.summary << "\n\n"
              << "provider: " << e.provider;
    if (!e.vendor.empty()) std::cout << " (" << e.vendor << ", " << e.plugin_version << ")";
    std::cout << '\n';
    if (!e.spec.task.empty()) std::cout << "task:     " << e.spec.task << '\n';
    for (const auto& input : e.spec.inputs) print_input(input, e.spec.inputs.size() > 1);
    std::cout << "config:   " << e.spec.config.dump() << '\n';
    if (r.variant) {
      std::cout << "\nvariant:\n";
      print_variant(e.qualified_name() + "." + r.variant->tag, *r.variant,
                    r.variant->tag == e.spec.default_tag, /*full=*/true);
    } else if (e.spec.variants.empty()) {
      std::cout << "\nweights:  none (random initialisation only)\n";
    } else {
      std::cout << "\nvariants:\n";
      for (const auto& v : e.spec.variants)
        print_variant(e.qualified_name() + "." + v.tag, v, v.tag == e.spec.default_tag, false);
    }
    print_commands(context.hub(), *name);
  });
}

void add_help_command(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("help", "Show an entrypoint's docstring");
  auto name = std::make_shared<std::string>();
  cmd->add_option("name", *name, "[family/]entrypoint")->required();
  cmd->callback([&context, name] {
    const Resolved r = context.hub().resolve(*name);
    const RegisteredEntrypoint& e = *r.entry;
    if (context.json) {
      std::cout << nlohmann::json{{"name", e.qualified_name()},
                                  {"summary", e.spec.summary},
                                  {"doc", e.spec.doc}}
                       .dump(2)
                << '\n';
      return;
    }
    std::cout << e.qualified_name() << " — " << e.spec.summary << "\n\n"
              << (e.spec.doc.empty() ? "(no docstring)" : e.spec.doc) << '\n';
  });
}

}  // namespace modelzoo::cli
