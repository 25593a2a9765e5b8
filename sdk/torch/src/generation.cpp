#include "modelzoo/generation.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "modelzoo/sdk/error.h"

namespace modelzoo {
namespace logits {
namespace {

void check_scores(const torch::Tensor& scores, const char* what) {
  if (!scores.defined() || scores.dim() != 2)
    throw Error(std::string("logits::") + what + ": expected scores [batch, vocab] (got " +
                (scores.defined() ? std::to_string(scores.dim()) + " dimensions" : "none") + ")");
}

constexpr float kFiltered = -std::numeric_limits<float>::infinity();

}  // namespace

torch::Tensor repetition_penalty(const torch::Tensor& scores, const torch::Tensor& input_ids,
                                 double penalty, const torch::Tensor& attention_mask) {
  check_scores(scores, "repetition_penalty");
  if (!(penalty > 0))
    throw Error("logits::repetition_penalty: the penalty must be > 0 (got " +
                std::to_string(penalty) + "); 1.0 turns it off");
  if (penalty == 1.0 || input_ids.numel() == 0) return scores;
  if (input_ids.dim() != 2 || input_ids.size(0) != scores.size(0))
    throw Error("logits::repetition_penalty: expected input_ids [batch, length] with the scores' " +
                std::to_string(scores.size(0)) + " rows");
  // Which tokens occur in each row, counted through the mask so that
  // padding never counts and a repeated token is penalised once (HF's
  // gather/scatter does the same for unpadded rows).
  const torch::Tensor weight = attention_mask.defined()
                                   ? attention_mask.to(scores.scalar_type())
                                   : at::ones(input_ids.sizes(), scores.options());
  const torch::Tensor seen = at::zeros_like(scores).scatter_add_(1, input_ids, weight).gt(0);
  const torch::Tensor penalised = at::where(scores.lt(0), scores * penalty, scores / penalty);
  return at::where(seen, penalised, scores);
}

torch::Tensor temperature(const torch::Tensor& scores, double temperature) {
  check_scores(scores, "temperature");
  if (!(temperature > 0))
    throw Error("logits::temperature: the temperature must be > 0 (got " +
                std::to_string(temperature) + "); for greedy decoding leave do_sample off");
  return temperature == 1.0 ? scores : scores / temperature;
}

torch::Tensor top_k(const torch::Tensor& scores, int64_t k) {
  check_scores(scores, "top_k");
  if (k < 0)
    throw Error("logits::top_k: k must be >= 0 (got " + std::to_string(k) + "); 0 keeps all");
  if (k == 0 || k >= scores.size(1)) return scores;
  const torch::Tensor kth = std::get<0>(at::topk(scores, k, 1)).narrow(1, k - 1, 1);
  return scores.masked_fill(scores.lt(kth), kFiltered);
}

torch::Tensor top_p(const torch::Tensor& scores, double p) {
  check_scores(scores, "top_p");
  if (!(p > 0 && p <= 1))
    throw Error("logits::top_p: p must be in (0, 1] (got " + std::to_string(p) +
                "); 1.0 keeps all");
  if (p == 1.0) return scores;
  // HF's formulation: in ascending order, drop the tokens whose cumulative
  // probability stays within 1 - p; the most likely token always stays.
  auto [sorted, indices] = at::sort(scores, 1, /*descending=*/false);
  torch::Tensor remove = sorted.softmax(1).cumsum(1).le(1 - p);
  remove.narrow(1, remove.size(1) - 1, 1).fill_(false);
  return scores.masked_fill(remove.scatter(1, indices, remove), kFiltered);
}

}  // namespace logits

namespace {

void check_options(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                   const GenerationOptions& o) {
  if (o.max_new_tokens < 0)
    throw Error("generate: max_new_tokens must be >= 0 (got " + std::to_string(o.max_new_tokens) +
                ")");
  const int64_t vocab = model.vocab_size();
  std::size_t longest = 0;
  for (std::size_t r = 0; r < prompts.size(); ++r) {
    if (prompts[r].empty())
      throw Error("generate: prompt " + std::to_string(r) +
                  " is empty; start it with at least one token (e.g. the BOS/EOS id)");
    for (const int64_t id : prompts[r])
      if (id < 0 || id >= vocab)
        throw Error("generate: prompt " + std::to_string(r) + " holds token id " +
                    std::to_string(id) + ", outside the model's vocabulary of " +
                    std::to_string(vocab));
    longest = std::max(longest, prompts[r].size());
  }
  const int64_t total = static_cast<int64_t>(longest) + o.max_new_tokens;
  if (total > model.max_positions())
    throw Error("generate: the longest prompt (" + std::to_string(longest) +
                " tokens) plus max_new_tokens (" + std::to_string(o.max_new_tokens) + ") is " +
                std::to_string(total) + " positions, more than the model's " +
                std::to_string(model.max_positions()) +
                "; shorten the prompt or lower max_new_tokens");
  if (o.pad_token_id && (*o.pad_token_id < 0 || *o.pad_token_id >= vocab))
    throw Error("generate: pad_token_id " + std::to_string(*o.pad_token_id) +
                " is outside the model's vocabulary of " + std::to_string(vocab));
  // The processors check their own ranges; check here too so that a bad
  // option fails before the first forward, not after it.
  if (!(o.repetition_penalty > 0))
    throw Error("generate: repetition_penalty must be > 0 (got " +
                std::to_string(o.repetition_penalty) + "); 1.0 turns it off");
  if (o.do_sample) {
    if (!(o.temperature > 0))
      throw Error("generate: temperature must be > 0 (got " + std::to_string(o.temperature) +
                  "); for greedy decoding leave do_sample off");
    if (o.top_k < 0)
      throw Error("generate: top_k must be >= 0 (got " + std::to_string(o.top_k) + ")");
    if (!(o.top_p > 0 && o.top_p <= 1))
      throw Error("generate: top_p must be in (0, 1] (got " + std::to_string(o.top_p) + ")");
  }
}

int64_t pad_id(const GenerationOptions& o) {
  if (o.pad_token_id) return *o.pad_token_id;
  return o.eos_token_ids.empty() ? 0 : o.eos_token_ids.front();
}

/// The rows still generating: their whole sequences (left-padded prompt and
/// the tokens so far), masks, and which caller row each one is.
struct Sequences {
  torch::Tensor ids;   // [rows, length] int64
  torch::Tensor mask;  // [rows, length] int64, 0 on padding
  std::vector<std::size_t> rows;

