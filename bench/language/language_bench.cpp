// The language benchmark's C++ side (bench/language/run_bench.sh drives it;
// each mode prints one JSON object):
//
//   language_bench bandwidth
//       the machine's memory bandwidth through ATen's own kernels on 2×256 MiB
//       arrays, same threads: read (sum), copy, triad (a = b + s·c)
//   language_bench gpt2 PROMPT NEW RUNS [--no-cache]
//                  [--ablation [--no-head-mv] [--no-fused-bias] [--no-decode-mv]
//                  [--concat-cache]]
//       modelzoo::generate, greedy, on the language plugin's GPT-2 124M
//       (random init; or, with --ablation, gpt2_shaped.h, whose flags
//       switch one decode optimisation off each): prefill ms
//       (call to first token), decode tokens/s (first to last token) and
//       the mean step of the last 8 tokens (ms), medians of RUNS
//   language_bench bert BATCH TOKENS RUNS
//       the language plugin's bert-base-uncased encoder (random init):
//       forward latency, median and min ms
//
// Threads: MODELZOO_NUM_THREADS (default 2), as the Python peer.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bench_clock.h"
#include "bert.h"
#include "gpt2.h"
#include "gpt2_shaped.h"
#include "modelzoo/generation.h"
#include "modelzoo/threads.h"

namespace {

using bench::Clock;
using bench::median;
using bench::ms_since;

/// Best of 5 of each kernel, in GB/s (10⁹ bytes), counting the bytes the
/// kernel must move (STREAM's convention: no write-allocate traffic).
int bandwidth() {
  c10::InferenceMode guard;
  const int64_t n = 64 * 1024 * 1024;  // 256 MiB of float per array
  auto a = at::rand({n}), b = at::rand({n}), c = at::rand({n});
  const auto best = [&](double bytes, auto&& kernel) {
    double ms = 1e30;
    for (int i = 0; i < 5; ++i) {
      const auto t0 = Clock::now();
      kernel();
      ms = std::min(ms, ms_since(t0));
    }
    return bytes / (ms * 1e6);
  };
  const double bytes = static_cast<double>(n) * sizeof(float);
  volatile float sink = 0;
  const double read = best(bytes, [&] { sink = sink + b.sum().item<float>(); });
  const double copy = best(2 * bytes, [&] { a.copy_(b); });
  const double triad = best(3 * bytes, [&] { at::add_out(a, b, c, 3.0); });
  std::printf("{\"read_gbs\": %.2f, \"copy_gbs\": %.2f, \"triad_gbs\": %.2f, \"threads\": %d}\n",
              read, copy, triad, modelzoo::intra_op_threads());
  return 0;
}

/// Bytes of weights one decode step reads: every parameter but the
/// position table (one row of it, and one row of wte for the input, are
/// noise; wte is read whole by the tied head).
int64_t decode_weight_bytes(const torch::nn::Module& net) {
  int64_t n = 0;
  for (const auto& p : net.named_parameters())
    if (p.key() != "wpe.weight") n += p.value().numel() * p.value().element_size();
  return n;
}

int gpt2(int argc, char** argv) {
  const int64_t prompt_len = std::atoll(argv[2]), new_tokens = std::atoll(argv[3]);
  const int runs = std::atoi(argv[4]);
  bench::Gpt2ShapedOptions o;
  modelzoo::GenerationOptions g;
  g.max_new_tokens = new_tokens;
  bool ablation = false;
  for (int i = 5; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-cache")
      g.use_cache = false;
    else if (flag == "--ablation")
      ablation = true;
    else if (flag == "--no-head-mv")
      o.head_mv = false;
    else if (flag == "--no-fused-bias")
      o.fused_bias = false;
    else if (flag == "--no-decode-mv")
      o.decode_mv = false;
    else if (flag == "--concat-cache")
      o.concat_cache = true;
    else {
      std::cerr << "language_bench gpt2: unknown flag " << flag << "\n";
      return 2;
    }
  }
  std::shared_ptr<modelzoo::CausalLM> model;
  int64_t weight_bytes = 0;
  if (ablation) {
    auto shaped = std::make_shared<bench::Gpt2Shaped>(o);
    weight_bytes = shaped->decode_weight_bytes();
    model = shaped;
  } else {
    auto gpt2 = std::make_shared<modelzoo::language::Gpt2Model>(
        "gpt2", modelzoo::language::Gpt2Options{}, /*initialised=*/true);
    gpt2->eval();
    weight_bytes = decode_weight_bytes(gpt2->module());
    model = gpt2;
  }
  std::vector<int64_t> prompt;
  const auto ids = at::randint(50257, {prompt_len}, at::kLong);
  for (int64_t i = 0; i < prompt_len; ++i) prompt.push_back(ids[i].item<int64_t>());

  modelzoo::GenerationOptions warm = g;
  warm.max_new_tokens = 4;
  modelzoo::generate(*model, {prompt}, warm);
  std::vector<double> prefill, decode, last;
  for (int r = 0; r < runs; ++r) {
    std::vector<double> at_ms;
    const auto t0 = Clock::now();
    modelzoo::generate(*model, {prompt}, g, [&](std::size_t, int64_t) {
      at_ms.push_back(ms_since(t0));
      return true;
    });
    prefill.push_back(at_ms.front());
    const std::size_t tail = std::min<std::size_t>(8, at_ms.size() - 1);
    last.push_back((at_ms.back() - at_ms[at_ms.size() - 1 - tail]) / static_cast<double>(tail));
    decode.push_back(static_cast<double>(at_ms.size() - 1) * 1000 / (at_ms.back() - at_ms.front()));
  }
  std::printf(
      "{\"prefill_ms\": %.1f, \"decode_tok_s\": %.2f, \"last_step_ms\": %.1f, \"runs\": %d, "
      "\"weight_bytes\": %lld}\n",
      median(prefill), median(decode), median(last), runs, static_cast<long long>(weight_bytes));
  return 0;
}

int bert(char** argv) {
  const int64_t batch = std::atoll(argv[2]), tokens = std::atoll(argv[3]);
  const int runs = std::atoi(argv[4]);
  modelzoo::language::BertOptions options;
  options.mlm_head = false;  // the encoder's latency
  modelzoo::language::BertModel model("bert-base-uncased", options, /*initialised=*/true);
  model.eval();
  c10::InferenceMode guard;
  const auto ids = at::randint(30522, {batch, tokens}, at::kLong);
  const auto mask = at::ones({batch, tokens}, at::kLong);
  const auto types = at::zeros({batch, tokens}, at::kLong);
  model.encode(ids, mask, types);
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = Clock::now();
    model.encode(ids, mask, types);
    ms.push_back(ms_since(t0));
  }
  std::printf("{\"median_ms\": %.1f, \"min_ms\": %.1f, \"runs\": %d}\n", median(ms),
              *std::min_element(ms.begin(), ms.end()), runs);
  return 0;
}

}  // namespace
int main(int argc, char** argv) {
  const char* env = std::getenv("MODELZOO_NUM_THREADS");
  modelzoo::set_intra_op_threads(env ? std::atoi(env) : 2);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "bandwidth" && argc == 2) return bandwidth();
  if (mode == "gpt2" && argc >= 5) return gpt2(argc, argv);
  if (mode == "bert" && argc == 5) return bert(argv);
  std::cerr << "usage: language_bench bandwidth | gpt2 PROMPT NEW RUNS [flags] | bert BATCH TOKENS "
               "RUNS\n";
  return 2;
}
