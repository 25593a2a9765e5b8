// BERT's tokenizer: WordPiece, read from vocab.txt or Hugging Face's
// tokenizer.json, with BERT's normalization, special tokens, pairs,
// truncation and padding.
//
//   auto wp = modelzoo::text::WordPiece::from_vocab_txt("vocab.txt");   // uncased
//   // cased:   WordPiece::from_vocab_txt("vocab.txt", {/*lowercase=*/false});
//   // or:      WordPiece::from_tokenizer_json("tokenizer.json");
//   modelzoo::text::Encoding e = wp.encode("Paris is the [MASK] of France.");
//   // e.ids: [CLS] paris is the [MASK] of france . [SEP]; e.attention_mask: all 1
//
//   modelzoo::text::EncodeOptions opts;
//   opts.max_length = 128;
//   opts.truncation = true;
//   opts.padding = modelzoo::text::Padding::kMaxLength;
//   auto pair = wp.encode_pair("question", "context", opts);   // token_type_ids 0…0 1…1, then pads
//   auto batch = wp.encode_batch({"a", "longer text"});        // padded to the longest
//
// Encoding: added tokens ([CLS], [SEP], [PAD], [UNK], [MASK] and any other
// the file adds) are matched first, as whole tokens, in the raw text; the
// rest is normalized (see the steps below), split into words on
// whitespace and at each punctuation character, and each word is cut into
// the longest vocabulary entries from its start, pieces after the first
// prefixed with "##"; a word with a piece not in the vocabulary, or longer
// than 100 characters, is one [UNK]. Normalization, Hugging Face's
// BertNormalizer: drop U+0000, U+FFFD and control characters, whitespace
// becomes a space, CJK ideographs become words of their own, then for an
// uncased model strip accents (NFD, drop nonspacing marks) and lowercase.
// Text that is not valid UTF-8 is repaired first (U+FFFD, then dropped).
//
// A WordPiece is immutable once loaded and cheap to copy; encode and
// decode may run on several threads at once. Files are untrusted: size
// cap, malformed JSON, duplicate tokens and missing special tokens are
// refused with an Error naming the file, the line or key, and the fix.
#pragma once

#include <cstddef>
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

namespace modelzoo::text {

/// How vocab.txt is to be used; tokenizer.json says all of this itself.
struct WordPieceOptions {
  /// Uncased models (bert-base-uncased): lowercase the text.
  bool lowercase = true;
  /// Strip accents; unset: as `lowercase` (Hugging Face's default).
  std::optional<bool> strip_accents;
  /// Put spaces around CJK ideographs, so each is a word.
  bool tokenize_chinese_chars = true;
  /// Drop control characters and turn whitespace into spaces.
  bool clean_text = true;
  /// Words of more characters become one unknown token.
  size_t max_input_chars_per_word = 100;
  std::string continuing_subword_prefix = "##";
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
};

/// Where padding is added to (always on the right).
enum class Padding {
  kNone,       ///< no padding (encode_batch still pads to the longest)
  kLongest,    ///< to the longest sequence of the call
  kMaxLength,  ///< to EncodeOptions::max_length
};

struct EncodeOptions {
  /// Surround with [CLS] … [SEP] (pairs: [CLS] A [SEP] B [SEP]).
  bool add_special_tokens = true;
  /// The length, special tokens included, that truncation cuts to and
  /// Padding::kMaxLength pads to.
  std::optional<size_t> max_length;
  /// Cut to max_length: a single text from its end; a pair longest-first
  /// (one token at a time from the longer text, the second when equal, as
  /// transformers' truncation="longest_first").
  bool truncation = false;
  Padding padding = Padding::kNone;
};

/// One encoded sequence, all four vectors of the same length.
struct Encoding {
  std::vector<int64_t> ids;
  std::vector<int64_t> token_type_ids;  ///< 0 for the first text, 1 for the second
  std::vector<int64_t> attention_mask;  ///< 1 for tokens, 0 for padding
  std::vector<std::string> tokens;      ///< as the vocabulary spells them ("##ing")
  size_t size() const { return ids.size(); }
};

class MODELZOO_API WordPiece {
 public:
  /// Reads vocab.txt: one token a line, its id the line's number from 0.
  /// Error when a special token of `options` is missing from it.
  static WordPiece from_vocab_txt(const std::string& path, const WordPieceOptions& options = {});

  /// Reads a Hugging Face tokenizers file whose model.type is "WordPiece":
  /// model.vocab, unk_token, continuing_subword_prefix,
  /// max_input_chars_per_word; the BertNormalizer options (clean_text,
  /// handle_chinese_chars, strip_accents, lowercase); added_tokens. The
  /// special tokens are [CLS] [SEP] [PAD] [UNK] [MASK].
  static WordPiece from_tokenizer_json(const std::string& path);

  /// from_vocab_txt on the file's contents; `name` is what errors call it.
  static WordPiece from_vocab_text(std::string_view vocab_txt,
                                   const std::string& name = "vocab.txt",
                                   const WordPieceOptions& options = {});

  /// from_tokenizer_json on the file's contents.
  static WordPiece from_tokenizer_json_text(std::string_view tokenizer_json,
                                            const std::string& name = "tokenizer.json");

  /// One text. Error when max_length is needed (truncation, kMaxLength) and
  /// unset, or leaves no room for the special tokens.
  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;

  /// Two texts as one sequence (question and context, sentence pairs).
  Encoding encode_pair(std::string_view first, std::string_view second,
                       const EncodeOptions& options = {}) const;

  /// Several texts, padded to the longest (or to max_length with
  /// Padding::kMaxLength), so they stack into one batch.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts,
                                     const EncodeOptions& options = {}) const;

  /// The word pieces of `text`, without special tokens added.
  std::vector<std::string> tokenize(std::string_view text) const;

  /// Tokens joined by spaces, "##" pieces glued to the one before, and
  /// spaces before punctuation and English contractions removed (Hugging
  /// Face's WordPiece decoder with cleanup). Ids that are no token are
  /// skipped.
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const;

  std::optional<int64_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int64_t id) const;
  /// One more than the largest id (30522 for bert-base-uncased).
  int64_t vocab_size() const;

  int64_t cls_id() const;
  int64_t sep_id() const;
  int64_t pad_id() const;
  int64_t unk_id() const;
  int64_t mask_id() const;
  const std::vector<AddedToken>& added_tokens() const;
  bool is_special(int64_t id) const;

  WordPiece(const WordPiece&);
  WordPiece(WordPiece&&) noexcept;
  WordPiece& operator=(const WordPiece&);
  WordPiece& operator=(WordPiece&&) noexcept;
  ~WordPiece();

  struct Impl;

 private:
  explicit WordPiece(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace modelzoo::text
