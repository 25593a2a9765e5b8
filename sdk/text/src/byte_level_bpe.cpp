#include "modelzoo/text/byte_level_bpe.h"

#include <array>
#include <mutex>
#include <unordered_map>

#include "added_tokens.h"
#include "bpe_merges.h"
#include "bpe_spec.h"
#include "modelzoo/sdk/atomic_file.h"
#include "pre_tokenizer.h"
#include "tokenizer_file.h"
#include "unicode_normalization.h"
#include "utf8.h"
#include "vocabulary.h"

namespace modelzoo::text {

namespace {

// OpenAI's bytes_to_unicode: the printable Latin-1 bytes stand for
// themselves, the other 68 (control characters, space, …) for U+0100 on, so
// every byte is a visible character in vocab.json ("Ġ" is a space).
struct ByteCharTable {
  std::array<char32_t, 256> char_of_byte{};
  std::array<int16_t, 0x144> byte_of_char{};  // -1: no byte

  ByteCharTable() {
    byte_of_char.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      char_of_byte[b] = printable ? static_cast<char32_t>(b) : next++;
      byte_of_char[char_of_byte[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteCharTable& byte_chars() {
  static const ByteCharTable table;
  return table;
}

// The bytes a vocabulary entry stands for: byte-level characters mapped
// back; an entry with any other character (an added token such as
// "<special one>") is its own UTF-8, as Hugging Face's ByteLevel decoder
// does it.
std::string bytes_of_token(std::string_view token) {
  const auto& table = byte_chars();
  std::string bytes;
  size_t pos = 0;
  while (pos < token.size()) {
    char32_t cp = 0;
    if (!utf8::next(token, &pos, &cp) || cp >= table.byte_of_char.size() ||
        table.byte_of_char[cp] < 0)
      return std::string(token);
    bytes.push_back(static_cast<char>(table.byte_of_char[cp]));
  }
  return bytes;
}

// Pieces are cached by their bytes; a long piece is rare and not worth the
// memory, and the cache is emptied when full, so it stays bounded.
constexpr size_t kCacheEntries = 10000;
constexpr size_t kCachedPieceBytes = 64;

}  // namespace

struct ByteLevelBpe::Impl {
  Vocabulary vocab;                // the model's tokens and the added ones
  std::vector<std::string> bytes;  // by id
  std::vector<bool> special;
  std::array<int32_t, 256> byte_ids{};  // the one-character token of each byte, or -1
  MergeTable merges;
  std::vector<AddedToken> added;
  AddedTokenSplitter raw_splitter;         // the added tokens matched before normalizing
  AddedTokenSplitter normalized_splitter;  // … and after
  PreTokenizer pre_tokenizer;
  bool ignore_merges = false;
  bool nfc = false;
  std::vector<int64_t> prefix_ids, suffix_ids;  // by encode(text, true)
  std::optional<int64_t> bos, eos, unk;

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

  void add_merges(const BpeSpec& spec);
  void set_special_ids_around(const BpeSpec& spec);
  void add_added_tokens(const BpeSpec& spec);
  std::optional<int64_t> lookup(const std::optional<std::string>& token) const;
  void encode_piece(std::string_view piece, std::vector<int64_t>* out) const;
  void encode_text(std::string_view text, std::vector<int64_t>* out) const;
};

void ByteLevelBpe::Impl::add_merges(const BpeSpec& spec) {
  std::vector<const BpeMerge*> by_rank;
  by_rank.reserve(spec.merges.size());
  auto id_of = [&](const std::string& token, const BpeMerge& merge) {
    const auto id = vocab.find(token);
    if (!id)
      throw Error(merge.where + ": the rule " + quoted_token(merge.left + " " + merge.right) +
                  " needs the token " + quoted_token(token) + ", which " + spec.vocab_name +
                  " does not have: the merges and the vocabulary are from different "
                  "tokenizers; use the files published together");
    return *id;
  };
  for (const BpeMerge& merge : spec.merges) {
    const int32_t left = id_of(merge.left, merge);
    const int32_t right = id_of(merge.right, merge);
    const int32_t merged = id_of(merge.left + merge.right, merge);
    if (!merges.add(left, right, merged))
      for (const BpeMerge* earlier : by_rank)
        if (earlier->left == merge.left && earlier->right == merge.right)
          throw Error(merge.where + ": the rule " + quoted_token(merge.left + " " + merge.right) +
                      " repeats " + earlier->where + ": the file is damaged; download it again");
    by_rank.push_back(&merge);
  }
}

void ByteLevelBpe::Impl::add_added_tokens(const BpeSpec& spec) {
  added = spec.added_tokens;
  for (size_t i = 0; i < added.size(); ++i) {
    const AddedToken& token = added[i];
    const std::string where = spec.added_tokens_where + "[" + std::to_string(i) + "]";
    const auto id = vocab.find(token.content);
    if (!id) {
      vocab.add(token.content, token.id, where);
    } else if (*id != token.id) {
      throw Error(where + ": " + quoted_token(token.content) + " has the id " +
                  std::to_string(token.id) + " but the vocabulary gives it " + std::to_string(*id) +
                  ": the file is damaged; download it again");
    }
  }
  for (const std::string& content : spec.special_tokens)
    if (const auto id = vocab.find(content)) {
      AddedToken token;
      token.content = content;
      token.id = *id;
      token.special = true;
      added.push_back(std::move(token));
    }
}

// The post-processor's ids, or BOS/EOS where tokenizer_config.json's
// add_bos_token/add_eos_token decide (as LlamaTokenizerFast rebuilds its
// post-processor from them).
void ByteLevelBpe::Impl::set_special_ids_around(const BpeSpec& spec) {
  prefix_ids = spec.prefix_ids;
  suffix_ids = spec.suffix_ids;
  for (const int64_t id : prefix_ids)
    if (!vocab.has(id))
      throw Error(spec.post_processor_where + ": the template adds the id " + std::to_string(id) +
                  ", which is no token: the file is damaged; download it again");
  for (const int64_t id : suffix_ids)
    if (!vocab.has(id))
      throw Error(spec.post_processor_where + ": the template adds the id " + std::to_string(id) +
                  ", which is no token: the file is damaged; download it again");
  if (spec.add_bos)
    prefix_ids = *spec.add_bos && bos ? std::vector<int64_t>{*bos} : std::vector<int64_t>{};
  if (spec.add_eos)
    suffix_ids = *spec.add_eos && eos ? std::vector<int64_t>{*eos} : std::vector<int64_t>{};
}

std::optional<int64_t> ByteLevelBpe::Impl::lookup(const std::optional<std::string>& token) const {
  if (!token) return std::nullopt;
  const auto id = vocab.find(*token);
  if (!id) return std::nullopt;
  return *id;
}

void ByteLevelBpe::Impl::encode_piece(std::string_view piece, std::vector<int64_t>* out) const {
  const bool cacheable = piece.size() <= kCachedPieceBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (const auto it = cache.find(std::string(piece)); it != cache.end()) {
      out->insert(out->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> symbols;
  symbols.reserve(piece.size());
  if (ignore_merges) {
    std::string mapped;
    for (const char c : piece)
      utf8::append(&mapped, byte_chars().char_of_byte[static_cast<uint8_t>(c)]);
    if (const auto id = vocab.find(mapped)) symbols.push_back(*id);
  }
  if (symbols.empty()) {
    // A byte whose character is not in the vocabulary becomes the unknown
    // token, or is dropped when there is none (Hugging Face's BPE does both).
    for (const char c : piece) {
      const int32_t id = byte_ids[static_cast<uint8_t>(c)];
      if (id >= 0)
        symbols.push_back(id);
      else if (unk)
        symbols.push_back(static_cast<int32_t>(*unk));
    }
    merges.apply(&symbols);
  }
  out->insert(out->end(), symbols.begin(), symbols.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kCacheEntries) cache.clear();
    cache.emplace(std::string(piece), std::move(symbols));
  }
}

void ByteLevelBpe::Impl::encode_text(std::string_view text, std::vector<int64_t>* out) const {
  std::string normalized;
  if (nfc) {
    normalized = text::nfc(text);
    text = normalized;
  }
  for (const Segment& segment : normalized_splitter.split(text)) {
    if (segment.id >= 0) {
      out->push_back(segment.id);
      continue;
    }
    for (const std::string& piece : pre_tokenizer.split(segment.text)) encode_piece(piece, out);
  }
}

ByteLevelBpe::ByteLevelBpe(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
ByteLevelBpe::ByteLevelBpe(const ByteLevelBpe&) = default;
ByteLevelBpe::ByteLevelBpe(ByteLevelBpe&&) noexcept = default;
ByteLevelBpe& ByteLevelBpe::operator=(const ByteLevelBpe&) = default;
ByteLevelBpe& ByteLevelBpe::operator=(ByteLevelBpe&&) noexcept = default;
ByteLevelBpe::~ByteLevelBpe() = default;

namespace {

std::shared_ptr<ByteLevelBpe::Impl> build(const BpeSpec& spec) {
  auto impl = std::make_shared<ByteLevelBpe::Impl>();
  if (spec.vocab.empty())
    throw Error(spec.vocab_name +
                ": the vocabulary is empty: the file is damaged; download it again");
  impl->vocab = Vocabulary(spec.vocab.size() + spec.added_tokens.size());
  for (const auto& [token, id] : spec.vocab) impl->vocab.add(token, id, spec.vocab_name);
  impl->add_merges(spec);
  impl->add_added_tokens(spec);
  impl->unk = impl->lookup(spec.unk_token);
  if (spec.unk_token && !impl->unk)
    throw Error(spec.vocab_name + ": the unknown token " + quoted_token(*spec.unk_token) +
                " is not in the vocabulary: the file is damaged; download it again");
  impl->bos = impl->lookup(spec.bos_token);
  impl->eos = impl->lookup(spec.eos_token);
  const auto& table = byte_chars();
  for (int b = 0; b < 256; ++b) {
    std::string character;
    utf8::append(&character, table.char_of_byte[b]);
    impl->byte_ids[b] = impl->vocab.find(character).value_or(-1);
  }
  impl->bytes.resize(impl->vocab.size());
  impl->special.assign(impl->vocab.size(), false);
  for (size_t id = 0; id < impl->vocab.size(); ++id)
    if (impl->vocab.has(id)) impl->bytes[id] = bytes_of_token(impl->vocab.token(id));
  for (const AddedToken& token : impl->added)
    if (token.special) impl->special[token.id] = true;
  std::vector<AddedToken> raw, normalized;
  for (AddedToken token : impl->added) {
    // Hugging Face matches a normalized token's normalized text.
    if (token.normalized && spec.nfc) token.content = text::nfc(token.content);
    (token.normalized ? normalized : raw).push_back(std::move(token));
  }
  impl->raw_splitter = AddedTokenSplitter(std::move(raw));
  impl->normalized_splitter = AddedTokenSplitter(std::move(normalized));
  impl->pre_tokenizer = spec.pre_tokenizer;
  impl->ignore_merges = spec.ignore_merges;
  impl->nfc = spec.nfc;
  impl->set_special_ids_around(spec);
  return impl;
}

}  // namespace

ByteLevelBpe ByteLevelBpe::from_vocab_and_merges(std::string_view vocab_json,
                                                 std::string_view merges_txt,
                                                 const std::string& vocab_name,
                                                 const std::string& merges_name,
                                                 const BpeFileOptions& options) {
  BpeSpec spec = read_vocab_and_merges(vocab_json, merges_txt, vocab_name, merges_name);
  spec.special_tokens = options.special_tokens;
  spec.bos_token = options.bos_token;
  spec.eos_token = options.eos_token;
  return ByteLevelBpe(build(spec));
}

ByteLevelBpe ByteLevelBpe::from_files(const std::string& vocab_json_path,
                                      const std::string& merges_txt_path,
                                      const BpeFileOptions& options) {
  const std::string vocab = read_tokenizer_file(vocab_json_path);
  const std::string merges = read_tokenizer_file(merges_txt_path);
  return from_vocab_and_merges(vocab, merges, vocab_json_path, merges_txt_path, options);
}

ByteLevelBpe ByteLevelBpe::from_tokenizer_json_text(std::string_view tokenizer_json,
                                                    const std::string& name,
                                                    std::string_view config_json,
                                                    const std::string& config_name) {
  return ByteLevelBpe(
      build(read_bpe_tokenizer_json(tokenizer_json, name, config_json, config_name)));
}

ByteLevelBpe ByteLevelBpe::from_tokenizer_json(const std::string& path) {
  const TokenizerFileWithConfig file = read_tokenizer_file_with_config(path);
  return from_tokenizer_json_text(file.text, path, file.config, file.config_path);
}

std::vector<int64_t> ByteLevelBpe::encode(std::string_view text) const {
  return impl_->raw_splitter.encode(text,
                                    [this](std::string_view piece, std::vector<int64_t>* out) {
                                      impl_->encode_text(piece, out);
                                    });
}

std::string ByteLevelBpe::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::string bytes;
  for (const int64_t id : ids) {
    if (!impl_->vocab.has(id)) continue;
    if (skip_special_tokens && impl_->special[id]) continue;
    bytes += impl_->bytes[id];
  }
  return utf8::repaired(bytes);
}

std::vector<int64_t> ByteLevelBpe::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int64_t> ids = encode(text);
  if (!add_special_tokens) return ids;
  ids.insert(ids.begin(), impl_->prefix_ids.begin(), impl_->prefix_ids.end());
  ids.insert(ids.end(), impl_->suffix_ids.begin(), impl_->suffix_ids.end());
  return ids;
}

std::string ByteLevelBpe::decode_next(DecodeState* state, int64_t id) const {
  state->pending += token_bytes(id);
  // Everything before an unfinished character is final: the repair of
  // ill-formed bytes restarts at every lead byte, so cutting there gives
  // the same text as decoding the whole stream at once.
  const size_t keep = utf8::incomplete_tail(state->pending);
  std::string done =
      utf8::repaired(std::string_view(state->pending).substr(0, state->pending.size() - keep));
  state->pending.erase(0, state->pending.size() - keep);
  state->at_start = state->at_start && done.empty() && state->pending.empty();
  return done;
}

std::string ByteLevelBpe::decode_finish(DecodeState* state) const {
  std::string rest = utf8::repaired(state->pending);
  *state = DecodeState();
  return rest;
}

std::shared_ptr<const Tokenizer> ByteLevelBpe::share() const {
  return std::make_shared<ByteLevelBpe>(*this);
}

std::string ByteLevelBpe::token_bytes(int64_t id) const {
  if (!impl_->vocab.has(id)) return {};
  return impl_->bytes[id];
}

std::optional<int64_t> ByteLevelBpe::token_to_id(std::string_view token) const {
  const auto id = impl_->vocab.find(std::string(token));
  if (!id) return std::nullopt;
  return *id;
}

std::optional<std::string> ByteLevelBpe::id_to_token(int64_t id) const {
  if (!impl_->vocab.has(id)) return std::nullopt;
  return impl_->vocab.token(id);
}

int64_t ByteLevelBpe::vocab_size() const {
  return static_cast<int64_t>(impl_->vocab.size());
}
std::optional<int64_t> ByteLevelBpe::bos_id() const {
  return impl_->bos;
}
std::optional<int64_t> ByteLevelBpe::eos_id() const {
  return impl_->eos;
}
std::optional<int64_t> ByteLevelBpe::unk_id() const {
  return impl_->unk;
}
const std::vector<AddedToken>& ByteLevelBpe::added_tokens() const {
  return impl_->added;
}

bool ByteLevelBpe::is_special(int64_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->special.size() && impl_->special[id];
}

}  // namespace modelzoo::text
