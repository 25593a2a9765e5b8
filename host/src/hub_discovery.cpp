// The Hub's discovery pass: every plugin file on the search path is read
// (or taken from the registry cache), its trust decided, its build tuple
// checked, new ones probed in the scanner process, and the survivors'
// entrypoints registered. No plugin code runs in this process here.
#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>

#include "log.h"
#include "modelzoo/host/compatibility.h"
#include "modelzoo/host/discovery.h"
#include "modelzoo/host/elf_section.h"
#include "modelzoo/host/install_layout.h"
#include "modelzoo/host/plugin_scanner.h"
#include "modelzoo/host/registry_cache.h"
#include "modelzoo/hub.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "modelzoo/trust/statement.h"
#include "plugin_slot.h"
#include "shipped_files.h"

namespace modelzoo {
namespace fs = std::filesystem;

namespace {

int choose_thread_count(int requested) {
  if (requested > 0) return requested;
  if (const char* env = ::secure_getenv("MODELZOO_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0 && n <= 4096) return static_cast<int>(n);
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

std::string stamp_text(const std::optional<FileStamp>& s) {
  if (!s) return "-";
  return std::to_string(s->size) + ":" + std::to_string(s->mtime_ns) + ":" +
         std::to_string(s->ctime_ns) + ":" + std::to_string(s->inode) + ":" +
         std::to_string(s->device);
}

// What every trust verdict depends on besides the plugin's own bytes and
// statement: the trust store's files (a key added, removed, revoked). The
// ledger enters per plugin (its entry for the plugin's identity), not by
// the file's stamp: the first run writes the ledger after verifying, and
// that must not invalidate the verdicts it just cached.
std::string trust_store_fingerprint(const std::vector<fs::path>& store_dirs) {
  std::string text;
  for (const auto& dir : store_dirs) {
    text += dir.string() + "=" + stamp_text(stamp_of(dir.string())) + ";";
    std::error_code ec;
    std::vector<std::string> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      entries.push_back(it->path().filename().string() + "@" +
                        stamp_text(stamp_of(it->path().string())));
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) text += e + ";";
  }
  return text;
}

// A cached verdict for a signature by a key that has expired since is
// re-checked: the store's files did not change, the date did.
bool verdict_outdated(const trust::TrustVerdict& verdict, const std::string& today) {
  return !verdict.key_expires.empty() && today > verdict.key_expires;
}

// Reads a plugin file's digest and manifest; never throws.
CachedPlugin read_plugin_facts(const std::string& path, const std::optional<FileStamp>& stamp,
                               std::string* manifest_text) {
  CachedPlugin entry;
  if (stamp) entry.stamp = *stamp;
  try {
    OpenFile opened(path);
    *manifest_text = read_elf_section(opened.fd(), kManifestSection);
    entry.manifest_sha256 = trust::sha256_hex(*manifest_text);
    entry.sha256 = trust::sha256_of_fd(opened.fd(), nullptr);
  } catch (const std::exception& e) {
    entry.read_error = e.what();
  }
  return entry;
}

// libmodelzoo_host's own file, as loaded.
std::string host_library_path() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&host_library_path), &info) && info.dli_fname)
    return info.dli_fname;
  return (install_layout().libdir / "libmodelzoo_host.so").string();
}

}  // namespace

