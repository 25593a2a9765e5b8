#include "protobuf_wire.h"

#include "modelzoo/sdk/error.h"

namespace modelzoo::text {

void WireReader::truncated() const {
  throw Error(name_ + ": the protobuf data ends inside a field at byte " + std::to_string(pos_) +
              ": the file is truncated or is not a SentencePiece model; download it again");
}

uint64_t WireReader::varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= bytes_.size()) truncated();
    const auto byte = static_cast<uint8_t>(bytes_[pos_++]);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return value;
  }
  throw Error(name_ + ": a protobuf varint longer than 10 bytes at byte " + std::to_string(pos_) +
              ": the file is damaged or is not a SentencePiece model; download it again");
}

uint32_t WireReader::fixed32() {
  if (bytes_.size() - pos_ < 4) truncated();
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i)
    value |= static_cast<uint32_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i);
  pos_ += 4;
  return value;
}

std::string_view WireReader::length_delimited() {
  const uint64_t length = varint();
  if (length > bytes_.size() - pos_) truncated();
  const std::string_view value = bytes_.substr(pos_, static_cast<size_t>(length));
  pos_ += static_cast<size_t>(length);
  return value;
}

bool WireReader::next(uint32_t* field, WireType* type) {
  if (pos_ >= bytes_.size()) return false;
  const size_t at = pos_;
  const uint64_t key = varint();
  const uint64_t wire = key & 7;
  if ((key >> 3) == 0 || (key >> 3) > 0x1FFFFFFF ||
      (wire != kVarint && wire != kFixed64 && wire != kLength && wire != kFixed32))
    throw Error(name_ + ": no protobuf field starts at byte " + std::to_string(at) + " (key " +
                std::to_string(key) +
                "): the file is damaged or is not a SentencePiece model; download it again");
  *field = static_cast<uint32_t>(key >> 3);
  *type = static_cast<WireType>(wire);
  return true;
}

void WireReader::skip(WireType type) {
  switch (type) {
    case kVarint:
      varint();
      return;
    case kFixed64:
      if (bytes_.size() - pos_ < 8) truncated();
      pos_ += 8;
      return;
    case kLength:
      length_delimited();
      return;
    case kFixed32:
      fixed32();
      return;
  }
}

}  // namespace modelzoo::text
