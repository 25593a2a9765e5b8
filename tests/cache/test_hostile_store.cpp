// The store against cache contents written by someone else (a shared or NFS
// cache): planted records, wrong types, deep nesting, bytes patched in
// place, read-only trees, pruning while others pull. The invariants: nothing
// outside the cache root (or the export directory) is modified, nothing
// corrupt is handed out, and every report says what really happened.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include <catch2/catch.hpp>

#include "modelzoo/cache/sha256.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "test_support.h"

using namespace modelzoo::cache;
using namespace modelzoo::cache::test;

namespace {

struct Bed {
  TempDir dir;
  fs::path root = dir / "cache";
  fs::path victim = dir / "victim";
  fs::path source = dir / "source";

  Bed() {
    fs::create_directories(victim);
    fs::create_directories(source);
    std::ofstream(victim / "notes.txt") << "keep me\n";
    std::ofstream(victim / "x.json") << "{}\n";
    std::ofstream(victim / "pwn.bin") << "original\n";
  }
  CacheConfig config() const {
    CacheConfig c;
    c.root = root;
    c.torch_hub_dir.clear();
    return c;
  }
  Store store() const { return Store(config()); }
  static PullOptions options(bool verify_hits = false) {
    PullOptions o;
    o.verify_hits = verify_hits;
    o.max_attempts_per_url = 1;
    return o;
  }
  // A file:// pull of a fresh random file under `alias`; its digest.
  std::string pull(const std::string& alias, const std::string& file, unsigned seed,
                   std::uint64_t size = 4096) {
    const fs::path path = source / file;
    const std::string hex = write_random_file(path, size, seed);
    store().pull(make_url_request("file://" + path.string(), hex, alias, file), options());
    return hex;
  }
  PullRequest request(const std::string& alias, const std::string& file,
                      const std::string& hex) const {
    return make_url_request("file://" + (source / file).string(), hex, alias, file);
  }
  fs::path meta(const std::string& hex) const { return root / "meta" / (hex + ".json"); }
  fs::path ref(const std::string& alias) const { return root / "refs" / (alias + ".json"); }
  fs::path blob(const std::string& hex) const { return root / "blobs" / "sha256" / hex; }
};

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

nlohmann::json read_json_file(const fs::path& path) {
  return nlohmann::json::parse(read_file(path));
}

// Every path under `dir` with its size, mtime and content: what "modified"
// is checked against.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    std::string state = std::to_string(st.st_mode) + ":" + std::to_string(st.st_size) + ":" +
                        std::to_string(st.st_mtim.tv_sec) + "." +
                        std::to_string(st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) state += ":" + read_file(it->path());
    out[it->path().string()] = state;
  }
  return out;
}

std::string nested(int depth) {
  return "{\"sha256\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
}

}  // namespace

