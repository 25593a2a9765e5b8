#include "unicode_normalization.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <vector>

#include "modelzoo/sdk/error.h"

namespace modelzoo::text {

namespace {

std::u16string to_utf16(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  // Preflight for the length, then convert; ill-formed input becomes U+FFFD.
  u_strFromUTF8WithSub(nullptr, 0, &length, utf8.data(), static_cast<int32_t>(utf8.size()), 0xFFFD,
                       nullptr, &status);
  std::u16string out(static_cast<size_t>(length), u'\0');
  status = U_ZERO_ERROR;
  u_strFromUTF8WithSub(out.data(), length, nullptr, utf8.data(), static_cast<int32_t>(utf8.size()),
                       0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) throw Error(std::string("UTF-8 to UTF-16: ") + u_errorName(status));
  return out;
}

std::string to_utf8(const std::u16string& utf16) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  u_strToUTF8(nullptr, 0, &length, utf16.data(), static_cast<int32_t>(utf16.size()), &status);
  std::string out(static_cast<size_t>(length), '\0');
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), length, nullptr, utf16.data(), static_cast<int32_t>(utf16.size()),
              &status);
  if (U_FAILURE(status)) throw Error(std::string("UTF-16 to UTF-8: ") + u_errorName(status));
  return out;
}

std::string normalize(std::string_view utf8, const UNormalizer2* normalizer) {
  if (utf8.size() > static_cast<size_t>(INT32_MAX / 4))
    throw Error("text of " + std::to_string(utf8.size()) + " bytes is too long to normalize");
  const std::u16string in = to_utf16(utf8);
  UErrorCode status = U_ZERO_ERROR;
  const int32_t length =
      unorm2_normalize(normalizer, in.data(), static_cast<int32_t>(in.size()), nullptr, 0, &status);
  std::u16string out(static_cast<size_t>(length), u'\0');
  status = U_ZERO_ERROR;
  unorm2_normalize(normalizer, in.data(), static_cast<int32_t>(in.size()), out.data(), length,
                   &status);
  if (U_FAILURE(status)) throw Error(std::string("Unicode normalization: ") + u_errorName(status));
  return to_utf8(out);
}

const UNormalizer2* instance(const UNormalizer2* (*get)(UErrorCode*)) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* normalizer = get(&status);
  if (U_FAILURE(status)) throw Error(std::string("ICU normalizer: ") + u_errorName(status));
  return normalizer;
}

}  // namespace

std::string nfd(std::string_view utf8) {
  return normalize(utf8, instance(unorm2_getNFDInstance));
}

std::string nfc(std::string_view utf8) {
  return normalize(utf8, instance(unorm2_getNFCInstance));
}

}  // namespace modelzoo::text
