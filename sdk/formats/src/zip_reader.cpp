#include "zip_reader.h"

#include <algorithm>
#include <vector>

#include "modelzoo/sdk/error.h"

namespace modelzoo::formats {
namespace {

constexpr uint32_t kEocd = 0x06054b50, kEocd64 = 0x06064b50, kEocd64Locator = 0x07064b50;
constexpr uint32_t kCentral = 0x02014b50, kLocal = 0x04034b50;

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size, const std::string& name)
      : data_(data), size_(size), name_(name) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("corrupted or incomplete zip archive in " + name_ + ": " + what);
  }
  void need(uint64_t offset, uint64_t length) const {
    if (offset > size_ || length > size_ - offset)
      fail("a record extends past the end of the file");
  }
  uint64_t le(uint64_t offset, int bytes) const {
    need(offset, static_cast<uint64_t>(bytes));
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(data_[offset + i]) << (8 * i);
    return v;
  }
  size_t size() const { return size_; }
  const uint8_t* data() const { return data_; }

 private:
  const uint8_t* data_;
  size_t size_;
  const std::string& name_;
};

}  // namespace

std::map<std::string, ZipEntry> read_zip_directory(const uint8_t* data, size_t size,
                                                   const std::string& name) {
  Bytes b(data, size, name);
  if (size < 22) b.fail("too short for an end-of-central-directory record");
  // The EOCD record is in the last 64 KiB + 22 bytes (its comment is < 64 KiB).
  uint64_t eocd = UINT64_MAX;
  const uint64_t lowest = size > 65557 ? size - 65557 : 0;
  for (uint64_t pos = size - 22 + 1; pos-- > lowest;) {
    if (b.le(pos, 4) == kEocd) {
      eocd = pos;
      break;
    }
  }
  if (eocd == UINT64_MAX) b.fail("no end-of-central-directory record");
  uint64_t count = b.le(eocd + 10, 2);
  uint64_t dir_size = b.le(eocd + 12, 4);
  uint64_t dir_offset = b.le(eocd + 16, 4);
  if (count == 0xFFFF || dir_size == 0xFFFFFFFF || dir_offset == 0xFFFFFFFF) {
    // ZIP64: the locator sits just before the EOCD record.
    if (eocd < 20 || b.le(eocd - 20, 4) != kEocd64Locator) b.fail("ZIP64 locator missing");
    const uint64_t record = b.le(eocd - 20 + 8, 8);
    if (b.le(record, 4) != kEocd64) b.fail("ZIP64 end-of-central-directory record missing");
    count = b.le(record + 32, 8);
    dir_size = b.le(record + 40, 8);
    dir_offset = b.le(record + 48, 8);
  }
  b.need(dir_offset, dir_size);
  if (count > dir_size / 46) b.fail("entry count larger than the central directory can hold");

  std::map<std::string, ZipEntry> entries;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  uint64_t pos = dir_offset;
  const uint64_t dir_end = dir_offset + dir_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (pos + 46 > dir_end || b.le(pos, 4) != kCentral) b.fail("bad central directory entry");
    const uint64_t method = b.le(pos + 10, 2);
    uint64_t compressed = b.le(pos + 20, 4);
    uint64_t uncompressed = b.le(pos + 24, 4);
    const uint64_t name_len = b.le(pos + 28, 2), extra_len = b.le(pos + 30, 2),
                   comment_len = b.le(pos + 32, 2);
    uint64_t local = b.le(pos + 42, 4);
    if (pos + 46 + name_len + extra_len + comment_len > dir_end)
      b.fail("central directory entry overruns");
    std::string entry_name(reinterpret_cast<const char*>(data + pos + 46), name_len);
    // ZIP64 extended information: 64-bit values for the fields set to 0xFFFFFFFF.
    for (uint64_t e = pos + 46 + name_len, end = e + extra_len; e + 4 <= end;) {
      const uint64_t id = b.le(e, 2), len = b.le(e + 2, 2);
      if (e + 4 + len > end) b.fail("extra field overruns");
      if (id == 0x0001) {
        uint64_t f = e + 4;
        auto take = [&](uint64_t& field) {
          if (field != 0xFFFFFFFF) return;
          if (f + 8 > e + 4 + len) b.fail("ZIP64 extra field too short");
          field = b.le(f, 8);
          f += 8;
        };
        take(uncompressed);
        take(compressed);
        take(local);
      }
      e += 4 + len;
    }
    if (b.le(local, 4) != kLocal) b.fail("entry '" + entry_name + "' has no local header");
    const uint64_t data_offset = local + 30 + b.le(local + 26, 2) + b.le(local + 28, 2);
    b.need(data_offset, compressed);
    if (method == 0 && compressed != uncompressed)
      b.fail("stored entry '" + entry_name + "' has two sizes");
    if (!entries.emplace(entry_name, ZipEntry{data_offset, compressed, method == 0}).second)
      b.fail("entry '" + entry_name + "' appears twice");
    ranges.emplace_back(local, data_offset + compressed);
    pos += 46 + name_len + extra_len + comment_len;
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) b.fail("two entries overlap");
  return entries;
}

}  // namespace modelzoo::formats
