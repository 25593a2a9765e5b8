// The Store's on-disk layout: validated paths, atomic record writes, the
// metadata lock, alias rules. See store_layout.h.
#include "store_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "hashing_writer.h"
#include "modelzoo/cache/sha256.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::cache {

namespace {

bool is_link(const fs::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

[[noreturn]] void refuse_link(const fs::path& path) {
  throw Error("cache directory " + path.string() +
              " is a symbolic link; modelzoo does not follow links inside its cache (one could "
              "lead outside it). Replace the link by a directory, or point MODELZOO_HOME at the "
              "real location");
}

}  // namespace

fs::path Layout::blob(const std::string& hex) const {
  if (!is_full_digest(hex)) throw Error("not a SHA-256 digest: \"" + hex + "\"");
  return blobs() / hex;
}

fs::path Layout::meta(const std::string& hex) const {
  if (!is_full_digest(hex)) throw Error("not a SHA-256 digest: \"" + hex + "\"");
  return metas() / (hex + ".json");
}

fs::path Layout::ref(const std::string& alias) const {
  validate_alias(alias);
  return refs() / (alias + ".json");
}

fs::path Layout::lock(const std::string& key) const {
  if (key.empty() || key.find('/') != std::string::npos || key == "." || key == "..")
    throw Error("invalid lock name \"" + key + "\"");
  return locks() / (key + ".lock");
}

fs::path Layout::quarantine_slot(const std::string& hex) const {
  if (!is_full_digest(hex)) throw Error("not a SHA-256 digest: \"" + hex + "\"");
  // Time for the reader, a unique suffix so two quarantines in one second
  // (or from two processes) never overwrite each other.
  return quarantine() / (hex + "." + std::to_string(now_seconds()) + "." + unique_suffix());
}

void Layout::ensure() const {
  std::error_code ec;
  for (const fs::path& dir :
       {blobs().parent_path(), blobs(), metas(), refs(), partials(), locks(), quarantine()}) {
    if (is_link(dir)) refuse_link(dir);
    fs::create_directories(dir, ec);
    if (ec)
      throw Error("cannot create cache directory " + dir.string() + ": " + ec.message() +
                  " (set MODELZOO_HOME to a writable directory)");
  }
  fs::path tag = root / "CACHEDIR.TAG";
  if (!fs::exists(tag)) {
    fs::path tmp = root / ("CACHEDIR.TAG." + unique_suffix());
    {
      std::ofstream out(tmp);
      out << "Signature: 8a477f597d28d172789f06886806bc55\n"
             "# This file is a cache directory tag created by modelzoo.\n"
             "# For information about cache directory tags see https://bford.info/cachedir/\n";
    }
    fs::rename(tmp, tag, ec);
  }
}

void Layout::check_ref_parents(const std::string& alias) const {
  validate_alias(alias);
  if (is_link(refs())) refuse_link(refs());
  fs::path dir = refs();
  const fs::path parent = fs::path(alias).parent_path();
  for (const auto& part : parent) {
    dir /= part;
    if (is_link(dir)) refuse_link(dir);
  }
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::system_clock::time_point from_seconds(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

std::string unique_suffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          static_cast<std::uint64_t>(::getpid()) << 32);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%08x", static_cast<unsigned>(rng()));
  return std::to_string(::getpid()) + "-" + buffer;
}

std::optional<std::string> partial_lock_key(const std::string& name) {
  const std::string ext = ".part";
  if (name.size() <= ext.size() || name.compare(name.size() - ext.size(), ext.size(), ext) != 0)
    return std::nullopt;
  const std::string stem = name.substr(0, name.size() - ext.size());
  const std::size_t dot = stem.rfind('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  const std::string suffix = stem.substr(dot + 1), key = stem.substr(0, dot);
  const std::size_t dash = suffix.find('-');
  auto all = [](const std::string& s, int (*pred)(int)) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [pred](char c) {
      return pred(static_cast<unsigned char>(c)) != 0;
    });
  };
  if (dash == std::string::npos || !all(suffix.substr(0, dash), ::isdigit) ||
      !all(suffix.substr(dash + 1), ::isxdigit))
    return std::nullopt;
  if (key.rfind("import-", 0) == 0) return std::nullopt;
  return key;
}

void write_json_atomic(const fs::path& file, const nlohmann::json& value) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::path tmp = file;
  tmp += "." + unique_suffix() + ".tmp";
  const std::string text = value.dump(1) + "\n";
  // POSIX calls, not a stream: the errno of a failed write says whether the
  // disk is full, and the caller's guidance depends on it.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    throw WriteFailure("cannot write " + file.string() + ": " + std::strerror(err), err);
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      fs::remove(tmp, ec);
      throw WriteFailure("cannot write " + file.string() + ": " + std::strerror(err), err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    fs::remove(tmp, ec);
    throw WriteFailure("cannot write " + file.string() + ": " + std::strerror(err), err);
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw WriteFailure("cannot write " + file.string() + ": " + ec.message(), ec.value());
  }
}

MetaLock::MetaLock(const Layout& layout) : lock_(layout.lock("meta"), nullptr) {}

void validate_alias(const std::string& alias) {
  auto bad = [&](const std::string& why) {
    throw Error("invalid cache alias \"" + alias + "\": " + why +
                " (expected family/entrypoint.TAG)");
  };
  if (alias.empty()) bad("empty");
  if (alias.front() == '/' || alias.back() == '/') bad("leading or trailing '/'");
  for (char c : alias)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == '+' || c == '/'))
      bad(std::string("character '") + c + "' not allowed");
  for (const auto& part : fs::path(alias))
    if (part == "." || part == ".." || part.empty()) bad("'.' or '..' component");
}

bool is_valid_alias(const std::string& alias) {
  try {
    validate_alias(alias);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace modelzoo::cache
