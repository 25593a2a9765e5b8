#include "modelzoo/text/tokenizer.h"

namespace modelzoo::text {

Tokenizer::~Tokenizer() = default;

StreamDecoder::StreamDecoder(std::shared_ptr<const Tokenizer> tokenizer, bool skip_special_tokens)
    : tokenizer_(std::move(tokenizer)), skip_special_tokens_(skip_special_tokens) {}

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : StreamDecoder(tokenizer.share(), skip_special_tokens) {}

std::string StreamDecoder::push(int64_t id) {
  if (skip_special_tokens_ && tokenizer_->is_special(id)) return {};
  return tokenizer_->decode_next(&state_, id);
}

std::string StreamDecoder::finish() {
  return tokenizer_->decode_finish(&state_);
}

}  // namespace modelzoo::text
