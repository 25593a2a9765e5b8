// The normal cases against Debian's nginx on 127.0.0.1: pull, hit without a
// server, failover, MODELZOO_MIRROR + mirror export, torch.hub reuse,
// prefix-then-full digest, offline modes, ls/verify/prune/rm/pin.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <fstream>

#include "modelzoo/cache/sha256.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "test_support.h"

using namespace modelzoo::cache;
using namespace modelzoo::cache::test;

namespace {

struct Fixture {
  TempDir dir;
  fs::path docroot = dir / "www";
  fs::path root = dir / "cache";
  fs::path torch_dir = dir / "torch" / "hub" / "checkpoints";

  CacheConfig config(NetworkPolicy policy = NetworkPolicy::online) const {
    CacheConfig c;
    c.root = root;
    c.network = policy;
    c.torch_hub_dir = torch_dir;
    return c;
  }
  static PullOptions fast() {
    PullOptions o;
    o.backoff_initial = std::chrono::milliseconds(20);
    o.max_attempts_per_url = 2;
    o.connect_timeout = std::chrono::seconds(5);
    return o;
  }
  PullRequest request(const std::string& alias, const std::string& file, const std::string& sha,
                      std::vector<std::string> urls) const {
    PullRequest r;
    r.alias = alias;
    r.file.file = file;
    r.file.format = "pth";
    r.file.urls = std::move(urls);
    r.file.sha256 = {sha, sha.size() < 64};
    return r;
  }
};

std::string dead_url(const std::string& path) {
  // A port nobody listens on (bound and released just now).
  return "http://127.0.0.1:" + std::to_string(free_loopback_port()) + path;
}

}  // namespace

TEST_CASE(
    "pull downloads, verifies and stores by digest: a later pull hits with the server stopped",
    "[cache][nginx]") {
  Fixture f;
  std::string sha = write_random_file(f.docroot / "models" / "resnet50-full.pth", 3 << 20, 11);
  Nginx nginx(f.docroot);
  Store store(f.config());
  auto req = f.request("vision/resnet50.IMAGENET1K_V2", "resnet50-full.pth", sha,
                       {nginx.url("/models/resnet50-full.pth")});
  PullResult first = store.pull(req, Fixture::fast());
  CHECK(first.source == PullResult::Source::download);
  CHECK(first.sha256 == sha);
  CHECK(first.path == f.root / "blobs" / "sha256" / sha);
  CHECK(sha256_file(first.path) == sha);
  CHECK(fs::exists(f.root / "CACHEDIR.TAG"));
  CHECK(
      read_file(f.root / "CACHEDIR.TAG").rfind("Signature: 8a477f597d28d172789f06886806bc55", 0) ==
      0);
  struct stat st {};
  REQUIRE(::stat(first.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0222) == 0);  // read-only
  CHECK(store.path_of("vision/resnet50.IMAGENET1K_V2") == first.path);
  CHECK(nginx.requests("resnet50-full.pth").size() == 1);

  nginx.stop();
  PullResult second = store.pull(req, Fixture::fast());
  CHECK(second.source == PullResult::Source::cache);
  CHECK(second.path == first.path);
  CHECK(store_intact(f.root));
}

TEST_CASE("identical bytes are stored once: different files sharing a basename never collide",
          "[cache][nginx]") {
  Fixture f;
  std::string a = write_random_file(f.docroot / "a" / "model.pth", 1 << 20, 1);
  std::string b = write_random_file(f.docroot / "b" / "model.pth", 1 << 20, 2);
  fs::copy_file(f.docroot / "a" / "model.pth", f.docroot / "a" / "copy.pth");
  Nginx nginx(f.docroot);
  Store store(f.config());
  auto ra = store.pull(f.request("x/one.A", "model.pth", a, {nginx.url("/a/model.pth")}),
                       Fixture::fast());
  auto rb = store.pull(f.request("y/one.B", "model.pth", b, {nginx.url("/b/model.pth")}),
                       Fixture::fast());
  auto rc =
      store.pull(f.request("z/copy.C", "copy.pth", a, {nginx.url("/a/copy.pth")}), Fixture::fast());
  CHECK(ra.path != rb.path);
  CHECK(sha256_file(ra.path) == a);
  CHECK(sha256_file(rb.path) == b);
  CHECK(rc.path == ra.path);
  CHECK(rc.source == PullResult::Source::cache);  // same digest: no second download
  CHECK(nginx.requests("/a/copy.pth").empty());
  auto entries = store.list();
  REQUIRE(entries.size() == 2);
  for (const auto& e : entries)
    if (e.sha256 == a) CHECK(e.aliases == std::vector<std::string>{"x/one.A", "z/copy.C"});
  CHECK(store_intact(f.root));
}

