// The IDX reader on files a --data-dir may hold: element counts that
// overflow, gzip input that inflates past what its header promises, labels
// outside the model's classes. Each is refused with the file named, before
// anything large is allocated.
#include <zlib.h>

#include <chrono>
#include <fstream>

#include "error_text.h"
#include "idx_dataset.h"
#include "idx_reader.h"
#include "modelzoo/sdk/error.h"
#include "process.h"

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using namespace modelzoo::lut;

using modelzoo::test::error_of;

namespace {

std::string be32(uint32_t n) {
  return {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
}

// An IDX ubyte header for `shape`.
std::string idx_header(const std::vector<uint32_t>& shape) {
  std::string out = {0, 0, 0x08, char(shape.size())};
  for (uint32_t n : shape) out += be32(n);
  return out;
}

// One gzip member holding `data`.
std::string gzip(const std::string& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("IDX element counts that overflow are refused before anything is allocated",
          "[lut][idx][security]") {
  modelzoo::test::TempDir dir;
  // 65536^4 = 2^64 wraps to 0, which matched the empty payload of a
  // header-only file.
  const std::string wrap = dir.path() + "/wrap-idx4-ubyte";
  write(wrap, idx_header({65536, 65536, 65536, 65536}));
  CHECK_THAT(error_of([&] { read_idx_file(wrap); }),
             Contains(wrap + ": not an IDX ubyte file") && Contains("declares 65536 × 65536 × …") &&
                 Contains("more than the 1024 MiB modelzoo reads"));
  // Within 64 bits but past the cap: refused from the header alone.
  const std::string huge = dir.path() + "/huge-idx1-ubyte";
  write(huge, idx_header({0xffffffffu}) + "abc");
  CHECK_THAT(error_of([&] { read_idx_file(huge); }),
             Contains("declares 4294967295 elements, more than the 1024 MiB"));
  // A zero dimension is an empty array, not an error.
  const std::string empty = dir.path() + "/empty-idx2-ubyte";
  write(empty, idx_header({0, 28}));
  CHECK(read_idx_file(empty).sizes() == std::vector<int64_t>{0, 28});
}

TEST_CASE("gzip IDX input is inflated only as far as its header promises", "[lut][idx][security]") {
  modelzoo::test::TempDir dir;
  // 64 gzip members of 1 MiB of zeros each: 64 MiB from ~64 KB, behind a
  // header that promises 16 bytes.
  const std::string member = gzip(std::string(1 << 20, '\0'));
  std::string bomb = gzip(idx_header({16}));
  for (int i = 0; i < 64; ++i) bomb += member;
  const std::string path = dir.path() + "/bomb-idx1-ubyte.gz";
  write(path, bomb);
  CHECK_THAT(
      error_of([&] { read_idx_file(path); }),
      Contains(path) && Contains("the gzip data inflates past the 16 bytes its header promises"));
  // A header past the cap stops before any payload is inflated.
  const std::string capped = dir.path() + "/capped-idx1-ubyte.gz";
  write(capped, gzip(idx_header({(1u << 30) + 1})) + member);
  CHECK_THAT(error_of([&] { read_idx_file(capped); }), Contains("more than the 1024 MiB"));
  // Truncated and corrupted gzip data.
  const std::string whole = gzip(idx_header({3, 2}) + "abcdef");
  const std::string cut = dir.path() + "/cut-idx2-ubyte.gz";
  write(cut, whole.substr(0, whole.size() - 12));
  CHECK_THAT(error_of([&] { read_idx_file(cut); }),
             Contains(cut) && (Contains("truncated") || Contains("corrupted")));
  std::string flipped = whole;
  flipped[12] = char(flipped[12] ^ 0xff);
  write(cut, flipped);
  CHECK_THAT(error_of([&] { read_idx_file(cut); }), Contains(cut));
  // Concatenated members are one stream, as gzip -d reads them.
  const std::string split = dir.path() + "/split-idx2-ubyte.gz";
  write(split, gzip(idx_header({3, 2}) + "abc") + gzip("def"));
  const auto t = read_idx_file(split);
  CHECK(t.sizes() == std::vector<int64_t>{3, 2});
  CHECK(t[2][1].item<uint8_t>() == 'f');
}

TEST_CASE("labels outside the model's classes are refused, naming the file", "[lut][idx]") {
  modelzoo::test::TempDir dir;
  write(dir.path() + "/t10k-images-idx3-ubyte", idx_header({5, 2, 2}) + std::string(20, '\x10'));
  write(dir.path() + "/t10k-labels-idx1-ubyte.gz",
        gzip(idx_header({5}) + std::string("\x01\x09\x00\x0c\x02", 5)));
  const std::string labels = dir.path() + "/t10k-labels-idx1-ubyte.gz";
  CHECK_THAT(error_of([&] { load_fashion_mnist("test", dir.path()); }),
             Contains(labels + ": label 12 (item 3) is outside 0..9"));
  // In range for ten classes, but not for a model with five.
  write(labels, gzip(idx_header({5}) + std::string("\x01\x09\x00\x03\x02", 5)));
  const auto ten = load_fashion_mnist("test", dir.path());
  CHECK(ten.size() == 5);
  CHECK(ten.labels[1].item<int64_t>() == 9);
  CHECK_THAT(error_of([&] { load_fashion_mnist("test", dir.path(), 5); }),
             Contains(labels + ": label 9 (item 1) is outside 0..4"));
}
