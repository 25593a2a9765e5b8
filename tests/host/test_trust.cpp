// Trust: signatures checked before any plugin code runs, and each way a
// plugin can fail them.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/hub.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/trust/crypto.h"
#include "modelzoo/trust/plugin_signing.h"
#include "modelzoo/trust/statement.h"
#include "modelzoo/trust/trust_store.h"
#include "modelzoo/trust/version_ledger.h"
#include "paths.h"
#include "process.h"

namespace fs = std::filesystem;
using namespace modelzoo;
using namespace modelzoo::trust;
using namespace modelzoo::test;

namespace {

struct Vendor {
  std::string name;
  KeyPair key = generate_key_pair();
};

// A plugin directory, a trust store and a version ledger of the test's own.
struct TrustBed {
  TempDir root;
  fs::path plugins = fs::path(root.path()) / "plugins";
  fs::path store = fs::path(root.path()) / "trust";
  fs::path ledger = fs::path(root.path()) / "ledger.json";

  TrustBed() { fs::create_directories(plugins); }

  std::string install(const std::string& source, const std::string& name = "toy.so") {
    const fs::path target = plugins / name;
    fs::copy_file(source, target, fs::copy_options::overwrite_existing);
    return target.string();
  }
  void sign(const std::string& plugin, const Vendor& v) {
    sign_plugin_file(plugin, v.key.private_pem, today_utc());
  }
  void trust(const Vendor& v, std::vector<std::string> scopes, const std::string& expires = "") {
    const fs::path pub = fs::path(root.path()) / (v.name + ".pub");
    write_public_key_file(pub, {v.name, key_id(v.key.public_key), v.key.public_key});
    TrustStore::add(store, pub, std::move(scopes), expires);
  }
  HubOptions options(TrustMode mode) const {
    HubOptions o;
    o.plugin_path = std::vector<fs::path>{plugins};
    o.trust = mode;
    o.trust_store = std::vector<fs::path>{store};
    o.version_ledger = ledger;
    o.registry_cache = fs::path(root.path()) / "registry.bin";
    return o;
  }
  // Trust verdicts computed (not reused from the registry cache) by one start.
  std::size_t verified(TrustMode mode) const { return Hub(options(mode)).scan_summary().verified; }
  PluginInfo info(TrustMode mode) const {
    Hub hub(options(mode));
    REQUIRE(hub.plugins().size() == 1);
    return hub.plugins()[0];
  }
};

const std::string kToy = plugin_dir("good") + "/toy.so";

}  // namespace

TEST_CASE("sign, trust, load", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  bed.trust(acme, {"toy"});
  Hub hub(bed.options(TrustMode::kRequire));
  const auto info = hub.plugins().at(0);
  CHECK(info.trust.state == TrustState::kSigned);
  CHECK_THAT(info.trust.signer, Catch::Contains("acme"));
  CHECK(info.state == PluginInfo::State::kAvailable);
  CHECK(hub.create("toy/tiny_mlp") != nullptr);
  CHECK(hub.plugins().at(0).state == PluginInfo::State::kLoaded);
}