TEST_CASE("mirrors are tried in order: a dead or 404 first URL fails over", "[cache][nginx]") {
  Fixture f;
  std::string sha = write_random_file(f.docroot / "w.bin", 1 << 20, 3);
  Nginx nginx(f.docroot);
  Store store(f.config());
  auto req = f.request("t/w.V1", "w.bin", sha,
                       {dead_url("/w.bin"), nginx.url("/missing/w.bin"), nginx.url("/w.bin")});
  PullResult r = store.pull(req, Fixture::fast());
  CHECK(r.url == nginx.url("/w.bin"));
  CHECK(r.attempts == 2 + 1 + 1);  // dead: retried; 404: not retried
  CHECK(nginx.requests("/missing/w.bin").size() == 1);
  CHECK(sha256_file(r.path) == sha);
  CHECK(store_intact(f.root));
}

TEST_CASE("mirror export is served by nginx as MODELZOO_MIRROR, by digest and by file name",
          "[cache][nginx][mirror]") {
  Fixture f;
  std::string full = write_random_file(f.docroot / "full.safetensors", 1 << 20, 4);
  std::string pre = write_random_file(f.docroot / "resnet18-f37072fd.pth", 1 << 20, 5);
  {
    Nginx origin(f.docroot);
    Store source(f.config());
    source.pull(f.request("v/full.A", "full.safetensors", full, {origin.url("/full.safetensors")}),
                Fixture::fast());
    source.pull(f.request("v/resnet18.B", "resnet18-f37072fd.pth", pre.substr(0, 8),
                          {origin.url("/resnet18-f37072fd.pth")}),
                Fixture::fast());
    MirrorExportReport report = source.export_mirror(f.dir / "mirror");
    CHECK(report.digests.size() == 2);
    // By variant: cached ones are not downloaded again.
    MirrorExportReport one = source.export_mirror(
        f.dir / "mirror-one",
        std::vector<PullRequest>{
            f.request("v/full.A", "full.safetensors", full, {origin.url("/full.safetensors")})},
        Fixture::fast());
    CHECK(one.digests == std::vector<std::string>{full});
    CHECK(one.names == std::vector<std::string>{"full.safetensors"});
    CHECK(origin.requests("/full.safetensors").size() == 1);
    CHECK(fs::exists(f.dir / "mirror" / "sha256" / full));
    CHECK(fs::exists(f.dir / "mirror" / "resnet18-f37072fd.pth"));
    CHECK(fs::exists(f.dir / "mirror" / "index.json"));
  }  // origin gone
  Nginx mirror(f.dir / "mirror");
  TempDir other;
  CacheConfig c = f.config();
  c.root = other.path();
  {
    ScopedEnv env({{"MODELZOO_MIRROR", mirror.url("/")}});
    c.mirror = CacheConfig::from_environment().mirror;
  }
  Store fleet(c);
  std::string gone = dead_url("/x");
  auto r1 = fleet.pull(f.request("v/full.A", "full.safetensors", full, {gone}), Fixture::fast());
  auto r2 = fleet.pull(f.request("v/resnet18.B", "resnet18-f37072fd.pth", pre.substr(0, 8), {gone}),
                       Fixture::fast());
  CHECK(r1.url == mirror.url("/sha256/" + full));
  CHECK(r2.url == mirror.url("/resnet18-f37072fd.pth"));
  CHECK(r1.attempts == 1);
  CHECK(r2.sha256 == pre);
  CHECK(store_intact(other.path()));
}

