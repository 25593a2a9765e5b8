#include "modelzoo/sdk/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "modelzoo/sdk/error.h"

namespace modelzoo {

void write_file_atomically(const std::string& path, const std::string& contents, mode_t mode) {
  const std::filesystem::path target(path);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  size_t written = 0;
  bool ok = fchmod(fd, mode) == 0;
  while (ok && written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  const int saved = errno;
  ok = ok && fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw Error("cannot write " + path + ": " + std::strerror(saved ? saved : errno));
  }
}

bool read_whole_file(const std::string& path, std::string* contents) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st{};
  bool ok = ::fstat(fd, &st) == 0;
  std::string data;
  if (ok) data.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (ok && done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the file shrank; keep what was read
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (!ok) return false;
  data.resize(done);
  *contents = std::move(data);
  return true;
}

}  // namespace modelzoo