TEST_CASE("require refuses what is not properly signed", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"}, other{"other"};
  const auto plugin = bed.install(kToy);

  SECTION("unsigned") {
    const auto info = bed.info(TrustMode::kRequire);
    CHECK(info.trust.state == TrustState::kUnsigned);
    CHECK(info.state == PluginInfo::State::kRefused);
    CHECK_THAT(info.reason, Catch::Contains("modelzoo sign"));
  }
  SECTION("one byte changed after signing") {
    bed.sign(plugin, acme);
    bed.trust(acme, {"toy"});
    std::fstream f(plugin, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f.put('\x5a');
    f.close();
    const auto info = bed.info(TrustMode::kRequire);
    CHECK(info.trust.state == TrustState::kTampered);
    CHECK_THAT(info.reason, Catch::Contains("tampered"));
  }
  SECTION("statement edited") {
    bed.sign(plugin, acme);
    bed.trust(acme, {"toy"});
    auto s = *read_statement(plugin);
    s.statement.issued = "2001-01-01";  // any edit breaks the signature
    write_statement(plugin, s);
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kBadSignature);
  }
  SECTION("signature by another key claiming the trusted key's id") {
    bed.sign(plugin, other);
    bed.trust(acme, {"toy"});
    auto s = *read_statement(plugin);
    s.statement.key_id = key_id(acme.key.public_key);
    s.signature = trust::sign(other.key.private_pem, canonical_text(s.statement));
    write_statement(plugin, s);
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kBadSignature);
  }
  SECTION("key not trusted") {
    bed.sign(plugin, other);
    bed.trust(acme, {"toy"});
    const auto info = bed.info(TrustMode::kRequire);
    CHECK(info.trust.state == TrustState::kUnknownKey);
    CHECK_THAT(info.reason, Catch::Contains("modelzoo trust add"));
  }
  SECTION("key out of scope") {
    bed.sign(plugin, acme);
    bed.trust(acme, {"vision", "acme_*"});
    const auto info = bed.info(TrustMode::kRequire);
    CHECK(info.trust.state == TrustState::kOutOfScope);
    CHECK_THAT(info.reason, Catch::Contains("may not sign plugin 'toy'"));
  }
  SECTION("revoked key") {
    bed.sign(plugin, acme);
    bed.trust(acme, {"*"});
    TrustStore::revoke(bed.store, key_id(acme.key.public_key), "key leaked");
    const auto info = bed.info(TrustMode::kRequire);
    CHECK(info.trust.state == TrustState::kRevoked);
    CHECK_THAT(info.reason, Catch::Contains("key leaked"));
  }
  SECTION("expired key") {
    bed.sign(plugin, acme);
    bed.trust(acme, {"toy"}, "2020-01-01");
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kExpired);
  }
  SECTION("statement that is not JSON") {
    write_file_atomically(statement_path(plugin), "not json", 0644);
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kBadStatement);
  }
}

TEST_CASE("a downgrade is refused once a newer release was accepted", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  bed.trust(acme, {"toy"});
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kSigned);  // 1.0.0 recorded
  bed.install(plugin_dir("extra") + "/toy_v0_9.so");
  bed.sign(plugin, acme);
  const auto info = bed.info(TrustMode::kRequire);
  CHECK(info.trust.state == TrustState::kDowngrade);
  CHECK_THAT(info.reason, Catch::Contains("0.9.0 of plugin 'toy' is older than 1.0.0"));
  CHECK(bed.info(TrustMode::kWarn).state == PluginInfo::State::kRefused);
}

TEST_CASE("a plugin accepted signed cannot come back unsigned or older under warn", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"}, other{"other"};
  bed.trust(acme, {"toy"});
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  REQUIRE(bed.info(TrustMode::kWarn).trust.state == TrustState::kSigned);  // 1.0.0 recorded

  SECTION("statement deleted") {
    fs::remove(statement_path(plugin));
    const auto info = bed.info(TrustMode::kWarn);
    CHECK(info.trust.state == TrustState::kUnsigned);
    CHECK(info.state == PluginInfo::State::kRefused);
    CHECK_THAT(info.reason, Catch::Contains("accepted with a valid signature before"));
  }
  SECTION("re-signed with an unknown key") {
    bed.sign(plugin, other);
    const auto info = bed.info(TrustMode::kWarn);
    CHECK(info.trust.state == TrustState::kUnknownKey);
    CHECK(info.state == PluginInfo::State::kRefused);
  }
  SECTION("an older release without its statement") {
    bed.install(plugin_dir("extra") + "/toy_v0_9.so");
    fs::remove(statement_path(plugin));
    const auto info = bed.info(TrustMode::kWarn);
    CHECK(info.trust.state == TrustState::kDowngrade);
    CHECK(info.state == PluginInfo::State::kRefused);
    CHECK_THAT(info.reason, Catch::Contains("0.9.0 of plugin 'toy' is older than 1.0.0"));
  }
  SECTION("an older release signed by an unknown key") {
    bed.install(plugin_dir("extra") + "/toy_v0_9.so");
    bed.sign(plugin, other);
    CHECK(bed.info(TrustMode::kWarn).trust.state == TrustState::kDowngrade);
  }
}

