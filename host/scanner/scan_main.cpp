// modelzoo-scan: the helper process that loads plugins on the host's behalf
// (see modelzoo/host/plugin_scanner.h). It takes `SHA256 PATH` pairs as
// arguments, checks that each file still has the digest the host verified,
// loads it, runs its entry, checks its factories against its manifest
// and reports each step on the protocol descriptor the host passed
// (`--protocol-fd N`), each line tagged with the nonce the host wrote on
// stdin; stdout and stderr, which plugins may write to, go nowhere. A
// plugin that crashes or hangs takes down only this process.
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/host/plugin_dependencies.h"
#include "modelzoo/host/plugin_library.h"
#include "modelzoo/sdk/manifest.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/trust/crypto.h"

namespace {

int add_loaded_object(dl_phdr_info* info, size_t, void* out) {
  const std::string name = info->dlpi_name ? info->dlpi_name : "";
  // The scanner itself (""), the vDSO and plugins (loaded by descriptor)
  // are not files whose change the loader would see.
  if (!name.empty() && name.front() == '/' && name.rfind("/proc/self/fd/", 0) != 0)
    static_cast<nlohmann::json*>(out)->push_back(name);
  return 0;
}

// What the outcome of loading the plugin at `path` (open on `fd`) depends
// on: every library loaded so far, the directories its dependencies are
// looked for in, and the loader's cache of the system's libraries.
nlohmann::json probe_depends(int fd, const std::string& path) {
  nlohmann::json depends = nlohmann::json::array();
  dl_iterate_phdr(add_loaded_object, &depends);
  try {
    for (const auto& dir :
         modelzoo::dependency_search_dirs(modelzoo::read_elf_dependencies(fd), path))
      depends.push_back(dir.string());
  } catch (const std::exception&) {
    // Not an ELF file: nothing it could resolve.
  }
  depends.push_back("/etc/ld.so.cache");
  return depends;
}

// One protocol line: the run's nonce, a space, a JSON object. write(2) in
// one call, so a line is never interleaved with anything a plugin writes.
void send(int fd, const std::string& nonce, const nlohmann::json& message) {
  const std::string line = nonce + " " + message.dump() + "\n";
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::_Exit(3);  // the host is gone
    done += static_cast<size_t>(n);
  }
}

// The nonce arrives on stdin, which is then closed: it is in no argument,
// environment variable or open file a plugin could read it back from.
std::string read_nonce() {
  std::string nonce;
  char c;
  while (nonce.size() < 128 && ::read(0, &c, 1) == 1 && c != '\n') nonce.push_back(c);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd >= 0) {
    ::dup2(null_fd, 0);
    ::close(null_fd);
  }
  return nonce;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  int protocol_fd = -1;
  int first = 1;
  while (first + 1 < argc && argv[first][0] == '-' && argv[first][1] == '-') {
    if (std::strcmp(argv[first], "--threads") == 0)
      threads = std::atoi(argv[first + 1]);
    else if (std::strcmp(argv[first], "--protocol-fd") == 0)
      protocol_fd = std::atoi(argv[first + 1]);
    else
      break;
    first += 2;
  }
  if (protocol_fd < 0) {
    std::cerr << "modelzoo-scan: run by the modelzoo host only (--protocol-fd N, nonce on stdin)\n";
    return 2;
  }
  // Plugins must not inherit the channel into anything they start.
  ::fcntl(protocol_fd, F_SETFD, FD_CLOEXEC);
  const std::string nonce = read_nonce();
  if (nonce.empty()) return 2;
  for (int i = first; i + 1 < argc; i += 2) {
    const std::string expected_sha256 = argv[i];
    const std::string path = argv[i + 1];
    send(protocol_fd, nonce, {{"probing", path}});
    nlohmann::json result = {{"path", path}, {"ok", true}};
    int fd = -1;
    try {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) throw std::runtime_error(std::string("cannot open: ") + std::strerror(errno));
      if (modelzoo::trust::sha256_of_fd(fd, nullptr) != expected_sha256)
        throw std::runtime_error("the file changed since it was checked");
      const auto manifest = modelzoo::parse_manifest_document(
          modelzoo::read_elf_section(fd, modelzoo::kManifestSection));
      modelzoo::PluginLibrary::open(fd, path, manifest, threads);
    } catch (const std::exception& e) {
      result["ok"] = false;
      result["reason"] = e.what();
    }
    // The descriptor stays open (PluginLibrary pins it, or it was never
    // loaded): it is read once more here.
    if (fd >= 0) result["depends"] = probe_depends(fd, path);
    send(protocol_fd, nonce, result);
  }
  send(protocol_fd, nonce, {{"done", true}});
  // Plugins' static destructors and atexit handlers are not run: what they
  // do is not part of the probe, and a crash there would blame nobody.
  std::_Exit(0);
}
