// Weights commands: `pull`, `cache ls | verify | prune | rm | path | pin |
// unpin`, `mirror export`. Torch-free: they move and check bytes, nothing
// is loaded.
#include <ctime>
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
  Resolved r = hub.resolve(name.find('.') == std::string::npos ? name + ".DEFAULT" : name);
  if (!r.variant) throw Error(r.entry->qualified_name() + " has no pretrained weights to pull");
  return {r.entry->qualified_name() + "." + r.variant->tag, *r.variant};
}

std::unique_ptr<cache::ProgressSink> progress_sink(bool json, bool quiet) {
  if (quiet) return nullptr;
  if (json) return std::make_unique<cache::JsonProgressWriter>(stderr);
  return std::make_unique<cache::TerminalProgressBar>(stderr);
}

void add_pull_command(CLI::App& app, Context& context) {
  auto* pull = app.add_subcommand("pull", "Download and verify weights into the cache");
  auto names = std::make_shared<std::vector<std::string>>();
  auto url = std::make_shared<std::string>();
  auto sha256 = std::make_shared<std::string>();
  auto alias = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  pull->add_option("names", *names, "[family/]entrypoint[.TAG] (DEFAULT when no tag)");
  pull->add_option("--url", *url, "Pull a file by URL instead of by name");
  pull->add_option("--sha256", *sha256,
                   "Expected SHA-256 (64 hex digits, or a prefix of 8+) for --url");
  pull->add_option("--name", *alias, "Alias to record for --url (family/entrypoint.TAG)");
  pull->add_flag("-q,--quiet", *quiet, "No progress output");
  pull->callback([&context, names, url, sha256, alias, quiet] {
    std::optional<cache::PullRequest> by_url;
    if (!url->empty()) {
      if (sha256->empty())
        throw Error("--url needs --sha256: modelzoo never keeps unverified bytes");
      by_url = cache::make_url_request(*url, *sha256, *alias);
    } else if (!sha256->empty()) {
      throw Error("--sha256 goes with --url");
    }
    std::vector<std::pair<std::string, WeightVariant>> variants;
    for (const auto& n : *names) variants.push_back(variant_for(context.hub(), n));
    if (!by_url && variants.empty())
      throw Error("nothing to pull: give model names, or --url with --sha256");
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
    if (by_url) report(by_url->alias, "", by_url->file.file, store.pull(*by_url, {}, sink.get()));
    for (const auto& [variant_alias, variant] : variants) {
      const cache::VariantPull pulled = store.pull_variant(variant_alias, variant, {}, sink.get());
      const bool several = pulled.files.size() > 1;
      for (const auto& f : pulled.files)
        report(variant_alias, several ? f.file.role : "", f.file.file, f.result);
    }
    if (context.json) std::cout << results.dump(2) << '\n';
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
                      << " — treated as unrecorded; `modelzoo cache verify " << e.sha256.substr(0, 16)
                      << "` re-checks the file and rewrites its record\n";
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
      for (const auto& p : report.problems) std::cout << "problem: " << terminal_safe(p, false) << '\n';
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
    const auto found = path_target->empty() ? store.root() : store.path_of(*path_target);
    if (context.json) {
      std::cout << nlohmann::json{{"name", *path_target}, {"path", found.string()}}.dump(2) << '\n';
      return;
    }
    std::cout << found.string() << '\n';
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
