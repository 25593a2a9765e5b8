// The test-only oracle: the published TorchScript archive run by LibTorch's
// own interpreter (torch::jit::load), chunk by chunk with its state carried,
// as Silero's get_speech_timestamps runs it. Only tests link the jit.
//
// Include it before catch.hpp: <torch/script.h> brings glog, whose CHECK
// macro would otherwise replace Catch's (and a failed CHECK would abort
// instead of failing the case — or, worse, pass unseen).
#pragma once

#include <torch/script.h>
#undef CHECK

#include <algorithm>
#include <string>
#include <vector>

#include "silero_assets.h"

namespace modelzoo::audio::test {

/// Each chunk's probability by the archive itself, the last chunk zero-padded.
inline std::vector<float> oracle_probabilities(const std::vector<float>& audio,
                                               int64_t sample_rate) {
  torch::jit::Module oracle = torch::jit::load(kSileroJit);
  oracle.eval();
  torch::NoGradGuard no_grad;
  const int64_t chunk = sample_rate == 16000 ? 512 : 256;
  const auto total = static_cast<int64_t>(audio.size());
  std::vector<float> out;
  for (int64_t at = 0; at < total; at += chunk) {
    auto piece = torch::zeros({chunk});
    const int64_t n = std::min(chunk, total - at);
    piece.narrow(0, 0, n).copy_(torch::from_blob(const_cast<float*>(audio.data()) + at, {n}));
    out.push_back(oracle.forward({piece, sample_rate}).toTensor().item<float>());
  }
  return out;
}

}  // namespace modelzoo::audio::test
