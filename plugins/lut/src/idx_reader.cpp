#include "idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "modelzoo/sdk/error.h"

namespace modelzoo::lut {
namespace {

constexpr size_t kZlibChunk = size_t{1} << 30;  // z_stream counts are 32-bit

bool is_gzip(const uint8_t* bytes, size_t size) {
  return size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// The bytes of the file in order, inflated if it is gzip: read(n) never
// produces more than asked, so inflation stops where the caller stops.
class ByteSource {
 public:
  ByteSource(const uint8_t* bytes, size_t size, const std::string& path)
      : in_(bytes), size_(size), path_(path), gzip_(is_gzip(bytes, size)) {
    if (gzip_ && inflateInit2(&z_, 15 + 16) != Z_OK)  // 16: a gzip wrapper
      throw Error(path_ + ": cannot start zlib");
  }
  ~ByteSource() {
    if (gzip_) inflateEnd(&z_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  /// Up to `n` bytes into `out`; fewer only at the end of the data.
  size_t read(uint8_t* out, size_t n) {
    if (!gzip_) {
      const size_t got = std::min(n, size_ - pos_);
      if (got) std::memcpy(out, in_ + pos_, got);
      pos_ += got;
      return got;
    }
    size_t produced = 0;
    while (produced < n && !ended_) {
      if (z_.avail_in == 0 && pos_ < size_) {
        z_.next_in = const_cast<Bytef*>(in_ + pos_);
        z_.avail_in = static_cast<uInt>(std::min(size_ - pos_, kZlibChunk));
        pos_ += z_.avail_in;
      }
      z_.next_out = out + produced;
      z_.avail_out = static_cast<uInt>(std::min(n - produced, kZlibChunk));
      const uInt before = z_.avail_out;
      const int status = inflate(&z_, Z_NO_FLUSH);
      produced += before - z_.avail_out;
      if (status == Z_STREAM_END) {
        // Concatenated gzip members are one stream (as gzip -d and gzread
        // read them); anything else after a member is ignored, as gzread
        // ignores trailing garbage.
        const size_t left = z_.avail_in + (size_ - pos_);
        const uint8_t* next = z_.avail_in ? z_.next_in : in_ + pos_;
        if (left >= 2 && is_gzip(next, left) && inflateReset(&z_) == Z_OK) continue;
        ended_ = true;
      } else if (status == Z_BUF_ERROR && z_.avail_in == 0 && pos_ == size_) {
        throw Error(path_ + ": the gzip data is truncated (corrupted or incomplete file)");
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        throw Error(path_ + ": corrupted gzip data (" + (z_.msg ? z_.msg : "zlib error") + ")");
      }
    }
    return produced;
  }

  bool gzip() const { return gzip_; }
  /// Bytes not yet read, for a plain file (gzip's are unknown until inflated).
  size_t plain_left() const { return size_ - pos_; }

 private:
  const uint8_t* in_;
  size_t size_;
  size_t pos_ = 0;  // input consumed (plain) or handed to zlib (gzip)
  const std::string& path_;
  bool gzip_;
  bool ended_ = false;
  z_stream z_{};
};

}  // namespace

IdxArray parse_idx(const uint8_t* bytes, size_t size, const std::string& path) {
  auto corrupt = [&](const std::string& why) {
    return Error(path + ": not an IDX ubyte file, or corrupted or incomplete (" + why + ")");
  };
  ByteSource source(bytes, size, path);
  uint8_t magic[4];
  if (source.read(magic, 4) != 4 || magic[0] != 0 || magic[1] != 0) throw corrupt("bad magic");
  if (magic[2] != 0x08) throw corrupt("element type is not ubyte");
  const int dims = magic[3];
  uint8_t header[16];
  if (dims < 1 || dims > 4 || source.read(header, 4 * size_t(dims)) != 4 * size_t(dims))
    throw corrupt("bad header");
  IdxArray out;
  // Each count is < 2^32, so four of them can wrap a 64-bit product: check
  // before multiplying.
  uint64_t elements = 1;
  std::string shape_text;
  for (int d = 0; d < dims; ++d) {
    const uint8_t* p = header + 4 * d;
    const uint64_t n =
        (uint64_t(p[0]) << 24) | (uint64_t(p[1]) << 16) | (uint64_t(p[2]) << 8) | p[3];
    out.shape.push_back(static_cast<int64_t>(n));
    shape_text += (d ? " × " : "") + std::to_string(n);
    if (elements != 0 && n > kMaxIdxBytes / elements)
      throw corrupt("its header declares " + shape_text + (d + 1 < dims ? " × …" : "") +
                    " elements, more than the " + std::to_string(kMaxIdxBytes >> 20) +
                    " MiB modelzoo reads");
    elements *= n;
  }
  if (!source.gzip() && source.plain_left() != elements)
    throw corrupt("header promises " + std::to_string(elements) + " bytes, file has " +
                  std::to_string(source.plain_left()));
  // Gzip input grows the buffer as it inflates, so that a header
  // promising a gigabyte in front of a few bytes of data costs a few bytes.
  size_t got = 0;
  while (got < elements) {
    const size_t step = std::min<uint64_t>(elements - got, size_t{16} << 20);
    out.data.resize(got + step);
    const size_t read = source.read(out.data.data() + got, step);
    got += read;
    if (read < step) break;
  }
  if (got != elements)
    throw corrupt("header promises " + std::to_string(elements) + " bytes, the gzip data has " +
                  std::to_string(got));
  uint8_t extra;
  if (source.read(&extra, 1) != 0)
    throw corrupt("the gzip data inflates past the " + std::to_string(elements) +
                  " bytes its header promises (not read further)");
  return out;
}

IdxArray read_idx(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error("cannot open " + path);
  const std::streamoff size = in.tellg();
  // Compressed or not, a file within the cap is at most a little larger
  // than its payload.
  if (size < 0 || static_cast<uint64_t>(size) > kMaxIdxBytes + (uint64_t{1} << 20))
    throw Error(path + " is larger than the " + std::to_string(kMaxIdxBytes >> 20) +
                " MiB of IDX data modelzoo reads: is it the right file?");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) throw Error("cannot read " + path);
  return parse_idx(bytes.data(), bytes.size(), path);
}

void check_labels(const IdxArray& labels, int64_t num_classes, const std::string& path) {
  for (size_t i = 0; i < labels.data.size(); ++i)
    if (labels.data[i] >= num_classes)
      throw Error(path + ": label " + std::to_string(labels.data[i]) + " (item " +
                  std::to_string(i) + ") is outside 0.." + std::to_string(num_classes - 1) +
                  ", the classes of the model; the file is corrupted or labels another data set");
}

}  // namespace modelzoo::lut
