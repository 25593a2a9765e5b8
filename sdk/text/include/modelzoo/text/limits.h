// The limits every tokenizer reader of modelzoo::text enforces on its
// untrusted input files.
#pragma once

#include <cstddef>
#include <cstdint>

namespace modelzoo::text {

/// Largest tokenizer file read (vocab.json, merges.txt, vocab.txt,
/// tokenizer.json); the largest published tokenizer.json files are about
/// 35 MB, GPT-2's vocab.json is 1 MB.
constexpr size_t kMaxTokenizerFileBytes = size_t{128} << 20;

/// Token ids are below this (16.7 M; the largest published vocabularies
/// have about 260 k tokens), so a file cannot make the id table huge.
constexpr int64_t kMaxVocabSize = int64_t{1} << 24;

}  // namespace modelzoo::text