TEST_CASE("a matching file in torch.hub's cache is reused, never modified: a wrong one is ignored",
          "[cache][nginx][torchhub]") {
  Fixture f;
  std::string sha = write_random_file(f.torch_dir / "resnet50-0676ba61.pth", 2 << 20, 6);
  fs::path torch_file = f.torch_dir / "resnet50-0676ba61.pth";
  struct stat before {};
  ::stat(torch_file.c_str(), &before);
  Store store(f.config());
  // The URL is dead: a download attempt would fail the test.
  auto req = f.request("vision/resnet50.V1", "resnet50-0676ba61.pth", sha.substr(0, 8),
                       {dead_url("/r.pth")});
  PullResult r = store.pull(req, Fixture::fast());
  CHECK(r.source == PullResult::Source::torch_hub);
  CHECK(r.sha256 == sha);
  CHECK(r.verification == Verification::tofu);
  struct stat after {};
  ::stat(torch_file.c_str(), &after);
  CHECK(after.st_mode == before.st_mode);
  CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  CHECK(sha256_file(torch_file) == sha);

  // A torch.hub file with other bytes under the same name is not used.
  std::string real = write_random_file(f.docroot / "resnet18-5c106cde.pth", 1 << 20, 7);
  write_random_file(f.torch_dir / "resnet18-5c106cde.pth", 1 << 20, 8);
  Nginx nginx(f.docroot);
  auto req2 = f.request("vision/resnet18.V1", "resnet18-5c106cde.pth", real,
                        {nginx.url("/resnet18-5c106cde.pth")});
  PullResult r2 = store.pull(req2, Fixture::fast());
  CHECK(r2.source == PullResult::Source::download);
  CHECK(r2.sha256 == real);
  CHECK(store_intact(f.root));
}

TEST_CASE("a prefix-only variant is trusted on first use, then checked against its full digest",
          "[cache][nginx][tofu]") {
  Fixture f;
  std::string sha = write_random_file(f.docroot / "resnet50-11ad3fa6.pth", 1 << 20, 9);
  Nginx nginx(f.docroot);
  Store store(f.config());
  auto req = f.request("vision/resnet50.V2", "resnet50-11ad3fa6.pth", sha.substr(0, 8),
                       {nginx.url("/resnet50-11ad3fa6.pth")});
  PullResult r = store.pull(req, Fixture::fast());
  CHECK(r.verification == Verification::tofu);
  CHECK(r.sha256 == sha);
  auto entries = store.list();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].verification == Verification::tofu);
  CHECK(entries[0].tofu_prefix == sha.substr(0, 8));
  CHECK(to_json(entries[0])["verification"] == "tofu");

  // Bytes changed in place (same prefix is irrelevant: the full digest is checked).
  fs::permissions(r.path, fs::perms::owner_write, fs::perm_options::add);
  {
    std::FILE* file = std::fopen(r.path.c_str(), "r+b");
    std::fseek(file, 1000, SEEK_SET);
    std::fputc('X', file);
    std::fclose(file);
  }
  PullResult again = store.pull(req, Fixture::fast());
  CHECK(again.source == PullResult::Source::download);  // the bad copy was quarantined
  CHECK(sha256_file(again.path) == sha);
  CHECK(nginx.requests("resnet50-11ad3fa6.pth").size() == 2);

  // The manifest now gives the full digest: the entry is upgraded.
  auto full = f.request("vision/resnet50.V2", "resnet50-11ad3fa6.pth", sha,
                        {nginx.url("/resnet50-11ad3fa6.pth")});
  CHECK(store.pull(full, Fixture::fast()).verification == Verification::full_digest);
  CHECK(store.list()[0].verification == Verification::full_digest);
  CHECK(store_intact(f.root));
}