Hub::Hub(HubOptions options) : options_(std::move(options)) {
  num_threads_ = choose_thread_count(options_.num_threads);

  std::vector<std::pair<fs::path, bool>> files;  // path, third party
  const auto dirs = options_.plugin_path ? *options_.plugin_path : default_plugin_search_path();
  for (const auto& f : find_plugin_files(dirs)) files.emplace_back(f, false);
  for (const auto& f : find_plugin_files(options_.third_party_plugin_path))
    files.emplace_back(f, true);

  const fs::path cache_file =
      options_.registry_cache ? *options_.registry_cache : RegistryCache::default_file();
  RegistryCache cache =
      RegistryCache::load(cache_file, to_json(host_build_info()), options_.rescan);
  scan_summary_.cache_reset = cache.was_reset();

  std::optional<std::string> fingerprint_base;  // computed on first need
  std::string today;
  // The mode depends only on the directory kind; reading the environment
  // and config file once, not once per plugin.
  std::optional<trust::TrustMode> mode_for[2];
  auto trust_mode = [&](bool third_party) {
    auto& mode = mode_for[third_party ? 1 : 0];
    if (!mode) mode = trust::effective_trust_mode(options_.trust, third_party);
    return *mode;
  };
  // Plugins share their probe dependency sets (all that link LibTorch
  // depend on the same ~300 paths): each set is checked once, and the
  // plugins probed in this run with the same paths share one new set.
  std::map<const ProbeDependencies*, bool> set_still_valid;
  std::unordered_map<std::string, std::string> path_stamps;
  auto probe_still_valid = [&](const CachedPlugin& entry) {
    if (!entry.probe_depends) return false;
    auto [it, fresh] = set_still_valid.emplace(entry.probe_depends.get(), false);
    if (fresh)
      it->second = probe_fingerprint(entry.probe_depends->paths, &path_stamps) ==
                   entry.probe_depends->fingerprint;
    return it->second;
  };
  std::map<std::string, std::shared_ptr<const ProbeDependencies>> sets_probed_now;
  std::map<std::string, bool> seen;
  std::vector<ProbeRequest> to_probe;
  std::map<std::string, CachedPlugin> entries;

  for (const auto& [file, third_party] : files) {
    auto slot = std::make_unique<PluginSlot>();
    PluginInfo& info = slot->info;
    info.path = file.string();
    info.third_party = third_party;
    seen[info.path] = true;
    const auto stamp = stamp_of(info.path);
    const CachedPlugin* cached = stamp ? cache.find(info.path, *stamp) : nullptr;
    std::string manifest_text;  // read only when not cached
    CachedPlugin entry = cached ? *cached : read_plugin_facts(info.path, stamp, &manifest_text);
    info.from_cache = cached != nullptr;
    slot->manifest_sha256 = entry.manifest_sha256;
    slot->sha256 = entry.sha256;
    // Kept for a plugin refused after its manifest was read, so a request
    // for one of its models can say which plugin declares it and why it
    // was left out.
    std::optional<Manifest> parsed;
    try {
      if (!entry.read_error.empty()) throw Error(entry.read_error);
      // A cached index spares parsing the full manifest (with all its
      // metadata) for plugins whose models this run never resolves.
      Manifest manifest;
      if (cached && !entry.index_text.empty()) {
        manifest = parse_manifest_index(entry.index_text);
      } else {
        if (cached)
          manifest_text = read_discovered_manifest(OpenFile(info.path), entry.manifest_sha256);
        manifest = parse_manifest_document(manifest_text);
        resolve_shipped_files(manifest, info.path);
        entry.index_text = manifest_index_text(manifest);
        RegistryCache::keep_manifest(cache_file, entry.manifest_sha256, manifest_text);
      }
      parsed = manifest;
      info.trust.mode = trust_mode(third_party);
      if (info.trust.mode != trust::TrustMode::kOff) {
        if (!fingerprint_base) {
          fingerprint_base = trust_store_fingerprint(
              options_.trust_store ? *options_.trust_store
                                   : trust::TrustStore::default_directories());
          today = trust::today_utc();
        }
        const std::string identity = trust::plugin_identity(manifest);
        auto fingerprint = [&] {
          return std::string(trust::to_string(info.trust.mode)) + "|" +
                 stamp_text(stamp_of(trust::statement_path(info.path))) +
                 "|ledger=" + version_ledger().highest(identity).value_or("-") +
                 (version_ledger().problem().empty() ? "" : "!unreadable") + "|" +
                 *fingerprint_base;
        };
        std::optional<trust::TrustVerdict> reused;
        if (cached && !entry.trust_verdict.empty() && entry.trust_fingerprint == fingerprint()) {
          // A verdict that does not read back is computed again.
          try {
            if (auto verdict = try_parse_untrusted_json(entry.trust_verdict, nullptr))
              reused = trust::verdict_from_json(*verdict);
          } catch (const std::exception&) {
          }
          if (reused && verdict_outdated(*reused, today)) reused.reset();
        }
        if (reused) {
          info.trust = *reused;
        } else {
          trust::PluginFileFacts facts{info.path, entry.sha256, entry.stamp.size,
                                       entry.manifest_sha256};
          info.trust = trust::verify_plugin(facts, manifest, trust_store(), &version_ledger(),
                                            info.trust.mode, today);
          ++scan_summary_.verified;
          if (info.trust.state == trust::TrustState::kSigned)
            version_ledger().accept(identity, manifest.plugin_version);
          // Taken after the ledger learnt this version: the verdict holds
          // for exactly that ledger state.
          entry.trust_fingerprint = fingerprint();
          entry.trust_verdict = trust::to_json(info.trust).dump();
        }
        if (!info.trust.allowed)
          throw Error("trust (" + std::string(to_string(info.trust.mode)) +
                      "): " + info.trust.detail);
      }
      if (auto why = incompatibility(manifest.build, host_build_info())) throw Error(*why);
      info.manifest = std::move(manifest);
      info.state = PluginInfo::State::kAvailable;
      if (!entry.probe_state.empty() && !probe_still_valid(entry)) {
        // Something the probe depended on changed (a library installed or
        // replaced, LD_LIBRARY_PATH, the host): its verdict, good or bad,
        // no longer stands.
        entry.probe_state.clear();
        entry.probe_reason.clear();
        cache.put(info.path, entry);
      }
      if (entry.probe_state == "failed") {
        info.state = PluginInfo::State::kFailed;
        info.reason = entry.probe_reason;
      } else if (entry.probe_state == "blacklisted") {
        info.state = PluginInfo::State::kBlacklisted;
        info.reason = entry.probe_reason;
      } else if (entry.probe_state.empty() && options_.probe) {
        to_probe.push_back({info.path, entry.sha256});
      }
    } catch (const std::exception& e) {
      info.state = PluginInfo::State::kRefused;
      info.reason = e.what();
      if (parsed && !info.manifest) info.manifest = std::move(parsed);
    }
    if (!cached || entry.trust_fingerprint != cached->trust_fingerprint ||
        entry.index_text != cached->index_text)
      cache.put(info.path, entry);
    entries[info.path] = std::move(entry);
    plugins_.push_back(std::move(slot));
  }

  scan_summary_.plugins = plugins_.size();
  for (const auto& slot : plugins_) scan_summary_.from_cache += slot->info.from_cache ? 1 : 0;

  if (!to_probe.empty()) {
    try {
      ScanOptions scan;
      scan.timeout = options_.probe_timeout;
      // The whole scan gets room for a few plugins at their deadline each.
      scan.scan_timeout = std::max(scan.scan_timeout, 4 * options_.probe_timeout);
      scan.num_threads = 1;
      const auto results = probe_out_of_process(to_probe, scan);
      scan_summary_.probed = to_probe.size();
      for (auto& slot : plugins_) {
        auto it = results.find(slot->info.path);
        if (it == results.end()) continue;
        if (it->second.transient) {
          // Not judged (the scan ran out of time): left out of this run,
          // probed again by the next.
          slot->info.state = PluginInfo::State::kFailed;
          slot->info.reason = it->second.reason;
          continue;
        }
        CachedPlugin& entry = entries[slot->info.path];
        entry.probe_reason = it->second.reason;
        std::string paths;
        for (const auto& path : it->second.depends) paths += path + "\n";
        // The host library itself: another build of it judges anew.
        paths += host_library_path();
        auto& set = sets_probed_now[paths];
        if (!set)
          set = std::make_shared<const ProbeDependencies>(
              ProbeDependencies{paths, probe_fingerprint(paths)});
        entry.probe_depends = set;
        if (it->second.ok) {
          entry.probe_state = "ok";
        } else {
          entry.probe_state = it->second.blacklisted ? "blacklisted" : "failed";
          slot->info.state =
              it->second.blacklisted ? PluginInfo::State::kBlacklisted : PluginInfo::State::kFailed;
          slot->info.reason = it->second.reason;
        }
        cache.put(slot->info.path, entry);
      }
    } catch (const std::exception& e) {
      scan_summary_.note = std::string("plugins were not load-tested: ") + e.what() +
                           "; scanned their manifests in-process instead";
      log_warning(scan_summary_.note);
    }
  }

  // Signed plugins register first: where two provide the same model (one
  // family from two files), the signed one wins whatever the search order
  // or the vendor string says; among equals, the earlier file wins.
  std::vector<PluginSlot*> registration_order;
  for (const auto& slot : plugins_)
    if (slot->info.trust.state == trust::TrustState::kSigned)
      registration_order.push_back(slot.get());
  for (const auto& slot : plugins_)
    if (slot->info.trust.state != trust::TrustState::kSigned)
      registration_order.push_back(slot.get());
  for (PluginSlot* slot : registration_order) {
    const PluginInfo& info = slot->info;
    if (info.state != PluginInfo::State::kAvailable || !info.manifest) continue;
    for (const auto& entrypoint : info.manifest->entrypoints) {
      RegisteredEntrypoint entry{info.manifest->family,
                                 entrypoint,
                                 info.path,
                                 info.manifest->vendor,
                                 info.manifest->plugin_version,
                                 info.manifest->complete};
      if (!registry_.add(std::move(entry)))
        slot->info.shadowed.push_back(info.manifest->family + "/" + entrypoint.name);
    }
  }

  cache.drop_missing(seen);
  if (!cache_file.empty()) {
    try {
      cache.save();
    } catch (const std::exception& e) {
      // A read-only cache (a shared NFS cache, say) only costs speed.
      log_debug(std::string("registry cache not written: ") + e.what());
    }
  }
}

}  // namespace modelzoo