TEST_CASE("the ledger is keyed on the family, whatever the vendor string says", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  bed.trust(acme, {"toy"});
  const auto ours = bed.install(kToy, "toy.so");  // 1.0.0, vendor "modelzoo tests"

  SECTION("two signed releases: once the newer was accepted, the older is a downgrade") {
    const auto theirs =
        bed.install(plugin_dir("extra") + "/toy_acme_v2.so", "toy_acme.so");  // 2.0.0
    bed.sign(ours, acme);
    bed.sign(theirs, acme);
    { Hub first(bed.options(TrustMode::kRequire)); }
    Hub hub(bed.options(TrustMode::kRequire));
    for (const auto& info : hub.plugins()) {
      INFO(info.path << ": " << info.reason);
      CHECK(info.trust.state == (info.path == ours ? TrustState::kDowngrade : TrustState::kSigned));
    }
  }
  SECTION("under warn, an unsigned copy with another vendor string is refused") {
    bed.sign(ours, acme);
    REQUIRE(bed.info(TrustMode::kWarn).trust.state == TrustState::kSigned);
    // Sorts first, and claims another vendor.
    const auto impostor = bed.install(plugin_dir("extra") + "/toy_acme_v2.so", "a_toy.so");
    Hub hub(bed.options(TrustMode::kWarn));
    for (const auto& info : hub.plugins()) {
      if (info.path != impostor) continue;
      CHECK(info.state == PluginInfo::State::kRefused);
      CHECK_THAT(info.reason, Catch::Contains("accepted with a valid signature before"));
    }
    CHECK(hub.resolve("toy/tiny_mlp").entry->provider == ours);
  }
}

TEST_CASE("a signed provider of a family wins over an unsigned one", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  bed.trust(acme, {"toy"});
  const auto unsigned_copy = bed.install(plugin_dir("extra") + "/toy_v0_9.so", "a_toy.so");
  const auto signed_copy = bed.install(kToy, "b_toy.so");
  bed.sign(signed_copy, acme);
  Hub hub(bed.options(TrustMode::kWarn));
  CHECK(hub.resolve("toy/tiny_mlp").entry->provider == signed_copy);
  (void)unsigned_copy;
}

TEST_CASE("the downgrade ledger outlives a cleaned cache", "[trust]") {
  TrustBed bed;
  const fs::path state = fs::path(bed.root.path()) / "state";
  const fs::path cache = fs::path(bed.root.path()) / "cache";
  const std::string saved_state = std::getenv("XDG_STATE_HOME"),
                    saved_home = std::getenv("MODELZOO_HOME");
  setenv("XDG_STATE_HOME", state.c_str(), 1);
  setenv("MODELZOO_HOME", cache.c_str(), 1);
  Vendor acme{"acme"};
  bed.trust(acme, {"toy"});
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  auto options = [&] {
    HubOptions o = bed.options(TrustMode::kRequire);
    o.version_ledger.reset();  // where a user's ledger is
    o.registry_cache.reset();
    return o;
  };
  { REQUIRE(Hub(options()).plugins()[0].trust.state == TrustState::kSigned); }
  CHECK(fs::exists(state / "modelzoo" / "trust" / "accepted-versions.json"));
  fs::remove_all(cache);
  bed.install(plugin_dir("extra") + "/toy_v0_9.so");
  bed.sign(plugin, acme);
  const auto info = Hub(options()).plugins()[0];
  setenv("XDG_STATE_HOME", saved_state.c_str(), 1);  // test_main's
  setenv("MODELZOO_HOME", saved_home.c_str(), 1);
  CHECK(info.trust.state == TrustState::kDowngrade);
}

TEST_CASE("a damaged ledger refuses under require, warns under warn, and is not rewritten",
          "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  bed.trust(acme, {"toy"});
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  const std::string damaged = "{\"toy\": \"1.0";
  std::ofstream(bed.ledger) << damaged;
  const auto refused = bed.info(TrustMode::kRequire);
  CHECK(refused.state == PluginInfo::State::kRefused);
  CHECK_THAT(refused.reason, Catch::Contains("the downgrade ledger cannot be read"));
  const auto warned = bed.info(TrustMode::kWarn);
  CHECK(warned.state == PluginInfo::State::kAvailable);
  CHECK(warned.trust.warn);
  CHECK_THAT(warned.trust.detail, Catch::Contains("trust forget '*'"));
  std::ifstream in(bed.ledger);
  CHECK(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()) ==
        damaged);
  // Reset on purpose: judged afresh, and recorded again.
  VersionLedger(bed.ledger).forget("*");
  CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kSigned);
  CHECK(VersionLedger(bed.ledger).highest("toy") == "1.0.0");
}