  Sequences(const std::vector<std::vector<int64_t>>& prompts, int64_t pad) {
    std::size_t longest = 0;
    for (const auto& p : prompts) longest = std::max(longest, p.size());
    const auto n = static_cast<int64_t>(prompts.size());
    ids = at::full({n, static_cast<int64_t>(longest)}, pad, at::kLong);
    mask = at::zeros({n, static_cast<int64_t>(longest)}, at::kLong);
    auto id = ids.accessor<int64_t, 2>();
    auto m = mask.accessor<int64_t, 2>();
    for (std::size_t r = 0; r < prompts.size(); ++r) {
      const std::size_t offset = longest - prompts[r].size();
      for (std::size_t j = 0; j < prompts[r].size(); ++j) {
        id[static_cast<int64_t>(r)][static_cast<int64_t>(offset + j)] = prompts[r][j];
        m[static_cast<int64_t>(r)][static_cast<int64_t>(offset + j)] = 1;
      }
      rows.push_back(r);
    }
  }

  /// HF's position ids of every position: cumsum(mask) - 1, pads at 1.
  torch::Tensor positions() const { return (mask.cumsum(1) - 1).masked_fill_(mask.eq(0), 1); }

  void append(const torch::Tensor& tokens) {
    ids = at::cat({ids, tokens.unsqueeze(1)}, 1);
    mask = at::cat({mask, at::ones({mask.size(0), 1}, mask.options())}, 1);
  }

  void keep(const torch::Tensor& index, const std::vector<std::size_t>& kept_rows) {
    ids = ids.index_select(0, index);
    mask = mask.index_select(0, index);
    rows = kept_rows;
  }
};

/// The next token of each row from the last position's scores [rows, vocab].
torch::Tensor choose(torch::Tensor scores, const Sequences& seq, const GenerationOptions& o,
                     const std::optional<at::Generator>& generator) {
  scores = logits::repetition_penalty(scores, seq.ids, o.repetition_penalty, seq.mask);
  if (!o.do_sample) return scores.argmax(1);
  scores = logits::temperature(scores, o.temperature);
  scores = logits::top_k(scores, o.top_k);
  scores = logits::top_p(scores, o.top_p);
  const auto g = generator ? c10::optional<at::Generator>(*generator) : c10::nullopt;
  return at::multinomial(scores.softmax(1), 1, /*replacement=*/false, g).squeeze(1);
}

}  // namespace

std::vector<std::vector<int64_t>> generate(CausalLM& model,
                                           const std::vector<std::vector<int64_t>>& prompts,
                                           const GenerationOptions& options,
                                           std::function<bool(std::size_t, int64_t)> on_token) {
  check_options(model, prompts, options);
  std::vector<std::vector<int64_t>> out(prompts.size());
  if (prompts.empty() || options.max_new_tokens == 0) return out;

  c10::InferenceMode no_autograd;
  std::optional<at::Generator> generator;
  if (options.seed) generator = at::make_generator<at::CPUGeneratorImpl>(*options.seed);
  Sequences seq(prompts, pad_id(options));
  std::optional<nn::KVCache> cache;
  if (options.use_cache) {
    cache.emplace(model.num_layers());
    cache->reserve(seq.ids.size(1) + options.max_new_tokens);
  }

  torch::Tensor input = seq.ids;
  torch::Tensor positions = seq.positions();
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    const torch::Tensor scores =
        model.next_token_logits(input, seq.mask, positions, cache ? &*cache : nullptr)
            .to(at::kFloat);
    const torch::Tensor tokens = choose(scores, seq, options, generator).contiguous();

    // Report and record; note which rows go on.
    const auto token = tokens.accessor<int64_t, 1>();
    std::vector<int64_t> go_on;
    std::vector<std::size_t> go_on_rows;
    for (int64_t i = 0; i < tokens.size(0); ++i) {
      const std::size_t row = seq.rows[static_cast<std::size_t>(i)];
      out[row].push_back(token[i]);
      if (on_token && !on_token(row, token[i])) return out;
      bool eos = false;
      for (const int64_t e : options.eos_token_ids) eos = eos || token[i] == e;
      if (!eos) {
        go_on.push_back(i);
        go_on_rows.push_back(row);
      }
    }
    if (go_on.empty() || step + 1 == options.max_new_tokens) break;

    seq.append(tokens);
    if (static_cast<int64_t>(go_on.size()) < tokens.size(0)) {
      const torch::Tensor index = at::tensor(go_on, at::kLong);
      seq.keep(index, go_on_rows);
      if (cache) cache->select_rows(index);
    }
    if (cache) {
      input = seq.ids.narrow(1, seq.ids.size(1) - 1, 1);
      positions = seq.mask.sum(1, /*keepdim=*/true) - 1;
    } else {
      input = seq.ids;
      positions = seq.positions();
    }
  }
  return out;
}

}  // namespace modelzoo
