// Process-level behaviour with pull_tool: kill -9 mid-download then resume,
// eight processes pulling one file, a full disk (RLIMIT_FSIZE).
#include <catch2/catch.hpp>

#include <memory>
#include <set>

#include "modelzoo/cache/sha256.h"
#include "test_support.h"

using namespace modelzoo::cache;
using namespace modelzoo::cache::test;

namespace {

std::vector<std::string> base_args(const std::string& url, const std::string& sha) {
  return {"--url", url, "--sha256", sha, "--name", "test/big.T", "--backoff-ms", "20"};
}

}  // namespace

TEST_CASE("kill -9 mid-download, then a pull resumes with a range request and verifies",
          "[process][resume]") {
  TempDir dir;
  const std::uint64_t size = 8 << 20;
  std::string sha = write_random_file(dir / "www" / "big.bin", size, 77);
  Nginx nginx(dir / "www", 2 << 20);  // /slow/ at 2 MiB/s: ~4 s for the file
  ScopedEnv env({{"MODELZOO_HOME", (dir / "cache").string()},
                 {"MODELZOO_MIRROR", std::nullopt},
                 {"MODELZOO_OFFLINE", std::nullopt},
                 {"TORCH_HOME", (dir / "torch").string()}});
  {
    auto args = base_args(nginx.url("/slow/big.bin"), sha);
    args.push_back("--progress-json");
    PullProcess victim(args);
    // Wait for a real signal: a progress event past 1 MiB.
    bool mid_body = false;
    for (int i = 0; i < 200 && !mid_body; ++i) {
      auto line = victim.read_line(std::chrono::seconds(10));
      if (!line) break;
      auto event = nlohmann::json::parse(*line);
      if (event.value("event", "") == "progress" && event.value("bytes", 0ull) >= (1u << 20))
        mid_body = true;
    }
    REQUIRE(mid_body);
    victim.kill9();
    CHECK(victim.wait().exit_code == -9);
  }
  CHECK(blob_count(dir / "cache") == 0);
  REQUIRE(partial_count(dir / "cache") == 1);

  ProcessResult r = run_pull_tool(base_args(nginx.url("/big.bin"), sha));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  nlohmann::json result = result_json(r);
  CHECK(result["sha256"] == sha);
  CHECK(result["source"] == "download");
  CHECK(result["resumed_from"].get<std::uint64_t>() >= (1u << 20));
  auto resumed = nginx.requests("GET /big.bin 206 bytes=");
  REQUIRE(resumed.size() == 1);
  CHECK(sha256_file(result["path"].get<std::string>()) == sha);
  CHECK(partial_count(dir / "cache") == 0);
  CHECK(store_intact(dir / "cache"));
}

TEST_CASE("eight processes pulling one file: one download, eight verified results",
          "[process][lock]") {
  TempDir dir;
  const std::uint64_t size = 8 << 20;
  std::string sha = write_random_file(dir / "www" / "shared.bin", size, 88);
  Nginx nginx(dir / "www", 8 << 20);  // ~1 s per download: the pulls overlap
  ScopedEnv env({{"MODELZOO_HOME", (dir / "cache").string()},
                 {"MODELZOO_MIRROR", std::nullopt},
                 {"MODELZOO_OFFLINE", std::nullopt},
                 {"TORCH_HOME", (dir / "torch").string()}});
  std::vector<std::unique_ptr<PullProcess>> procs;
  for (int i = 0; i < 8; ++i)
    procs.push_back(std::make_unique<PullProcess>(base_args(nginx.url("/slow/shared.bin"), sha)));
  int downloads = 0, waited = 0;
  std::set<std::string> paths;
  for (auto& p : procs) {
    ProcessResult r = p->wait();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    nlohmann::json result = result_json(r);
    CHECK(result["sha256"] == sha);
    downloads += result["source"] == "download";
    waited += result["waited_for_other_process"] == true;
    paths.insert(result["path"].get<std::string>());
  }
  CHECK(downloads == 1);
  CHECK(waited >= 1);  // the pulls really overlapped: someone waited on the lock
  CHECK(paths.size() == 1);
  CHECK(nginx.requests("/slow/shared.bin").size() == 1);
  CHECK(sha256_file(*paths.begin()) == sha);
  CHECK(blob_count(dir / "cache") == 1);
  CHECK(partial_count(dir / "cache") == 0);
  CHECK(store_intact(dir / "cache"));
}

TEST_CASE("a full disk gives a clear error, removes the partial and leaves the store clean",
          "[process][diskfull]") {
  TempDir dir;
  std::string sha = write_random_file(dir / "www" / "huge.bin", 4 << 20, 99);
  Nginx nginx(dir / "www");
  ScopedEnv env({{"MODELZOO_HOME", (dir / "cache").string()},
                 {"MODELZOO_MIRROR", std::nullopt},
                 {"MODELZOO_OFFLINE", std::nullopt},
                 {"TORCH_HOME", (dir / "torch").string()}});
  auto args = base_args(nginx.url("/huge.bin"), sha);
  args.insert(args.end(), {"--fsize-limit", std::to_string(1 << 20)});
  ProcessResult r = run_pull_tool(args);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("disk full") &&
                        Catch::Contains("partial download was removed") &&
                        Catch::Contains("MODELZOO_HOME"));
  CHECK(partial_count(dir / "cache") == 0);
  CHECK(blob_count(dir / "cache") == 0);
  CHECK(store_intact(dir / "cache"));
  // With room again, the same pull works.
  ProcessResult ok = run_pull_tool(base_args(nginx.url("/huge.bin"), sha));
  CHECK(ok.exit_code == 0);
  CHECK(store_intact(dir / "cache"));
}

#include <thread>

#include "modelzoo/cache/store.h"

TEST_CASE("without locks, concurrent writers still never put a bad file in the store",
          "[process][lock]") {
  TempDir dir;
  std::string sha = write_random_file(dir / "www" / "race.bin", 4 << 20, 55);
  Nginx nginx(dir / "www", 8 << 20);
  CacheConfig config;
  config.root = dir / "cache";
  config.reuse_torch_hub = false;
  config.lock_downloads = false;  // as on a file system where flock does not work
  std::vector<std::string> results(6);
  std::vector<std::string> errors(6);
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      try {
        Store store(config);
        PullResult r = store.pull(make_url_request(nginx.url("/slow/race.bin"), sha, "t/race.T"));
        results[i] = sha256_file(r.path);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 6; ++i) {
    INFO(errors[i]);
    CHECK(results[i] == sha);
  }
  CHECK(nginx.requests("/slow/race.bin").size() >= 2);  // they really raced
  CHECK(blob_count(dir / "cache") == 1);
  CHECK(partial_count(dir / "cache") == 0);
  CHECK(store_intact(dir / "cache"));
}
