#include "snapshot_directory.h"

#include <fstream>
#include <iterator>
#include <string>

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"

namespace modelzoo {
namespace fs = std::filesystem;

namespace {

// A Hugging Face config.json is a few KB; a bigger one is not a config.
constexpr size_t kMaxConfigBytes = size_t{1} << 20;

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool is_weights_role(const std::string& role) {
  return role == "weights" || role == "weights-index";
}

std::string read_bounded(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path.string() + "'");
  std::string text;
  text.resize(kMaxConfigBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes)
    throw Error("'" + path.string() + "' is larger than 1 MiB; a config.json is a few KB — " +
                "is it the right file?");
  return text;
}

// The published name of the variant's config file, "config.json" when it
// lists none (a snapshot holds one under that name all the same).
std::string config_file_name(const WeightVariant* variant) {
  if (variant)
    for (const auto& f : variant->files)
      if (f.role == "config") return f.file;
  return "config.json";
}

nlohmann::json declared_config(const fs::path& path, const RegisteredEntrypoint& entry) {
  JsonLimits limits;
  limits.max_bytes = kMaxConfigBytes;
  limits.max_depth = 16;
  const nlohmann::json document = parse_untrusted_json(read_bounded(path), path.string(), limits);
  if (!document.is_object())
    throw Error("'" + path.string() + "' is not a JSON object; a Hugging Face config.json is");
  nlohmann::json config = nlohmann::json::object();
  for (auto it = document.begin(); it != document.end(); ++it) {
    auto declared = entry.spec.config.find(it.key());
    if (declared == entry.spec.config.end()) continue;
    if (!config_value_fits(*declared, it.value()))
      throw Error("'" + path.string() + "' gives '" + it.key() + "' the value " +
                  it.value().dump() + ", but " + entry.qualified_name() + " takes " +
                  config_type_name(*declared) + " there; fix the file or give the value with " +
                  "-c " + it.key() + "=…");
    config[it.key()] = it.value();
  }
  return config;
}

}  // namespace

SnapshotDirectory read_snapshot_directory(const fs::path& dir, const RegisteredEntrypoint& entry,
                                          const WeightVariant* variant) {
  SnapshotDirectory out;
  const fs::path absolute = fs::absolute(dir);
  bool all_weights_present = variant != nullptr;
  if (variant) {
    for (const auto& f : variant->files)
      if (is_weights_role(f.role) && !is_file(absolute / f.file)) all_weights_present = false;
  }
  if (!all_weights_present)
    out.files.push_back({"weights", absolute.filename().string(), "", absolute.string()});
  if (variant) {
    for (const auto& f : variant->files) {
      if (is_weights_role(f.role) && !all_weights_present) continue;
      const fs::path path = absolute / f.file;
      if (is_file(path)) out.files.push_back({f.role, f.file, f.format, path.string()});
    }
  }
  const fs::path config = absolute / config_file_name(variant);
  if (is_file(config)) out.config = declared_config(config, entry);
  return out;
}

}  // namespace modelzoo