TEST_CASE("no store command modifies a path outside the cache root, whatever the records say",
          "[cache][hostile]") {
  Bed bed;
  const std::string a = bed.pull("vision/a.T", "a.bin", 1);
  const std::string b = bed.pull("vision/b.T", "b.bin", 2);
  // Planted by someone who can write the cache but not the victim's files.
  write_text(bed.ref("evil/dotdot.T"), R"({"sha256": "../../../victim/notes.txt"})");
  write_text(bed.ref("evil/absolute.T"), R"({"sha256": ")" + bed.victim.string() + R"(/x"})");
  write_text(bed.ref("evil/file.T"),
             R"({"sha256": ")" + a + R"(", "file": "../../victim/pwn.bin"})");
  nlohmann::json meta_b = read_json_file(bed.meta(b));
  meta_b["files"] = {"b.bin", "../victim/pwn.bin", "../../victim/pwn.bin"};
  meta_b["aliases"] = {"../../victim/x"};
  write_text(bed.meta(b), meta_b.dump());
  // A family directory that is a link to the victim's directory.
  fs::create_directory_symlink(bed.victim, bed.root / "refs" / "linked");
  const auto victim_before = snapshot(bed.victim);
  const auto outside_before = snapshot(bed.dir.path());

  Store store = bed.store();
  CHECK(store.list().size() == 2);
  const VerifyReport quick = store.verify();
  VerifyOptions all;
  all.all = true;
  const VerifyReport full = store.verify(all);
  CHECK(full.bad() == 0);
  std::string problems;
  for (const auto& p : quick.problems) problems += p + "\n";
  CHECK_THAT(problems, Catch::Contains("invalid: " + bed.ref("evil/dotdot.T").string()));
  CHECK_THAT(problems, Catch::Contains("invalid: " + bed.meta(b).string()));
  CHECK_THROWS_WITH(store.remove("../../victim/x"), Catch::Contains("neither a cache alias"));
  CHECK_THROWS_WITH(store.remove("../../../../victim/notes"),
                    Catch::Contains("neither a cache alias"));
  CHECK_THROWS(store.remove("evil/dotdot.T"));  // invalid: treated as absent
  CHECK_THROWS(store.path_of("evil/dotdot.T"));
  CHECK_THROWS(store.pin("linked/x.T"));
  CHECK_THROWS_WITH(store.pull(bed.request("linked/notes", "a.bin", a), Bed::options()),
                    Catch::Contains("symbolic link"));
  const fs::path exported = bed.dir / "export";
  const MirrorExportReport report = store.export_mirror(exported);
  CHECK(report.digests.size() == 2);
  for (const auto& name : report.names) CHECK(name.find('/') == std::string::npos);
  PruneOptions prune;
  prune.older_than = std::chrono::seconds(0);
  prune.dry_run = true;
  store.prune(prune);
  prune.dry_run = false;
  const PruneReport pruned = store.prune(prune);
  CHECK(pruned.failures.empty());
  CHECK(pruned.removed.size() == 2);
  CHECK(blob_count(bed.root) == 0);

  CHECK(snapshot(bed.victim) == victim_before);
  // Outside root and the export directory, nothing appeared or changed.
  auto outside_after = snapshot(bed.dir.path());
  for (auto it = outside_after.begin(); it != outside_after.end();) {
    const std::string& p = it->first;
    const bool inside = p.rfind(bed.root.string() + "/", 0) == 0 || p == bed.root.string() ||
                        p.rfind(exported.string(), 0) == 0;
    it = inside ? outside_after.erase(it) : std::next(it);
  }
  std::map<std::string, std::string> before_outside;
  for (const auto& [p, s] : outside_before)
    if (p.rfind(bed.root.string() + "/", 0) != 0 && p != bed.root.string()) before_outside[p] = s;
  CHECK(outside_after == before_outside);
  CHECK(quick.bad() == 0);
}

TEST_CASE("a record of the wrong type is reported as invalid, naming its file, and replaced",
          "[cache][hostile]") {
  Bed bed;
  const std::string a = bed.pull("vision/a.T", "a.bin", 3);
  const std::string b = bed.pull("vision/b.T", "b.bin", 4);
  const std::string c = bed.pull("vision/c.T", "c.bin", 5);
  nlohmann::json wrong = read_json_file(bed.meta(a));
  wrong["size"] = "abc";
  write_text(bed.meta(a), wrong.dump());
  write_text(bed.meta(b), "[]");
  nlohmann::json ref = read_json_file(bed.ref("vision/c.T"));
  ref["pinned"] = "yes";
  write_text(bed.ref("vision/c.T"), ref.dump());

  Store store = bed.store();
  const auto entries = store.list();
  REQUIRE(entries.size() == 3);
  std::map<std::string, std::string> problem;
  for (const auto& e : entries) problem[e.sha256] = e.problem;
  CHECK_THAT(problem[a],
             Catch::StartsWith("invalid: " + bed.meta(a).string()) && Catch::Contains("size"));
  CHECK_THAT(problem[b], Catch::StartsWith("invalid: " + bed.meta(b).string()) &&
                             Catch::Contains("expected an object"));
  const VerifyReport report = store.verify();
  std::string problems;
  for (const auto& p : report.problems) problems += p + "\n";
  CHECK_THAT(problems, Catch::Contains("invalid: " + bed.ref("vision/c.T").string()) &&
                           Catch::Contains("pinned"));
  // Treated as absent: the pulls work and write valid records again.
  store.pull(bed.request("vision/a.T", "a.bin", a), Bed::options());
  store.pull(bed.request("vision/c.T", "c.bin", c), Bed::options());
  CHECK(read_json_file(bed.meta(a))["size"] == 4096);
  CHECK(read_json_file(bed.ref("vision/c.T"))["pinned"] == false);
  CHECK(store.verify().problems.empty());  // the verify above rewrote b's record
}

