// What nginx cannot do, from fault_server.py: truncation with and without
// Content-Length, resets, 404/500/429 (+Retry-After), HTML 200, wrong bytes,
// servers that ignore Range or answer 416, a slow first byte, streams
// without end; and the progress bar as a terminal shows it.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <thread>

#include "modelzoo/cache/sha256.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "test_support.h"

using namespace modelzoo::cache;
using namespace modelzoo::cache::test;

namespace {

constexpr std::uint64_t kSize = 2 << 20;

struct Faults {
  TempDir dir;
  fs::path root = dir / "cache";
  std::string sha = write_random_file(dir / "payload.bin", kSize, 42);
  FaultServer server{dir / "payload.bin"};

  Store store() const {
    CacheConfig c;
    c.root = root;
    c.reuse_torch_hub = false;
    return Store(c);
  }
  static PullOptions fast(int attempts = 3) {
    PullOptions o;
    o.backoff_initial = std::chrono::milliseconds(20);
    o.max_attempts_per_url = attempts;
    o.connect_timeout = std::chrono::seconds(5);
    return o;
  }
  PullRequest request(const std::string& path,
                      std::optional<std::uint64_t> size = std::nullopt) const {
    PullRequest r = make_url_request(server.url(path), sha, "test/payload.T");
    r.file.size = size;
    return r;
  }
  std::vector<std::string> ranges() const {
    std::vector<std::string> out;
    for (const auto& r : server.requests())
      out.push_back(r["range"].is_null() ? "" : r["range"].get<std::string>());
    return out;
  }
};

}  // namespace

TEST_CASE("a body cut short with Content-Length is resumed with a range request",
          "[download][resume]") {
  Faults f;
  Store store = f.store();
  PullResult r = store.pull(f.request("/trunc-once/p.bin"), Faults::fast());
  CHECK(r.sha256 == f.sha);
  auto ranges = f.ranges();
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[0].empty());
  CHECK(ranges[1] == "bytes=" + std::to_string(kSize / 2) + "-");
  CHECK(sha256_file(r.path) == f.sha);
  CHECK(store_intact(f.root));
}

TEST_CASE("a loopback http server may redirect within loopback, never to plain http elsewhere",
          "[download][security]") {
  Faults f;
  Store store = f.store();
  SECTION("to loopback") {
    PullResult r = store.pull(f.request("/redirect-here/p.bin"), Faults::fast());
    CHECK(r.sha256 == f.sha);
  }
  SECTION("to plain http on another host") {
    REQUIRE_THROWS_WITH(store.pull(f.request("/redirect-away/q.bin"), Faults::fast()),
                        Catch::Contains("redirect to plain http on another host refused") &&
                            Catch::Contains("http://weights.example.invalid/q.bin"));
    CHECK(f.ranges().size() == 1);  // not retried
  }
  CHECK(store_intact(f.root));
}

