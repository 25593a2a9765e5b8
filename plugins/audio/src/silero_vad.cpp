#include "silero_vad.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/rnn.h>
#include <torch/utils.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "modelzoo/sdk/error.h"

namespace modelzoo::audio {
namespace {

// From the archive's modules (their attributes and code, read once by a
// person): the window, hop and context of each rate.
constexpr SileroVadRate kRate16k{16000, 512, 64, 256, 128};
constexpr SileroVadRate kRate8k{8000, 256, 32, 128, 64};

// The encoder: (out channels, stride) of its four conv1d k3 p1 + ReLU.
constexpr std::array<std::pair<int64_t, int64_t>, 4> kEncoder{
    {{128, 1}, {64, 2}, {64, 2}, {128, 1}}};

// The TorchScript archive's module paths → this model's names, below the
// rate's prefix.
constexpr std::array<std::pair<const char*, const char*>, 7> kArchivePaths{{
    {"stft.forward_basis_buffer", "stft_basis"},
    {"encoder.0.reparam_conv.", "encoder.0."},
    {"encoder.1.reparam_conv.", "encoder.1."},
    {"encoder.2.reparam_conv.", "encoder.2."},
    {"encoder.3.reparam_conv.", "encoder.3."},
    {"decoder.rnn.", "lstm."},
    {"decoder.decoder.2.", "head."},  // Dropout, ReLU, Conv1d, Sigmoid: the conv
}};
constexpr std::array<std::pair<const char*, const char*>, 2> kArchiveNets{{
    {"_model.", "model_16k."},
    {"_model_8k.", "model_8k."},
}};

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// The periodic-Hann windowed DFT as conv1d weights [F + 2, 1, F]: the real
// parts (cos) of bins 0..F/2, then the imaginary parts (-sin).
torch::Tensor stft_basis(int64_t filter_length) {
  const int64_t bins = filter_length / 2 + 1;
  auto basis = torch::empty({2 * bins, 1, filter_length}, torch::kFloat);
  auto b = basis.accessor<float, 3>();
  const double pi = std::acos(-1.0);
  for (int64_t n = 0; n < filter_length; ++n) {
    const double window = 0.5 - 0.5 * std::cos(2 * pi * n / filter_length);
    for (int64_t k = 0; k < bins; ++k) {
      const double angle = 2 * pi * static_cast<double>(k * n % filter_length) / filter_length;
      b[k][0][n] = static_cast<float>(std::cos(angle) * window);
      b[bins + k][0][n] = static_cast<float>(-std::sin(angle) * window);
    }
  }
  return basis;
}

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

}  // namespace

const SileroVadRate& silero_vad_rate(int64_t sample_rate) {
  if (sample_rate == kRate16k.sample_rate) return kRate16k;
  if (sample_rate == kRate8k.sample_rate) return kRate8k;
  throw Error("Silero VAD runs at 16000 or 8000 Hz (got " + std::to_string(sample_rate) +
              "): resample the audio to one of them");
}

SileroVadState::SileroVadState(const SileroVadRate& rate)
    : h(kSileroVadHidden, 0.0f),
      c(kSileroVadHidden, 0.0f),
      context(static_cast<size_t>(rate.context), 0.0f) {}

SileroVadNetImpl::SileroVadNetImpl(const SileroVadRate& rate) : rate_(rate) {
  stft_basis_ = register_buffer("stft_basis", stft_basis(rate.filter_length));
  encoder_ = register_module("encoder", torch::nn::ModuleList());
  int64_t channels = rate.filter_length / 2 + 1;
  for (const auto& [out, stride] : kEncoder) {
    encoder_->push_back(
        torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, out, 3).stride(stride).padding(1)));
    channels = out;
  }
  lstm_ = register_module("lstm", torch::nn::LSTMCell(channels, kSileroVadHidden));
  head_ =
      register_module("head", torch::nn::Conv1d(torch::nn::Conv1dOptions(kSileroVadHidden, 1, 1)));
}

