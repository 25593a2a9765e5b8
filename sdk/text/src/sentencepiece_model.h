// What a SentencePiece tokenizer.model says, read from its protobuf
// (sentencepiece_model.proto's ModelProto) and checked: the pieces with
// their scores and types, the trainer's model type, byte fallback and
// special pieces, the normalizer's dummy prefix and whitespace rules.
// Only what Llama-style BPE models use is accepted; everything else that
// would change the result (a Unigram model, a precompiled normalization
// map, extra-whitespace removal, user-defined pieces, …) is refused by
// name, with the file and the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modelzoo::text {

/// ModelProto.SentencePiece.Type.
enum class PieceType : uint8_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct SentencePiecePiece {
  std::string piece;
  float score = 0;
  PieceType type = PieceType::kNormal;
  uint8_t byte = 0;  ///< kByte: the byte its <0xNN> spells
};

struct SentencePieceModel {
  std::vector<SentencePiecePiece> pieces;  ///< by id
  bool byte_fallback = false;
  bool add_dummy_prefix = true;
  bool escape_whitespaces = true;
  std::string unk_surface = " \xE2\x81\x87 ";  ///< " ⁇ ", how <unk> decodes
  std::string unk_piece = "<unk>", bos_piece = "<s>", eos_piece = "</s>";
};

/// The model in `bytes`; `name` is what errors call the file.
SentencePieceModel read_sentencepiece_model(std::string_view bytes, const std::string& name);

}  // namespace modelzoo::text
