// cache_bench pull URL SHA256      pull into $MODELZOO_HOME (hashing included)
// cache_bench verify-store         Store::verify({all}) on $MODELZOO_HOME
// cache_bench hit URL SHA256 N     N cache hits of that (already pulled) file,
//                                  as `modelzoo run` has them: the blob's
//                                  identity checked, re-hashed only if changed
// cache_bench hit-rehash URL SHA256 N   the same hits, each re-hashed (verify_hits)
// Prints one line: "<bytes> <seconds>". The script computes throughput.
#include <chrono>
#include <cstdio>
#include <string>

#include "modelzoo/cache/store.h"

int main(int argc, char** argv) {
  using namespace modelzoo::cache;
  using clock = std::chrono::steady_clock;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: cache_bench pull URL SHA256 | verify-store | hit[-rehash] URL SHA256 N\n");
    return 2;
  }
  try {
    Store store;
    std::string mode = argv[1];
    auto start = clock::now();
    std::uint64_t bytes = 0;
    if (mode == "pull" && argc == 4) {
      PullResult r = store.pull(make_url_request(argv[2], argv[3]));
      bytes = r.size;
    } else if ((mode == "hit" || mode == "hit-rehash") && argc == 5) {
      PullOptions options;
      options.verify_hits = mode == "hit-rehash";
      const PullRequest request = make_url_request(argv[2], argv[3]);
      const int n = std::stoi(argv[4]);
      start = clock::now();
      for (int i = 0; i < n; ++i) {
        const auto hit = store.find(request, options);
        if (!hit) {
          std::fprintf(stderr, "not a cache hit: pull it first\n");
          return 1;
        }
        bytes += hit->size;
      }
    } else if (mode == "verify-store") {
      VerifyOptions all;
      all.all = true;
      VerifyReport report = store.verify(all);
      if (!report.intact()) {
        std::fprintf(stderr, "store not intact\n");
        return 1;
      }
      for (const auto& e : store.list()) bytes += e.size;
    } else {
      std::fprintf(stderr, "bad arguments\n");
      return 2;
    }
    double seconds = std::chrono::duration<double>(clock::now() - start).count();
    std::printf("%llu %.6f\n", static_cast<unsigned long long>(bytes), seconds);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cache_bench: %s\n", e.what());
    return 1;
  }
}