torch::Tensor SileroVadNetImpl::encode(const torch::Tensor& windows) {
  TORCH_CHECK(windows.dim() == 2 && windows.size(1) == rate_.context + rate_.chunk,
              "Silero VAD at ", rate_.sample_rate, " Hz scores windows of ",
              rate_.context + rate_.chunk, " samples (", rate_.context, " of context + ",
              rate_.chunk, "), got shape ", windows.sizes());
  const int64_t n = windows.size(0), bins = rate_.filter_length / 2 + 1;
  const auto padded =
      at::reflection_pad1d(windows.to(torch::kFloat).unsqueeze(1), {0, rate_.context}).squeeze(1);
  // The STFT conv as the GEMM it is: every chunk's frames [N · frames,
  // window] times the basis. LibTorch's conv1d with one input channel and a
  // 256-wide kernel runs at half the speed of the same product as a GEMM.
  const int64_t frames = (padded.size(1) - rate_.filter_length) / rate_.hop + 1;
  const auto framed =
      padded.as_strided({n, frames, rate_.filter_length}, {padded.stride(0), rate_.hop, 1});
  const auto spectrum = at::mm(framed.reshape({n * frames, rate_.filter_length}),
                               stft_basis_.view({2 * bins, rate_.filter_length}).t());
  const auto real = spectrum.narrow(1, 0, bins), imag = spectrum.narrow(1, bins, bins);
  auto x = (real * real + imag * imag).sqrt().view({n, frames, bins}).transpose(1, 2);
  for (const auto& conv : *encoder_) x = at::relu(conv->as<torch::nn::Conv1d>()->forward(x));
  return x.flatten(1);  // [N, 128, 1] → [N, 128]
}

