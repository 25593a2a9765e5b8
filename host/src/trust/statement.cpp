#include "modelzoo/trust/statement.h"

#include <ctime>

#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "modelzoo/trust/crypto.h"

namespace modelzoo::trust {

using nlohmann::json;

namespace {
constexpr size_t kMaxStatementBytes = size_t{1} << 20;
}  // namespace

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
  const std::string where = "statement";
  try {
    if (required_field<json>(o, "modelzoo_statement", where) != 1)
      throw Error("unsupported statement version");
    PluginStatement s;
    s.plugin_id = required_field<std::string>(o, "plugin_id", where);
    s.plugin_version = required_field<std::string>(o, "plugin_version", where);
    s.key_id = required_field<std::string>(o, "key_id", where);
    const json file = required_field<json>(o, "file", where);
    s.file_sha256 = required_field<std::string>(file, "sha256", where + ".file");
    s.file_size = required_field<uint64_t>(file, "size", where + ".file");
    s.manifest_sha256 = required_field<std::string>(o, "manifest_sha256", where);
    s.build = required_field<json>(o, "build", where);
    s.weights = required_field<json>(o, "weights", where);
    s.issued = required_field<std::string>(o, "issued", where);
    return s;
  } catch (const Error& e) {
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
  // A statement is a few KB; anything that is not a small regular file
  // (a FIFO would block discovery) is refused by name.
  const std::optional<std::string> text = read_regular_file(path, kMaxStatementBytes);
  if (!text) return std::nullopt;
  JsonRefusal refusal;
  const std::optional<json> document = try_parse_untrusted_json(*text, &refusal);
  if (!document || !document->is_object())
    throw Error("statement " + path + " is " +
                (document ? std::string("not a JSON object") : refusal.message()) +
                "; sign the plugin again");
  SignedStatement out;
  try {
    out.statement = parse_statement(required_field<json>(*document, "statement", "statement"));
    out.signature = base64_decode(required_field<std::string>(*document, "signature", "statement"));
  } catch (const Error& e) {
    throw Error("statement " + path + ": " + e.what() + "; sign the plugin again");
  }
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
