#include "modelzoo/sdk/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "modelzoo/sdk/error.h"

namespace modelzoo {

FileLock::FileLock(const std::filesystem::path& path,
                   const std::function<void(long holder_pid)>& on_wait) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0 && errno == ENOENT) {
    // Its directory is gone (a cache copied or cleaned by hand): a lock
    // directory holds nothing else, so it is simply made again.
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  }
  if (fd_ < 0) throw Error("cannot open lock file " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      int err = errno;
      ::close(fd_);
      throw Error("cannot lock " + path.string() + ": " + std::strerror(err));
    }
    waited_ = true;
    if (on_wait) {
      char buffer[32] = {};
      ssize_t n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
      on_wait(n > 0 ? std::strtol(buffer, nullptr, 10) : 0);
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd_);
      throw Error("cannot lock " + path.string() + ": " + std::strerror(err));
    }
  }
  // Record the holder for the "waiting for process N" message of others.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] ssize_t ignored = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace modelzoo
