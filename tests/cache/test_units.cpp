// Pure functions of modelzoo::cache: digests, directories, parsing, request
// validation. No network.
#include <catch2/catch.hpp>

#include "modelzoo/cache/cache_paths.h"
#include "modelzoo/cache/sha256.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "test_support.h"

using namespace modelzoo::cache;
using namespace modelzoo::cache::test;

TEST_CASE("sha256 matches the FIPS 180-2 test vectors", "[cache][unit]") {
  CHECK(sha256_bytes("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_bytes("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  TempDir dir;
  std::string expected = write_random_file(dir / "f", 3 * 1024 * 1024 + 17, 1);
  CHECK(sha256_file(dir / "f") == expected);
  CHECK(sha256_file_pipelined(dir / "f") == expected);
  std::string big =
      write_random_file(dir / "big", (20 << 20) + 5, 2);  // several blocks, ragged end
  CHECK(sha256_file(dir / "big") == big);
  CHECK(sha256_file_pipelined(dir / "big") == big);
  write_random_file(dir / "empty", 0, 3);
  CHECK(sha256_file_pipelined(dir / "empty") == sha256_bytes(""));
  CHECK(is_full_digest(expected));
  CHECK_FALSE(is_full_digest(expected.substr(1)));
}

TEST_CASE("cache root follows MODELZOO_HOME, then XDG_CACHE_HOME, then HOME", "[cache][unit]") {
  {
    ScopedEnv env({{"MODELZOO_HOME", "/srv/mz"}, {"XDG_CACHE_HOME", "/xdg"}, {"HOME", "/home/u"}});
    CHECK(default_cache_root() == "/srv/mz");
  }
  {
    ScopedEnv env(
        {{"MODELZOO_HOME", std::nullopt}, {"XDG_CACHE_HOME", "/xdg"}, {"HOME", "/home/u"}});
    CHECK(default_cache_root() == "/xdg/modelzoo");
  }
  {
    ScopedEnv env(
        {{"MODELZOO_HOME", std::nullopt}, {"XDG_CACHE_HOME", std::nullopt}, {"HOME", "/home/u"}});
    CHECK(default_cache_root() == "/home/u/.cache/modelzoo");
  }
}

TEST_CASE("torch.hub's checkpoint dir follows TORCH_HOME, then XDG_CACHE_HOME", "[cache][unit]") {
  {
    ScopedEnv env({{"TORCH_HOME", "/t"}, {"XDG_CACHE_HOME", "/xdg"}});
    CHECK(torch_hub_checkpoint_dir() == "/t/hub/checkpoints");
  }
  {
    ScopedEnv env({{"TORCH_HOME", std::nullopt}, {"XDG_CACHE_HOME", "/xdg"}});
    CHECK(torch_hub_checkpoint_dir() == "/xdg/torch/hub/checkpoints");
  }
  {
    ScopedEnv env({{"TORCH_HOME", std::nullopt}, {"XDG_CACHE_HOME", std::nullopt}, {"HOME", "/h"}});
    CHECK(torch_hub_checkpoint_dir() == "/h/.cache/torch/hub/checkpoints");
  }
}

TEST_CASE("environment selects the network policy, mirror and digest policy", "[cache][unit]") {
  {
    ScopedEnv env({{"MODELZOO_OFFLINE", "1"},
                   {"MODELZOO_PREFER_OFFLINE", "1"},
                   {"MODELZOO_MIRROR", "http://127.0.0.1:1/m"},
                   {"MODELZOO_REQUIRE_FULL_DIGEST", "1"},
                   {"MODELZOO_ALLOW_HTTP", "0"}});
    CacheConfig c = CacheConfig::from_environment();
    CHECK(c.network == NetworkPolicy::offline);
    CHECK(c.mirror == "http://127.0.0.1:1/m");
    CHECK(c.require_full_digest);
    CHECK_FALSE(c.allow_http);
  }
  {
    ScopedEnv env({{"MODELZOO_OFFLINE", std::nullopt}, {"MODELZOO_PREFER_OFFLINE", "1"}});
    CHECK(CacheConfig::from_environment().network == NetworkPolicy::prefer_offline);
  }
  {
    ScopedEnv env({{"MODELZOO_OFFLINE", "0"}, {"MODELZOO_PREFER_OFFLINE", std::nullopt}});
    CHECK(CacheConfig::from_environment().network == NetworkPolicy::online);
  }
}

TEST_CASE("sizes and durations parse for the CLI", "[cache][unit]") {
  CHECK(parse_size("1000") == 1000);
  CHECK(parse_size("10G") == 10ull << 30);
  CHECK(parse_size("512M") == 512ull << 20);
  CHECK(parse_size("1.5GiB") == 3ull << 29);
  CHECK_THROWS_AS(parse_size("lots"), modelzoo::Error);
  CHECK_THROWS_AS(parse_size("5Q"), modelzoo::Error);
  CHECK(parse_duration("30d") == std::chrono::hours(24 * 30));
  CHECK(parse_duration("90m") == std::chrono::minutes(90));
  CHECK_THROWS_AS(parse_duration("3 fortnights"), modelzoo::Error);
}

TEST_CASE("URL requests take the basename and detect digest prefixes", "[cache][unit]") {
  PullRequest r =
      make_url_request("https://example.org/a/resnet50-11ad3fa6.pth?download=1", "11AD3FA6");
  CHECK(r.file.file == "resnet50-11ad3fa6.pth");
  CHECK(r.file.sha256.hex == "11ad3fa6");
  CHECK(r.file.sha256.is_prefix);
  PullRequest full =
      make_url_request("https://example.org/x.bin", std::string(64, 'a'), "v/x.T", "y.bin");
  CHECK_FALSE(full.file.sha256.is_prefix);
  CHECK(full.file.file == "y.bin");
  CHECK(make_url_request("https://e.org/z", "sha256:" + std::string(64, 'c')).file.sha256.hex ==
        std::string(64, 'c'));
}

TEST_CASE("bad requests are refused before any network access", "[cache][unit]") {
  TempDir root;
  CacheConfig config;
  config.root = root.path();
  config.reuse_torch_hub = false;
  Store store(config);
  // Every URL here would fail if contacted; the checks must come first.
  auto request = make_url_request("https://127.0.0.1:1/f.bin", "abcd");
  REQUIRE_THROWS_WITH(store.pull(request), Catch::Contains("at least 8 hex digits"));
  request = make_url_request("https://127.0.0.1:1/f.bin", "zz" + std::string(62, 'a'));
  REQUIRE_THROWS_WITH(store.pull(request), Catch::Contains("not lower-case hex"));
  request = make_url_request("https://127.0.0.1:1/f.bin", std::string(64, 'a'), "../../etc/passwd");
  REQUIRE_THROWS_WITH(store.pull(request), Catch::Contains("invalid cache alias"));
  config.require_full_digest = true;
  Store strict(config);
  request = make_url_request("https://127.0.0.1:1/f-11ad3fa6.bin", "11ad3fa6");
  REQUIRE_THROWS_WITH(strict.pull(request), Catch::Contains("requires full digests"));
  // Plain http to a non-loopback host is refused without connecting.
  request = make_url_request("http://weights.example.invalid/f.bin", std::string(64, 'a'));
  REQUIRE_THROWS_WITH(store.pull(request), Catch::Contains("MODELZOO_ALLOW_HTTP"));
  // Loopback means the address, not a name that starts like one.
  for (const char* url : {"http://127.evil.example/f.bin", "http://127.0.0.1.evil.example/f.bin",
                          "http://localhost.evil.example/f.bin", "http://[::2]:1/f.bin"}) {
    INFO(url);
    request = make_url_request(url, std::string(64, 'a'));
    REQUIRE_THROWS_WITH(store.pull(request), Catch::Contains("MODELZOO_ALLOW_HTTP"));
  }
}

#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

namespace {
std::string drain_fd(int fd) {
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

void feed(ProgressSink& sink) {
  ProgressEvent e;
  e.name = "vision/resnet50.V2";
  e.total = 100u << 20;
  e.kind = ProgressEvent::Kind::start;
  sink.on_event(e);
  e.kind = ProgressEvent::Kind::progress;
  e.bytes = 50u << 20;
  sink.on_event(e);
}
}  // namespace

TEST_CASE("the progress bar draws bytes, rate and ETA on a terminal and nothing on a pipe",
          "[cache][progress]") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  std::FILE* pipe_out = ::fdopen(p[1], "w");
  TerminalProgressBar on_pipe(pipe_out);
  CHECK_FALSE(on_pipe.enabled());
  feed(on_pipe);
  std::fclose(pipe_out);
  CHECK(drain_fd(p[0]).empty());
  ::close(p[0]);

  int master = -1, slave = -1;
  REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  std::FILE* tty = ::fdopen(slave, "w");
  TerminalProgressBar on_tty(tty);
  CHECK(on_tty.enabled());
  feed(on_tty);
  std::fflush(tty);
  std::string drawn = drain_fd(master);
  CHECK_THAT(drawn, Catch::Contains("50.0 MiB") && Catch::Contains("100.0 MiB") &&
                        Catch::Contains("50%") && Catch::Contains("ETA") && Catch::Contains("/s"));
  std::fclose(tty);
  ::close(master);

  REQUIRE(::pipe(p) == 0);
  std::FILE* json_out = ::fdopen(p[1], "w");
  JsonProgressWriter json(json_out);
  feed(json);
  std::fclose(json_out);
  std::string lines = drain_fd(p[0]);
  ::close(p[0]);
  auto second = nlohmann::json::parse(lines.substr(lines.find('\n') + 1));
  CHECK(second["event"] == "progress");
  CHECK(second["bytes"] == (50u << 20));
  CHECK(second["total"] == (100u << 20));
}
