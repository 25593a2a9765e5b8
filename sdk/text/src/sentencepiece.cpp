#include "modelzoo/text/sentencepiece.h"

#include <array>
#include <unordered_map>

#include "added_tokens.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "sentencepiece_bpe.h"
#include "sentencepiece_model.h"
#include "special_token_config.h"
#include "tokenizer_file.h"
#include "utf8.h"

namespace modelzoo::text {

namespace {

const std::string kSpaceSymbol = "\xe2\x96\x81";  // U+2581, SentencePiece's space

// What decoding needs of one piece, worked out once at load.
struct PieceText {
  PieceType type = PieceType::kNormal;
  uint8_t byte = 0;
  bool leading_space = false;  // the piece starts with "▁"
  std::string text;            // "▁" as spaces; <unk>: its surface; control: empty
};

std::string spaces_for_symbols(std::string_view piece) {
  std::string out;
  out.reserve(piece.size());
  for (size_t pos = 0; pos < piece.size();) {
    if (piece.compare(pos, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
      out += ' ';
      pos += kSpaceSymbol.size();
    } else {
      out += piece[pos++];
    }
  }
  return out;
}

}  // namespace

struct SentencePiece::Impl {
  SentencePieceModel model;
  std::string name;  // what errors call the model file
  std::vector<PieceText> pieces;
  std::unordered_map<std::string, int32_t> ids;  // every piece
  SentencePieceBpe bpe;
  std::array<int32_t, 256> byte_ids{};
  std::vector<AddedToken> added;
  AddedTokenSplitter splitter;
  std::optional<int64_t> bos, eos, unk;
  bool add_bos = true, add_eos = false;

