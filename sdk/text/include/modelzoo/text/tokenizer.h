// What every tokenizer of a causal language model offers, whatever kind it
// is: GPT-2-style byte-level BPE (ByteLevelBpe, from vocab.json + merges.txt
// or tokenizer.json) and SentencePiece (SentencePiece, from tokenizer.model).
// Commands (text generation, chat) hold a Tokenizer and never ask which
// kind it is:
//
//   std::shared_ptr<const modelzoo::text::Tokenizer> tok = …;  // a loader picks the kind
//   std::vector<int64_t> ids = tok->encode(prompt, /*add_special_tokens=*/true);
//   modelzoo::text::StreamDecoder stream(tok, /*skip_special_tokens=*/true);
//   for (int64_t id : generated) std::cout << stream.push(id) << std::flush;
//   std::cout << stream.finish();
//
// Invariants every implementation keeps: ids are dense below vocab_size();
// decode(ids, skip) equals the concatenation of decode_next over the ids
// (specials left out when skipping) and decode_finish, so a StreamDecoder
// streams exactly decode's text; an implementation is immutable once loaded,
// cheap to copy (copies share one table) and safe to use from several
// threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/sdk/export.h"
#include "modelzoo/text/added_token.h"

namespace modelzoo::text {

/// What a tokenizer carries from one decoded token to the next: bytes of a
/// character not finished yet, and whether any text has come out (the
/// SentencePiece decoder drops the space of the first word only).
struct DecodeState {
  std::string pending;   ///< bytes held back until their character is complete
  bool at_start = true;  ///< nothing decoded yet (for a leading-space rule)
};

class MODELZOO_API Tokenizer {
 public:
  virtual ~Tokenizer();

  /// The ids of `text` (any bytes; ill-formed UTF-8 is repaired first).
  /// With `add_special_tokens`, also what the tokenizer's post-processor
  /// adds around a single text, as Hugging Face's tokenizer(text) does:
  /// Llama's BOS first; nothing for GPT-2, SmolLM2 or Qwen2.
  virtual std::vector<int64_t> encode(std::string_view text, bool add_special_tokens) const = 0;

  /// The text of `ids`, always valid UTF-8; ids that are no token are
  /// skipped. With `skip_special_tokens`, special tokens (BOS, EOS,
  /// <|im_end|>, …) are left out, as in Hugging Face's decode.
  virtual std::string decode(const std::vector<int64_t>& ids,
                             bool skip_special_tokens = false) const = 0;

  /// The raw bytes one token stands for in the middle of a text (not
  /// necessarily valid UTF-8: a character may span tokens); empty for an id
  /// that is no token and for control tokens that decode to nothing.
  virtual std::string token_bytes(int64_t id) const = 0;

  /// One step of decode: the text that `id` completes, given what came
  /// before (carried in *state). StreamDecoder drives this.
  virtual std::string decode_next(DecodeState* state, int64_t id) const = 0;
  /// The text still held in *state, repaired; *state is then fresh.
  virtual std::string decode_finish(DecodeState* state) const = 0;

  /// A token as the vocabulary spells it ("Ġworld", "▁world", "<0x0A>").
  virtual std::optional<int64_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int64_t id) const = 0;

  /// One more than the largest id, added tokens included.
  virtual int64_t vocab_size() const = 0;

  virtual std::optional<int64_t> bos_id() const = 0;
  virtual std::optional<int64_t> eos_id() const = 0;
  virtual std::optional<int64_t> unk_id() const = 0;

  /// The tokens matched whole in the input before the model splits the rest
  /// (special or not), in the order the files list them.
  virtual const std::vector<AddedToken>& added_tokens() const = 0;
  /// Whether decode(…, true) leaves the id out.
  virtual bool is_special(int64_t id) const = 0;

  /// A copy that shares this tokenizer's tables.
  virtual std::shared_ptr<const Tokenizer> share() const = 0;

 protected:
  Tokenizer() = default;
  Tokenizer(const Tokenizer&) = default;
  Tokenizer(Tokenizer&&) noexcept = default;
  Tokenizer& operator=(const Tokenizer&) = default;
  Tokenizer& operator=(Tokenizer&&) noexcept = default;
};

/// Turns generated ids into text as they come: each push returns only the
/// text completed by that id. A UTF-8 character split across tokens (most
/// CJK characters and emoji in GPT-2, byte-fallback pieces in SentencePiece)
/// is held back until its last byte arrives; bytes that can no longer become
/// a character come out as U+FFFD. The concatenation of every push and
/// finish() equals tokenizer.decode(all ids, skip_special_tokens).
class MODELZOO_API StreamDecoder {
 public:
  explicit StreamDecoder(std::shared_ptr<const Tokenizer> tokenizer,
                         bool skip_special_tokens = false);
  /// Shares `tokenizer`'s tables (Tokenizer::share).
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false);

  /// The text completed by `id` (often empty, or more than one character).
  std::string push(int64_t id);

  /// What is held back, repaired (U+FFFD for an unfinished character); the
  /// decoder is then empty and may start a new stream.
  std::string finish();

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;
  bool skip_special_tokens_;
  DecodeState state_;
};

}  // namespace modelzoo::text
