#include "modelzoo/text/wordpiece.h"

#include <algorithm>
#include <unordered_map>

#include "added_tokens.h"
#include "bert_normalizer.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "tokenizer_file.h"
#include "tokenizer_json.h"
#include "utf8.h"
#include "vocabulary.h"

namespace modelzoo::text {

namespace {

// What the files say, before the vocabulary is built and checked.
struct WordPieceSpec {
  std::string name;  ///< the vocabulary, as errors name it
  std::vector<std::pair<std::string, int64_t>> vocab;
  std::vector<AddedToken> added_tokens;
  std::string added_tokens_where;
  WordPieceOptions options;
  BertNormalization normalization;
};

size_t char_count(std::string_view text) {
  size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void replace_all(std::string* text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text->find(from, pos)) != std::string::npos) {
    text->replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

struct WordPiece::Impl {
  Vocabulary vocab;
  std::vector<bool> special;
  std::vector<AddedToken> added;
  AddedTokenSplitter splitter;
  BertNormalization normalization;
  std::string prefix;
  size_t max_chars = 100;
  int64_t cls = -1, sep = -1, pad = -1, unk = -1, mask = -1;

  int64_t special_id(const std::string& token, const char* role, const std::string& name) const;
  void word_pieces(std::string_view word, std::vector<int64_t>* out) const;
  std::vector<int64_t> encode_plain(std::string_view text) const;
  Encoding assemble(std::vector<int64_t> first, std::vector<int64_t>* second,
                    const EncodeOptions& options) const;
  void pad_to(Encoding* encoding, size_t length) const;
};

int64_t WordPiece::Impl::special_id(const std::string& token, const char* role,
                                    const std::string& name) const {
  const auto id = vocab.find(token);
  if (!id)
    throw Error(name + ": the " + role + " token " + quoted_token(token) +
                " is not in the vocabulary: this is not a BERT-style vocabulary, or its special "
                "tokens have other names (WordPieceOptions names them for vocab.txt)");
  return *id;
}

void WordPiece::Impl::word_pieces(std::string_view word, std::vector<int64_t>* out) const {
  if (char_count(word) > max_chars) {
    out->push_back(unk);
    return;
  }
  const size_t first = out->size();
  std::string candidate;
  size_t start = 0;
  while (start < word.size()) {
    const std::string_view prefix_here = start > 0 ? std::string_view(prefix) : std::string_view();
    // Longest first, on character boundaries, no longer than any token.
    const size_t longest = vocab.longest();
    size_t end = std::min(
        word.size(), start + (longest > prefix_here.size() ? longest - prefix_here.size() : 0));
    int64_t found = -1;
    for (; end > start; --end) {
      if (end < word.size() && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) continue;
      candidate.assign(prefix_here);
      candidate.append(word.substr(start, end - start));
      if (const auto id = vocab.find(candidate)) {
        found = *id;
        break;
      }
    }
    if (found < 0) {  // one piece is missing: the whole word is unknown
      out->resize(first);
      out->push_back(unk);
      return;
    }
    out->push_back(found);
    start = end;
  }
}

std::vector<int64_t> WordPiece::Impl::encode_plain(std::string_view text) const {
  std::string repaired;
  size_t pos = 0;
  char32_t cp = 0;
  while (pos < text.size())
    if (!utf8::next(text, &pos, &cp)) {
      repaired = utf8::repaired(text);
      text = repaired;
      break;
    }
  std::vector<int64_t> out;
  for (const Segment& segment : splitter.split(text)) {
    if (segment.id >= 0) {
      out.push_back(segment.id);
      continue;
    }
    const std::string normalized = bert_normalize(segment.text, normalization);
    for (const std::string_view word : bert_pre_tokenize(normalized)) word_pieces(word, &out);
  }
  return out;
}

Encoding WordPiece::Impl::assemble(std::vector<int64_t> first, std::vector<int64_t>* second,
                                   const EncodeOptions& options) const {
  const size_t specials = options.add_special_tokens ? (second ? 3 : 2) : 0;
  const bool needs_length = options.truncation || options.padding == Padding::kMaxLength;
  if (needs_length && !options.max_length)
    throw Error("encoding text: truncation and Padding::kMaxLength need EncodeOptions::max_length");
  if (options.truncation) {
    if (*options.max_length < specials)
      throw Error("encoding text: max_length " + std::to_string(*options.max_length) +
                  " leaves no room for the " + std::to_string(specials) +
                  " special tokens: give at least " + std::to_string(specials + 1));
    const size_t budget = *options.max_length - specials;
    if (!second) {
      if (first.size() > budget) first.resize(budget);
    } else {
      // Longest first: one token at a time from the longer, the second on ties.
      while (first.size() + second->size() > budget) {
        if (first.size() > second->size())
          first.pop_back();
        else
          second->pop_back();
      }
    }
  }
  Encoding e;
  auto push = [&](int64_t id, int64_t type) {
    e.ids.push_back(id);
    e.token_type_ids.push_back(type);
    e.attention_mask.push_back(1);
    e.tokens.push_back(vocab.token(id));
  };
  if (options.add_special_tokens) push(cls, 0);
  for (const int64_t id : first) push(id, 0);
  if (options.add_special_tokens) push(sep, 0);
  if (second) {
    for (const int64_t id : *second) push(id, 1);
    if (options.add_special_tokens) push(sep, 1);
  }
  if (options.padding == Padding::kMaxLength) pad_to(&e, *options.max_length);
  return e;
}

void WordPiece::Impl::pad_to(Encoding* e, size_t length) const {
  while (e->ids.size() < length) {
    e->ids.push_back(pad);
    e->token_type_ids.push_back(0);
    e->attention_mask.push_back(0);
    e->tokens.push_back(vocab.token(pad));
  }
}

WordPiece::WordPiece(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
WordPiece::WordPiece(const WordPiece&) = default;
WordPiece::WordPiece(WordPiece&&) noexcept = default;
WordPiece& WordPiece::operator=(const WordPiece&) = default;
WordPiece& WordPiece::operator=(WordPiece&&) noexcept = default;
WordPiece::~WordPiece() = default;

namespace {

std::shared_ptr<const WordPiece::Impl> build(const WordPieceSpec& spec) {
  auto impl = std::make_shared<WordPiece::Impl>();
  if (spec.vocab.empty())
    throw Error(spec.name + ": the vocabulary is empty: the file is damaged; download it again");
  impl->vocab = Vocabulary(spec.vocab.size() + spec.added_tokens.size());
  for (const auto& [token, id] : spec.vocab) impl->vocab.add(token, id, spec.name);
  impl->added = spec.added_tokens;
  for (size_t i = 0; i < impl->added.size(); ++i) {
    const AddedToken& token = impl->added[i];
    const std::string where = spec.added_tokens_where + "[" + std::to_string(i) + "]";
    const auto id = impl->vocab.find(token.content);
    if (!id)
      impl->vocab.add(token.content, token.id, where);
    else if (*id != token.id)
      throw Error(where + ": " + quoted_token(token.content) + " has the id " +
                  std::to_string(token.id) + " but the vocabulary gives it " + std::to_string(*id) +
                  ": the file is damaged; download it again");
  }
  const WordPieceOptions& o = spec.options;
  impl->cls = impl->special_id(o.cls_token, "classifier", spec.name);
  impl->sep = impl->special_id(o.sep_token, "separator", spec.name);
  impl->pad = impl->special_id(o.pad_token, "padding", spec.name);
  impl->unk = impl->special_id(o.unk_token, "unknown", spec.name);
  impl->mask = impl->special_id(o.mask_token, "mask", spec.name);
  // The five are matched whole in the text (BertTokenizer never splits
  // them) even when a vocab.txt does not say so.
  for (const std::string* token :
       {&o.cls_token, &o.sep_token, &o.pad_token, &o.unk_token, &o.mask_token}) {
    const bool listed = std::any_of(impl->added.begin(), impl->added.end(),
                                    [&](const AddedToken& a) { return a.content == *token; });
    if (!listed) {
      AddedToken a;
      a.content = *token;
      a.id = *impl->vocab.find(*token);
      a.special = true;
      impl->added.push_back(std::move(a));
    }
  }
  impl->special.assign(impl->vocab.size(), false);
  for (const AddedToken& token : impl->added)
    if (token.special) impl->special[token.id] = true;
  impl->splitter = AddedTokenSplitter(impl->added);
  impl->normalization = spec.normalization;
  impl->prefix = o.continuing_subword_prefix;
  impl->max_chars = o.max_input_chars_per_word;
  return impl;
}

BertNormalization normalization_of(const WordPieceOptions& options) {
  BertNormalization n;
  n.clean_text = options.clean_text;
  n.handle_chinese_chars = options.tokenize_chinese_chars;
  n.lowercase = options.lowercase;
  n.strip_accents = options.strip_accents.value_or(options.lowercase);
  return n;
}

void read_bert_normalizer(const nlohmann::json& normalizer, const std::string& where,
                          BertNormalization* n) {
  if (normalizer.is_null()) {
    *n = BertNormalization{false, false, false, false};
    return;
  }
  const auto type = required_field<std::string>(normalizer, "type", where);
  if (type != "BertNormalizer")
    throw Error(where + ": the normalizer " + type +
                " is not supported by modelzoo's WordPiece (BertNormalizer or none are)");
  n->clean_text = field_or<bool>(normalizer, "clean_text", where, true);
  n->handle_chinese_chars = field_or<bool>(normalizer, "handle_chinese_chars", where, true);
  n->lowercase = field_or<bool>(normalizer, "lowercase", where, true);
  const auto strip = field_or<nlohmann::json>(normalizer, "strip_accents", where, nullptr);
  if (!strip.is_null() && !strip.is_boolean())
    throw Error(where + ".strip_accents: expected true, false or null, found " + strip.type_name());
  n->strip_accents = strip.is_null() ? n->lowercase : strip.get<bool>();
}

}  // namespace

WordPiece WordPiece::from_vocab_text(std::string_view text, const std::string& name,
                                     const WordPieceOptions& options) {
  WordPieceSpec spec;
  spec.name = name;
  spec.options = options;
  spec.normalization = normalization_of(options);
  std::unordered_map<std::string_view, size_t> line_of;
  size_t pos = 0;
  int64_t id = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view token = text.substr(pos, end - pos);
    // Trailing whitespace is not part of a token (Hugging Face trims it).
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t'))
      token.remove_suffix(1);
    pos = end + 1;
    const size_t line = static_cast<size_t>(id) + 1;
    if (!token.empty()) {
      const auto [it, inserted] = line_of.emplace(token, line);
      if (!inserted)
        throw Error(name + ":" + std::to_string(line) + ": the token " + quoted_token(token) +
                    " repeats line " + std::to_string(it->second) +
                    ": the file is damaged; download it again");
    }
    spec.vocab.emplace_back(std::string(token), id++);
    if (id >= kMaxVocabSize)
      throw Error(name + ": more than " + std::to_string(kMaxVocabSize) +
                  " lines: this is not a vocabulary file");
  }
  return WordPiece(build(spec));
}

WordPiece WordPiece::from_vocab_txt(const std::string& path, const WordPieceOptions& options) {
  return from_vocab_text(read_tokenizer_file(path), path, options);
}

WordPiece WordPiece::from_tokenizer_json_text(std::string_view json, const std::string& name) {
  const nlohmann::json root =
      parse_tokenizer_json(json, name, "a token appears twice in the vocabulary");
  if (!root.is_object())
    throw Error(name + ": expected a JSON object, found " + root.type_name() +
                ": the file is not a Hugging Face tokenizer.json");
  WordPieceSpec spec;
  spec.name = name + ": model.vocab";
  const std::string where = name + ": model";
  const auto model = required_field<nlohmann::json>(root, "model", name);
  const auto type = required_field<std::string>(model, "type", where);
  if (type != "WordPiece")
    throw Error(where + ".type: expected \"WordPiece\", found \"" + type +
                "\": this tokenizer.json is not a WordPiece tokenizer (a byte-level BPE one is "
                "read by modelzoo::text::ByteLevelBpe)");
  spec.vocab = read_vocab_object(required_field<nlohmann::json>(model, "vocab", where), spec.name);
  spec.options.unk_token = field_or<std::string>(model, "unk_token", where, "[UNK]");
  spec.options.continuing_subword_prefix =
      field_or<std::string>(model, "continuing_subword_prefix", where, "##");
  const auto max_chars = field_or<int64_t>(model, "max_input_chars_per_word", where, 100);
  if (max_chars < 1)
    throw Error(where + ".max_input_chars_per_word: expected a positive integer, found " +
                std::to_string(max_chars));
  spec.options.max_input_chars_per_word = static_cast<size_t>(max_chars);
  read_bert_normalizer(field_or<nlohmann::json>(root, "normalizer", name, nullptr),
                       name + ": normalizer", &spec.normalization);
  spec.added_tokens_where = name + ": added_tokens";
  spec.added_tokens = read_added_tokens(
      field_or<nlohmann::json>(root, "added_tokens", name, nullptr), spec.added_tokens_where);
  return WordPiece(build(spec));
}

WordPiece WordPiece::from_tokenizer_json(const std::string& path) {
  return from_tokenizer_json_text(read_tokenizer_file(path), path);
}

Encoding WordPiece::encode(std::string_view text, const EncodeOptions& options) const {
  return impl_->assemble(impl_->encode_plain(text), nullptr, options);
}

Encoding WordPiece::encode_pair(std::string_view first, std::string_view second,
                                const EncodeOptions& options) const {
  std::vector<int64_t> b = impl_->encode_plain(second);
  return impl_->assemble(impl_->encode_plain(first), &b, options);
}

std::vector<Encoding> WordPiece::encode_batch(const std::vector<std::string>& texts,
                                              const EncodeOptions& options) const {
  std::vector<Encoding> out;
  out.reserve(texts.size());
  size_t longest = 0;
  for (const std::string& text : texts) {
    out.push_back(encode(text, options));
    longest = std::max(longest, out.back().size());
  }
  for (Encoding& e : out) impl_->pad_to(&e, longest);
  return out;
}

std::vector<std::string> WordPiece::tokenize(std::string_view text) const {
  std::vector<std::string> pieces;
  for (const int64_t id : impl_->encode_plain(text)) pieces.push_back(impl_->vocab.token(id));
  return pieces;
}

std::string WordPiece::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::string text;
  bool first = true;
  for (const int64_t id : ids) {
    if (!impl_->vocab.has(id)) continue;
    if (skip_special_tokens && impl_->special[id]) continue;
    if (!first) text += ' ';
    text += impl_->vocab.token(id);
    first = false;
  }
  replace_all(&text, " " + impl_->prefix, "");
  for (const auto& [from, to] :
       std::initializer_list<std::pair<std::string_view, std::string_view>>{{" .", "."},
                                                                            {" ?", "?"},
                                                                            {" !", "!"},
                                                                            {" ,", ","},
                                                                            {" ' ", "'"},
                                                                            {" n't", "n't"},
                                                                            {" 'm", "'m"},
                                                                            {" do not", " don't"},
                                                                            {" 's", "'s"},
                                                                            {" 've", "'ve"},
                                                                            {" 're", "'re"}})
    replace_all(&text, from, to);
  return text;
}

std::optional<int64_t> WordPiece::token_to_id(std::string_view token) const {
  const auto id = impl_->vocab.find(std::string(token));
  if (!id) return std::nullopt;
  return *id;
}

std::optional<std::string> WordPiece::id_to_token(int64_t id) const {
  if (!impl_->vocab.has(id)) return std::nullopt;
  return impl_->vocab.token(id);
}

int64_t WordPiece::vocab_size() const {
  return static_cast<int64_t>(impl_->vocab.size());
}
int64_t WordPiece::cls_id() const {
  return impl_->cls;
}
int64_t WordPiece::sep_id() const {
  return impl_->sep;
}
int64_t WordPiece::pad_id() const {
  return impl_->pad;
}
int64_t WordPiece::unk_id() const {
  return impl_->unk;
}
int64_t WordPiece::mask_id() const {
  return impl_->mask;
}
const std::vector<AddedToken>& WordPiece::added_tokens() const {
  return impl_->added;
}

bool WordPiece::is_special(int64_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->special.size() && impl_->special[id];
}

}  // namespace modelzoo::text