  void index_pieces();
  std::optional<int64_t> control_id(const std::string& piece) const;
  std::string normalize(std::string_view text) const;
  void encode_text(std::string_view text, std::vector<int64_t>* out) const;
  std::string flush_bytes(DecodeState* state, bool final) const;
};

void SentencePiece::Impl::index_pieces() {
  pieces.resize(model.pieces.size());
  byte_ids.fill(-1);
  for (size_t i = 0; i < model.pieces.size(); ++i) {
    const SentencePiecePiece& piece = model.pieces[i];
    const auto id = static_cast<int32_t>(i);
    PieceText& info = pieces[i];
    info.type = piece.type;
    ids.emplace(piece.piece, id);
    switch (piece.type) {
      case PieceType::kNormal:
      case PieceType::kUnused:
      case PieceType::kUserDefined:  // refused by the reader
        bpe.add(piece.piece, id, piece.score, piece.type == PieceType::kUnused);
        info.leading_space = piece.piece.compare(0, kSpaceSymbol.size(), kSpaceSymbol) == 0;
        info.text = model.escape_whitespaces ? spaces_for_symbols(piece.piece) : piece.piece;
        break;
      case PieceType::kByte:
        info.byte = piece.byte;
        byte_ids[piece.byte] = id;
        break;
      case PieceType::kUnknown:
        unk = id;
        info.text = model.unk_surface;
        [[fallthrough]];
      case PieceType::kControl: {
        // Written in a text, control pieces and <unk> are these tokens, as
        // Hugging Face's Llama tokenizers have them as added special tokens.
        AddedToken token;
        token.content = piece.piece;
        token.id = id;
        token.special = true;
        added.push_back(std::move(token));
        break;
      }
    }
  }
  splitter = AddedTokenSplitter(added);
}

std::optional<int64_t> SentencePiece::Impl::control_id(const std::string& piece) const {
  const auto it = ids.find(piece);
  if (it == ids.end() || pieces[it->second].type != PieceType::kControl) return std::nullopt;
  return it->second;
}

// The normalizer of a model without a normalization map: the dummy prefix,
// then every space as "▁".
std::string SentencePiece::Impl::normalize(std::string_view text) const {
  std::string out;
  if (text.empty()) return out;
  out.reserve(text.size() + 8);
  if (model.add_dummy_prefix) out += kSpaceSymbol;
  for (const char c : text) {
    if (c == ' ' && model.escape_whitespaces)
      out += kSpaceSymbol;
    else
      out += c;
  }
  return out;
}

void SentencePiece::Impl::encode_text(std::string_view text, std::vector<int64_t>* out) const {
  const std::string normalized = normalize(text);
  std::vector<int32_t> segment;
  std::vector<std::string_view> unknown;
  bpe.encode(normalized, &segment, &unknown);
  size_t next_unknown = 0;
  bool previous_unk = false;
  for (const int32_t id : segment) {
    if (id >= 0) {
      out->push_back(id);
      previous_unk = false;
      continue;
    }
    const std::string_view piece = unknown[next_unknown++];
    if (model.byte_fallback) {
      for (const char c : piece) out->push_back(byte_ids[static_cast<uint8_t>(c)]);
    } else if (!previous_unk) {
      out->push_back(*unk);  // a run of unknown symbols is one <unk>
      previous_unk = true;
    }
  }
}

// Turns the pending byte-piece bytes into text as sentencepiece's decoder
// does: each complete character as it is, each byte that starts no
// character U+FFFD. Unless `final`, bytes that may still become a character
// stay pending.
std::string SentencePiece::Impl::flush_bytes(DecodeState* state, bool final) const {
  std::string out;
  const std::string_view bytes = state->pending;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t next = pos;
    char32_t cp = 0;
    if (utf8::next(bytes, &next, &cp)) {
      out.append(bytes.substr(pos, next - pos));
      pos = next;
      continue;
    }
    const std::string_view rest = bytes.substr(pos);
    if (!final && utf8::incomplete_tail(rest) == rest.size()) break;
    utf8::append(&out, utf8::kReplacement);
    ++pos;
  }
  state->pending.erase(0, pos);
  return out;
}

SentencePiece::SentencePiece(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
SentencePiece::SentencePiece(const SentencePiece&) = default;
SentencePiece::SentencePiece(SentencePiece&&) noexcept = default;
SentencePiece& SentencePiece::operator=(const SentencePiece&) = default;
SentencePiece& SentencePiece::operator=(SentencePiece&&) noexcept = default;
SentencePiece::~SentencePiece() = default;

SentencePiece SentencePiece::from_model_bytes(std::string_view model, const std::string& name,
                                              const SentencePieceOptions& options,
                                              std::string_view config_json,
                                              const std::string& config_name) {
  auto impl = std::make_shared<Impl>();
  impl->name = name;
  impl->model = read_sentencepiece_model(model, name);
  impl->index_pieces();
  std::optional<std::string> bos = impl->model.bos_piece, eos = impl->model.eos_piece;
  impl->add_bos = options.add_bos;
  impl->add_eos = options.add_eos;
  if (!config_json.empty()) {
    const SpecialTokenConfig config = read_special_token_config(config_json, config_name);
    config.apply(&bos, &eos);
    if (config.add_bos_token) impl->add_bos = *config.add_bos_token;
    if (config.add_eos_token) impl->add_eos = *config.add_eos_token;
    for (const auto& [token, key] : {std::pair{&bos, "bos_token"}, std::pair{&eos, "eos_token"}})
      if (*token && !impl->control_id(**token))
        throw Error(config_name + ": " + key + " " + quoted_token(**token) +
                    " is no control piece of " + name +
                    ": the two files are from different tokenizers; use the files published "
                    "together");
  }
  // As sentencepiece's bos_id()/eos_id(): the piece's id when it is a
  // control piece, none otherwise.
  if (bos) impl->bos = impl->control_id(*bos);
  if (eos) impl->eos = impl->control_id(*eos);
  return SentencePiece(std::move(impl));
}

SentencePiece SentencePiece::from_model_file(const std::string& path,
                                             const SentencePieceOptions& options) {
  const TokenizerFileWithConfig file = read_tokenizer_file_with_config(path);
  return from_model_bytes(file.text, path, options, file.config, file.config_path);
}

std::vector<int64_t> SentencePiece::encode(std::string_view text) const {
  return impl_->splitter.encode(text, [this](std::string_view piece, std::vector<int64_t>* out) {
    impl_->encode_text(piece, out);
  });
}

std::vector<int64_t> SentencePiece::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int64_t> ids = encode(text);
  if (!add_special_tokens) return ids;
  if (impl_->add_bos && impl_->bos) ids.insert(ids.begin(), *impl_->bos);
  if (impl_->add_eos && impl_->eos) ids.push_back(*impl_->eos);
  return ids;
}

std::string SentencePiece::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  DecodeState state;
  std::string text;
  for (const int64_t id : ids) {
    if (skip_special_tokens && is_special(id)) continue;
    text += decode_next(&state, id);
  }
  return text + decode_finish(&state);
}

