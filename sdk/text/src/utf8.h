// UTF-8 as the tokenizers need it: decoding code points from bytes that may
// be ill-formed, and repairing them the way Python's
// bytes.decode("utf-8", errors="replace") and Rust's from_utf8_lossy do —
// one U+FFFD for each maximal subpart of an ill-formed sequence (Unicode
// §3.9, "substitution of maximal subparts"). Hugging Face's decoders use
// the Rust one, so decoded text matches theirs byte for byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace modelzoo::text::utf8 {

constexpr char32_t kReplacement = 0xFFFD;

/// Decodes the code point at bytes[*pos] and advances *pos past it. On an
/// ill-formed sequence returns false and advances *pos past its maximal
/// subpart (at least one byte). *pos < bytes.size() is required.
bool next(std::string_view bytes, size_t* pos, char32_t* code_point);

/// Appends the UTF-8 encoding of a Unicode scalar value.
void append(std::string* out, char32_t code_point);

/// Whether `bytes` is well-formed UTF-8 throughout.
bool is_valid(std::string_view bytes);

/// `bytes` with every ill-formed subsequence replaced by U+FFFD.
std::string repaired(std::string_view bytes);

/// The length of the longest suffix of `bytes` that is a proper prefix of
/// a well-formed sequence (0 to 3 bytes): what may still be completed by
/// bytes that have not arrived yet.
size_t incomplete_tail(std::string_view bytes);

}  // namespace modelzoo::text::utf8
