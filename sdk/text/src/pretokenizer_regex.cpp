#include "pretokenizer_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

#include "modelzoo/sdk/error.h"

namespace modelzoo::text {

const char* const kGpt2SplitPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0)
    return "error " + std::to_string(code);
  return reinterpret_cast<const char*>(buffer);
}

struct MatchData {
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {
    if (!data) throw Error("pre-tokenizer regex: out of memory");
  }
  ~MatchData() { pcre2_match_data_free(data); }
  pcre2_match_data* data;
};

}  // namespace

struct PretokenizerRegex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

PretokenizerRegex::PretokenizerRegex(const std::string& pattern) : code_(std::make_unique<Code>()) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  if (!code_->code)
    throw Error("pre-tokenizer regex '" + pattern + "' does not compile at offset " +
                std::to_string(offset) + ": " + pcre2_message(error) +
                ": the tokenizer file's pattern is not one PCRE2 accepts");
  // Without a JIT for this machine the interpreter runs the same pattern.
  (void)pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE);
}

PretokenizerRegex::~PretokenizerRegex() = default;

void PretokenizerRegex::find_matches(std::string_view text,
                                     std::vector<std::pair<size_t, size_t>>* ranges) const {
  MatchData match(code_->code);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;
  while (start < text.size()) {
    // The text was repaired to valid UTF-8 before it got here, so PCRE2's
    // own check would only repeat that on every call.
    const int rc = pcre2_match(code_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK,
                               match.data, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return;
    if (rc < 0) throw Error("pre-tokenizer regex failed on the text: " + pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
    const size_t begin = ovector[0];
    size_t end = ovector[1];
    if (end <= begin) {
      // An empty match (a pattern from a tokenizer file may allow one; a
      // \K may even end a match before its start): step over one character.
      end = std::max(begin, start) + 1;
      while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    } else {
      ranges->emplace_back(begin, end);
    }
    start = end;
  }
}

}  // namespace modelzoo::text