std::string SentencePiece::token_bytes(int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->pieces.size()) return {};
  const PieceText& info = impl_->pieces[static_cast<size_t>(id)];
  if (info.type == PieceType::kByte) return std::string(1, static_cast<char>(info.byte));
  return info.text;
}

std::string SentencePiece::decode_next(DecodeState* state, int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->pieces.size()) return {};
  const PieceText& info = impl_->pieces[static_cast<size_t>(id)];
  if (info.type == PieceType::kControl) return {};  // invisible; the start is still the start
  if (info.type == PieceType::kByte) {
    state->pending += static_cast<char>(info.byte);
    state->at_start = false;  // these bytes become text, a character or U+FFFD
    return impl_->flush_bytes(state, /*final=*/false);
  }
  std::string out = impl_->flush_bytes(state, /*final=*/true);
  if (!out.empty()) state->at_start = false;
  std::string_view text = info.text;
  // sentencepiece drops the dummy prefix: the "▁" of the first piece, once.
  if (state->at_start && info.leading_space && impl_->model.add_dummy_prefix &&
      info.type != PieceType::kUnknown) {
    text.remove_prefix(1);
    state->at_start = false;
  }
  out.append(text);
  if (!out.empty()) state->at_start = false;
  return out;
}

std::string SentencePiece::decode_finish(DecodeState* state) const {
  std::string rest = impl_->flush_bytes(state, /*final=*/true);
  *state = DecodeState();
  return rest;
}

std::optional<int64_t> SentencePiece::token_to_id(std::string_view piece) const {
  const auto it = impl_->ids.find(std::string(piece));
  if (it == impl_->ids.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> SentencePiece::id_to_token(int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->pieces.size()) return std::nullopt;
  return impl_->model.pieces[static_cast<size_t>(id)].piece;
}

int64_t SentencePiece::vocab_size() const {
  return static_cast<int64_t>(impl_->pieces.size());
}
std::optional<int64_t> SentencePiece::bos_id() const {
  return impl_->bos;
}
std::optional<int64_t> SentencePiece::eos_id() const {
  return impl_->eos;
}
std::optional<int64_t> SentencePiece::unk_id() const {
  return impl_->unk;
}
const std::vector<AddedToken>& SentencePiece::added_tokens() const {
  return impl_->added;
}
bool SentencePiece::is_special(int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->pieces.size()) return false;
  const PieceType type = impl_->pieces[static_cast<size_t>(id)].type;
  return type == PieceType::kControl || type == PieceType::kUnknown;
}
bool SentencePiece::is_byte(int64_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->pieces.size() &&
         impl_->pieces[static_cast<size_t>(id)].type == PieceType::kByte;
}
std::shared_ptr<const Tokenizer> SentencePiece::share() const {
  return std::make_shared<SentencePiece>(*this);
}

}  // namespace modelzoo::text
