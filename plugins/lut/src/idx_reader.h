// The IDX format (MNIST, Fashion-MNIST) of unsigned bytes, gzipped or not,
// read without LibTorch: a 4-byte magic (0, 0, 0x08, number of dimensions),
// each dimension as a 32-bit big-endian count, then the elements.
//
// A data directory is something a user points --data-dir at, so its files
// are untrusted: element counts are multiplied with overflow checks and
// capped at kMaxIdxBytes before anything is allocated, gzip input is
// inflated only up to the size its header promises (a 4 MB file cannot
// inflate to 4 GB in memory), and labels are checked against the classes
// of the model that will use them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace modelzoo::lut {

/// The largest IDX payload read (Fashion-MNIST's largest file holds 47 MB).
constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 30;

struct IdxArray {
  std::vector<int64_t> shape;  ///< 1 to 4 dimensions
  std::vector<uint8_t> data;   ///< row-major, shape's product bytes
};

/// Reads one IDX ubyte file, gzipped (recognised by its magic bytes, not
/// its name) or plain. Throws modelzoo::Error naming the file.
IdxArray read_idx(const std::string& path);

/// The same, from the file's bytes already in memory; `path` names it in
/// errors.
IdxArray parse_idx(const uint8_t* bytes, size_t size, const std::string& path);

/// Checks that `labels` (one dimension) holds class indices in
/// 0..num_classes-1; throws modelzoo::Error naming `path`, the first bad
/// label and its position.
void check_labels(const IdxArray& labels, int64_t num_classes, const std::string& path);

}  // namespace modelzoo::lut
