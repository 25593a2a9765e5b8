// Little-endian binary records for files modelzoo writes and reads back (the
// manifest's listing index, the host's registry cache): u64 numbers and
// lengths, strings as length + bytes, in an order each format fixes. What
// is read back may have been written by another process: every read is
// bounds-checked and a count is capped by the bytes left, so any bytes give
// an Error, never a crash or a huge allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "modelzoo/sdk/error.h"

namespace modelzoo {

inline void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline void put_text(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s.data(), s.size());
}

class ByteRecordReader {
 public:
  /// `what` names the record in errors ("registry cache").
  ByteRecordReader(std::string_view bytes, std::string what)
      : bytes_(bytes), what_(std::move(what)) {}

  uint64_t u64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return v;
  }

  std::string text() {
    const uint64_t n = u64();
    need(n);
    std::string s(bytes_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    return s;
  }

  /// The next bytes must be `magic` (raw, without a length).
  void expect(std::string_view magic) {
    need(magic.size());
    if (bytes_.substr(pos_, magic.size()) != magic) fail("not one");
    pos_ += magic.size();
  }

  /// A count of items that take at least `min_bytes` each: no more than
  /// what is left could hold (a damaged count allocates nothing).
  uint64_t count(size_t min_bytes) {
    const uint64_t n = u64();
    if (n > (bytes_.size() - pos_) / min_bytes) fail("count");
    return n;
  }

  bool done() const { return pos_ == bytes_.size(); }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error("malformed " + what_ + " (" + why + ")");
  }

 private:
  void need(uint64_t n) const {
    if (n > bytes_.size() - pos_) fail("truncated");
  }

  std::string_view bytes_;
  std::string what_;
  size_t pos_ = 0;
};

}  // namespace modelzoo
