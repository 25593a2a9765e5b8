// Greedy CTC decoding of hand-made label sequences: blanks between and
// around letters, a repeated letter collapsed unless a blank separates the
// repeats, the separator splitting words (several in a row, at the ends),
// and each word's frames.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ctc_decoder.h"
#include "modelzoo/sdk/error.h"

using modelzoo::audio::ctc_greedy_decode;
using modelzoo::audio::CtcLabels;

namespace {

// torchaudio's English labels, blank first.
CtcLabels english() {
  CtcLabels l;
  l.labels = {"-", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D", "L", "U", "M",
              "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z"};
  return l;
}

// One label index per character of `frames`: '-' blank, ' ' the separator.
std::vector<int64_t> ids(const std::string& frames) {
  const CtcLabels l = english();
  std::vector<int64_t> out;
  for (char c : frames) {
    const std::string s = c == ' ' ? "|" : std::string(1, c);
    for (size_t i = 0; i < l.labels.size(); ++i)
      if (l.labels[i] == s) out.push_back(static_cast<int64_t>(i));
  }
  REQUIRE(out.size() == frames.size());
  return out;
}

}  // namespace

TEST_CASE("greedy CTC: blanks, repeats and separators", "[audio][ctc]") {
  // "HELLO WORLD" as a model emits it: letters held for several frames,
  // the double L of HELLO kept apart by a blank, separators repeated.
  const auto t = ctc_greedy_decode(ids("--HHH-EE-LL-LLOO--  -WW-OORRR-L-DD---"), english());
  CHECK(t.text == "HELLO WORLD");
  REQUIRE(t.words.size() == 2);
  CHECK(t.words[0].text == "HELLO");
  CHECK(t.words[0].first_frame == 2);  // the first H
  CHECK(t.words[0].end_frame == 16);   // one past the last O
  CHECK(t.words[1].text == "WORLD");
  CHECK(t.words[1].first_frame == 21);
  CHECK(t.words[1].end_frame == 34);

  // Repeats without a blank collapse; a blank keeps them apart.
  CHECK(ctc_greedy_decode(ids("LLLL"), english()).text == "L");
  CHECK(ctc_greedy_decode(ids("L-L"), english()).text == "LL");
  // Separators at the ends and in a row make no empty words.
  const auto spaced = ctc_greedy_decode(ids("  A  -  B  "), english());
  CHECK(spaced.text == "A B");
  CHECK(spaced.words.size() == 2);
  // An apostrophe is a letter.
  CHECK(ctc_greedy_decode(ids("I'M-M"), english()).text == "I'MM");
  // Nothing but blanks: no words.
  CHECK(ctc_greedy_decode(ids("-----"), english()).words.empty());
  // The offset moves every frame (a window's place in the file).
  CHECK(ctc_greedy_decode(ids("-A"), english(), 100).words[0].first_frame == 101);
}

TEST_CASE("greedy CTC refuses a label outside the labels", "[audio][ctc]") {
  CHECK_THROWS_WITH(ctc_greedy_decode({0, 2, 29}, english()),
                    Catch::Contains("frame 2 has label 29, outside the 29 labels"));
}
