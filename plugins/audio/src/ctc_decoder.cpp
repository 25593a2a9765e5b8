#include "ctc_decoder.h"

#include <string>

#include "modelzoo/sdk/error.h"

namespace modelzoo::audio {

CtcTranscript ctc_greedy_decode(const std::vector<int64_t>& frame_labels, const CtcLabels& labels,
                                int64_t frame_offset) {
  const int64_t count = static_cast<int64_t>(labels.labels.size());
  CtcTranscript out;
  CtcWord word;
  bool in_word = false;
  auto finish_word = [&] {
    if (in_word) out.words.push_back(word);
    in_word = false;
    word = CtcWord{};
  };
  int64_t previous = -1;
  for (size_t t = 0; t < frame_labels.size(); ++t) {
    const int64_t id = frame_labels[t];
    if (id < 0 || id >= count)
      throw Error("CTC decoding: frame " + std::to_string(t) + " has label " + std::to_string(id) +
                  ", outside the " + std::to_string(count) + " labels");
    const int64_t frame = static_cast<int64_t>(t) + frame_offset;
    // A repeat extends the label it repeats (blank or not); a new label
    // starts only where the best label changes.
    const bool repeat = id == previous;
    previous = id;
    if (id == labels.blank) continue;
    const std::string& label = labels.labels[static_cast<size_t>(id)];
    if (!labels.separator.empty() && label == labels.separator) {
      finish_word();
      continue;
    }
    if (repeat) {
      if (in_word) word.end_frame = frame + 1;
      continue;
    }
    if (!in_word) {
      in_word = true;
      word.first_frame = frame;
    }
    word.text += label;
    word.end_frame = frame + 1;
  }
  finish_word();
  for (const auto& w : out.words) out.text += (out.text.empty() ? "" : " ") + w.text;
  return out;
}

}  // namespace modelzoo::audio