torch::Tensor SileroVadNetImpl::forward(const torch::Tensor& windows, SileroVadState& state) {
  torch::NoGradGuard no_grad;
  const auto features = encode(windows);
  const int64_t n = features.size(0);
  constexpr int64_t kH = kSileroVadHidden;
  // The input half of every step's gates at once; the recurrent half needs
  // the previous step's h, one chunk after the other. That loop runs on
  // raw floats: 1,875 steps of a 512 × 128 product for a minute of audio,
  // where a LibTorch op per step would cost more in dispatch than in work.
  const auto input_gates =
      at::addmm(lstm_->bias_ih + lstm_->bias_hh, features, lstm_->weight_ih.t()).contiguous();
  const auto recurrent = lstm_->weight_hh.t().contiguous();  // [128, 512]: a row per h[k]
  auto hidden = torch::empty({n, kH}, torch::kFloat);
  const float* gx = input_gates.data_ptr<float>();
  const float* w = recurrent.data_ptr<float>();
  float* out = hidden.data_ptr<float>();
  float* h = state.h.data();
  float* c = state.c.data();
  std::array<float, 4 * kH> gates;
  for (int64_t t = 0; t < n; ++t) {
    std::copy(gx + t * 4 * kH, gx + (t + 1) * 4 * kH, gates.begin());
    for (int64_t k = 0; k < kH; ++k) {
      const float hk = h[k];
      const float* row = w + k * 4 * kH;
      for (int64_t r = 0; r < 4 * kH; ++r) gates[r] += row[r] * hk;
    }
    // PyTorch's gate order: input, forget, cell, output.
    for (int64_t j = 0; j < kH; ++j) {
      const float i = sigmoid(gates[j]), f = sigmoid(gates[kH + j]);
      const float g = std::tanh(gates[2 * kH + j]), o = sigmoid(gates[3 * kH + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * std::tanh(c[j]);
    }
    std::copy(h, h + kH, out + t * kH);
  }
  // ReLU, the 1 × 1 conv as a dot product, sigmoid.
  return at::sigmoid(at::addmv(head_->bias, at::relu(hidden), head_->weight.view({kH})));
}

SileroVadImpl::SileroVadImpl() {
  net_16k_ = register_module("model_16k", SileroVadNet(kRate16k));
  net_8k_ = register_module("model_8k", SileroVadNet(kRate8k));
}

SileroVadNet& SileroVadImpl::net(int64_t sample_rate) {
  return silero_vad_rate(sample_rate).sample_rate == 16000 ? net_16k_ : net_8k_;
}

SileroVadStream::SileroVadStream(SileroVadNet net) : net_(std::move(net)), state_(net_->rate()) {}

std::vector<float> SileroVadStream::feed(const float* samples, size_t count) {
  pending_.insert(pending_.end(), samples, samples + count);
  const auto chunk = static_cast<size_t>(rate().chunk);
  const size_t chunks = pending_.size() / chunk;
  if (chunks == 0) return {};
  auto probabilities = run(pending_.data(), static_cast<int64_t>(chunks));
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(chunks * chunk));
  return probabilities;
}

std::vector<float> SileroVadStream::flush() {
  if (pending_.empty()) return {};
  pending_.resize(static_cast<size_t>(rate().chunk), 0.0f);
  auto probabilities = run(pending_.data(), 1);
  pending_.clear();
  return probabilities;
}

void SileroVadStream::reset() {
  state_ = SileroVadState(rate());
  pending_.clear();
  chunks_ = 0;
}

std::vector<float> SileroVadStream::run(const float* samples, int64_t chunks) {
  const int64_t chunk = rate().chunk, context = rate().context;
  // The context, then the chunks: window i is [i·chunk, i·chunk + context + chunk).
  std::vector<float> sequence(state_.context);
  sequence.insert(sequence.end(), samples, samples + chunks * chunk);
  const auto all =
      torch::from_blob(sequence.data(), {static_cast<int64_t>(sequence.size())}, torch::kFloat);
  const auto windows = all.as_strided({chunks, context + chunk}, {chunk, 1}).contiguous();
  const auto probabilities = net_->forward(windows, state_).contiguous();
  std::copy(sequence.end() - context, sequence.end(), state_.context.begin());
  chunks_ += chunks;
  const float* p = probabilities.data_ptr<float>();
  return std::vector<float>(p, p + chunks);
}

SileroVadModel::SileroVadModel(int64_t sample_rate)
    : sample_rate_(silero_vad_rate(sample_rate).sample_rate) {}

torch::Tensor SileroVadModel::forward(const torch::Tensor& audio) {
  TORCH_CHECK(audio.dim() == 1 || audio.dim() == 2,
              "Silero VAD scores audio of shape [T] or [B, T] (got ", audio.sizes(), ")");
  const auto rows = audio.to(torch::kFloat).contiguous().view({-1, audio.size(-1)});
  std::vector<torch::Tensor> out;
  for (int64_t b = 0; b < rows.size(0); ++b) {
    const auto row = rows[b];
    out.push_back(torch::tensor(
        speech_probabilities(row.data_ptr<float>(), static_cast<size_t>(row.numel()), sample_rate_),
        torch::kFloat));
  }
  return torch::stack(out);
}

std::vector<float> SileroVadModel::speech_probabilities(const float* audio, size_t count,
                                                        int64_t sample_rate) {
  SileroVadStream s = stream(sample_rate);
  std::vector<float> probabilities = s.feed(audio, count);
  for (float p : s.flush()) probabilities.push_back(p);
  return probabilities;
}

SileroVadStream SileroVadModel::stream(int64_t sample_rate) {
  return SileroVadStream(net_->net(sample_rate));
}

std::string silero_vad_model_name(const std::string& checkpoint_name) {
  for (const auto& [net_path, net_name] : kArchiveNets) {
    if (!starts_with(checkpoint_name, net_path)) continue;
    const std::string rest = checkpoint_name.substr(std::string(net_path).size());
    for (const auto& [path, name] : kArchivePaths)
      if (starts_with(rest, path))
        return std::string(net_name) + name + rest.substr(std::string(path).size());
  }
  return checkpoint_name;  // a native name, or one the load reports as unexpected
}

LoadReport SileroVadModel::load_weights(const Weights& weights, const LoadOptions& options) {
  LoadOptions o = options;
  o.remap = [user = options.remap](const std::string& name) {
    return silero_vad_model_name(user ? user(name) : name);
  };
  // The archive's wrapper keeps the streaming state of its last call.
  o.ignore = [user = options.ignore](const std::string& name) {
    return name == "_state" || name == "_context" || (user && user(name));
  };
  LoadReport report = weights.load_into(module(), o);
  if (weights.format() == "torchscript")
    report.notes.push_back(
        "read from a TorchScript archive (its code not run): module paths mapped to "
        "model_16k.* / model_8k.*, the run-time state _state and _context skipped");
  return report;
}

}  // namespace modelzoo::audio
