// Trust commands: `keys generate`, `sign`, `verify`, and `trust add | ls |
// rm | revoke`. All torch-free: signing and verifying read plugin files,
// they never load them.
#include <filesystem>
#include <iostream>

#include "command.h"
#include "modelzoo/host/paths.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/trust/crypto.h"
#include "modelzoo/trust/plugin_signing.h"
#include "modelzoo/trust/plugin_verifier.h"
#include "modelzoo/trust/statement.h"
#include "modelzoo/trust/trust_store.h"
#include "modelzoo/trust/version_ledger.h"
#include "table.h"

namespace modelzoo::cli {
namespace fs = std::filesystem;
using namespace modelzoo::trust;

namespace {

fs::path store_dir(bool system) {
  return system ? TrustStore::system_directory() : TrustStore::user_directory();
}

void add_keys_command(CLI::App& app, Context& context) {
  auto* keys = app.add_subcommand("keys", "Manage signing keys")->require_subcommand(1);
  auto* generate = keys->add_subcommand("generate", "Make an Ed25519 key pair NAME.key / NAME.pub");
  auto name = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>((config_root() / "keys").string());
  generate->add_option("name", *name, "Key name (the vendor, e.g. acme)")->required();
  generate->add_option("--dir", *dir, "Where to write the files")->capture_default_str();
  generate->callback([&context, name, dir] {
    const fs::path key_file = fs::path(*dir) / (*name + ".key");
    const fs::path pub_file = fs::path(*dir) / (*name + ".pub");
    std::error_code ec;
    if (fs::exists(key_file, ec))
      throw Error(key_file.string() + " exists; choose another name or remove it first");
    const KeyPair pair = generate_key_pair();
    write_file_atomically(key_file.string(), pair.private_pem, 0600);
    write_public_key_file(pub_file, {*name, key_id(pair.public_key), pair.public_key});
    if (context.json) {
      std::cout << nlohmann::json{{"key_id", key_id(pair.public_key)},
                                  {"private_key", key_file.string()},
                                  {"public_key", pub_file.string()}}
                       .dump(2)
                << '\n';
      return;
    }
    std::cout << "key " << key_id(pair.public_key) << "\n  private: " << key_file.string()
              << " (keep it secret)\n  public:  " << pub_file.string()
              << " (give it to users: modelzoo trust add " << pub_file.filename().string()
              << " --scope FAMILY)\n";
  });
}

void add_sign_command(CLI::App& app, Context& context) {
  auto* sign_cmd = app.add_subcommand("sign", "Write a signed statement next to a plugin");
  auto plugin = std::make_shared<std::string>();
  auto key_file = std::make_shared<std::string>();
  sign_cmd->add_option("plugin", *plugin, "The plugin .so")->required()->check(CLI::ExistingFile);
  sign_cmd->add_option("--key", *key_file, "Private key (NAME.key)")
      ->required()
      ->check(CLI::ExistingFile);
  sign_cmd->callback([&context, plugin, key_file] {
    std::string pem;
    if (!read_whole_file(*key_file, &pem)) throw Error("cannot read " + *key_file);
    const SignedStatement s = sign_plugin_file(*plugin, pem, today_utc());
    if (context.json) {
      std::cout << to_json(s.statement).dump(2) << '\n';
      return;
    }
    std::cout << "signed " << s.statement.plugin_id << " " << s.statement.plugin_version
              << " with key " << s.statement.key_id << " -> " << statement_path(*plugin) << '\n';
  });
}

void add_verify_command(CLI::App& app, Context& context) {
  auto* verify = app.add_subcommand("verify", "Check a plugin's signature against the trust store");
  auto plugin = std::make_shared<std::string>();
  verify->add_option("plugin", *plugin, "The plugin .so")->required()->check(CLI::ExistingFile);
  verify->callback([&context, plugin] {
    const PluginFile file = read_plugin_file(*plugin);
    const TrustStore store = TrustStore::load(TrustStore::default_directories());
    const VersionLedger ledger(VersionLedger::default_file());
    const TrustVerdict v =
        verify_plugin(file.facts, file.manifest, store, &ledger, TrustMode::kRequire, today_utc());
    if (context.json) {
      std::cout << nlohmann::json{{"plugin", *plugin},
                                  {"state", to_string(v.state)},
                                  {"signer", v.signer},
                                  {"detail", v.detail},
                                  {"sha256", file.facts.sha256}}
                       .dump(2)
                << '\n';
    } else {
      std::cout << *plugin << ": " << v.detail << '\n';
    }
    if (v.state != TrustState::kSigned) throw CLI::RuntimeError(1);
  });
}

void add_trust_store_commands(CLI::App& app, Context& context) {
  auto* trust = app.add_subcommand("trust", "Manage the keys plugins may be signed with")
                    ->require_subcommand(1);
  auto system = std::make_shared<bool>(false);

  auto* add = trust->add_subcommand("add", "Trust a vendor's public key for some plugin ids");
  auto pub = std::make_shared<std::string>();
  auto scopes = std::make_shared<std::vector<std::string>>();
  auto expires = std::make_shared<std::string>();
  add->add_option("key", *pub, "Public key file (NAME.pub)")->required()->check(CLI::ExistingFile);
  add->add_option("--scope", *scopes, "Plugin ids it may sign, fnmatch (repeatable)")->required();
  add->add_option("--expires", *expires, "Last valid day, YYYY-MM-DD");
  add->add_flag("--system", *system, "The system store (root only) instead of yours");
  auto force = std::make_shared<bool>(false);
  add->add_flag("--force", *force, "Trust the key even though it was revoked");
  add->callback([&context, system, pub, scopes, expires, force] {
    const TrustedKey k = TrustStore::add(store_dir(*system), *pub, *scopes, *expires, *force);
    if (context.json) {
      std::cout << nlohmann::json{{"key_id", k.key_id},
                                  {"name", k.name},
                                  {"scopes", k.scopes},
                                  {"expires", k.expires},
                                  {"file", k.file}}
                       .dump(2)
                << '\n';
      return;
    }
    std::cout << "trusting " << k.name << " (" << k.key_id << ") for";
    for (const auto& s : k.scopes) std::cout << ' ' << s;
    std::cout << " in " << k.file << '\n';
  });

  auto* ls = trust->add_subcommand("ls", "List trusted keys");
  ls->callback([&context] {
    const TrustStore store = TrustStore::load(TrustStore::default_directories());
    for (const auto& problem : store.problems())
      std::cerr << "modelzoo: warning: " << problem << '\n';
    if (context.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& k : store.keys())
        out.push_back({{"key_id", k.key_id},
                       {"name", k.name},
                       {"scopes", k.scopes},
                       {"expires", k.expires},
                       {"revoked", k.revoked},
                       {"revoked_reason", k.revoked_reason},
                       {"file", k.file}});
      std::cout << out.dump(2) << '\n';
      return;
    }
    Table table({"KEY", "NAME", "SCOPES", "EXPIRES", "STATUS", "FILE"});
    for (const auto& k : store.keys()) {
      std::string scope_text;
      for (const auto& s : k.scopes) scope_text += (scope_text.empty() ? "" : ",") + s;
      table.add_row({k.key_id, k.name, scope_text, k.expires.empty() ? "never" : k.expires,
                     k.revoked ? "revoked: " + k.revoked_reason
                               : (k.expired(today_utc()) ? "expired" : "trusted"),
                     k.file});
    }
    if (table.empty()) {
      std::cout << "no trusted keys; add one with 'modelzoo trust add VENDOR.pub --scope FAMILY'\n";
      return;
    }
    table.print(std::cout);
  });

