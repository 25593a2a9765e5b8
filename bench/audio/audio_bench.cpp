// The C++ side of bench/audio/run_bench.sh.
//
//   audio_bench wav2vec2 ENTRYPOINT WEIGHTS.pth AUDIO RUNS [REFERENCE.pth]
//
// Builds the audio plugin's ENTRYPOINT (its manifest config), loads the
// state dict the Python peer saved (torchaudio's names), decodes AUDIO at
// 16 kHz mono with modelzoo::audio, and times RUNS forward passes over the
// whole file after one warm-up, in inference mode on the threads
// MODELZOO_NUM_THREADS says. With REFERENCE (the peer's output) it also
// reports the largest difference from it. Prints one JSON line.
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "modelzoo/audio/audio.h"
#include "modelzoo/init_mode.h"
#include "modelzoo/weights.h"
#include "wav2vec2.h"

namespace {

nlohmann::json entry_config(const std::string& name) {
  std::ifstream in(MODELZOO_AUDIO_MANIFEST_JSON);
  const auto manifest = nlohmann::json::parse(in);
  for (const auto& e : manifest.at("entrypoints"))
    if (e.at("name") == name) return e.at("config");
  throw std::runtime_error("no entrypoint " + name + " in the audio manifest");
}

int wav2vec2(int argc, char** argv) {
  if (argc < 7) {
    std::cerr << "usage: audio_bench wav2vec2 ENTRYPOINT WEIGHTS AUDIO RUNS [REFERENCE]\n";
    return 2;
  }
  const std::string entry = argv[2], weights = argv[3], audio_path = argv[4];
  const int runs = std::atoi(argv[5]);
  if (const char* threads = std::getenv("MODELZOO_NUM_THREADS"))
    at::set_num_threads(std::atoi(threads));
  auto t0 = bench::Clock::now();
  modelzoo::audio::DecodeOptions decode;
  decode.sample_rate = 16000;
  decode.channels = 1;
  auto audio = modelzoo::audio::decode_file(audio_path, decode);
  const double decode_ms = bench::ms_since(t0);

  t0 = bench::Clock::now();
  std::unique_ptr<modelzoo::audio::Wav2Vec2Model> model;
  {
    modelzoo::SkipInit no_init;
    model = std::make_unique<modelzoo::audio::Wav2Vec2Model>(
        entry, modelzoo::audio::Wav2Vec2Options::from_config(entry_config(entry)), false);
  }
  model->load_weights(modelzoo::Weights::from_file(weights));
  model->eval();
  const double load_ms = bench::ms_since(t0);

  const auto waveform =
      torch::from_blob(audio.samples.data(), {1, static_cast<int64_t>(audio.samples.size())});
  c10::InferenceMode guard;
  torch::Tensor out = model->net()->forward(waveform);  // warm-up
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    t0 = bench::Clock::now();
    out = model->net()->forward(waveform);
    times.push_back(bench::ms_since(t0));
  }
  nlohmann::json result = {{"side", "modelzoo"},
                           {"model", entry},
                           {"threads", at::get_num_threads()},
                           {"audio_seconds", audio.seconds()},
                           {"decode_ms", decode_ms},
                           {"load_ms", load_ms},
                           {"runs_ms", times},
                           {"median_ms", bench::median(times)},
                           {"frames", out.size(1)}};
  result["rtf"] = result["median_ms"].get<double>() / 1000.0 / audio.seconds();
  if (argc > 6) {
    const auto reference = modelzoo::Weights::from_file(argv[6]).tensor("output");
    result["max_abs_diff"] = (out - reference).abs().max().item<double>();
  }
  std::cout << result.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 1 && std::string(argv[1]) == "wav2vec2") return wav2vec2(argc, argv);
    std::cerr << "usage: audio_bench wav2vec2 …\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "audio_bench: " << e.what() << '\n';
    return 1;
  }
}
