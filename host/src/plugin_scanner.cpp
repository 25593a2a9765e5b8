#include "modelzoo/host/plugin_scanner.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/host/install_layout.h"
#include "modelzoo/host/paths.h"
#include "modelzoo/sdk/error.h"

extern char** environ;

namespace modelzoo {
namespace fs = std::filesystem;

std::string find_scanner() {
  if (!running_privileged())
    if (const char* env = std::getenv("MODELZOO_SCANNER"); env && *env) return env;
  std::error_code ec;
  const fs::path scanner = install_layout().scanner;
  if (fs::exists(scanner, ec)) return scanner.string();
  return "";
}

namespace {

std::string signal_text(int sig) {
  const char* name = sigabbrev_np(sig);
  return "signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : "");
}

// The helper's environment: ours without the dynamic loader's debugging and
// injection variables. LD_DEBUG would make it report its own LibTorch
// loading on the caller's stderr (and a test of the caller's torch-free path
// would see it); LD_PRELOAD/LD_AUDIT would run foreign code next to the
// plugins it load-tests.
std::vector<char*> helper_environment() {
  std::vector<char*> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view var(*e);
    if (var.rfind("LD_DEBUG", 0) == 0 || var.rfind("LD_PRELOAD=", 0) == 0 ||
        var.rfind("LD_AUDIT=", 0) == 0 || var.rfind("LD_PROFILE", 0) == 0)
      continue;
    env.push_back(*e);
  }
  env.push_back(nullptr);
  return env;
}

// One run of the helper over `paths`; returns when it exits or stalls.
// Results land in `results`; the path it was probing when it died, if any,
// is blacklisted with the reason.
void run_helper(const std::string& scanner, const std::vector<ProbeRequest>& plugins,
                const ScanOptions& options, std::map<std::string, ProbeResult>& results) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // What plugins print while being load-tested is not the caller's output;
  // the verdicts come back over the pipe.
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {scanner, "--threads", std::to_string(options.num_threads)};
  for (const auto& p : plugins) {
    args.push_back(p.sha256);
    args.push_back(p.path);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  std::vector<char*> env = helper_environment();
  const int rc = posix_spawn(&pid, scanner.c_str(), &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    throw Error("cannot start " + scanner + ": " + std::strerror(rc));
  }

  std::string buffer, probing;
  bool stalled = false;
  for (;;) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(options.timeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      stalled = true;
      ::kill(pid, SIGKILL);
      break;
    }
    char chunk[4096];
    const ssize_t n = ::read(pipe_fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t eol; (eol = buffer.find('\n')) != std::string::npos;) {
      const auto line = nlohmann::json::parse(buffer.substr(0, eol), nullptr, false);
      buffer.erase(0, eol + 1);
      if (!line.is_object()) continue;
      if (line.contains("probing")) {
        probing = line["probing"].get<std::string>();
      } else if (line.contains("path")) {
        ProbeResult r;
        r.ok = line.value("ok", false);
        r.reason = line.value("reason", "");
        if (auto d = line.find("depends"); d != line.end() && d->is_array())
          for (const auto& path : *d)
            if (path.is_string()) r.depends.push_back(path.get<std::string>());
        results[line["path"].get<std::string>()] = r;
        probing.clear();
      }
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (probing.empty()) return;
  ProbeResult r;
  r.blacklisted = true;
  if (stalled) {
    r.reason = "hung: no answer within " +
               std::to_string(options.timeout.count() / 1000.0).substr(0, 4) +
               " s while loading it";
  } else if (WIFSIGNALED(status)) {
    r.reason = "crashed with " + signal_text(WTERMSIG(status)) + " while loading it";
  } else {
    r.reason = "the scanner exited with status " + std::to_string(WEXITSTATUS(status)) +
               " while loading it";
  }
  results[probing] = r;
}

}  // namespace

std::map<std::string, ProbeResult> probe_out_of_process(const std::vector<ProbeRequest>& plugins,
                                                        const ScanOptions& options) {
  std::map<std::string, ProbeResult> results;
  if (plugins.empty()) return results;
  const std::string scanner = find_scanner();
  if (scanner.empty()) throw Error("the plugin scanner modelzoo-scan is not installed");
  // Each run either finishes or loses exactly one plugin to a crash or a
  // stall, so this ends after at most plugins.size() + 1 runs.
  std::vector<ProbeRequest> remaining = plugins;
  for (size_t attempt = 0; !remaining.empty() && attempt <= plugins.size(); ++attempt) {
    run_helper(scanner, remaining, options, results);
    std::vector<ProbeRequest> next;
    for (const auto& p : remaining)
      if (!results.count(p.path)) next.push_back(p);
    if (next.size() == remaining.size()) {
      for (const auto& p : next)
        results[p.path] = {false, false, "the scanner gave no answer for this plugin", {}};
      break;
    }
    remaining = std::move(next);
  }
  return results;
}

std::string probe_fingerprint(const std::string& depends_text) {
  const char* library_path = std::getenv("LD_LIBRARY_PATH");
  std::string fingerprint =
      std::string("LD_LIBRARY_PATH=") + (library_path ? library_path : "") + ";";
  for (size_t start = 0; start < depends_text.size();) {
    const size_t end = std::min(depends_text.find('\n', start), depends_text.size());
    const std::string path = depends_text.substr(start, end - start);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      fingerprint += "-;";
    else
      fingerprint += std::to_string(st.st_size) + ":" +
                     std::to_string(st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec) + ":" +
                     std::to_string(st.st_ino) + ";";
    start = end + 1;
  }
  return fingerprint;
}

}  // namespace modelzoo