TEST_CASE("offline mode names the missing file and never connects: a valid cache is used",
          "[cache][nginx][offline]") {
  Fixture f;
  std::string sha = write_random_file(f.docroot / "m.bin", 1 << 20, 10);
  std::string other = write_random_file(f.docroot / "n.bin", 1 << 20, 12);
  Nginx nginx(f.docroot);
  auto req = f.request("lut/m.V1", "m.bin", sha, {nginx.url("/m.bin")});
  CacheConfig offline_config;
  {
    ScopedEnv env({{"MODELZOO_OFFLINE", "1"}, {"MODELZOO_HOME", f.root.string()}});
    offline_config = CacheConfig::from_environment();
  }
  offline_config.torch_hub_dir = f.torch_dir;
  Store offline(offline_config);
  REQUIRE(offline_config.network == NetworkPolicy::offline);
  REQUIRE(offline_config.root == f.root);
  REQUIRE_THROWS_WITH(offline.pull(req, Fixture::fast()), Catch::Contains("MODELZOO_OFFLINE") &&
                                                              Catch::Contains("m.bin") &&
                                                              Catch::Contains(sha));
  CHECK(nginx.requests().empty());

  Store online(f.config());
  online.pull(req, Fixture::fast());
  nginx.stop();
  CHECK(offline.pull(req, Fixture::fast()).source == PullResult::Source::cache);

  // prefer-offline: a cached file is used without the network, a missing one is fetched.
  Store prefer(f.config(NetworkPolicy::prefer_offline));
  CHECK(prefer.pull(req, Fixture::fast()).source == PullResult::Source::cache);
  Nginx again(f.docroot);
  auto missing = f.request("lut/n.V1", "n.bin", other, {again.url("/n.bin")});
  CHECK(prefer.pull(missing, Fixture::fast()).source == PullResult::Source::download);
  CHECK(again.requests().size() == 1);
  CHECK(store_intact(f.root));
}

TEST_CASE(
    "online establishes a prefix variant's digest from its own URLs: prefer-offline adopts "
    "a local copy",
    "[cache][nginx][tofu][offline]") {
  Fixture f;
  std::string sha = write_random_file(f.docroot / "a" / "resnet50-11ad3fa6.pth", 1 << 20, 31);
  fs::create_directories(f.docroot / "b");
  fs::copy_file(f.docroot / "a" / "resnet50-11ad3fa6.pth",
                f.docroot / "b" / "resnet50-11ad3fa6.pth");
  Nginx nginx(f.docroot);
  auto variant_of = [&](const std::string& alias, const std::string& dir) {
    return f.request(alias, "resnet50-11ad3fa6.pth", sha.substr(0, 8),
                     {nginx.url("/" + dir + "/resnet50-11ad3fa6.pth")});
  };
  Store online(f.config());
  REQUIRE(online.pull(variant_of("vision/resnet50.V2", "a"), Fixture::fast()).source ==
          PullResult::Source::download);
  // Another alias (another plugin, say) declares the same file name and prefix.
  PullResult second = online.pull(variant_of("other/resnet50.V2", "b"), Fixture::fast());
  CHECK(second.source == PullResult::Source::download);
  CHECK(second.sha256 == sha);
  CHECK(nginx.requests("/b/resnet50-11ad3fa6.pth").size() == 1);

  Store prefer(f.config(NetworkPolicy::prefer_offline));
  PullResult third = prefer.pull(variant_of("third/resnet50.V2", "b"), Fixture::fast());
  CHECK(third.source == PullResult::Source::cache);
  CHECK(third.sha256 == sha);
  CHECK(nginx.requests("/b/resnet50-11ad3fa6.pth").size() == 1);  // not asked
  CHECK(online.list().size() == 1);                               // the same bytes, stored once
  CHECK(store_intact(f.root));
}

