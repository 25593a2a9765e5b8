// Test-only process-level client of modelzoo::cache (the CLI is separate):
//
//   pull_tool --url U [--url U2 ...] --sha256 H [--name ALIAS] [--file NAME]
//             [--size N] [--progress-json] [--fsize-limit BYTES]
//             [--backoff-ms MS] [--attempts N] [--low-speed-time S]
//             [--no-verify-hits]
//   pull_tool --prune-older-than SECONDS
//
// Environment as for modelzoo (MODELZOO_HOME, MODELZOO_MIRROR, ...). Prints
// progress events (with --progress-json) and finally {"result": {...}} on
// stdout; on failure the error on stderr and exit code 1.
#include <sys/resource.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/cache/store.h"

int main(int argc, char** argv) {
  using namespace modelzoo::cache;
  std::vector<std::string> urls;
  std::string sha256, name, file;
  std::optional<std::uint64_t> size;
  bool progress_json = false;
  PullOptions options;
  std::optional<long> prune_older_than;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "pull_tool: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--url")
      urls.push_back(next());
    else if (a == "--sha256")
      sha256 = next();
    else if (a == "--name")
      name = next();
    else if (a == "--file")
      file = next();
    else if (a == "--size")
      size = std::stoull(next());
    else if (a == "--progress-json")
      progress_json = true;
    else if (a == "--backoff-ms")
      options.backoff_initial = std::chrono::milliseconds(std::stol(next()));
    else if (a == "--attempts")
      options.max_attempts_per_url = std::stoi(next());
    else if (a == "--low-speed-time")
      options.low_speed_time = std::chrono::seconds(std::stol(next()));
    else if (a == "--prune-older-than")
      prune_older_than = std::stol(next());
    else if (a == "--no-verify-hits")
      options.verify_hits = false;
    else if (a == "--fsize-limit") {
      // Simulates a full disk: writes past the limit fail with EFBIG.
      rlimit limit{};
      limit.rlim_cur = limit.rlim_max = std::stoull(next());
      std::signal(SIGXFSZ, SIG_IGN);
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0) {
        std::perror("setrlimit");
        return 2;
      }
    } else {
      std::cerr << "pull_tool: unknown option " << a << "\n";
      return 2;
    }
  }
  if (prune_older_than) {
    try {
      PruneOptions prune;
      prune.older_than = std::chrono::seconds(*prune_older_than);
      const PruneReport report = Store().prune(prune);
      std::printf("%s\n", to_json(report).dump().c_str());
      return report.failures.empty() ? 0 : 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pull_tool: %s\n", e.what());
      return 1;
    }
  }
  if (urls.empty() || sha256.empty()) {
    std::cerr << "usage: pull_tool --url U --sha256 H [--name N] ...\n";
    return 2;
  }
  try {
    PullRequest request = make_url_request(urls.front(), sha256, name, file);
    request.file.urls = urls;
    request.file.size = size;
    Store store;
    JsonProgressWriter json(stdout);
    PullResult result = store.pull(request, options, progress_json ? &json : nullptr);
    std::printf("%s\n", nlohmann::json({{"result", to_json(result)}}).dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pull_tool: %s\n", e.what());
    return 1;
  }
}
