// Silero VAD (v6, MIT, snakers4/silero-vad): a voice-activity detector that
// scores chunks of 16 kHz audio (512 new samples after 64 of the previous
// chunk) or 8 kHz audio (256 after 32) with the probability of speech,
// carrying an LSTM state from chunk to chunk. One network per rate, each:
//
//   window [context + chunk] → reflection pad (right, `context` samples)
//   → STFT as a fixed conv1d (basis [F + 2, 1, F], stride F / 2, F = 256 or
//     128) → magnitude of the F / 2 + 1 bins, 4 frames
//   → 4 × (conv1d k3 p1 + ReLU): bins→128 s1, 128→64 s2, 64→64 s2, 64→128 s1
//   → LSTMCell(128, 128) over the chunks → ReLU → conv1d 128→1 k1 → sigmoid
//
// The published weights are a TorchScript archive (silero_vad.jit) read
// through the formats library's TorchScript mode: nothing in it runs;
// load_weights maps its module paths (`_model.encoder.0.reparam_conv.
// weight`) to this model's names (`model_16k.encoder.0.weight`).
//
// Only the LSTM carries state: the STFT and the encoder of every chunk
// depend on its samples alone, so a run over many chunks computes them as
// one batch and steps the recurrence alone, chunk by chunk.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "modelzoo/model.h"

namespace modelzoo::audio {

/// The fixed sizes of one of the two networks.
struct SileroVadRate {
  int64_t sample_rate;    ///< 16000 or 8000
  int64_t chunk;          ///< new samples a step: 512 or 256
  int64_t context;        ///< samples of the previous chunk before them: 64 or 32
  int64_t filter_length;  ///< STFT window: 256 or 128
  int64_t hop;            ///< STFT hop: 128 or 64
};

/// The sizes at `sample_rate`; throws modelzoo::Error for a rate other
/// than 16000 and 8000.
const SileroVadRate& silero_vad_rate(int64_t sample_rate);

constexpr int64_t kSileroVadHidden = 128;  ///< LSTM width

/// What a stream carries from one chunk to the next.
struct SileroVadState {
  std::vector<float> h, c;     ///< LSTM state, kSileroVadHidden each
  std::vector<float> context;  ///< the last `context` samples seen
  explicit SileroVadState(const SileroVadRate& rate);
};

/// One rate's network. Its STFT basis is computed (a periodic-Hann
/// windowed DFT: cos rows, then -sin rows), as the archive's buffer holds
/// it; the other parameters start from LibTorch's initialisation, which for
/// a model this small costs less than skipping it would save.
class SileroVadNetImpl : public torch::nn::Module {
 public:
  explicit SileroVadNetImpl(const SileroVadRate& rate);

  /// The speech probability of each row of `windows` [N, context + chunk]
  /// (a chunk after its context), consecutive chunks of one stream;
  /// `state`'s LSTM state is advanced over them (its context is the
  /// caller's). Returns [N] float probabilities.
  torch::Tensor forward(const torch::Tensor& windows, SileroVadState& state);
  /// STFT magnitude and encoder: [N, context + chunk] → [N, 128].
  torch::Tensor encode(const torch::Tensor& windows);

  const SileroVadRate& rate() const { return rate_; }

 private:
  SileroVadRate rate_;
  torch::Tensor stft_basis_;
  torch::nn::ModuleList encoder_;
  torch::nn::LSTMCell lstm_{nullptr};
  torch::nn::Conv1d head_{nullptr};
};
TORCH_MODULE(SileroVadNet);

/// Both networks, as one module: model_16k.*, model_8k.*.
class SileroVadImpl : public torch::nn::Module {
 public:
  SileroVadImpl();
  SileroVadNet& net(int64_t sample_rate);

 private:
  SileroVadNet net_16k_{nullptr}, net_8k_{nullptr};
};
TORCH_MODULE(SileroVad);

/// Feeds audio of one stream in pieces of any length; returns the
/// probability of each chunk as soon as its samples are in.
///
///   auto stream = model.stream(16000);
///   for (auto& piece : microphone) for (float p : stream.feed(piece)) ...;
///   for (float p : stream.flush()) ...;   // the last, zero-padded chunk
class SileroVadStream {
 public:
  explicit SileroVadStream(SileroVadNet net);

  /// The probabilities of the chunks that these samples complete.
  std::vector<float> feed(const float* samples, size_t count);
  std::vector<float> feed(const std::vector<float>& samples) {
    return feed(samples.data(), samples.size());
  }
  /// Pads a partial last chunk with zeros (as Silero's get_speech_timestamps
  /// does) and returns its probability; nothing when no samples wait.
  std::vector<float> flush();
  /// Starts a new stream: zero LSTM state and context, nothing pending.
  void reset();

  const SileroVadRate& rate() const { return net_->rate(); }
  /// Chunks scored since the last reset.
  int64_t chunks() const { return chunks_; }

 private:
  std::vector<float> run(const float* samples, int64_t chunks);
  SileroVadNet net_;
  SileroVadState state_;
  std::vector<float> pending_;
  int64_t chunks_ = 0;
};

/// The Model: forward(audio) scores [T] or [B, T] samples at the config's
/// sample_rate (each row a stream of its own, from a zero state) and
/// returns [B, ceil(T / chunk)] probabilities.
class SileroVadModel : public Model {
 public:
  explicit SileroVadModel(int64_t sample_rate);

  torch::nn::Module& module() override { return *net_; }
  torch::Tensor forward(const torch::Tensor& audio) override;
  /// Maps the TorchScript archive's module paths to this model's names and
  /// skips its run-time state (`_state`, `_context`); native names (a file
  /// this model saved) load as they are.
  LoadReport load_weights(const Weights& weights, const LoadOptions& options) override;
  using Model::load_weights;

  /// Every chunk's probability for a whole recording at `sample_rate`.
  std::vector<float> speech_probabilities(const float* audio, size_t count, int64_t sample_rate);
  /// A stream at `sample_rate` (16000 or 8000) sharing this model's weights.
  SileroVadStream stream(int64_t sample_rate);

  int64_t sample_rate() const { return sample_rate_; }

 private:
  SileroVad net_;
  int64_t sample_rate_;
};

/// The checkpoint name → model name map of the TorchScript archive
/// (exposed for tests); "" for a tensor the model does not hold.
std::string silero_vad_model_name(const std::string& checkpoint_name);

}  // namespace modelzoo::audio