TEST_CASE("a connection reset mid-body is retried and resumed", "[download][resume]") {
  Faults f;
  Store store = f.store();
  PullResult r = store.pull(f.request("/reset-once/p.bin"), Faults::fast());
  CHECK(r.sha256 == f.sha);
  auto ranges = f.ranges();
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[1].rfind("bytes=", 0) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("a server that always truncates fails cleanly and leaves a resumable partial, not a blob",
          "[download][resume]") {
  Faults f;
  Store store = f.store();
  REQUIRE_THROWS_WITH(store.pull(f.request("/trunc-cl/p.bin"), Faults::fast(2)),
                      Catch::Contains("gave up after 2 attempts") && Catch::Contains("resumes"));
  CHECK(blob_count(f.root) == 0);
  CHECK(partial_count(f.root) == 1);
  CHECK(store_intact(f.root));
  // The next run continues from the kept bytes and finishes.
  PullResult r = store.pull(f.request("/ok/p.bin"), Faults::fast());
  CHECK(r.resumed_from == kSize / 2);
  CHECK(f.ranges().back() == "bytes=" + std::to_string(kSize / 2) + "-");
  CHECK(partial_count(f.root) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("truncation without Content-Length: caught by the expected size or by the digest",
          "[download]") {
  Faults f;
  Store store = f.store();
  SECTION("size unknown: digest mismatch, partial deleted, message says what to do") {
    REQUIRE_THROWS_WITH(store.pull(f.request("/trunc-nocl/p.bin"), Faults::fast()),
                        Catch::Contains("sha256 mismatch") && Catch::Contains(f.sha) &&
                            Catch::Contains(f.server.url("/trunc-nocl/p.bin")) &&
                            Catch::Contains("Nothing was cached"));
    CHECK(f.ranges().size() == 1);
    CHECK(partial_count(f.root) == 0);
  }
  SECTION("size known: a short body is a truncation and is retried") {
    REQUIRE_THROWS_WITH(store.pull(f.request("/trunc-nocl/p.bin", kSize), Faults::fast(2)),
                        Catch::Contains("closed after"));
    CHECK(f.ranges().size() == 2);
  }
  CHECK(blob_count(f.root) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("5xx is retried with backoff: 404 and 403 are not", "[download][retry]") {
  Faults f;
  Store store = f.store();
  PullResult r = store.pull(f.request("/fail-2-500/p.bin"), Faults::fast());
  CHECK(r.attempts == 3);
  CHECK(r.sha256 == f.sha);
  REQUIRE_THROWS_WITH(
      store.pull(make_url_request(f.server.url("/status-404/q.bin"), std::string(64, 'b')),
                 Faults::fast()),
      Catch::Contains("HTTP 404"));
  REQUIRE_THROWS_WITH(
      store.pull(make_url_request(f.server.url("/status-403/q.bin"), std::string(64, 'b')),
                 Faults::fast()),
      Catch::Contains("HTTP 403"));
  int count404 = 0, count403 = 0;
  for (const auto& req : f.server.requests()) {
    count404 += req["path"] == "/status-404/q.bin";
    count403 += req["path"] == "/status-403/q.bin";
  }
  CHECK(count404 == 1);
  CHECK(count403 == 1);
  CHECK(store_intact(f.root));
}

TEST_CASE("429 with Retry-After is honoured", "[download][retry]") {
  Faults f;
  Store store = f.store();
  auto start = std::chrono::steady_clock::now();
  PullResult r = store.pull(f.request("/fail-1-429/p.bin"), Faults::fast());
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.attempts == 2);
  // Backoff alone would be 20 ms; the server asked for 1 s.
  CHECK(elapsed >= std::chrono::milliseconds(950));
  CHECK(store_intact(f.root));
}

TEST_CASE("a Retry-After of 26 digits is a long wait, capped, not an exception",
          "[download][retry]") {
  Faults f;
  Store store = f.store();
  PullRequest req = f.request("/retry-after-99999999999999999999999999/fail-1-503/p.bin");
  PullOptions options = Faults::fast();
  options.retry_after_max = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  PullResult r = store.pull(req, options);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(r.attempts == 2);
  CHECK(r.sha256 == f.sha);
  CHECK(store_intact(f.root));
}

TEST_CASE("a server that streams without end is cut off at the declared size", "[download]") {
  Faults f;
  Store store = f.store();
  const std::uint64_t size = std::filesystem::file_size(f.dir / "payload.bin");
  REQUIRE_THROWS_WITH(store.pull(f.request("/endless/p.bin", size), Faults::fast()),
                      Catch::Contains("sends more than the " + std::to_string(size) + " bytes"));
  // Nothing beyond the declared size was written, and the next URL is used.
  PullRequest req = f.request("/endless/p.bin", size);
  req.file.urls.push_back(f.server.url("/ok/p.bin"));
  CHECK(store.pull(req, Faults::fast()).sha256 == f.sha);
  CHECK(partial_count(f.root) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("without a declared size, a download is bounded by the configured maximum",
          "[download]") {
  Faults f;
  Store store = f.store();
  PullOptions options = Faults::fast();
  options.max_size = 1 << 20;  // half the payload
  // No Content-Length: only the count of bytes received can stop it.
  REQUIRE_THROWS_WITH(store.pull(f.request("/endless/p.bin"), options),
                      Catch::Contains("sent more than 1048576 bytes") &&
                          Catch::Contains("larger than the 1.00 MiB limit") &&
                          Catch::Contains("--max-size"));
  CHECK(partial_count(f.root) == 0);  // nothing kept to "resume" from
  CHECK(blob_count(f.root) == 0);
  // A server that announces more is refused before its body.
  REQUIRE_THROWS_WITH(store.pull(f.request("/ok/p.bin"), options),
                      Catch::Contains("announces " + std::to_string(kSize) + " bytes"));
  CHECK(partial_count(f.root) == 0);
  // A declared size is the bound when there is one.
  CHECK(store.pull(f.request("/ok/p.bin", kSize), options).sha256 == f.sha);
  CHECK(store_intact(f.root));
}

TEST_CASE("modelzoo pull --max-size cuts off an endless --url download", "[download][cli]") {
  Faults f;
  ScopedEnv env({{"MODELZOO_HOME", f.root.string()}});
  ProcessResult r = run_cli({"pull", "--quiet", "--url", f.server.url("/endless/p.bin"), "--sha256",
                             f.sha, "--max-size", "512K"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("larger than the 512.0 KiB limit"));
  CHECK(partial_count(f.root) == 0);
  CHECK(blob_count(f.root) == 0);
  r = run_cli({"pull", "--help"});
  CHECK_THAT(r.out, Catch::Contains("--max-size") && Catch::Contains("64G"));
  // 0: no limit; the payload comes whole.
  r = run_cli({"pull", "--quiet", "--url", f.server.url("/ok/p.bin"), "--sha256", f.sha,
               "--max-size", "0"});
  CHECK(r.exit_code == 0);
}

namespace {

// The frames a TerminalProgressBar draws on a pseudo-terminal while `store`
// pulls `request`: the text between carriage returns, bars only.
std::vector<std::string> bar_frames(Store& store, const PullRequest& request,
                                    const PullOptions& options) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  REQUIRE(slave >= 0);
  std::FILE* terminal = ::fdopen(slave, "w");
  REQUIRE(terminal != nullptr);
  std::string drawn;
  std::thread reader([&] {
    char buffer[4096];
    ssize_t n;
    // Ends with EIO once the terminal side is closed.
    while ((n = ::read(master, buffer, sizeof buffer)) > 0)
      drawn.append(buffer, static_cast<std::size_t>(n));
  });
  {
    TerminalProgressBar bar(terminal);
    CHECK(bar.enabled());
    store.pull(request, options, &bar);
  }
  std::fclose(terminal);
  reader.join();
  ::close(master);
  std::vector<std::string> frames;
  const std::string bar_start = "\033[K" + request.alias + "  ";
  std::size_t at = 0;
  while (at < drawn.size()) {
    std::size_t next = drawn.find('\r', at);
    if (next == std::string::npos) next = drawn.size();
    const std::string frame = drawn.substr(at, next - at);
    if (frame.rfind(bar_start, 0) == 0) frames.push_back(frame);
    at = next + 1;
  }
  return frames;
}

}  // namespace

TEST_CASE("the progress bar keeps total, percent and ETA when only the server tells the size",
          "[download][progress]") {
  Faults f;
  Store store = f.store();
  std::vector<std::string> frames;
  std::size_t transfers = 1;
  SECTION("Content-Length") {
    frames = bar_frames(store, f.request("/drip-40/p.bin"), Faults::fast());
  }
  SECTION("the Content-Range total of a resumed download") {
    frames = bar_frames(store, f.request("/trunc-once/drip-40/p.bin"), Faults::fast());
    transfers = 2;
  }
  INFO(frames.size() << " frames");
  REQUIRE(frames.size() >= 4);
  std::size_t with_eta = 0;
  for (const auto& frame : frames) {
    INFO(frame);
    CHECK_THAT(frame, Catch::Contains(" / 2.00 MiB [") && Catch::Contains("%"));
    with_eta += frame.find("ETA ") != std::string::npos ? 1 : 0;
  }
  // Each transfer's first frame has no rate yet; every later one has an ETA.
  CHECK(with_eta >= frames.size() - transfers);
}

TEST_CASE("an HTML page with status 200 is rejected as not a weights file", "[download]") {
  Faults f;
  Store store = f.store();
  REQUIRE_THROWS_WITH(store.pull(f.request("/html/p.bin"), Faults::fast()),
                      Catch::Contains("not a weights file"));
  CHECK(f.ranges().size() == 1);
  // ...and the next mirror is used.
  PullRequest req = f.request("/html/p.bin");
  req.file.urls.push_back(f.server.url("/ok/p.bin"));
  CHECK(store.pull(req, Faults::fast()).sha256 == f.sha);
  CHECK(partial_count(f.root) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("wrong bytes: the error gives URL, expected and actual digest: nothing is kept",
          "[download]") {
  Faults f;
  Store store = f.store();
  std::string wrong;
  {
    std::string data = read_file(f.dir / "payload.bin");
    data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0xFF);
    wrong = sha256_bytes(data);
  }
  REQUIRE_THROWS_WITH(store.pull(f.request("/wrong/p.bin"), Faults::fast()),
                      Catch::Contains(f.server.url("/wrong/p.bin")) &&
                          Catch::Contains("expected " + f.sha) && Catch::Contains("got " + wrong) &&
                          Catch::Contains("MODELZOO_MIRROR"));
  CHECK(partial_count(f.root) == 0);
  CHECK(blob_count(f.root) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("a server that ignores Range (200) restarts the file from byte 0", "[download][resume]") {
  Faults f;
  Store store = f.store();
  PullResult r = store.pull(f.request("/trunc-once/norange/p.bin"), Faults::fast());
  CHECK(r.sha256 == f.sha);
  auto ranges = f.ranges();
  REQUIRE(ranges.size() == 2);
  CHECK_FALSE(ranges[1].empty());  // asked for a range, got the whole file
  CHECK(sha256_file(r.path) == f.sha);
  CHECK(store_intact(f.root));
}

TEST_CASE("a server that answers 416 to a range makes the pull start over", "[download][resume]") {
  Faults f;
  Store store = f.store();
  PullResult r = store.pull(f.request("/trunc-once/r416/p.bin"), Faults::fast());
  CHECK(r.sha256 == f.sha);
  auto ranges = f.ranges();
  REQUIRE(ranges.size() == 3);
  CHECK(ranges[0].empty());
  CHECK_FALSE(ranges[1].empty());
  CHECK(ranges[2].empty());
  CHECK(store_intact(f.root));
}

TEST_CASE("a resumed file that fails the digest is discarded and downloaded once more from zero",
          "[download][resume]") {
  Faults f;
  Store store = f.store();
  // A partial left by an earlier run against a different upstream file.
  fs::create_directories(f.root / "partial");
  {
    std::ofstream out(f.root / "partial" / (f.sha + ".999-deadbeef.part"), std::ios::binary);
    out << std::string(1000, 'Z');
  }
  PullResult r = store.pull(f.request("/ok/p.bin"), Faults::fast());
  CHECK(r.sha256 == f.sha);
  CHECK(r.resumed_from == 0);
  auto ranges = f.ranges();
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[0] == "bytes=1000-");
  CHECK(ranges[1].empty());
  CHECK(partial_count(f.root) == 0);
  CHECK(store_intact(f.root));
}

TEST_CASE("a very slow first byte hits the low-speed timeout in bounded time",
          "[download][timeout]") {
  Faults f;
  Store store = f.store();
  PullOptions o = Faults::fast(1);
  o.low_speed_time = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  REQUIRE_THROWS_WITH(store.pull(f.request("/slow-4000/p.bin"), o), Catch::Contains("imeout"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(3500));
  // Slow but within the limit: fine.
  o.low_speed_time = std::chrono::seconds(10);
  CHECK(store.pull(f.request("/slow-300/p.bin"), o).sha256 == f.sha);
  CHECK(store_intact(f.root));
}

TEST_CASE("hashing on a second thread and inline give the same results, resume included",
          "[download][resume]") {
  for (const char* mode : {"1", "0"}) {
    ScopedEnv env({{"MODELZOO_HASH_THREAD", std::optional<std::string>(mode)}});
    Faults f;
    Store store = f.store();
    PullResult r = store.pull(f.request("/trunc-once/p.bin"), Faults::fast());
    CHECK(r.sha256 == f.sha);
    CHECK(f.ranges().back() == "bytes=" + std::to_string(kSize / 2) + "-");
    std::string big = write_random_file(f.dir / "big.bin", 20 << 20, 9);
    CHECK(sha256_file(f.dir / "big.bin") == big);
    CHECK(store_intact(f.root));
  }
}

namespace {

// Waits until the store holds a partial file (a pull is under way).
bool wait_for_partial(const fs::path& root) {
  for (int i = 0; i < 500; ++i) {
    if (partial_count(root) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void age(const fs::path& file, std::chrono::hours by) {
  fs::last_write_time(file, fs::file_time_type::clock::now() - by);
}

}  // namespace

TEST_CASE("prune never removes the partial of a download in progress", "[cache][prune]") {
  Faults f;
  CacheConfig c;
  c.root = f.root;
  c.reuse_torch_hub = false;
  PruneOptions everything;
  everything.max_size = 0;

  SECTION("a hash-prefix variant, whose lock key holds its file name") {
    everything.partial_grace = std::chrono::seconds(0);  // only the lock protects it
    Store store(c);
    // 32 pieces of 64 KiB, 40 ms apart: about 1.3 s of download.
    auto pull = std::async(std::launch::async, [&] {
      return store.pull(
          make_url_request(f.server.url("/drip-40/w-1.0.bin"), f.sha.substr(0, 8), "test/w.T"),
          Faults::fast());
    });
    REQUIRE(wait_for_partial(f.root));
    CHECK(Store(c).prune(everything).partials_removed == 0);  // another process, say
    CHECK(partial_count(f.root) == 1);
    CHECK(pull.get().sha256 == f.sha);
  }
  SECTION("a download without the lock") {
    c.lock_downloads = false;
    Store store(c);
    auto pull = std::async(std::launch::async,
                           [&] { return store.pull(f.request("/drip-40/p.bin"), Faults::fast()); });
    REQUIRE(wait_for_partial(f.root));
    CHECK(Store(c).prune(everything).partials_removed == 0);
    CHECK(pull.get().sha256 == f.sha);
  }
  CHECK(store_intact(f.root));
}

TEST_CASE("prune removes abandoned partials, whatever their key", "[cache][prune]") {
  Faults f;
  Store store = f.store();
  REQUIRE_THROWS(store.pull(f.request("/trunc-cl/p.bin"), Faults::fast(1)));  // leaves a partial
  const fs::path partials = f.root / "partial";
  const std::string suffix = ".4242-0badc0de.part";
  for (const std::string& name :
       {"prefix-0123abcd-resnet50-0123abcd.pth" + suffix, "import-0123456789abcdef" + suffix})
    std::ofstream(partials / name) << "stale";
  PruneOptions everything;
  everything.max_size = 0;
  CHECK(store.prune(everything).partials_removed == 0);  // too recent to be abandoned
  for (const auto& entry : fs::directory_iterator(partials))
    age(entry.path(), std::chrono::hours(1));
  CHECK(store.prune(everything).partials_removed == 3);
  CHECK(partial_count(f.root) == 0);
  CHECK(store_intact(f.root));
}