TEST_CASE("deeply nested records are refused, not a crash", "[cache][hostile]") {
  Bed bed;
  const std::string a = bed.pull("vision/a.T", "a.bin", 6);
  write_text(bed.meta(a), nested(200000));
  write_text(bed.ref("vision/a.T"), nested(200000));
  write_text(bed.ref("vision/deep.T"), nested(100));
  Store store = bed.store();
  CHECK(store.list().size() == 1);
  CHECK_THAT(store.list()[0].problem, Catch::Contains("nested too deeply"));
  const VerifyReport report = store.verify();
  CHECK(report.problems.size() >= 2);
  PruneOptions prune;
  prune.max_size = 1 << 30;
  CHECK(store.prune(prune).removed.empty());
  CHECK(store.pull(bed.request("vision/a.T", "a.bin", a), Bed::options()).sha256 == a);
}

TEST_CASE("a blob patched in place is re-hashed on its next hit and never handed out",
          "[cache][hostile]") {
  Bed bed;
  const std::string a = bed.pull("vision/a.T", "a.bin", 7);
  Store store = bed.store();
  // Unchanged since hashed: a hit without hashing, and lookup says so.
  auto hit = store.find(bed.request("vision/a.T", "a.bin", a), Bed::options());
  REQUIRE(hit);
  CHECK(hit->hit_check == HitCheck::unchanged_since_hash);
  CHECK(store.lookup(bed.request("vision/a.T", "a.bin", a), Bed::options())->hit_check ==
        HitCheck::unchanged_since_hash);

  // Same size, same mtime (set back), one byte different.
  const fs::path blob = bed.blob(a);
  struct stat before {};
  ::stat(blob.c_str(), &before);
  ::chmod(blob.c_str(), 0644);
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a' ^ read_file(blob)[100]);
  }
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ::utimensat(AT_FDCWD, blob.c_str(), times, 0);
  ::chmod(blob.c_str(), 0444);
  REQUIRE(fs::file_size(blob) == 4096);

  const auto described = store.lookup(bed.request("vision/a.T", "a.bin", a), Bed::options());
  REQUIRE(described);
  CHECK(described->hit_check == HitCheck::size_only);
  CHECK_FALSE(store.find(bed.request("vision/a.T", "a.bin", a), Bed::options()));
  CHECK_FALSE(fs::exists(blob));  // moved to quarantine
  // The next pull fetches the right bytes again.
  const PullResult again = store.pull(bed.request("vision/a.T", "a.bin", a), Bed::options());
  CHECK(again.source == PullResult::Source::local_file);
  CHECK(sha256_file(again.path) == a);
}

TEST_CASE("quarantine names are unique within one second", "[cache][hostile]") {
  Bed bed;
  const std::string a = bed.pull("vision/a.T", "a.bin", 8);
  Store store = bed.store();
  for (int i = 0; i < 2; ++i) {
    ::chmod(bed.blob(a).c_str(), 0644);
    std::ofstream(bed.blob(a), std::ios::binary) << std::string(4096, 'x');
    VerifyOptions all;
    all.all = true;
    CHECK(store.verify(all).bad() == 1);
    store.pull(bed.request("vision/a.T", "a.bin", a), Bed::options());
  }
  std::size_t quarantined = 0;
  for (const auto& e : fs::directory_iterator(bed.root / "quarantine")) {
    (void)e;
    ++quarantined;
  }
  CHECK(quarantined == 2);
}

TEST_CASE("cache verify re-hashes what it has not hashed for the given age", "[cache][hostile]") {
  Bed bed;
  const std::string a = bed.pull("vision/a.T", "a.bin", 9);
  Store store = bed.store();
  CHECK_FALSE(store.verify().items.at(0).rehashed);
  nlohmann::json meta = read_json_file(bed.meta(a));
  meta["last_verified"] = meta["last_verified"].get<std::int64_t>() - 40 * 86400;
  write_text(bed.meta(a), meta.dump());
  VerifyOptions sixty;
  sixty.rehash_after = std::chrono::hours(24 * 60);
  CHECK_FALSE(store.verify(sixty).items.at(0).rehashed);
  const VerifyReport report = store.verify();  // default: 30 days
  CHECK(report.items.at(0).rehashed);
  CHECK(report.items.at(0).why_rehashed == "not hashed for 40 days");
  CHECK_FALSE(store.verify().items.at(0).rehashed);  // recorded as hashed now
}

