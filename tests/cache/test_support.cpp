#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "modelzoo/cache/sha256.h"
#include "modelzoo/cache/store.h"

extern char** environ;

namespace modelzoo::cache::test {
namespace {

int free_port_impl() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("bind");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int spawn(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  if (stderr_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_pid(int pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

}  // namespace

int free_loopback_port() {
  return free_port_impl();
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "modelzoo-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Blobs are read-only; directories are writable, so remove_all works.
  fs::remove_all(path_, ec);
}

ScopedEnv::ScopedEnv(std::map<std::string, std::optional<std::string>> values) {
  for (const auto& [name, value] : values) {
    const char* old = std::getenv(name.c_str());
    saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  for (const auto& [name, value] : saved_) {
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
}

std::string write_random_file(const fs::path& path, std::uint64_t size, unsigned seed) {
  fs::create_directories(path.parent_path());
  std::mt19937_64 rng(seed);
  std::string data(size, '\0');
  for (std::uint64_t i = 0; i + 8 <= size; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  for (std::uint64_t i = size - size % 8; i < size; ++i) data[i] = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(size));
  return sha256_bytes(data);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ------------------------------------------------------------------ nginx ---

Nginx::Nginx(const fs::path& docroot, std::uint64_t slow_rate,
             std::optional<std::pair<fs::path, fs::path>> tls)
    : tls_(tls.has_value()) {
  fs::create_directories(prefix_ / "tmp");
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port_impl();
    const std::string p = prefix_.path().string();
    std::ofstream conf(prefix_ / "nginx.conf");
    conf << "master_process off;\ndaemon off;\nworker_processes 1;\n"
         << "pid " << p << "/nginx.pid;\nerror_log " << p << "/error.log info;\n"
         << "events { worker_connections 512; }\n"
         << "http {\n"
         << "  log_format mz '$request_method $uri $status $http_range $body_bytes_sent';\n"
         << "  access_log " << p << "/access.log mz;\n"
         << "  client_body_temp_path " << p << "/tmp/body;\n"
         << "  proxy_temp_path " << p << "/tmp/proxy;\n"
         << "  fastcgi_temp_path " << p << "/tmp/fastcgi;\n"
         << "  uwsgi_temp_path " << p << "/tmp/uwsgi;\n"
         << "  scgi_temp_path " << p << "/tmp/scgi;\n"
         << "  types { text/html html; }\n"
         << "  default_type application/octet-stream;\n"
         << "  sendfile on;\n"
         << "  server {\n"
         << "    listen 127.0.0.1:" << port_ << (tls ? " ssl" : "") << ";\n"
         << (tls ? "    ssl_certificate " + tls->first.string() + ";\n    ssl_certificate_key " +
                       tls->second.string() + ";\n"
                 : std::string())
         << "    root " << docroot.string() << ";\n"
         << "    location /slow/ { alias " << docroot.string() << "/; limit_rate " << slow_rate
         << "; }\n"
         << "  }\n}\n";
    conf.close();
    int log = ::open((prefix_ / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_ =
        spawn({MODELZOO_NGINX, "-p", p, "-c", p + "/nginx.conf", "-e", p + "/error.log"}, log, log);
    ::close(log);
    // Ready when it accepts a connection; bounded.
    for (int i = 0; i < 1000; ++i) {
      if (port_open(port_)) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // exited (port taken?): try another port
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
  }
  throw std::runtime_error("nginx did not start; see " + (prefix_ / "error.log").string() + ": " +
                           read_file(prefix_ / "error.log"));
}

Nginx::~Nginx() {
  stop();
}

void Nginx::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    wait_pid(pid_);
    pid_ = -1;
  }
}

std::string Nginx::url(const std::string& path) const {
  return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_) + path;
}

int run_command(const std::vector<std::string>& argv) {
  int devnull = ::open("/dev/null", O_WRONLY);
  int pid = spawn(argv, devnull, devnull);
  ::close(devnull);
  return wait_pid(pid);
}

std::vector<std::string> Nginx::requests(const std::string& part) const {
  std::vector<std::string> out;
  std::ifstream in(prefix_ / "access.log");
  std::string line;
  while (std::getline(in, line))
    if (line.find(part) != std::string::npos) out.push_back(line);
  return out;
}

// ------------------------------------------------------------ fault server ---

FaultServer::FaultServer(const fs::path& payload) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_ = spawn({"/usr/bin/python3", MODELZOO_FAULT_SERVER, payload.string()}, fds[1], -1);
  ::close(fds[1]);
  // The server prints its port once it listens: that is the ready signal.
  std::string line;
  char c;
  pollfd pfd{fds[0], POLLIN, 0};
  while (line.find('\n') == std::string::npos) {
    if (::poll(&pfd, 1, 10000) <= 0 || ::read(fds[0], &c, 1) != 1) break;
    line += c;
  }
  ::close(fds[0]);
  port_ = std::atoi(line.c_str());
  if (port_ <= 0) {
    stop();
    throw std::runtime_error("fault_server.py did not start");
  }
}

FaultServer::~FaultServer() {
  stop();
}

void FaultServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    wait_pid(pid_);
    pid_ = -1;
  }
}

std::string FaultServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

nlohmann::json FaultServer::requests() const {
  // Ask the server itself (curl-free: a raw socket GET).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot reach fault server");
  }
  std::string req = "GET /__log HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  [[maybe_unused]] ssize_t w = ::write(fd, req.data(), req.size());
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return nlohmann::json::parse(resp.substr(resp.find("\r\n\r\n") + 4));
}

// ----------------------------------------------------------- processes ---

ProcessResult run_pull_tool(const std::vector<std::string>& args) {
  PullProcess p(args);
  return p.wait();
}

ProcessResult run_cli(const std::vector<std::string>& args) {
  PullProcess p(MODELZOO_CLI, args);
  return p.wait();
}

PullProcess::PullProcess(const std::vector<std::string>& args)
    : PullProcess(MODELZOO_PULL_TOOL, args) {}

PullProcess::PullProcess(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  std::string tmpl = (fs::temp_directory_path() / "modelzoo-pull-err-XXXXXX").string();
  int err = ::mkstemp(tmpl.data());
  err_file_ = tmpl;
  pid_ = spawn(argv, fds[1], err);
  ::close(fds[1]);
  ::close(err);
  out_fd_ = fds[0];
}

PullProcess::~PullProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_pid(pid_);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  std::error_code ec;
  fs::remove(err_file_, ec);
}

std::optional<std::string> PullProcess::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      out_seen_ += line + "\n";
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{out_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void PullProcess::kill9() {
  ::kill(pid_, SIGKILL);
}

ProcessResult PullProcess::wait() {
  ProcessResult r;
  std::string rest;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out_fd_, buf, sizeof buf)) > 0) rest.append(buf, static_cast<std::size_t>(n));
  r.exit_code = wait_pid(pid_);
  pid_ = -1;
  r.out = out_seen_ + buffer_ + rest;
  r.err = read_file(err_file_);
  return r;
}

nlohmann::json result_json(const ProcessResult& r) {
  std::istringstream in(r.out);
  std::string line, last;
  while (std::getline(in, line))
    if (line.rfind("{\"result\"", 0) == 0) last = line;
  if (last.empty()) return nullptr;
  return nlohmann::json::parse(last)["result"];
}

bool store_intact(const fs::path& root) {
  CacheConfig config;
  config.root = root;
  Store store(config);
  VerifyOptions all;
  all.all = true;
  VerifyReport report = store.verify(all);
  if (!report.intact()) std::cerr << "store not intact: " << to_json(report).dump(1) << "\n";
  return report.intact();
}

std::size_t partial_count(const fs::path& root) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root / "partial", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

std::size_t blob_count(const fs::path& root) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root / "blobs" / "sha256", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

}  // namespace modelzoo::cache::test
