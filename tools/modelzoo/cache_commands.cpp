// Weights commands: `pull`, `cache ls | verify | prune | rm | path | pin |
// unpin`, `mirror export`. Torch-free: they move and check bytes, nothing
// is loaded.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "command.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "table.h"

namespace modelzoo::cli {
namespace {

// NAME[.TAG] → its alias and variant; DEFAULT when no tag is given.
std::pair<std::string, WeightVariant> variant_for(Hub& hub, const std::string& name) {
  Resolved r = hub.resolve(name);
  if (!r.variant) r = hub.resolve(r.entry->qualified_name() + ".DEFAULT");
  if (!r.variant) throw Error(r.entry->qualified_name() + " has no pretrained weights to pull");
  return {r.entry->qualified_name() + "." + r.variant->tag, *r.variant};
}

// `cache path NAME`: what the cache holds under NAME as it is (an alias, a
// digest), else as `pull` reads it ([family/]entrypoint[.TAG], DEFAULT when
// no tag): the file of each of the variant's files, in manifest order.
std::vector<std::pair<std::string, std::filesystem::path>> cached_files_of(
    Hub& hub, const cache::Store& store, const std::string& name) {
  try {
    return {{name, store.path_of(name)}};
  } catch (const Error& as_cached) {
    std::optional<std::pair<std::string, WeightVariant>> variant;
    try {
      variant = variant_for(hub, name);
    } catch (const Error&) {
      throw as_cached;  // not a model name either: the cache's own answer
    }
    std::vector<std::pair<std::string, std::filesystem::path>> out;
    cache::PullOptions checks;
    checks.verify_hits = false;  // a path is asked for, not a re-hash of the file
    for (const auto& request : cache::variant_requests(variant->first, variant->second)) {
      const auto hit = store.lookup(request, checks);
      if (!hit)
        throw Error(name + " (" + variant->first + ", file " + request.file.file +
                    ") is not in the cache at " + store.root().string() + "; modelzoo pull " +
                    variant->first + " fetches it");
      out.emplace_back(request.file.file, hit->path);
    }
    return out;
  }
}

std::unique_ptr<cache::ProgressSink> progress_sink(bool json, bool quiet) {
  if (quiet) return nullptr;
  if (json) return std::make_unique<cache::JsonProgressWriter>(stderr);
  return std::make_unique<cache::TerminalProgressBar>(stderr);
}

// The default of `pull --max-size`: far above any single published weights
// file (checkpoints past a few GiB are sharded), far below a full disk.
bool digests_agree(const Digest& a, const Digest& b) {
  const std::string& shorter = a.hex.size() <= b.hex.size() ? a.hex : b.hex;
  const std::string& longer = a.hex.size() <= b.hex.size() ? b.hex : a.hex;
  return !shorter.empty() && longer.compare(0, shorter.size(), shorter) == 0;
}

std::string digest_text(const Digest& d) {
  return d.hex + (d.is_prefix || d.hex.size() < 64 ? "… (a prefix)" : "");
}

// `pull --url U --sha256 H --name ALIAS` where ALIAS is a variant the
// manifest knows (family/entrypoint.TAG, or .TAG/FILE for a file of a
// several-file variant): the manifest's file must be the one pulled, or the
// cache would hold an alias that the manifest contradicts. An agreeing
// request takes the manifest's file name, size and (longer) digest.
void check_against_manifest(Hub& hub, cache::PullRequest& request) {
  const std::string& alias = request.alias;
  const std::size_t slash = alias.find('/');
  if (slash == std::string::npos) return;
  const std::size_t file_slash = alias.find('/', slash + 1);
  const std::string variant_name = alias.substr(0, file_slash);
  std::optional<Resolved> resolved;
  try {
    resolved = hub.resolve(variant_name);
  } catch (const Error&) {
    return;  // not a variant any manifest has: the user's own name
  }
  if (!resolved->variant ||
      resolved->entry->qualified_name() + "." + resolved->variant->tag != variant_name)
    return;
  const auto requests = cache::variant_requests(variant_name, *resolved->variant);
  const auto known = std::find_if(requests.begin(), requests.end(),
                                  [&](const cache::PullRequest& r) { return r.alias == alias; });
  const std::string own_name = resolved->entry->qualified_name() + ".LOCAL";
  if (known == requests.end())
    throw Error("--name " + alias + ": " + variant_name + " is a variant of " +
                std::to_string(requests.size()) +
                " files in its manifest and this is none of them; pull the variant by name "
                "(modelzoo pull " +
                variant_name + "), or record the file under a name of its own (--name " + own_name +
                ")");
  const VariantFile& manifest = known->file;
  if (!digests_agree(manifest.sha256, request.file.sha256))
    throw Error("--name " + alias + ": the " + resolved->entry->family +
                " manifest pins that variant to sha256 " + digest_text(manifest.sha256) +
                ", but --sha256 gives " + digest_text(request.file.sha256) +
                "; recording it would leave an alias the manifest disagrees with (run and "
                "offline pulls would not find it). Pull the variant by name (modelzoo pull " +
                variant_name +
                "; MODELZOO_MIRROR for another source), or record this file under a name of "
                "its own (--name " +
                own_name + ")");
  if (manifest.sha256.hex.size() > request.file.sha256.hex.size())
    request.file.sha256 = manifest.sha256;
  request.file.file = manifest.file;
  request.file.size = manifest.size;
}

struct PullFailure {
  std::string name;
  std::string message;
};

void add_pull_command(CLI::App& app, Context& context) {
  auto* pull = app.add_subcommand("pull", "Download and verify weights into the cache");
  auto names = std::make_shared<std::vector<std::string>>();
  auto url = std::make_shared<std::string>();
  auto sha256 = std::make_shared<std::string>();
  auto alias = std::make_shared<std::string>();
  auto max_size = std::make_shared<std::string>();  // empty: the library default
  auto quiet = std::make_shared<bool>(false);
  pull->add_option("names", *names, "[family/]entrypoint[.TAG] (DEFAULT when no tag)");
  pull->add_option("--url", *url, "Pull a file by URL instead of by name");
  pull->add_option("--sha256", *sha256,
                   "Expected SHA-256 (64 hex digits, or a prefix of 8+) for --url");
  pull->add_option("--name", *alias, "Alias to record for --url (family/entrypoint.TAG)");
  pull->add_option("--max-size", *max_size,
                   "Largest download accepted when no size is declared (--url, variants "
                   "whose manifest gives none): 10G, 512M, 0 for no limit (default 64G)");
  pull->add_flag("-q,--quiet", *quiet, "No progress output");
  pull->callback([&context, names, url, sha256, alias, max_size, quiet] {
    std::optional<cache::PullRequest> by_url;
    if (!url->empty()) {
      if (sha256->empty())
        throw Error("--url needs --sha256: modelzoo never keeps unverified bytes");
      by_url = cache::make_url_request(*url, *sha256, *alias);
      if (!alias->empty()) check_against_manifest(context.hub(), *by_url);
    } else if (!sha256->empty()) {
      throw Error("--sha256 goes with --url");
    }
    if (!by_url && names->empty())
      throw Error("nothing to pull: give model names, or --url with --sha256");
    cache::PullOptions options;
    if (!max_size->empty()) {
      const std::uint64_t limit = cache::parse_size(*max_size);
      options.max_size = limit > 0 ? std::optional<std::uint64_t>(limit) : std::nullopt;
    }
    cache::Store store;
    auto sink = progress_sink(context.json, *quiet);
    nlohmann::json results = nlohmann::json::array();
    auto report = [&](const std::string& name, const std::string& role, const std::string& file,
                      const cache::PullResult& r) {
      if (context.json) {
        nlohmann::json j = cache::to_json(r);
        j["name"] = name;
        if (!role.empty()) j["role"] = role;
        j["file"] = file;
        results.push_back(j);
        return;
      }
      std::cout << (name.empty() ? file : name) << (role.empty() ? "" : " [" + role + "]") << ": "
                << cache::to_string(r.source) << ", " << bytes_text(r.size) << ", sha256 "
                << r.sha256.substr(0, 16) << "… ("
                << (r.verification == cache::Verification::tofu ? "prefix checked, digest recorded"
                                                                : "verified")
                << ")\n  " << r.path.string() << '\n';
    };
    // Each name on its own: one that cannot be had is reported and the
    // others are still pulled.
    std::vector<PullFailure> failures;
    auto attempt = [&](const std::string& name, const std::function<void()>& work) {
      try {
        work();
      } catch (const Error& e) {
        failures.push_back({name, e.what()});
        if (context.json) results.push_back({{"name", name}, {"error", e.what()}});
        std::cerr << "modelzoo: error: " << e.what() << '\n';
      }
    };
    if (by_url)
      attempt(by_url->alias.empty() ? *url : by_url->alias, [&] {
        report(by_url->alias, "", by_url->file.file, store.pull(*by_url, options, sink.get()));
      });
    for (const auto& n : *names)
      attempt(n, [&] {
        const auto [variant_alias, variant] = variant_for(context.hub(), n);
        const cache::VariantPull pulled =
            store.pull_variant(variant_alias, variant, options, sink.get());
        const bool several = pulled.files.size() > 1;
        for (const auto& f : pulled.files)
          report(variant_alias, several ? f.file.role : "", f.file.file, f.result);
      });
    if (context.json) std::cout << results.dump(2) << '\n';
    if (failures.empty()) return;
    const std::size_t total = names->size() + (by_url ? 1 : 0);
    if (total == 1) throw CLI::RuntimeError(1);  // its error is above
    std::string summary =
        std::to_string(failures.size()) + " of " + std::to_string(total) + " pulls failed:";
    for (const auto& f : failures) summary += " " + f.name;
    std::cerr << "modelzoo: error: " << summary << '\n';
    throw CLI::RuntimeError(1);
  });
}

void add_cache_subcommands(CLI::App& app, Context& context) {
  auto* cache_cmd =
      app.add_subcommand("cache", "Inspect and manage the weights cache")->require_subcommand(1);

  cache_cmd->add_subcommand("ls", "Cached files, their aliases, size and how they were verified")
      ->callback([&context] {
        const auto entries = cache::Store().list();
        if (context.json) {
          nlohmann::json out = nlohmann::json::array();
          for (const auto& e : entries) out.push_back(cache::to_json(e));
          std::cout << out.dump(2) << '\n';
          return;
        }
        Table table({"SHA256", "SIZE", "VERIFIED", "LAST USED", "PINNED", "ALIASES"});
        uint64_t total = 0;
        for (const auto& e : entries) {
          std::string aliases;
          for (const auto& a : e.aliases) aliases += (aliases.empty() ? "" : " ") + a;
          if (aliases.empty() && !e.files.empty()) aliases = "(" + e.files.front() + ")";
          table.add_row({e.sha256.substr(0, 16), bytes_text(e.size),
                         e.verification == cache::Verification::tofu
                             ? "trust on first use (" + e.tofu_prefix + ")"
                             : "full digest",
                         date_text(e.last_used), e.pinned ? "yes" : "", aliases});
          total += e.size;
        }
        if (table.empty()) {
          std::cout << "the cache is empty (" << cache::Store().root().string() << ")\n";
          return;
        }
        table.print(std::cout);
        std::cout << entries.size() << " files, " << bytes_text(total) << '\n';
        for (const auto& e : entries)
          if (!e.problem.empty())
            std::cout << "problem: " << terminal_safe(e.problem, false)
                      << " — treated as unrecorded; `modelzoo cache verify "
                      << e.sha256.substr(0, 16) << "` re-checks the file and rewrites its record\n";
      });

  auto* verify = cache_cmd->add_subcommand("verify", "Re-hash cached files; quarantine bad ones");
  auto verify_options = std::make_shared<cache::VerifyOptions>();
  verify->add_flag("--all", verify_options->all, "Re-hash every file, not only changed ones");
  verify->add_option("names", verify_options->names, "Only these aliases or digests");
  auto rehash_after = std::make_shared<std::string>("30d");
  verify->add_option("--rehash-after", *rehash_after,
                     "Also re-hash files not hashed for this long (default 30d)");
  verify->callback([&context, verify_options, rehash_after] {
    verify_options->rehash_after = cache::parse_duration(*rehash_after);
    const auto report = cache::Store().verify(*verify_options);
    if (context.json) {
      std::cout << cache::to_json(report).dump(2) << '\n';
    } else {
      size_t rehashed = 0;
      for (const auto& item : report.items) {
        rehashed += item.rehashed ? 1 : 0;
        if (!item.ok)
          std::cout << "BAD " << item.sha256.substr(0, 16) << "…: " << item.problem
                    << (item.quarantined_to.empty()
                            ? ""
                            : " (moved to " + item.quarantined_to.string() + ")")
                    << '\n';
      }
      for (const auto& p : report.problems)
        std::cout << "problem: " << terminal_safe(p, false) << '\n';
      std::cout << report.items.size() << " files checked, " << rehashed << " re-hashed, "
                << report.bad() << " bad" << (report.intact() ? "; the store is intact" : "")
                << '\n';
    }
    if (!report.intact()) throw CLI::RuntimeError(1);
  });

  auto* prune =
      cache_cmd->add_subcommand("prune", "Remove least recently used files (pinned ones stay)");
  auto max_size = std::make_shared<std::string>();
  auto older_than = std::make_shared<std::string>();
  auto dry_run = std::make_shared<bool>(false);
  prune->add_option("--max-size", *max_size, "Keep the cache under this size (10G, 512M)");
  prune->add_option("--older-than", *older_than, "Remove files unused this long (30d, 12h)");
  prune->add_flag("--dry-run", *dry_run, "Only say what would be removed");
  prune->callback([&context, max_size, older_than, dry_run] {
    cache::PruneOptions options;
    if (!max_size->empty()) options.max_size = cache::parse_size(*max_size);
    if (!older_than->empty()) options.older_than = cache::parse_duration(*older_than);
    options.dry_run = *dry_run;
    if (!options.max_size && !options.older_than)
      throw Error("say what to prune: --max-size SIZE and/or --older-than DURATION");
    const auto report = cache::Store().prune(options);
    if (context.json) {
      std::cout << cache::to_json(report).dump(2) << '\n';
      return;
    }
    for (const auto& e : report.removed)
      std::cout << (*dry_run ? "would remove " : "removed ") << e.sha256.substr(0, 16) << "… "
                << bytes_text(e.size) << '\n';
    for (const auto& f : report.failures) std::cout << "not removed: " << f << '\n';
    std::cout << (*dry_run ? "would free " : "freed ") << bytes_text(report.freed) << ", "
              << bytes_text(report.remaining) << " remain";
    if (!report.kept_pinned.empty())
      std::cout << ", " << report.kept_pinned.size() << " kept as pinned";
    if (!report.kept_in_use.empty())
      std::cout << ", " << report.kept_in_use.size() << " kept (in use while pruning)";
    std::cout << '\n';
    if (!report.failures.empty()) throw CLI::RuntimeError(1);
  });

  auto* rm = cache_cmd->add_subcommand("rm", "Remove an alias (and its file) or a file by digest");
  auto target = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  rm->add_option("name", *target, "family/entrypoint.TAG or a digest (8+ hex digits)")->required();
  rm->add_flag("--force", *force, "Remove even if pinned");
  rm->callback([&context, target, force] {
    const auto report = cache::Store().remove(*target, *force);
    if (context.json) {
      std::cout << nlohmann::json{{"removed_aliases", report.removed_aliases},
                                  {"removed_blobs", report.removed_blobs}}
                       .dump(2)
                << '\n';
      return;
    }
    for (const auto& a : report.removed_aliases) std::cout << "removed alias " << a << '\n';
    for (const auto& b : report.removed_blobs) std::cout << "removed file " << b << '\n';
  });

  auto* path = cache_cmd->add_subcommand("path", "The cache root, or the file of NAME|DIGEST");
  auto path_target = std::make_shared<std::string>();
  path->add_option("name", *path_target, "family/entrypoint.TAG or a digest");
  path->callback([&context, path_target] {
    cache::Store store;
    if (path_target->empty()) {
      if (context.json)
        std::cout << nlohmann::json{{"name", ""}, {"path", store.root().string()}}.dump(2) << '\n';
      else
        std::cout << store.root().string() << '\n';
      return;
    }
    const auto files = cached_files_of(context.hub(), store, *path_target);
    if (context.json) {
      nlohmann::json j = {{"name", *path_target}, {"path", files.front().second.string()}};
      if (files.size() > 1) {
        j["files"] = nlohmann::json::array();
        for (const auto& [file, p] : files) j["files"].push_back({{"file", file}, {"path", p}});
      }
      std::cout << j.dump(2) << '\n';
      return;
    }
    for (const auto& [file, p] : files) std::cout << p.string() << '\n';
  });

  for (const bool pin : {true, false}) {
    auto* cmd = cache_cmd->add_subcommand(pin ? "pin" : "unpin",
                                          pin ? "Keep an alias's file through prune" : "Undo pin");
    auto alias = std::make_shared<std::string>();
    cmd->add_option("name", *alias, "family/entrypoint.TAG")->required();
    cmd->callback([&context, alias, pin] {
      cache::Store().pin(*alias, pin);
      if (context.json)
        std::cout << nlohmann::json{{"alias", *alias}, {"pinned", pin}}.dump(2) << '\n';
      else
        std::cout << (pin ? "pinned " : "unpinned ") << *alias << '\n';
    });
  }
}

void add_mirror_command(CLI::App& app, Context& context) {
  auto* mirror =
      app.add_subcommand("mirror", "Serve weights to other machines")->require_subcommand(1);
  auto* exp = mirror->add_subcommand("export",
                                     "Write cached (or pulled) files in a tree any static HTTP "
                                     "server can serve as MODELZOO_MIRROR");
  auto dir = std::make_shared<std::string>();
  auto names = std::make_shared<std::vector<std::string>>();
  exp->add_option("dir", *dir, "Output directory")->required();
  exp->add_option("names", *names, "[family/]entrypoint[.TAG]; none: everything cached");
  exp->callback([&context, dir, names] {
    cache::Store store;
    cache::MirrorExportReport report;
    if (names->empty()) {
      report = store.export_mirror(*dir);
    } else {
      std::vector<cache::PullRequest> requests;
      for (const auto& n : *names) {
        const auto [variant_alias, variant] = variant_for(context.hub(), n);
        for (auto& r : cache::variant_requests(variant_alias, variant))
          requests.push_back(std::move(r));
      }
      auto sink = progress_sink(context.json, false);
      report = store.export_mirror(*dir, requests, {}, sink.get());
    }
    if (context.json) {
      std::cout << nlohmann::json{{"dir", report.dir.string()},
                                  {"digests", report.digests},
                                  {"names", report.names},
                                  {"skipped", report.skipped},
                                  {"bytes", report.bytes}}
                       .dump(2)
                << '\n';
      return;
    }
    std::cout << "exported " << report.digests.size() << " files (" << bytes_text(report.bytes)
              << ") to " << report.dir.string()
              << "; serve it and set MODELZOO_MIRROR to its URL\n";
    for (const auto& s : report.skipped) std::cout << "  not under its name (clash): " << s << '\n';
  });
}

}  // namespace

void add_cache_commands(CLI::App& app, Context& context) {
  add_pull_command(app, context);
  add_cache_subcommands(app, context);
  add_mirror_command(app, context);
}

}  // namespace modelzoo::cli
