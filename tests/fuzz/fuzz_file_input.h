// The fuzz input as a file at a fixed path in a private directory, for the
// readers that take a path (signature statements, trust-store entries, the
// downgrade ledger).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fuzz {

inline const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    char pattern[] = "/tmp/modelzoo-fuzz-XXXXXX";
    if (!mkdtemp(pattern)) std::abort();
    return std::filesystem::path(pattern);
  }();
  return dir;
}

inline void write_input(const std::filesystem::path& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
}

}  // namespace fuzz
