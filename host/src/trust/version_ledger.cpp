#include "modelzoo/trust/version_ledger.h"

#include <nlohmann/json.hpp>

#include "modelzoo/host/paths.h"
#include "modelzoo/registry/registry.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/file_lock.h"
#include "modelzoo/sdk/untrusted_json.h"

namespace modelzoo::trust {
namespace fs = std::filesystem;

namespace {

// One line per family: a few KB at most for any real install.
constexpr size_t kMaxLedgerBytes = size_t{1} << 20;

// The ledger in `file`: nullopt when absent, Error when unreadable.
std::optional<std::map<std::string, std::string>> read_ledger(const fs::path& file) {
  const std::optional<std::string> text = read_regular_file(file.string(), kMaxLedgerBytes);
  if (!text) return std::nullopt;
  const nlohmann::json j = parse_untrusted_json(*text, file.string());
  if (!j.is_object()) throw Error(file.string() + ": not a JSON object");
  std::map<std::string, std::string> versions;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it->is_string())
      throw Error(file.string() + ": the version of '" + it.key() + "' is not a string");
    versions[it.key()] = it->get<std::string>();
  }
  return versions;
}

std::string family_of(const std::string& id) {
  const auto slash = id.rfind('/');
  return slash == std::string::npos ? id : id.substr(slash + 1);
}

}  // namespace

int compare_versions(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  return natural_less(a, b) ? -1 : (natural_less(b, a) ? 1 : 0);
}

VersionLedger::VersionLedger(fs::path file) : file_(std::move(file)) {
  if (file_.empty()) return;
  try {
    if (auto versions = read_ledger(file_)) versions_ = std::move(*versions);
  } catch (const std::exception& e) {
    problem_ = e.what();
  }
}

fs::path VersionLedger::default_file() {
  return state_root() / "trust" / "accepted-versions.json";
}

std::optional<std::string> VersionLedger::highest(const std::string& family) const {
  auto it = versions_.find(family);
  if (it == versions_.end()) return std::nullopt;
  return it->second;
}

template <class Change>
void VersionLedger::update(Change&& change) {
  if (file_.empty()) {
    change(versions_);
    return;
  }
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  FileLock lock(file_.string() + ".lock", nullptr);
  // Another host may have written since this one read: start from the file.
  std::map<std::string, std::string> current;
  try {
    current = read_ledger(file_).value_or(std::map<std::string, std::string>{});
  } catch (const std::exception& e) {
    problem_ = e.what();
    return;  // never overwrite what cannot be read
  }
  if (!change(current)) {
    versions_ = std::move(current);
    return;
  }
  write_file_atomically(file_.string(), nlohmann::json(current).dump(2) + "\n", 0644);
  versions_ = std::move(current);
}

void VersionLedger::accept(const std::string& family, const std::string& version) {
  if (!problem_.empty()) return;
  auto known = versions_.find(family);
  if (known != versions_.end() && compare_versions(version, known->second) <= 0) return;
  update([&](std::map<std::string, std::string>& versions) {
    auto it = versions.find(family);
    if (it != versions.end() && compare_versions(version, it->second) <= 0) return false;
    versions[family] = version;
    return true;
  });
}

std::vector<std::string> VersionLedger::forget(const std::string& pattern) {
  const std::string family = family_of(pattern);
  std::vector<std::string> forgotten;
  auto drop = [&](std::map<std::string, std::string>& versions) {
    forgotten.clear();
    for (auto it = versions.begin(); it != versions.end();) {
      if (family == "*" || it->first == family) {
        forgotten.push_back(it->first);
        it = versions.erase(it);
      } else {
        ++it;
      }
    }
    return !forgotten.empty();
  };
  if (family == "*" && !problem_.empty() && !file_.empty()) {
    // A damaged ledger is reset by forgetting everything: replaced whole.
    FileLock lock(file_.string() + ".lock", nullptr);
    write_file_atomically(file_.string(), "{}\n", 0644);
    problem_.clear();
    forgotten = {"*"};
    versions_.clear();
    return forgotten;
  }
  update(drop);
  return forgotten;
}

}  // namespace modelzoo::trust
