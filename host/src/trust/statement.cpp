#include "modelzoo/trust/statement.h"

#include <ctime>
#include <fstream>
#include <sstream>

#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/trust/crypto.h"

namespace modelzoo::trust {

using nlohmann::json;

json to_json(const PluginStatement& s) {
  return {{"modelzoo_statement", 1},
          {"plugin_id", s.plugin_id},
          {"plugin_version", s.plugin_version},
          {"key_id", s.key_id},
          {"file", {{"sha256", s.file_sha256}, {"size", s.file_size}}},
          {"manifest_sha256", s.manifest_sha256},
          {"build", s.build},
          {"weights", s.weights},
          {"issued", s.issued}};
}

PluginStatement parse_statement(const json& o) {
  try {
    if (o.at("modelzoo_statement") != 1) throw Error("unsupported statement version");
    PluginStatement s;
    s.plugin_id = o.at("plugin_id").get<std::string>();
    s.plugin_version = o.at("plugin_version").get<std::string>();
    s.key_id = o.at("key_id").get<std::string>();
    s.file_sha256 = o.at("file").at("sha256").get<std::string>();
    s.file_size = o.at("file").at("size").get<uint64_t>();
    s.manifest_sha256 = o.at("manifest_sha256").get<std::string>();
    s.build = o.at("build");
    s.weights = o.at("weights");
    s.issued = o.at("issued").get<std::string>();
    return s;
  } catch (const json::exception& e) {
    throw Error(std::string("malformed statement: ") + e.what());
  }
}

std::string canonical_text(const PluginStatement& statement) {
  // nlohmann::json keeps object keys sorted; dump() without indent adds no
  // whitespace; the statement holds no floating-point values.
  return to_json(statement).dump();
}

PluginStatement make_statement(const Manifest& manifest, const std::string& manifest_text,
                               const std::string& file_sha256, uint64_t file_size,
                               const std::string& key, const std::string& issued) {
  PluginStatement s;
  s.plugin_id = manifest.family;
  s.plugin_version = manifest.plugin_version;
  s.key_id = key;
  s.file_sha256 = file_sha256;
  s.file_size = file_size;
  s.manifest_sha256 = sha256_hex(manifest_text);
  const json build = to_json(manifest.build);
  s.build = {
      {"sdk_abi", build["sdk_abi"]}, {"torch", build["torch"]}, {"cxx11_abi", build["cxx11_abi"]}};
  for (const auto& e : manifest.entrypoints) {
    for (const auto& v : e.variants) {
      // One line per file; a single-file variant's line is as it always was,
      // so statements signed before several-file variants still match.
      for (const auto& f : v.files) {
        json w = {{"entrypoint", e.name}, {"tag", v.tag}, {"urls", f.urls}};
        w[f.sha256.is_prefix ? "sha256_prefix" : "sha256"] = f.sha256.hex;
        if (v.files.size() > 1) w["file"] = f.file;
        s.weights.push_back(std::move(w));
      }
    }
  }
  s.issued = issued;
  return s;
}

std::string statement_path(const std::string& plugin_path) {
  return plugin_path + ".sig";
}

std::optional<SignedStatement> read_statement(const std::string& plugin_path) {
  const std::string path = statement_path(plugin_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const json document = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object())
    throw Error("statement " + path + " is not JSON; sign the plugin again");
  SignedStatement out;
  out.statement = parse_statement(document.value("statement", json()));
  if (!document.contains("signature") || !document["signature"].is_string())
    throw Error("statement " + path + " has no signature");
  out.signature = base64_decode(document["signature"].get<std::string>());
  return out;
}

void write_statement(const std::string& plugin_path, const SignedStatement& s) {
  const json document = {{"statement", to_json(s.statement)},
                         {"signature", base64_encode(s.signature)}};
  write_file_atomically(statement_path(plugin_path), document.dump(2) + "\n", 0644);
}

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &utc);
  return buffer;
}

}  // namespace modelzoo::trust