TEST_CASE("file:// URLs are copied and verified (shipped weights)", "[cache][file]") {
  Fixture f;
  std::string sha = write_random_file(f.dir / "shipped" / "lut weights.safetensors", 1 << 20, 13);
  Store store(f.config(NetworkPolicy::offline));
  auto req = f.request("lut/difflut.FMNIST", "lut_weights.safetensors", sha,
                       {"file://" + (f.dir / "shipped").string() + "/lut%20weights.safetensors"});
  PullResult r = store.pull(req, Fixture::fast());
  CHECK(r.source == PullResult::Source::local_file);
  CHECK(sha256_file(r.path) == sha);
  CHECK(fs::exists(f.dir / "shipped" / "lut weights.safetensors"));
  CHECK(store_intact(f.root));
}

TEST_CASE("a cache without its locks/ directory (copied, half cleaned) still removes entries",
          "[cache][file][admin]") {
  Fixture f;
  std::string sha = write_random_file(f.dir / "shipped" / "w.safetensors", 4096, 21);
  Store store(f.config(NetworkPolicy::offline));
  store.pull(f.request("lut/w.V1", "w.safetensors", sha,
                       {"file://" + (f.dir / "shipped").string() + "/w.safetensors"}),
             Fixture::fast());
  fs::remove_all(f.root / "locks");
  const RemoveReport removed = Store(f.config(NetworkPolicy::offline)).remove("lut/w.V1");
  CHECK(removed.removed_aliases == std::vector<std::string>{"lut/w.V1"});
  CHECK(store_intact(f.root));
}

TEST_CASE("ls, verify, prune, rm, pin and path manage the store", "[cache][nginx][admin]") {
  Fixture f;
  std::vector<std::string> shas;
  for (int i = 0; i < 3; ++i)
    shas.push_back(
        write_random_file(f.docroot / ("f" + std::to_string(i) + ".bin"), 1 << 20, 20 + i));
  Nginx nginx(f.docroot);
  Store store(f.config());
  for (int i = 0; i < 3; ++i) {
    std::string n = "f" + std::to_string(i);
    store.pull(f.request("fam/" + n + ".T", n + ".bin", shas[i], {nginx.url("/" + n + ".bin")}),
               Fixture::fast());
  }
  auto entries = store.list();
  REQUIRE(entries.size() == 3);
  for (const auto& e : entries) CHECK(e.size == (1u << 20));

  // verify: detects in-place corruption, quarantines and reports it.
  fs::path victim = store.path_of("fam/f2.T");
  fs::permissions(victim, fs::perms::owner_write, fs::perm_options::add);
  {
    std::FILE* file = std::fopen(victim.c_str(), "r+b");
    std::fputc('!', file);
    std::fclose(file);
  }
  VerifyOptions all;
  all.all = true;
  VerifyReport report = store.verify(all);
  CHECK(report.bad() == 1);
  REQUIRE(report.items.size() == 3);
  for (const auto& item : report.items)
    if (!item.ok) {
      CHECK(item.sha256 == shas[2]);
      CHECK(fs::exists(item.quarantined_to));
      CHECK(item.problem.find("fam/f2.T") != std::string::npos);
    }
  CHECK_FALSE(fs::exists(victim));
  CHECK(store.list().size() == 2);
  CHECK(store_intact(f.root));

  // Age the entries by editing the records prune reads (no sleeping).
  auto set_last_used = [&](const std::string& sha, std::int64_t ago) {
    fs::path meta = f.root / "meta" / (sha + ".json");
    auto record = nlohmann::json::parse(read_file(meta));
    record["last_used"] = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          ago;
    std::ofstream(meta) << record.dump();
  };
  set_last_used(shas[0], 3600);
  set_last_used(shas[1], 60);
  PruneOptions old;
  old.older_than = std::chrono::minutes(30);
  PruneReport by_age = store.prune(old);
  REQUIRE(by_age.removed.size() == 1);
  CHECK(by_age.removed[0].sha256 == shas[0]);
  CHECK_THROWS(store.path_of("fam/f0.T"));

  // LRU by size: the least recently used goes first.
  store.pull(f.request("fam/f0.T", "f0.bin", shas[0], {nginx.url("/f0.bin")}), Fixture::fast());
  set_last_used(shas[0], 10);
  set_last_used(shas[1], 20);
  PruneOptions by_size;
  by_size.max_size = 1u << 20;
  PruneReport lru = store.prune(by_size);
  REQUIRE(lru.removed.size() == 1);
  CHECK(lru.removed[0].sha256 == shas[1]);
  CHECK(lru.remaining == (1u << 20));

  // Pinned entries survive a prune to zero bytes.
  store.pin("fam/f0.T");
  PruneOptions zero;
  zero.max_size = 0;
  PruneReport pr = store.prune(zero);
  CHECK(pr.removed.empty());
  CHECK(pr.kept_pinned == std::vector<std::string>{shas[0]});
  CHECK_THROWS_WITH(store.remove("fam/f0.T"), Catch::Contains("pinned"));
  store.pin("fam/f0.T", false);

  // rm by digest prefix removes the blob and its aliases.
  RemoveReport rr = store.remove(shas[0].substr(0, 10));
  CHECK(rr.removed_blobs == std::vector<std::string>{shas[0]});
  CHECK(rr.removed_aliases == std::vector<std::string>{"fam/f0.T"});
  CHECK(store.list().empty());
  CHECK_THROWS_WITH(store.path_of("fam/f0.T"), Catch::Contains("not in the cache"));
  CHECK(store_intact(f.root));
}

