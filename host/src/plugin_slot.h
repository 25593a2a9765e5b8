// Private to the Hub: what it keeps per plugin file, and the open-file
// helper that ties trust checks and loading to one descriptor.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "modelzoo/hub.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/trust/crypto.h"

namespace modelzoo {

struct Hub::PluginSlot {
  PluginInfo info;
  std::string manifest_sha256;             // of the manifest read at discovery
  std::string sha256;                      // of the file at discovery
  std::shared_ptr<PluginLibrary> library;  // null until first create()
};

// An open plugin file: trust is checked on it and it is loaded from it, so
// the file cannot be swapped between the check and the load.
class OpenFile {
 public:
  // O_NONBLOCK so that a FIFO on the plugin path cannot block the open; only
  // a regular file is kept.
  explicit OpenFile(const std::string& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) {
    if (fd_ < 0) throw Error("cannot open: " + std::string(std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      fd_ = -1;
      throw Error("not a regular file (a FIFO, device or socket): remove it from the plugin path");
    }
    ::fcntl(fd_, F_SETFL, 0);  // a regular file reads the same either way
  }
  ~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }
  /// Gives up ownership (to the loader, which keeps it open).
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

inline trust::PluginFileFacts facts_of(const OpenFile& file, const std::string& path,
                                       const std::string& manifest_sha256) {
  trust::PluginFileFacts facts;
  facts.path = path;
  facts.sha256 = trust::sha256_of_fd(file.fd(), &facts.size);
  facts.manifest_sha256 = manifest_sha256;
  return facts;
}

/// A model handle that keeps the plugin that built it loaded.
std::shared_ptr<Model> tie_to_library(std::shared_ptr<PluginLibrary> library,
                                      std::shared_ptr<Model> model);

/// The manifest embedded in `file`, checked against the digest discovery
/// recorded; throws when the file changed since.
std::string read_discovered_manifest(const OpenFile& file, const std::string& manifest_sha256);

}  // namespace modelzoo
