// Llama's tokenizer: a SentencePiece BPE model (tokenizer.model, as
// Llama-2 and TinyLlama ship it), read and run by modelzoo itself.
//
//   auto sp = modelzoo::text::SentencePiece::from_model_file("tokenizer.model");
//   sp.encode("I believe", /*add_special_tokens=*/true);  // {1, 306, 4658}: BOS first
//   sp.decode({1, 306, 4658});                            // "I believe"
//
// Encoding, as Hugging Face's Llama tokenizers do: the control pieces (<s>,
// </s>) and <unk> written in the text are matched whole first; each piece of
// text between them is normalized as the model says (the dummy prefix "▁"
// in front, spaces as "▁"), split by SentencePiece's BPE (the pair whose
// joined piece scores highest merges first), and a symbol missing from the
// vocabulary is spelled by byte-fallback pieces (<0xF0><0x9F>…), or is <unk>
// without byte fallback. With add_special_tokens, BOS goes first (add_bos,
// default true) and EOS last (add_eos, default false) — Llama's
// add_bos_token/add_eos_token. Decoding is sentencepiece's: control pieces
// vanish, "▁" is a space and the first word's leading space is dropped,
// runs of byte pieces are joined into UTF-8 (a byte that starts no
// character is U+FFFD), <unk> is " ⁇ ".
//
// Why not libsentencepiece: Debian's build carries its own protobuf and
// exports it, which clashes with LibTorch's libprotobuf in one process (a
// crash at load). The tests hold this reader to libsentencepiece's results
// in a process without LibTorch.
//
// The model file is untrusted: its size is capped (kMaxTokenizerFileBytes),
// its protobuf is read without ever reading past the end, and a model that
// is malformed or uses what this reader does not support (a Unigram model,
// a normalization map, user-defined pieces, …) is an Error naming the file,
// the field and the reason.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/sdk/export.h"
#include "modelzoo/text/limits.h"
#include "modelzoo/text/tokenizer.h"

namespace modelzoo::text {

/// What tokenizer.model does not say and Llama's tokenizer assumes (the
/// defaults of Hugging Face's LlamaTokenizer; tokenizer_config.json may
/// change them).
struct SentencePieceOptions {
  bool add_bos = true;   ///< encode(text, true) puts BOS first
  bool add_eos = false;  ///< encode(text, true) puts EOS last
};

class MODELZOO_API SentencePiece final : public Tokenizer {
 public:
  /// Reads a SentencePiece model file.
  static SentencePiece from_model_file(const std::string& path,
                                       const SentencePieceOptions& options = {});

  /// The model from its bytes; `name` is what errors call the file.
  /// `config_json` is tokenizer_config.json's, or empty (its
  /// add_bos_token/add_eos_token override `options`; its bos_token and
  /// eos_token must name the model's own control pieces).
  static SentencePiece from_model_bytes(std::string_view model, const std::string& name,
                                        const SentencePieceOptions& options = {},
                                        std::string_view config_json = {},
                                        const std::string& config_name = "tokenizer_config.json");

  /// The ids of `text` without BOS/EOS.
  std::vector<int64_t> encode(std::string_view text) const;
  std::vector<int64_t> encode(std::string_view text, bool add_special_tokens) const override;

  std::string decode(const std::vector<int64_t>& ids,
                     bool skip_special_tokens = false) const override;

  /// A piece's bytes mid-text: "▁" as a space, a byte piece as its byte,
  /// <unk> as its surface (" ⁇ "), a control piece as nothing.
  std::string token_bytes(int64_t id) const override;
  std::string decode_next(DecodeState* state, int64_t id) const override;
  std::string decode_finish(DecodeState* state) const override;

  /// A piece as the model spells it ("▁world", "<0x0A>", "<s>").
  std::optional<int64_t> token_to_id(std::string_view piece) const override;
  std::optional<std::string> id_to_token(int64_t id) const override;
  int64_t vocab_size() const override;
  std::optional<int64_t> bos_id() const override;
  std::optional<int64_t> eos_id() const override;
  std::optional<int64_t> unk_id() const override;
  /// The control pieces and <unk>, all special.
  const std::vector<AddedToken>& added_tokens() const override;
  /// Control pieces and <unk>, which Hugging Face's decode(…, True) drops.
  bool is_special(int64_t id) const override;
  /// Whether the id is a byte-fallback piece (<0x00>…<0xFF>).
  bool is_byte(int64_t id) const;
  std::shared_ptr<const Tokenizer> share() const override;

  SentencePiece(const SentencePiece&);
  SentencePiece(SentencePiece&&) noexcept;
  SentencePiece& operator=(const SentencePiece&);
  SentencePiece& operator=(SentencePiece&&) noexcept;
  ~SentencePiece() override;

  struct Impl;

 private:
  explicit SentencePiece(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace modelzoo::text
