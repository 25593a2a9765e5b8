// GPT-2's tokenizer: byte-level BPE, read from Hugging Face's files.
//
//   auto bpe = modelzoo::text::ByteLevelBpe::from_files("vocab.json", "merges.txt");
//   // or: ByteLevelBpe::from_tokenizer_json("tokenizer.json");
//   std::vector<int64_t> ids = bpe.encode("Hello world");   // {15496, 995}
//   std::string text = bpe.decode(ids);                      // "Hello world"
//
//   modelzoo::text::StreamDecoder stream(bpe);                // while generating:
//   for (int64_t id : generated) std::cout << stream.push(id) << std::flush;
//   std::cout << stream.finish();
//
// Encoding: added tokens (<|endoftext|>, and whatever tokenizer.json adds)
// are matched first, as whole tokens, wherever they occur; the text between
// them is split by the pre-tokenizer regex (GPT-2's by default), each piece's
// UTF-8 bytes are mapped to printable characters by the bytes→unicode table
// of OpenAI's encoder.py, and merged by rank. Pieces already seen are
// cached. Text that is not valid UTF-8 is repaired first (each ill-formed
// subsequence becomes U+FFFD). Decoding maps tokens back to bytes and
// repairs them as Python's errors="replace" does, so the result is always
// valid UTF-8 and equals Hugging Face's decode.
//
// Invariants: decode(encode(s)) == s for every valid UTF-8 s that contains
// no added token's text; token ids are dense below vocab_size(). A
// ByteLevelBpe is immutable once loaded and cheap to copy (copies share
// one table); encode and decode may run on several threads at once.
//
// Files are untrusted: every reader caps the file's size
// (kMaxTokenizerFileBytes), refuses malformed JSON, duplicate tokens, a
// merges line without two symbols, a merge of tokens missing from the
// vocabulary, and ids out of range — with an Error naming the file, the line
// or key, and what to do.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/export.h"
#include "modelzoo/text/added_token.h"
#include "modelzoo/text/limits.h"
#include "modelzoo/text/tokenizer.h"

namespace modelzoo::text {

/// What vocab.json + merges.txt do not say and GPT-2's tokenizer assumes
/// (the defaults of Hugging Face's GPT2Tokenizer).
struct BpeFileOptions {
  /// Vocabulary entries that become special added tokens: matched whole by
  /// encode, dropped by decode(…, true). Entries absent from the vocabulary
  /// are ignored.
  std::vector<std::string> special_tokens = {"<|endoftext|>"};
  /// The beginning- and end-of-sequence tokens (ignored when absent).
  std::optional<std::string> bos_token = "<|endoftext|>";
  std::optional<std::string> eos_token = "<|endoftext|>";
};

class MODELZOO_API ByteLevelBpe final : public Tokenizer {
 public:
  /// Reads Hugging Face's vocab.json (token → id) and merges.txt (one rule
  /// "left right" a line, by rank; a first line "#version: …" is skipped).
  static ByteLevelBpe from_files(const std::string& vocab_json_path,
                                 const std::string& merges_txt_path,
                                 const BpeFileOptions& options = {});

  /// Reads a Hugging Face tokenizers file whose model.type is "BPE" with a
  /// ByteLevel pre-tokenizer (GPT-2, RoBERTa, …; also a Split regex followed
  /// by ByteLevel without its regex, as Qwen2 has): model.vocab,
  /// model.merges ("a b" strings or ["a", "b"] pairs), model.unk_token,
  /// model.ignore_merges, added_tokens with their flags, an NFC normalizer
  /// or none. Special-token ids: bos/eos from tokenizer_config.json beside
  /// the file when it is there, otherwise <|endoftext|> when it is an added
  /// token.
  static ByteLevelBpe from_tokenizer_json(const std::string& path);

  /// from_files on the files' contents; the names are what errors call them.
  static ByteLevelBpe from_vocab_and_merges(std::string_view vocab_json,
                                            std::string_view merges_txt,
                                            const std::string& vocab_name = "vocab.json",
                                            const std::string& merges_name = "merges.txt",
                                            const BpeFileOptions& options = {});

  /// from_tokenizer_json on the file's contents; `config_json` is
  /// tokenizer_config.json's, or empty (its bos_token/eos_token override
  /// the defaults, null meaning none; add_bos_token/add_eos_token what
  /// encode(text, true) adds). The names are what errors call the files.
  static ByteLevelBpe from_tokenizer_json_text(
      std::string_view tokenizer_json, const std::string& name = "tokenizer.json",
      std::string_view config_json = {}, const std::string& config_name = "tokenizer_config.json");

  /// The ids of `text`, any bytes. With GPT-2's regex it never throws; a
  /// pattern from a tokenizer file that exceeds PCRE2's match limit on
  /// this text throws Error.
  std::vector<int64_t> encode(std::string_view text) const;
  /// encode(text), with the post-processor's BOS/EOS around it when
  /// `add_special_tokens` and tokenizer.json's TemplateProcessing (or
  /// tokenizer_config.json's add_bos_token/add_eos_token) asks for them.
  std::vector<int64_t> encode(std::string_view text, bool add_special_tokens) const override;

  /// The text of `ids`, ill-formed UTF-8 replaced by U+FFFD; ids that are
  /// no token are skipped, as in Hugging Face's decode.
  std::string decode(const std::vector<int64_t>& ids,
                     bool skip_special_tokens = false) const override;

  /// The raw bytes one token stands for (not necessarily valid UTF-8: a
  /// character may span tokens); empty for an id that is no token.
  std::string token_bytes(int64_t id) const override;

  std::string decode_next(DecodeState* state, int64_t id) const override;
  std::string decode_finish(DecodeState* state) const override;

  /// A token as the vocabulary spells it (byte-level characters: "Ġworld").
  std::optional<int64_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int64_t id) const override;

  /// One more than the largest id, added tokens included (50257 for GPT-2).
  int64_t vocab_size() const override;

  std::optional<int64_t> bos_id() const override;
  std::optional<int64_t> eos_id() const override;
  std::optional<int64_t> unk_id() const override;
  /// The added tokens, special or not, in the order the file lists them.
  const std::vector<AddedToken>& added_tokens() const override;
  bool is_special(int64_t id) const override;
  std::shared_ptr<const Tokenizer> share() const override;

  ByteLevelBpe(const ByteLevelBpe&);
  ByteLevelBpe(ByteLevelBpe&&) noexcept;
  ByteLevelBpe& operator=(const ByteLevelBpe&);
  ByteLevelBpe& operator=(ByteLevelBpe&&) noexcept;
  ~ByteLevelBpe() override;

  struct Impl;

 private:
  explicit ByteLevelBpe(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace modelzoo::text
