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
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/host/install_layout.h"
#include "modelzoo/host/paths.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"

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

// 128 random bits as hex, from the kernel.
std::string make_nonce() {
  unsigned char bytes[16];
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::read(fd, bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) {
    if (fd >= 0) ::close(fd);
    throw Error("cannot read /dev/urandom for the scanner's nonce");
  }
  ::close(fd);
  static const char* hex = "0123456789abcdef";
  std::string nonce;
  for (unsigned char b : bytes) {
    nonce.push_back(hex[b >> 4]);
    nonce.push_back(hex[b & 15]);
  }
  return nonce;
}

using Clock = std::chrono::steady_clock;

// The helper's answers, line by line. Every line not tagged with this run's
// nonce, not well-formed, or with a field of the wrong type is a protocol
// error: only plugin code running in the helper can have written it.
class ProtocolReader {
 public:
  explicit ProtocolReader(std::string nonce) : prefix_(std::move(nonce) + " ") {}

  // Consumes `bytes`; false when a line broke the protocol (`error()` says
  // how) — the plugin being probed is then to blame.
  bool feed(std::string_view bytes, std::map<std::string, ProbeResult>& results) {
    buffer_.append(bytes);
    for (size_t eol; (eol = buffer_.find('\n')) != std::string::npos;) {
      const std::string line = buffer_.substr(0, eol);
      buffer_.erase(0, eol + 1);
      if (!take(line, results)) return false;
    }
    if (buffer_.size() > kMaxLine) return fail("a line longer than 1 MiB on the scanner's channel");
    return true;
  }

  const std::string& probing() const { return probing_; }
  Clock::time_point probing_since() const { return probing_since_; }
  bool done() const { return done_; }
  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kMaxLine = size_t{1} << 20;

  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  bool take(const std::string& line, std::map<std::string, ProbeResult>& results) {
    if (line.compare(0, prefix_.size(), prefix_) != 0)
      return fail("wrote to the scanner's channel (an untagged line)");
    JsonRefusal refusal;
    const auto message =
        try_parse_untrusted_json(std::string_view(line).substr(prefix_.size()), &refusal);
    if (!message || !message->is_object()) return fail("a tagged line that is not a JSON object");
    try {
      if (auto path = optional_field<std::string>(*message, "probing", "line")) {
        probing_ = *path;
        probing_since_ = Clock::now();
        return true;
      }
      if (field_or<bool>(*message, "done", "line", false)) {
        done_ = true;
        return true;
      }
      const std::string path = required_field<std::string>(*message, "path", "line");
      if (path != probing_) return fail("a result for '" + path + "' while probing another plugin");
      ProbeResult r;
      r.ok = required_field<bool>(*message, "ok", "line");
      r.reason = field_or<std::string>(*message, "reason", "line", "");
      const nlohmann::json depends =
          field_or<nlohmann::json>(*message, "depends", "line", nlohmann::json::array());
      if (!depends.is_array()) return fail("line.depends: expected an array");
      for (const auto& dependency : depends) {
        if (!dependency.is_string()) return fail("line.depends: expected an array of strings");
        r.depends.push_back(dependency.get<std::string>());
      }
      results[path] = std::move(r);
      probing_.clear();
      return true;
    } catch (const Error& e) {
      return fail(e.what());
    }
  }

  std::string prefix_;
  std::string buffer_;
  std::string probing_;
  Clock::time_point probing_since_{};
  bool done_ = false;
  std::string error_;
};

std::string seconds_text(std::chrono::milliseconds ms) {
  std::string text = std::to_string(ms.count() / 1000.0);
  return text.substr(0, text.find('.') + 2) + " s";
}

