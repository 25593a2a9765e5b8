#include "sentencepiece_model.h"

#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "modelzoo/sdk/error.h"
#include "modelzoo/text/limits.h"
#include "protobuf_wire.h"
#include "tokenizer_file.h"
#include "utf8.h"

namespace modelzoo::text {

namespace {

// Field numbers of sentencepiece_model.proto.
enum ModelField : uint32_t {
  kPieces = 1,
  kTrainerSpec = 2,
  kNormalizerSpec = 3,
  kDenormalizerSpec = 5
};
enum PieceField : uint32_t { kPiece = 1, kScore = 2, kType = 3 };
enum TrainerField : uint32_t {
  kModelType = 3,
  kTreatWhitespaceAsSuffix = 24,
  kByteFallback = 35,
  kUnkSurface = 44,
  kUnkPiece = 45,
  kBosPiece = 46,
  kEosPiece = 47,
};
enum NormalizerField : uint32_t {
  kPrecompiledCharsmap = 2,
  kAddDummyPrefix = 3,
  kRemoveExtraWhitespaces = 4,
  kEscapeWhitespaces = 5,
};
constexpr uint64_t kBpe = 2;

// What the reader saw besides the model itself, checked at the end.
struct Seen {
  uint64_t model_type = 1;  // UNIGRAM, the proto's default
  bool treat_whitespace_as_suffix = false;
  bool remove_extra_whitespaces = true;  // the proto's default
  bool charsmap = false, denormalizer = false;
};

[[noreturn]] void wrong_type(const WireReader& reader, const char* field) {
  throw Error(reader.name() + ": " + field +
              " has the wrong protobuf wire type: the file is damaged or is not a SentencePiece "
              "model; download it again");
}

std::string_view string_field(WireReader* reader, WireReader::WireType type, const char* field) {
  if (type != WireReader::kLength) wrong_type(*reader, field);
  return reader->length_delimited();
}

uint64_t varint_field(WireReader* reader, WireReader::WireType type, const char* field) {
  if (type != WireReader::kVarint) wrong_type(*reader, field);
  return reader->varint();
}

SentencePiecePiece read_piece(std::string_view bytes, const std::string& where) {
  SentencePiecePiece piece;
  WireReader reader(bytes, where);
  uint32_t field = 0;
  WireReader::WireType type{};
  while (reader.next(&field, &type)) {
    if (field == kPiece) {
      piece.piece = std::string(string_field(&reader, type, "piece"));
    } else if (field == kScore) {
      if (type != WireReader::kFixed32) wrong_type(reader, "score");
      const uint32_t bits = reader.fixed32();
      std::memcpy(&piece.score, &bits, sizeof bits);
    } else if (field == kType) {
      const uint64_t value = varint_field(&reader, type, "type");
      if (value < 1 || value > 6)
        throw Error(where + ": type " + std::to_string(value) +
                    " is not a SentencePiece piece type: the file is damaged or from a newer "
                    "sentencepiece; download it again");
      piece.type = static_cast<PieceType>(value);
    } else {
      reader.skip(type);
    }
  }
  return piece;
}

void read_trainer_spec(std::string_view bytes, const std::string& name, SentencePieceModel* model,
                       Seen* seen) {
  WireReader reader(bytes, name + ": trainer_spec");
  uint32_t field = 0;
  WireReader::WireType type{};
  while (reader.next(&field, &type)) {
    switch (field) {
      case kModelType:
        seen->model_type = varint_field(&reader, type, "model_type");
        break;
      case kTreatWhitespaceAsSuffix:
        seen->treat_whitespace_as_suffix =
            varint_field(&reader, type, "treat_whitespace_as_suffix");
        break;
      case kByteFallback:
        model->byte_fallback = varint_field(&reader, type, "byte_fallback");
        break;
      case kUnkSurface:
        model->unk_surface = string_field(&reader, type, "unk_surface");
        break;
      case kUnkPiece:
        model->unk_piece = string_field(&reader, type, "unk_piece");
        break;
      case kBosPiece:
        model->bos_piece = string_field(&reader, type, "bos_piece");
        break;
      case kEosPiece:
        model->eos_piece = string_field(&reader, type, "eos_piece");
        break;
      default:
        reader.skip(type);
    }
  }
}

void read_normalizer_spec(std::string_view bytes, const std::string& where,
                          SentencePieceModel* model, Seen* seen, bool denormalizer) {
  WireReader reader(bytes, where);
  uint32_t field = 0;
  WireReader::WireType type{};
  while (reader.next(&field, &type)) {
    if (field == kPrecompiledCharsmap) {
      const bool present = !string_field(&reader, type, "precompiled_charsmap").empty();
      (denormalizer ? seen->denormalizer : seen->charsmap) |= present;
    } else if (denormalizer) {
      reader.skip(type);
    } else if (field == kAddDummyPrefix) {
      model->add_dummy_prefix = varint_field(&reader, type, "add_dummy_prefix");
    } else if (field == kRemoveExtraWhitespaces) {
      seen->remove_extra_whitespaces = varint_field(&reader, type, "remove_extra_whitespaces");
    } else if (field == kEscapeWhitespaces) {
      model->escape_whitespaces = varint_field(&reader, type, "escape_whitespaces");
    } else {
      reader.skip(type);
    }
  }
}

[[noreturn]] void unsupported(const std::string& name, const std::string& what) {
  throw Error(name + ": " + what +
              ", which modelzoo's SentencePiece does not support (it reads BPE models as "
              "Llama's tokenizer.model is); this tokenizer cannot be used as it is");
}

// "<0xAB>" → 0xAB.
bool parse_byte_piece(const std::string& piece, uint8_t* byte) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>') return false;
  int value = 0;
  for (size_t i = 3; i < 5; ++i) {
    const char c = piece[i];
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (digit < 0) return false;
    value = value * 16 + digit;
  }
  *byte = static_cast<uint8_t>(value);
  return true;
}

void check_pieces(const std::string& name, SentencePieceModel* model) {
  if (model->pieces.empty())
    throw Error(name +
                ": the model has no pieces: the file is damaged or is not a SentencePiece "
                "model; download it again");
  std::unordered_set<std::string_view> seen;
  int unknown = 0;
  bool bytes[256] = {};
  for (size_t id = 0; id < model->pieces.size(); ++id) {
    SentencePiecePiece& piece = model->pieces[id];
    const std::string where = name + ": pieces[" + std::to_string(id) + "]";
    if (piece.piece.empty()) throw Error(where + ": an empty piece: the file is damaged");
    // Decoded text is made of the pieces: one that is not UTF-8 would make
    // text that is not either (sentencepiece's trainer writes UTF-8 only).
    if (!utf8::is_valid(piece.piece))
      throw Error(where + ": the piece " + quoted_token(utf8::repaired(piece.piece)) +
                  " is not valid UTF-8: the file is damaged; download it again");
    if (!seen.insert(piece.piece).second)
      throw Error(where + ": the piece " + quoted_token(piece.piece) +
                  " appears twice: the file is damaged; download it again");
    if (piece.type == PieceType::kUnknown) ++unknown;
    if (piece.type == PieceType::kUserDefined)
      unsupported(where, "the user-defined piece " + quoted_token(piece.piece));
    if (piece.type == PieceType::kByte) {
      if (!parse_byte_piece(piece.piece, &piece.byte))
        throw Error(where + ": the byte piece is spelled " + quoted_token(piece.piece) +
                    " instead of <0xNN>: the file is damaged; download it again");
      bytes[piece.byte] = true;
    }
  }
  if (!utf8::is_valid(model->unk_surface))
    throw Error(name +
                ": trainer_spec.unk_surface is not valid UTF-8: the file is damaged; "
                "download it again");
  if (unknown != 1)
    throw Error(name + ": the model has " + std::to_string(unknown) +
                " unknown pieces instead of one: the file is damaged; download it again");
  if (model->byte_fallback)
    for (int b = 0; b < 256; ++b)
      if (!bytes[b]) {
        char piece[8];
        std::snprintf(piece, sizeof piece, "<0x%02X>", b);
        throw Error(name + ": trainer_spec.byte_fallback is set but the byte piece " + piece +
                    " is missing: the file is damaged; download it again");
      }
}

}  // namespace