TEST_CASE("https is always verified: a private CA is trusted only through MODELZOO_CA_BUNDLE",
          "[cache][nginx][tls]") {
  Fixture f;
  fs::path cert = f.dir / "cert.pem", key = f.dir / "key.pem";
  REQUIRE(run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                       "-keyout", key.string(), "-out", cert.string(), "-days", "1", "-subj",
                       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"}) == 0);
  std::string sha = write_random_file(f.docroot / "secure.bin", 1 << 20, 31);
  Nginx nginx(f.docroot, 4 << 20, std::make_pair(cert, key));
  REQUIRE(nginx.url("/").rfind("https://", 0) == 0);
  auto req = f.request("sec/secure.T", "secure.bin", sha, {nginx.url("/secure.bin")});

  Store untrusting(f.config());
  REQUIRE_THROWS_WITH(untrusting.pull(req, Fixture::fast()),
                      Catch::Contains("MODELZOO_CA_BUNDLE") && Catch::Contains("certificate"));
  CHECK(nginx.requests("secure.bin").empty());  // refused during the handshake
  CHECK(blob_count(f.root) == 0);

  CacheConfig trusting = f.config();
  {
    ScopedEnv env({{"MODELZOO_CA_BUNDLE", cert.string()}});
    trusting.ca_bundle = CacheConfig::from_environment().ca_bundle;
  }
  PullResult r = Store(trusting).pull(req, Fixture::fast());
  CHECK(r.sha256 == sha);
  CHECK(r.url.rfind("https://", 0) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("a several-file variant is complete or absent: the error names the bad file",
          "[cache][nginx]") {
  Fixture f;
  const std::string index = write_random_file(f.docroot / "gpt2" / "model.index.json", 1000, 21);
  const std::string shard1 =
      write_random_file(f.docroot / "gpt2" / "shard-1.safetensors", 1 << 20, 22);
  const std::string shard2 =
      write_random_file(f.docroot / "gpt2" / "shard-2.safetensors", 1 << 20, 23);
  const std::string vocab = write_random_file(f.docroot / "gpt2" / "vocab.json", 4000, 24);
  Nginx nginx(f.docroot);
  auto file = [&](const char* role, const std::string& name, const std::string& sha) {
    modelzoo::VariantFile v;
    v.role = role;
    v.file = name;
    v.format = "safetensors";
    v.urls = {nginx.url("/gpt2/" + name)};
    v.sha256 = {sha, false};
    return v;
  };
  modelzoo::WeightVariant variant;
  variant.tag = "OPENAI";
  variant.files = {
      file("weights", "model.index.json", index), file("weights", "shard-1.safetensors", shard1),
      file("weights", "shard-2.safetensors", shard2), file("vocab", "vocab.json", vocab)};
  Store store(f.config());

  SECTION("one file corrupted upstream: the pull fails naming it, nothing is usable") {
    variant.files[2].sha256.hex = std::string(64, 'e');  // the server's bytes no longer match
    try {
      store.pull_variant("language/gpt2.OPENAI", variant, Fixture::fast());
      FAIL("a variant with a corrupted file was returned");
    } catch (const modelzoo::Error& e) {
      CHECK_THAT(e.what(), Catch::Contains("shard-2.safetensors") &&
                               Catch::Contains("file 3 of 4") && Catch::Contains("unusable"));
    }
    CHECK_FALSE(store.find_variant("language/gpt2.OPENAI", variant, Fixture::fast()));
    // No blob holds the corrupted bytes, and the verified ones wait for the next try.
    CHECK_FALSE(fs::exists(f.root / "blobs" / "sha256" / shard2));
    CHECK(fs::exists(f.root / "blobs" / "sha256" / shard1));
    CHECK(store_intact(f.root));
  }

  SECTION("all files good: each arrives verified, by role, and later without the server") {
    const VariantPull pulled = store.pull_variant("language/gpt2.OPENAI", variant, Fixture::fast());
    REQUIRE(pulled.files.size() == 4);
    CHECK(pulled.files[3].file.role == "vocab");
    CHECK(pulled.files[3].file.file == "vocab.json");
    CHECK(sha256_file(pulled.files[3].result.path) == vocab);
    CHECK(sha256_file(pulled.files[1].result.path) == shard1);
    // Each file has its own alias under the variant's.
    CHECK(store.path_of("language/gpt2.OPENAI/vocab.json") == pulled.files[3].result.path);
    nginx.stop();
    Store offline(f.config(NetworkPolicy::offline));
    const auto again = offline.find_variant("language/gpt2.OPENAI", variant, Fixture::fast());
    REQUIRE(again);
    CHECK(again->files[2].result.path == pulled.files[2].result.path);
    // Offline, a variant missing one file is not found, and pulling it names the file.
    variant.files.push_back(file("merges", "merges.txt", std::string(64, '7')));
    CHECK_FALSE(offline.find_variant("language/gpt2.OPENAI", variant, Fixture::fast()));
    CHECK_THROWS_WITH(offline.pull_variant("language/gpt2.OPENAI", variant, Fixture::fast()),
                      Catch::Contains("merges.txt") && Catch::Contains("file 5 of 5"));
    variant.files.pop_back();
    CHECK(store_intact(f.root));

    // The variant's alias names all its files: a mirror exported by it
    // serves another cache with every original URL dead.
    const fs::path mirror = f.dir / "mirror";
    const auto exported = store.export_mirror(mirror, {"language/gpt2.OPENAI"});
    CHECK(exported.digests.size() == 4);
    CHECK(fs::exists(mirror / "sha256" / shard2));
    CHECK(fs::exists(mirror / "vocab.json"));
    Nginx mirror_server(mirror);
    CacheConfig other = f.config();
    other.root = f.dir / "other-cache";
    other.mirror = mirror_server.url("/");
    const auto via_mirror =
        Store(other).pull_variant("language/gpt2.OPENAI", variant, Fixture::fast());
    CHECK(sha256_file(via_mirror.files[2].result.path) == shard2);
    // Pinned as a whole, removed as a whole.
    store.pin("language/gpt2.OPENAI");
    CHECK_THROWS_WITH(store.remove("language/gpt2.OPENAI"), Catch::Contains("pinned"));
    store.pin("language/gpt2.OPENAI", false);
    const auto removed = store.remove("language/gpt2.OPENAI");
    CHECK(removed.removed_aliases.size() == 4);
    CHECK(removed.removed_blobs.size() == 4);
    CHECK(store.list().empty());
    CHECK(store_intact(f.root));
  }
}