// One run of the helper over `plugins`, in its own process group, until it
// exits, breaks the protocol, or a deadline passes; the group is killed at
// the end, so nothing a plugin forked survives. Results land in `results`;
// the plugin being probed when the run went wrong is blacklisted with the
// reason. Returns false when the scan's own deadline passed.
bool run_helper(const std::string& scanner, const std::vector<ProbeRequest>& plugins,
                const ScanOptions& options, Clock::time_point scan_deadline,
                std::map<std::string, ProbeResult>& results) {
  const std::string nonce = make_nonce();
  int channel[2], nonce_pipe[2];
  if (pipe2(channel, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(nonce_pipe, O_CLOEXEC) != 0) {
    ::close(channel[0]);
    ::close(channel[1]);
    throw Error(std::string("pipe: ") + std::strerror(errno));
  }
  constexpr int kProtocolFd = 3;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, nonce_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, channel[1], kProtocolFd);
  // What plugins print while being load-tested is nobody's output.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);  // a group of its own, led by the helper
  std::vector<std::string> args = {scanner, "--threads", std::to_string(options.num_threads),
                                   "--protocol-fd", std::to_string(kProtocolFd)};
  for (const auto& p : plugins) {
    args.push_back(p.sha256);
    args.push_back(p.path);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  std::vector<char*> env = helper_environment();
  const int rc = posix_spawn(&pid, scanner.c_str(), &actions, &attributes, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(channel[1]);
  ::close(nonce_pipe[0]);
  if (rc != 0) {
    ::close(channel[0]);
    ::close(nonce_pipe[1]);
    throw Error("cannot start " + scanner + ": " + std::strerror(rc));
  }
  const std::string nonce_line = nonce + "\n";
  [[maybe_unused]] const ssize_t written =
      ::write(nonce_pipe[1], nonce_line.data(), nonce_line.size());
  ::close(nonce_pipe[1]);
  ::fcntl(channel[0], F_SETFL, O_NONBLOCK);

  ProtocolReader reader(nonce);
  std::string failure;  // why the plugin being probed is blamed
  bool scan_expired = false, exited = false;
  int status = 0;
  auto drain = [&] {
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::read(channel[0], chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      if (!reader.feed(std::string_view(chunk, static_cast<size_t>(n)), results)) {
        failure = "broke the scanner's protocol: " + reader.error();
        return;
      }
    }
  };
  while (failure.empty()) {
    // Read until the helper exits, not until end of file: a child a plugin
    // forked may hold the channel open for ever.
    const pid_t waited = waitpid(pid, &status, WNOHANG);
    if (waited == pid) {
      exited = true;
      drain();
      break;
    }
    const auto now = Clock::now();
    if (now >= scan_deadline) {
      scan_expired = true;
      failure = reader.probing().empty() ? ""
                                         : "was still loading when discovery's deadline of " +
                                               seconds_text(options.scan_timeout) + " passed";
      break;
    }
    if (!reader.probing().empty() && now - reader.probing_since() >= options.timeout) {
      failure = "hung: no answer within " + seconds_text(options.timeout) + " while loading it";
      break;
    }
    pollfd p{channel[0], POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) drain();
  }
  ::kill(-pid, SIGKILL);  // the helper and whatever its plugins started in its group
  if (!exited)
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  ::close(channel[0]);

  const std::string probing = reader.probing();
  if (probing.empty()) return !scan_expired;
  ProbeResult r;
  r.blacklisted = true;
  if (!failure.empty()) {
    r.reason = failure;
  } else if (WIFSIGNALED(status)) {
    r.reason = "crashed with " + signal_text(WTERMSIG(status)) + " while loading it";
  } else {
    r.reason = "exited (status " + std::to_string(WEXITSTATUS(status)) +
               ") while loading it: a plugin must not end the process";
  }
  if (scan_expired) {
    r.blacklisted = false;
    r.transient = true;  // slow, perhaps only this once: asked again next time
  }
  results[probing] = r;
  return !scan_expired;
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
  const Clock::time_point scan_deadline = Clock::now() + options.scan_timeout;
  std::vector<ProbeRequest> remaining = plugins;
  bool in_time = true;
  for (size_t attempt = 0; in_time && !remaining.empty() && attempt <= plugins.size(); ++attempt) {
    in_time = run_helper(scanner, remaining, options, scan_deadline, results);
    std::vector<ProbeRequest> next;
    for (const auto& p : remaining)
      if (!results.count(p.path)) next.push_back(p);
    if (next.size() == remaining.size()) break;
    remaining = std::move(next);
  }
  for (const auto& p : remaining) {
    if (results.count(p.path)) continue;
    ProbeResult r;
    r.transient = !in_time;
    r.reason = in_time ? "the scanner gave no answer for this plugin"
                       : "not load-tested: discovery's deadline of " +
                             seconds_text(options.scan_timeout) + " passed first";
    results[p.path] = r;
  }
  return results;
}

std::string probe_fingerprint(const std::string& depends_text,
                              std::unordered_map<std::string, std::string>* stamps) {
  const char* library_path = std::getenv("LD_LIBRARY_PATH");
  std::string fingerprint =
      std::string("LD_LIBRARY_PATH=") + (library_path ? library_path : "") + ";";
  for (size_t start = 0; start < depends_text.size();) {
    const size_t end = std::min(depends_text.find('\n', start), depends_text.size());
    std::string path = depends_text.substr(start, end - start);
    start = end + 1;
    if (stamps) {
      auto it = stamps->find(path);
      if (it != stamps->end()) {
        fingerprint += it->second;
        continue;
      }
    }
    struct stat st {};
    std::string stamp =
        ::stat(path.c_str(), &st) != 0
            ? std::string("-;")
            : std::to_string(st.st_size) + ":" +
                  std::to_string(st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec) + ":" +
                  std::to_string(st.st_ino) + ";";
    fingerprint += stamp;
    if (stamps) stamps->emplace(std::move(path), std::move(stamp));
  }
  return fingerprint;
}

}  // namespace modelzoo
