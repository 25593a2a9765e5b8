// Reading Protocol Buffers' wire format, for the one protobuf file the
// tokenizers read (SentencePiece's tokenizer.model): a cursor over
// untrusted bytes that yields (field number, wire type, value) and never
// reads past the end. Groups (wire types 3 and 4, long deprecated) are
// refused; unknown fields are skipped by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace modelzoo::text {

class WireReader {
 public:
  /// `name` is what errors call the bytes ("tokenizer.model: pieces[3]").
  WireReader(std::string_view bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}

  enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };

  /// The next field's key; false at the end. Error on a malformed key.
  bool next(uint32_t* field, WireType* type);

  uint64_t varint();
  uint32_t fixed32();
  std::string_view length_delimited();
  /// Skips a value of `type`.
  void skip(WireType type);

  const std::string& name() const { return name_; }

 private:
  [[noreturn]] void truncated() const;

  std::string_view bytes_;
  size_t pos_ = 0;
  std::string name_;
};

}  // namespace modelzoo::text
