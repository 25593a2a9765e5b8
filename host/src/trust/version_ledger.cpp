#include "modelzoo/trust/version_ledger.h"

#include <nlohmann/json.hpp>

#include "modelzoo/host/paths.h"
#include "modelzoo/registry/registry.h"
#include "modelzoo/sdk/atomic_file.h"

namespace modelzoo::trust {

int compare_versions(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  return natural_less(a, b) ? -1 : (natural_less(b, a) ? 1 : 0);
}

VersionLedger::VersionLedger(std::filesystem::path file) : file_(std::move(file)) {
  std::string text;
  if (!read_whole_file(file_.string(), &text)) return;
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;  // a damaged ledger is rebuilt from what loads next
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it->is_string()) versions_[it.key()] = it->get<std::string>();
}

std::filesystem::path VersionLedger::default_file() {
  return cache_root() / "trust" / "accepted-versions.json";
}

std::optional<std::string> VersionLedger::highest(const std::string& plugin_id) const {
  auto it = versions_.find(plugin_id);
  if (it == versions_.end()) return std::nullopt;
  return it->second;
}

void VersionLedger::accept(const std::string& plugin_id, const std::string& version) {
  auto it = versions_.find(plugin_id);
  if (it != versions_.end() && compare_versions(version, it->second) <= 0) return;
  versions_[plugin_id] = version;
  write_file_atomically(file_.string(), nlohmann::json(versions_).dump(2) + "\n", 0644);
}

std::vector<std::string> VersionLedger::forget(const std::string& pattern) {
  std::vector<std::string> forgotten;
  for (auto it = versions_.begin(); it != versions_.end();) {
    const std::string& id = it->first;
    const bool family_only = pattern.find('/') == std::string::npos;
    const bool match =
        id == pattern || (family_only && id.size() > pattern.size() &&
                          id.compare(id.size() - pattern.size(), pattern.size(), pattern) == 0 &&
                          id[id.size() - pattern.size() - 1] == '/');
    if (match) {
      forgotten.push_back(id);
      it = versions_.erase(it);
    } else {
      ++it;
    }
  }
  if (!forgotten.empty())
    write_file_atomically(file_.string(), nlohmann::json(versions_).dump(2) + "\n", 0644);
  return forgotten;
}

}  // namespace modelzoo::trust