TEST_CASE("key expiry is a YYYY-MM-DD date or the key is not trusted", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  const fs::path pub = fs::path(bed.root.path()) / "acme.pub";
  write_public_key_file(pub, {acme.name, key_id(acme.key.public_key), acme.key.public_key});
  for (const std::string bad : {"2026-2-1", "yesterday", "2026-12-1", "2026-02-30", "2026-13-01"}) {
    INFO(bad);
    CHECK_THROWS_WITH(TrustStore::add(bed.store, pub, {"toy"}, bad),
                      Catch::Contains("is not a date"));
  }
  CHECK(is_iso_date("2028-02-29"));
  CHECK_FALSE(is_iso_date("2027-02-29"));
  // Written by hand: the entry is a named problem and its key is unknown.
  bed.trust(acme, {"toy"}, "2999-01-01");
  const fs::path entry = bed.store / (key_id(acme.key.public_key) + ".json");
  for (const std::string bad : {"2026-2-1", "yesterday", "2026-12-1"}) {
    INFO(bad);
    auto j = nlohmann::json::parse(std::ifstream(entry));
    j["expires"] = bad;
    std::ofstream(entry) << j.dump();
    const auto store = TrustStore::load({bed.store});
    CHECK(store.find(key_id(acme.key.public_key)) == nullptr);
    REQUIRE(store.problems().size() == 1);
    CHECK_THAT(store.problems()[0], Catch::Contains("is not a YYYY-MM-DD date"));
  }
}

TEST_CASE("a revocation that cannot be read as one still revokes", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  bed.trust(acme, {"toy"});
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  const fs::path entry = bed.store / (key_id(acme.key.public_key) + ".json");
  auto j = nlohmann::json::parse(std::ifstream(entry));

  SECTION("\"revoked\": \"true\" (a string)") {
    j["revoked"] = "true";
    std::ofstream(entry) << j.dump();
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kRevoked);
  }
  SECTION("an unreadable entry beside a grant") {
    std::ofstream(bed.store / "zz-revocation.json")
        << "{\"key_id\": \"" << key_id(acme.key.public_key) << "\", \"revoked\": tru";
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kRevoked);
  }
}

TEST_CASE("trust add of a revoked key is refused without --force", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  bed.trust(acme, {"toy"});
  const std::string id = key_id(acme.key.public_key);
  TrustStore::revoke(bed.store, id, "leaked");
  const fs::path pub = fs::path(bed.root.path()) / "acme.pub";
  CHECK_THROWS_WITH(TrustStore::add(bed.store, pub, {"toy"}, ""),
                    Catch::Contains("was revoked: leaked") && Catch::Contains("--force"));
  CHECK(TrustStore::load({bed.store}).find(id)->revoked);
  TrustStore::add(bed.store, pub, {"toy"}, "", /*force=*/true);
  CHECK_FALSE(TrustStore::load({bed.store}).find(id)->revoked);
}