TEST_CASE("prune reports only what it removed: a read-only cache frees nothing",
          "[cache][hostile]") {
  Bed bed;
  bed.pull("vision/a.T", "a.bin", 10);
  bed.pull("vision/b.T", "b.bin", 11);
  fs::permissions(bed.dir.path(), fs::perms::all, fs::perm_options::add);
  // As another user (root ignores permissions): nobody may read, not write.
  std::vector<std::string> argv;
  if (::geteuid() == 0) {
    for (const auto& p : fs::recursive_directory_iterator(bed.dir.path()))
      ::chmod(p.path().c_str(), p.is_directory() ? 0755 : 0644);
    argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  } else {
    for (const auto& p : fs::recursive_directory_iterator(bed.root))
      if (p.is_directory()) ::chmod(p.path().c_str(), 0555);
  }
  const fs::path out = bed.dir / "out.txt";
  fs::permissions(bed.dir.path(), fs::perms::all, fs::perm_options::add);
  std::string command;
  for (const auto& a : argv) command += a + " ";
  command += std::string("env MODELZOO_HOME=") + bed.root.string() + " " + MODELZOO_PULL_TOOL +
             " --prune-older-than 0 > " + out.string() + " 2>&1";
  const int status = std::system(command.c_str());
  if (::geteuid() != 0)
    for (const auto& p : fs::recursive_directory_iterator(bed.root))
      if (p.is_directory()) ::chmod(p.path().c_str(), 0755);
  INFO(read_file(out));
  CHECK(status != 0);
  if (::geteuid() == 0)
    CHECK_THAT(read_file(out), Catch::Contains("nothing was removed"));
  else
    CHECK_THAT(read_file(out), Catch::Contains("cannot remove"));
  CHECK(blob_count(bed.root) == 2);
}

TEST_CASE("prune racing pulls leaves no alias pointing at a missing file", "[cache][hostile]") {
  Bed bed;
  const std::string a = bed.pull("vision/a.T", "a.bin", 12, 1 << 16);
  ScopedEnv env({{"MODELZOO_HOME", bed.root.string()}});
  std::atomic<bool> stop{false};
  std::thread puller([&] {
    Store store = bed.store();
    while (!stop) {
      try {
        store.pull(bed.request("vision/a.T", "a.bin", a), Bed::options());
      } catch (const std::exception&) {
      }
    }
  });
  int dangling = 0;
  for (int round = 0; round < 40; ++round) {
    const ProcessResult r = run_pull_tool({"--prune-older-than", "0"});
    (void)r;
    Store store = bed.store();
    for (const auto& p : store.verify().problems)
      if (p.find("points at a missing file") != std::string::npos) {
        // A pull may be between its rename and its alias write only while
        // holding the lock, so a dangling alias is a bug, not a moment.
        ++dangling;
        UNSCOPED_INFO(p);
      }
  }
  stop = true;
  puller.join();
  CHECK(dangling == 0);
}

TEST_CASE("a disk that fills at the record write gives the disk-full guidance and keeps nothing",
          "[cache][hostile]") {
  // torch.hub's copy is hard-linked into the store, so the first byte the
  // pull writes is its record: a file-size limit below a record's size
  // makes exactly that write fail (EFBIG, as a full quota would).
  TempDir dir;
  const fs::path hub = dir / "torch" / "hub" / "checkpoints";
  const std::string hex = write_random_file(hub / "w-12345678.pth", 8192, 13);
  ScopedEnv env({{"MODELZOO_HOME", (dir / "cache").string()},
                 {"MODELZOO_MIRROR", std::nullopt},
                 {"MODELZOO_OFFLINE", std::nullopt},
                 {"TORCH_HOME", (dir / "torch").string()}});
  const std::vector<std::string> args = {
      "--url", "https://127.0.0.1:1/w-12345678.pth", "--sha256", hex, "--name", "vision/w.T"};
  // Its output through a pipe: the size limit applies to files only.
  std::string command = std::string(MODELZOO_PULL_TOOL) + " --fsize-limit 64";
  for (const auto& a : args) command += " '" + a + "'";
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  std::string err;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) err.append(buffer, n);
  const int status = ::pclose(pipe);
  CHECK(WEXITSTATUS(status) == 1);
  CHECK_THAT(err, Catch::Contains("disk full") && Catch::Contains("nothing was added") &&
                      Catch::Contains("MODELZOO_HOME"));
  CHECK(partial_count(dir / "cache") == 0);
  CHECK(blob_count(dir / "cache") == 0);
  const ProcessResult ok = run_pull_tool(args);
  CHECK(ok.exit_code == 0);
  CHECK(result_json(ok)["source"] == "torch_hub");
  CHECK(store_intact(dir / "cache"));
}