  auto* rm = trust->add_subcommand("rm", "Stop trusting a key");
  auto id = std::make_shared<std::string>();
  rm->add_option("key_id", *id, "Key id (see trust ls)")->required();
  rm->add_flag("--system", *system, "The system store");
  rm->callback([&context, system, id] {
    TrustStore::remove(store_dir(*system), *id);
    if (context.json)
      std::cout << nlohmann::json{{"key_id", *id}, {"removed", true}}.dump(2) << '\n';
    else
      std::cout << "removed " << *id << '\n';
  });

  auto* forget = trust->add_subcommand(
      "forget", "Forget that a plugin was accepted signed (allows an unsigned or older copy)");
  auto plugin_id = std::make_shared<std::string>();
  forget
      ->add_option("family", *plugin_id,
                   "The plugin's family (VENDOR/FAMILY is read as FAMILY); '*' for every "
                   "family, which also resets a damaged ledger")
      ->required();
  forget->callback([&context, plugin_id] {
    VersionLedger ledger(VersionLedger::default_file());
    const auto forgotten = ledger.forget(*plugin_id);
    if (context.json) {
      std::cout << nlohmann::json{{"forgotten", forgotten}}.dump(2) << '\n';
      return;
    }
    if (forgotten.empty())
      throw Error("no accepted version of '" + *plugin_id + "' is recorded in " +
                  VersionLedger::default_file().string());
    for (const auto& forgotten_id : forgotten)
      std::cout << "forgot " << forgotten_id << ": its next copy is judged on its own signature\n";
  });

  auto* revoke = trust->add_subcommand("revoke", "Mark a key revoked: its plugins are refused");
  auto reason = std::make_shared<std::string>();
  revoke->add_option("key_id", *id, "Key id (see trust ls)")->required();
  revoke->add_option("--reason", *reason, "Why (shown when a plugin is refused)");
  revoke->add_flag("--system", *system, "The system store");
  revoke->callback([&context, system, id, reason] {
    TrustStore::revoke(store_dir(*system), *id, *reason);
    if (context.json)
      std::cout << nlohmann::json{{"key_id", *id}, {"revoked", true}, {"reason", *reason}}.dump(2)
                << '\n';
    else
      std::cout << "revoked " << *id << '\n';
  });
}

}  // namespace

void add_trust_commands(CLI::App& app, Context& context) {
  add_keys_command(app, context);
  add_sign_command(app, context);
  add_verify_command(app, context);
  add_trust_store_commands(app, context);
}

}  // namespace modelzoo::cli
