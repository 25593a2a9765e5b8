// The LLaMA-family benchmark's C++ side (bench/language/run_llama_bench.sh
// drives it; each mode prints one JSON object):
//
//   llama_bench checkpoint ENTRYPOINT FILE
//       writes a random bf16 checkpoint of the entrypoint's real shapes
//       (config from plugins/language/manifest.json), under Hugging Face's
//       key names, as the published model.safetensors is
//   llama_bench run ENTRYPOINT FILE PROMPT NEW RUNS
//       loads FILE into the plugin's LlamaModel (as the Hub does: built
//       under SkipInit, then load_weights), then greedy modelzoo::generate
//       of NEW tokens after a PROMPT-token prompt, RUNS times: load ms,
//       prefill ms (call to first token), decode tokens/s (first to last
//       token), where a decode step's time goes (the layers vs the head),
//       and memory: the process's RSS before loading, its peak while
//       loading, and its peak while generating (VmHWM, reset in between
//       through /proc/self/clear_refs), against the fp32 weights + the KV
//       cache the run needs
//
// Threads: MODELZOO_NUM_THREADS (default 2), as the Python peer.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "llama.h"
#include "modelzoo/generation.h"
#include "modelzoo/init_mode.h"
#include "modelzoo/nn/kv_cache.h"
#include "modelzoo/threads.h"
#include "modelzoo/weights.h"

namespace {

using Clock = std::chrono::steady_clock;
using modelzoo::language::LlamaKind;
using modelzoo::language::LlamaModel;
using modelzoo::language::LlamaOptions;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The entrypoint's config as the manifest declares it.
LlamaOptions options_of(const std::string& entrypoint) {
  std::ifstream in(MODELZOO_LANGUAGE_MANIFEST_JSON);
  const auto manifest = nlohmann::json::parse(in);
  for (const auto& e : manifest.at("entrypoints"))
    if (e.at("name") == entrypoint)
      return LlamaOptions::from_config(
          e.at("config"), entrypoint.rfind("qwen", 0) == 0 ? LlamaKind::kQwen2 : LlamaKind::kLlama);
  throw std::runtime_error("no entrypoint " + entrypoint + " in the language manifest");
}

// A field of /proc/self/status in bytes ("VmRSS", "VmHWM").
double status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, field.size() + 1, field + ":") == 0)
      return std::atof(line.c_str() + field.size() + 1) * 1024;
  return 0;
}

// Resets VmHWM to the current RSS (Linux ≥ 4.0).
void reset_peak() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

int checkpoint(const std::string& entrypoint, const std::string& file) {
  const LlamaOptions o = options_of(entrypoint);
  LlamaModel model(entrypoint, o, /*initialised=*/true);
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& p : model.module().named_parameters())
    state.insert(p.key(), p.value().detach().to(torch::kBFloat16));
  modelzoo::Weights::save(state, file);
  std::printf("{\"file\": \"%s\", \"tensors\": %zu}\n", file.c_str(), state.size());
  return 0;
}

int run(char** argv) {
  const std::string entrypoint = argv[2], file = argv[3];
  const int64_t prompt_len = std::atoll(argv[4]), new_tokens = std::atoll(argv[5]);
  const int runs = std::atoi(argv[6]);
  const LlamaOptions o = options_of(entrypoint);

  const double rss_start = status_bytes("VmRSS");
  reset_peak();
  const auto t_load = Clock::now();
  std::shared_ptr<LlamaModel> model;
  {
    modelzoo::SkipInit no_init;
    model = std::make_shared<LlamaModel>(entrypoint, o, /*initialised=*/false);
  }
  model->load_weights(modelzoo::Weights::from_file(file));
  model->eval();
  const double load_ms = ms_since(t_load);
  const double peak_load = status_bytes("VmHWM");

  int64_t weight_bytes = 0;
  for (const auto& p : model->module().parameters()) weight_bytes += p.numel() * p.element_size();
  const int64_t positions = prompt_len + new_tokens;
  const int64_t kv_bytes =
      o.num_hidden_layers * 2 * o.num_key_value_heads * o.head_dim * positions * 4;

  std::vector<int64_t> prompt;
  const auto ids = at::randint(o.vocab_size, {prompt_len}, at::kLong);
  for (int64_t i = 0; i < prompt_len; ++i) prompt.push_back(ids[i].item<int64_t>());
  modelzoo::GenerationOptions g;
  g.max_new_tokens = new_tokens;  // no EOS: every run makes NEW tokens

  c10::InferenceMode guard;
  modelzoo::GenerationOptions warm = g;
  warm.max_new_tokens = 4;
  modelzoo::generate(*model, {prompt}, warm);
  reset_peak();
  std::vector<double> prefill, decode;
  for (int r = 0; r < runs; ++r) {
    std::vector<double> at_ms;
    const auto t0 = Clock::now();
    modelzoo::generate(*model, {prompt}, g, [&](std::size_t, int64_t) {
      at_ms.push_back(ms_since(t0));
      return true;
    });
    prefill.push_back(at_ms.front());
    decode.push_back(static_cast<double>(at_ms.size() - 1) * 1000 / (at_ms.back() - at_ms.front()));
  }
  const double peak_generate = status_bytes("VmHWM");

  // Where a decode step goes: the decoder layers (and final norm) against
  // the output layer, timed apart on steps like generate()'s last ones.
  modelzoo::nn::KVCache cache(model->num_layers());
  cache.reserve(positions);
  const auto prompt_ids = at::randint(o.vocab_size, {1, prompt_len}, at::kLong);
  model->next_token_logits(prompt_ids, {}, {}, &cache);
  std::vector<double> body_ms, head_ms;
  auto& backbone = *model->net()->model;
  for (int step = 0; step < 16; ++step) {
    const auto next = at::randint(o.vocab_size, {1, 1}, at::kLong);
    const auto t0 = Clock::now();
    const auto hidden = backbone.forward(next, {}, {}, &cache);
    body_ms.push_back(ms_since(t0));
    const auto t1 = Clock::now();
    model->logits(hidden.select(1, 0));
    head_ms.push_back(ms_since(t1));
  }
  std::printf(
      "{\"load_ms\": %.0f, \"prefill_ms\": %.1f, \"decode_tok_s\": %.2f, \"layers_ms\": %.2f, "
      "\"head_ms\": %.2f, \"runs\": %d, \"weight_bytes\": %lld, \"kv_bytes\": %lld, "
      "\"rss_start\": %.0f, \"peak_load\": %.0f, \"peak_generate\": %.0f}\n",
      load_ms, median(prefill), median(decode), median(body_ms), median(head_ms), runs,
      static_cast<long long>(weight_bytes), static_cast<long long>(kv_bytes), rss_start, peak_load,
      peak_generate);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("MODELZOO_NUM_THREADS");
  modelzoo::set_intra_op_threads(env ? std::atoi(env) : 2);
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "checkpoint" && argc == 4) return checkpoint(argv[2], argv[3]);
    if (mode == "run" && argc == 7) return run(argv);
  } catch (const std::exception& e) {
    std::cerr << "llama_bench: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: llama_bench checkpoint ENTRYPOINT FILE | run ENTRYPOINT FILE PROMPT NEW "
               "RUNS\n";
  return 2;
}
