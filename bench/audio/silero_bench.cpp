// silero_bench: the C++ side of bench/audio/run_bench.sh's Silero VAD rows.
// Scores a
// recording with Silero VAD at 16 kHz, three ways, on the same archive:
//  * native: the audio plugin's model (weights read from the archive by
//    the TorchScript mode), the whole file at once (the STFT and encoder
//    of all chunks as one batch, the LSTM stepped chunk by chunk);
//  * stream: the same model fed one 512-sample chunk at a time, as a live
//    stream runs it;
//  * jit: the archive itself run by LibTorch's interpreter
//    (torch::jit::load), one chunk a call, as Silero's utilities run it.
// Prints one JSON line a way ({"side", "model", "threads",
// "audio_seconds", "median_ms", "rtf"}, run_bench.sh's shape), the median
// of RUNS runs each; the archive's line first, as the modelzoo rows' peer.
//
//   silero_bench ARCHIVE WAV THREADS RUNS
#include <ATen/Parallel.h>
#include <modelzoo/audio/audio.h>
#include <modelzoo/weights.h>
#include <torch/script.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "silero_vad.h"

namespace {

using modelzoo::audio::SileroVadModel;

double native_ms(SileroVadModel& model, const std::vector<float>& audio, size_t& chunks) {
  const auto t0 = bench::Clock::now();
  chunks = model.speech_probabilities(audio.data(), audio.size(), 16000).size();
  return bench::ms_since(t0);
}

double stream_ms(SileroVadModel& model, const std::vector<float>& audio) {
  const auto t0 = bench::Clock::now();
  auto stream = model.stream(16000);
  for (size_t at = 0; at < audio.size(); at += 512)
    stream.feed(audio.data() + at, std::min<size_t>(512, audio.size() - at));
  stream.flush();
  return bench::ms_since(t0);
}

double jit_ms(torch::jit::Module& archive, const std::vector<float>& audio) {
  const auto t0 = bench::Clock::now();
  archive.run_method("reset_states");
  for (size_t at = 0; at + 512 <= audio.size(); at += 512) {
    const auto chunk = torch::from_blob(const_cast<float*>(audio.data()) + at, {512});
    archive.forward({chunk, int64_t{16000}});
  }
  return bench::ms_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: silero_bench ARCHIVE WAV THREADS RUNS\n");
    return 2;
  }
  const std::string archive_path = argv[1], wav = argv[2];
  const int threads = std::stoi(argv[3]), runs = std::stoi(argv[4]);
  at::set_num_threads(threads);
  modelzoo::audio::DecodeOptions decode;
  decode.sample_rate = 16000;
  decode.channels = 1;
  const auto audio = modelzoo::audio::decode_file(wav, decode).samples;

  SileroVadModel model(16000);
  model.load_weights(modelzoo::Weights::from_file(archive_path));
  model.eval();
  torch::jit::Module archive = torch::jit::load(archive_path);
  archive.eval();
  torch::InferenceMode guard;

  size_t chunks = 0;
  std::vector<double> native, stream, jit;
  native_ms(model, audio, chunks);  // warm-up: first allocations, kernels
  stream_ms(model, audio);
  jit_ms(archive, audio);  // and the interpreter's first (profiling) runs
  jit_ms(archive, audio);
  for (int r = 0; r < runs; ++r) {
    native.push_back(native_ms(model, audio, chunks));
    stream.push_back(stream_ms(model, audio));
    jit.push_back(jit_ms(archive, audio));
  }
  const double seconds = static_cast<double>(audio.size()) / 16000.0;
  const auto row = [&](const std::string& side, const std::string& name,
                       const std::vector<double>& ms) {
    const double median = bench::median(ms);
    std::cout << nlohmann::json{{"side", side},
                                {"model", name},
                                {"threads", threads},
                                {"audio_seconds", seconds},
                                {"chunks", chunks},
                                {"median_ms", median},
                                {"rtf", median / 1000.0 / seconds}}
                     .dump()
              << '\n';
  };
  row("LibTorch torch::jit::load", "silero_vad", jit);
  row("modelzoo", "silero_vad", native);
  row("modelzoo", "silero_vad (stream, 512 a feed)", stream);
}
