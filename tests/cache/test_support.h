// Test fixtures for the cache tests: temp dirs, env overrides, an nginx and a
// fault-injecting server on free 127.0.0.1 ports, child processes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelzoo::cache::test {

namespace fs = std::filesystem;

/// A 127.0.0.1 port that nobody listens on right now.
int free_loopback_port();

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

/// Sets (or unsets, with nullopt) environment variables; restores on scope exit.
class ScopedEnv {
 public:
  ScopedEnv(std::map<std::string, std::optional<std::string>> values);
  ~ScopedEnv();

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

/// Writes `size` pseudo-random bytes; returns their SHA-256.
std::string write_random_file(const fs::path& path, std::uint64_t size, unsigned seed);
std::string read_file(const fs::path& path);

/// Debian's nginx as the current user: own prefix, config, logs, temp paths.
/// Serves `docroot` at / and at /slow/ (rate-limited to `slow_rate` bytes/s).
class Nginx {
 public:
  /// With `tls` = {certificate, key}, listens with TLS and url() is https.
  explicit Nginx(const fs::path& docroot, std::uint64_t slow_rate = 4 << 20,
                 std::optional<std::pair<fs::path, fs::path>> tls = std::nullopt);
  ~Nginx();
  void stop();
  int port() const { return port_; }
  std::string url(const std::string& path) const;
  /// Access-log lines "METHOD URI STATUS RANGE BYTES" whose URI contains `part`.
  std::vector<std::string> requests(const std::string& part = "") const;

 private:
  TempDir prefix_;
  int port_ = 0;
  int pid_ = -1;
  bool tls_ = false;
};

/// Runs a command to completion; returns its exit code.
int run_command(const std::vector<std::string>& argv);

/// fault_server.py (see there for the paths it understands).
class FaultServer {
 public:
  explicit FaultServer(const fs::path& payload);
  ~FaultServer();
  void stop();
  int port() const { return port_; }
  std::string url(const std::string& path) const;
  /// [{"path":..., "range":...}] of every request so far.
  nlohmann::json requests() const;

 private:
  int port_ = 0;
  int pid_ = -1;
};

struct ProcessResult {
  int exit_code = -1;  ///< -signal when killed
  std::string out;
  std::string err;
};

/// Runs pull_tool with `args`, waits, returns its output.
ProcessResult run_pull_tool(const std::vector<std::string>& args);
/// Runs the modelzoo CLI with `args` (environment: this process's), waits.
ProcessResult run_cli(const std::vector<std::string>& args);

/// A running pull_tool (or another program) whose stdout is read line by line.
class PullProcess {
 public:
  explicit PullProcess(const std::vector<std::string>& args);
  PullProcess(const std::string& program, const std::vector<std::string>& args);
  ~PullProcess();
  /// Next stdout line, or nullopt at EOF / after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void kill9();
  ProcessResult wait();
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  fs::path err_file_;
  std::string out_seen_;
};

/// Last stdout line of pull_tool parsed as JSON (its result).
nlohmann::json result_json(const ProcessResult& r);

/// Store::verify({all=true}) on `root` is intact (and prints why not).
bool store_intact(const fs::path& root);

/// Files in the partial/ dir of a cache root.
std::size_t partial_count(const fs::path& root);
std::size_t blob_count(const fs::path& root);

}  // namespace modelzoo::cache::test