TEST_CASE("warn loads unsigned plugins with a warning: off checks nothing", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  const auto plugin = bed.install(kToy);
  {
    Hub hub(bed.options(TrustMode::kWarn));
    const auto info = hub.plugins().at(0);
    CHECK(info.trust.state == TrustState::kUnsigned);
    CHECK(info.trust.warn);
    CHECK(info.state == PluginInfo::State::kAvailable);
    CHECK(hub.create("tiny_mlp") != nullptr);
  }
  // Warn still refuses a tampered file.
  bed.sign(plugin, acme);
  bed.trust(acme, {"toy"});
  {
    std::fstream f(plugin, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('\x11');
  }
  CHECK(bed.info(TrustMode::kWarn).state == PluginInfo::State::kRefused);
  const auto off = bed.info(TrustMode::kOff);
  CHECK(off.trust.state == TrustState::kNotChecked);
  CHECK(off.state == PluginInfo::State::kAvailable);
  CHECK_FALSE(off.trust.warn);
}

TEST_CASE("the file is checked again on the descriptor that is loaded", "[trust]") {
  TrustBed bed;
  Vendor acme{"acme"};
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  bed.trust(acme, {"toy"});
  Hub hub(bed.options(TrustMode::kRequire));
  REQUIRE(hub.plugins().at(0).trust.state == TrustState::kSigned);
  // Swapped for another build after discovery, before the first create().
  bed.install(plugin_dir("extra") + "/toy_v0_9.so");
  CHECK_THROWS_WITH(hub.create("tiny_mlp"), Catch::Contains("changed since it was discovered"));
}

TEST_CASE("third-party directories default to require", "[trust]") {
  TrustBed bed;
  bed.install(kToy);
  unsetenv("MODELZOO_TRUST");
  HubOptions o;
  o.plugin_path = std::vector<fs::path>{};
  o.third_party_plugin_path = {bed.plugins};
  o.trust_store = std::vector<fs::path>{bed.store};
  o.version_ledger = bed.ledger;
  Hub hub(o);
  const auto info = hub.plugins().at(0);
  CHECK(info.third_party);
  CHECK(info.trust.mode == TrustMode::kRequire);
  CHECK(info.state == PluginInfo::State::kRefused);
  o.plugin_path = std::vector<fs::path>{bed.plugins};
  o.third_party_plugin_path.clear();
  Hub own(o);
  CHECK(own.plugins().at(0).trust.mode == TrustMode::kWarn);
  setenv("MODELZOO_TRUST", "off", 1);
  Hub from_env(o);
  unsetenv("MODELZOO_TRUST");
  CHECK(from_env.plugins().at(0).trust.mode == TrustMode::kOff);
}

TEST_CASE("cached verdicts are reused until the trust inputs change", "[trust][cache]") {
  TrustBed bed;
  Vendor acme{"acme"}, other{"other"};
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  bed.trust(acme, {"toy"});
  CHECK(bed.verified(TrustMode::kRequire) == 1);  // first start: verified, ledger written
  CHECK(bed.verified(TrustMode::kRequire) == 0);  // second start: the cached verdict

  SECTION("a key added") {
    bed.trust(other, {"vision"});
    CHECK(bed.verified(TrustMode::kRequire) == 1);
    CHECK(bed.verified(TrustMode::kRequire) == 0);
  }
  SECTION("the key revoked") {
    TrustStore::revoke(bed.store, key_id(acme.key.public_key), "key leaked");
    const auto info = bed.info(TrustMode::kRequire);
    CHECK(info.trust.state == TrustState::kRevoked);
    CHECK(info.state == PluginInfo::State::kRefused);
  }
  SECTION("the key removed") {
    TrustStore::remove(bed.store, key_id(acme.key.public_key));
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kUnknownKey);
  }
  SECTION("the statement edited") {
    auto st = *read_statement(plugin);
    st.statement.issued = "2001-01-01";
    write_statement(plugin, st);
    CHECK(bed.info(TrustMode::kRequire).trust.state == TrustState::kBadSignature);
  }
  SECTION("another mode") {
    CHECK(bed.verified(TrustMode::kWarn) == 1);
  }
}

TEST_CASE("a cached verdict remembers the signing key's expiry", "[trust][cache]") {
  TrustVerdict v;
  v.state = TrustState::kSigned;
  v.key_expires = "2031-05-01";
  CHECK(verdict_from_json(to_json(v)).key_expires == "2031-05-01");
  TrustBed bed;
  Vendor acme{"acme"};
  const auto plugin = bed.install(kToy);
  bed.sign(plugin, acme);
  bed.trust(acme, {"toy"}, "2999-12-31");
  const auto info = bed.info(TrustMode::kRequire);
  CHECK(info.trust.state == TrustState::kSigned);
  CHECK(info.trust.key_expires == "2999-12-31");
}

TEST_CASE("keys, signatures and base64 round-trip", "[trust]") {
  const KeyPair pair = generate_key_pair();
  CHECK(public_key_of(pair.private_pem) == pair.public_key);
  const std::string sig = trust::sign(pair.private_pem, "message");
  CHECK(sig.size() == 64);
  CHECK(verify_signature(pair.public_key, "message", sig));
  CHECK_FALSE(verify_signature(pair.public_key, "messagE", sig));
  CHECK_FALSE(verify_signature(pair.public_key, "message", sig.substr(1)));
  for (std::string bytes : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                            std::string("\0\xff\x10", 3)})
    CHECK(base64_decode(base64_encode(bytes)) == bytes);
  CHECK_THROWS_AS(base64_decode("abc"), Error);
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_THROWS_WITH(public_key_of("not a key"), Catch::Contains("not an Ed25519 private key"));
}

TEST_CASE("hosts recording to the ledger at once keep each other's entries", "[trust]") {
  TempDir dir;
  const fs::path file = fs::path(dir.path()) / "accepted-versions.json";
  for (int round = 0; round < 5; ++round) {
    fs::remove(file);
    std::vector<std::thread> hosts;
    for (int i = 0; i < 8; ++i)
      hosts.emplace_back([&, i] {
        VersionLedger(file).accept("family" + std::to_string(i), "1." + std::to_string(round));
      });
    for (auto& t : hosts) t.join();
    const VersionLedger after(file);
    CHECK(after.problem().empty());
    for (int i = 0; i < 8; ++i) CHECK(after.highest("family" + std::to_string(i)).has_value());
  }
}
