// Greedy CTC decoding (Graves et al. 2006): the best label of each frame,
// repeats collapsed, blanks dropped, the word separator ("|" in
// torchaudio's and Hugging Face's English labels) splitting words — what
// torchaudio's tutorial GreedyCTCDecoder and Hugging Face's
// Wav2Vec2CTCTokenizer.decode produce. Each word keeps the frames it was
// read from, so a transcript carries per-word times.
//
//   auto t = modelzoo::audio::ctc_greedy_decode(best_ids, labels);   // labels[0] is the blank
//   t.text;                       // "HELLO WORLD"
//   t.words[1].first_frame;       // where "WORLD" begins
//
// Torch-free: the caller takes the argmax of the emissions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace modelzoo::audio {

struct CtcWord {
  std::string text;
  int64_t first_frame = 0;  ///< the frame of its first label
  int64_t end_frame = 0;    ///< one past the last frame of its last label
};

struct CtcTranscript {
  std::string text;  ///< the words joined by single spaces
  std::vector<CtcWord> words;
};

struct CtcLabels {
  std::vector<std::string> labels;  ///< by class index
  int64_t blank = 0;
  std::string separator = "|";  ///< the word boundary label; "" for none
};

/// Decodes one label index per frame (`frame_labels[t]`, the argmax of
/// frame t's emissions; `frame_offset` is added to every frame number).
/// Throws modelzoo::Error for an index outside `labels`.
CtcTranscript ctc_greedy_decode(const std::vector<int64_t>& frame_labels, const CtcLabels& labels,
                                int64_t frame_offset = 0);

}  // namespace modelzoo::audio
