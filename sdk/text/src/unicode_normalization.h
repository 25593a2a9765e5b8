// Unicode normalization forms through ICU (unorm2), on UTF-8 text.
#pragma once

#include <string>
#include <string_view>

namespace modelzoo::text {

/// Canonical decomposition (é → e + U+0301), for stripping accents.
std::string nfd(std::string_view utf8);
/// Canonical composition, Hugging Face's NFC normalizer.
std::string nfc(std::string_view utf8);

}  // namespace modelzoo::text