SentencePieceModel read_sentencepiece_model(std::string_view bytes, const std::string& name) {
  if (bytes.size() > kMaxTokenizerFileBytes)
    throw Error(name + ": " + std::to_string(bytes.size()) + " bytes, more than the " +
                std::to_string(kMaxTokenizerFileBytes) +
                " a tokenizer file may have: this is not a tokenizer.model");
  SentencePieceModel model;
  Seen seen;
  WireReader reader(bytes, name);
  uint32_t field = 0;
  WireReader::WireType type{};
  while (reader.next(&field, &type)) {
    if (field == kPieces) {
      if (model.pieces.size() >= static_cast<size_t>(kMaxVocabSize))
        throw Error(name + ": more than " + std::to_string(kMaxVocabSize) +
                    " pieces: the file is damaged or is not a tokenizer.model");
      const std::string where = name + ": pieces[" + std::to_string(model.pieces.size()) + "]";
      model.pieces.push_back(read_piece(string_field(&reader, type, "pieces"), where));
    } else if (field == kTrainerSpec) {
      read_trainer_spec(string_field(&reader, type, "trainer_spec"), name, &model, &seen);
    } else if (field == kNormalizerSpec) {
      read_normalizer_spec(string_field(&reader, type, "normalizer_spec"),
                           name + ": normalizer_spec", &model, &seen, false);
    } else if (field == kDenormalizerSpec) {
      read_normalizer_spec(string_field(&reader, type, "denormalizer_spec"),
                           name + ": denormalizer_spec", &model, &seen, true);
    } else {
      reader.skip(type);
    }
  }
  if (model.pieces.empty())
    throw Error(name +
                ": the model has no pieces: the file is damaged or is not a SentencePiece "
                "model; download it again");
  if (seen.model_type != kBpe)
    unsupported(name, "trainer_spec.model_type is " +
                          std::string(seen.model_type == 1   ? "UNIGRAM"
                                      : seen.model_type == 3 ? "WORD"
                                      : seen.model_type == 4 ? "CHAR"
                                                             : std::to_string(seen.model_type)));
  if (seen.treat_whitespace_as_suffix)
    unsupported(name, "trainer_spec.treat_whitespace_as_suffix is set");
  if (seen.charsmap)
    unsupported(name, "normalizer_spec has a precompiled_charsmap (a normalization such as NFKC)");
  if (seen.remove_extra_whitespaces)
    unsupported(name, "normalizer_spec.remove_extra_whitespaces is set");
  if (seen.denormalizer) unsupported(name, "denormalizer_spec has a precompiled_charsmap");
  check_pieces(name, &model);
  return model;
}

}  // namespace modelzoo::text
