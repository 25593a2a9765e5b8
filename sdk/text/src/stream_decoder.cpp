#include "modelzoo/text/byte_level_bpe.h"
#include "utf8.h"

namespace modelzoo::text {

StreamDecoder::StreamDecoder(ByteLevelBpe tokenizer, bool skip_special_tokens)
    : tokenizer_(std::move(tokenizer)), skip_special_tokens_(skip_special_tokens) {}

std::string StreamDecoder::push(int64_t id) {
  if (skip_special_tokens_ && tokenizer_.is_special(id)) return {};
  pending_ += tokenizer_.token_bytes(id);
  // Everything before an unfinished character is final: the repair of
  // ill-formed bytes restarts at every lead byte, so cutting there gives
  // the same text as decoding the whole stream at once.
  const size_t keep = utf8::incomplete_tail(pending_);
  std::string done = utf8::repaired(std::string_view(pending_).substr(0, pending_.size() - keep));
  pending_.erase(0, pending_.size() - keep);
  return done;
}

std::string StreamDecoder::finish() {
  std::string rest = utf8::repaired(pending_);
  pending_.clear();
  return rest;
}

}  // namespace modelzoo::text
