// Text generation on any CausalLM: greedy or sampled decoding of batched
// token prompts, with a KV cache, streaming and stop conditions — the C++
// counterpart of Hugging Face's `model.generate(...)`.
//
//   modelzoo::GenerationOptions o;
//   o.max_new_tokens = 40;
//   o.eos_token_ids = {50256};
//   auto rows = modelzoo::generate(*lm, {prompt_ids}, o, [&](size_t row, int64_t token) {
//     std::cout << tokenizer.decode({token}) << std::flush;  // streaming
//     return true;                                           // false stops the run
//   });
//
// Decoding follows Hugging Face's rules, so the same options give the same
// tokens for the same logits:
// - Greedy (argmax) unless `do_sample`; `temperature`, `top_k` and `top_p`
//   act only when sampling (HF ignores them with a warning otherwise), while
//   `repetition_penalty` acts in both modes.
// - Scores go through repetition penalty, then temperature, top-k, top-p
//   (HF's processor order); sampling draws from softmax of the result.
// - Batched prompts are LEFT-padded to the longest; the attention mask is 1
//   on real tokens, and position ids are HF's: cumsum(mask) - 1, with pads
//   set to 1 (any valid position: pads are masked out).
// - A row stops at one of `eos_token_ids` (the EOS is part of its result);
//   the others go on.
//
// Unlike HF, `top_k` is 0 (off) by default, not 50, and padding is never
// counted by the repetition penalty.
//
// Invariant: the model is used as it is; put it in eval() first (dropout).
#pragma once

#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "modelzoo/language_model.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// How generate() decodes; the defaults are greedy decoding of 20 tokens.
struct MODELZOO_API GenerationOptions {
  /// Tokens to add to each row at most.
  int64_t max_new_tokens = 20;
  /// Sample from the processed distribution instead of taking the argmax.
  bool do_sample = false;
  /// Divides the scores before sampling (< 1 sharper, > 1 flatter); > 0.
  /// Only when do_sample.
  double temperature = 1.0;
  /// Keeps the k highest scores (and ties with the k-th) before sampling;
  /// 0 keeps all. Only when do_sample.
  int64_t top_k = 0;
  /// Keeps the smallest set of most likely tokens whose probability sums to
  /// at least top_p (nucleus sampling); 1.0 keeps all. Only when do_sample.
  double top_p = 1.0;
  /// > 1 discourages tokens already in the row (prompt included): a score
  /// s becomes s / penalty if s > 0, else s * penalty (CTRL's rule, HF's
  /// RepetitionPenaltyLogitsProcessor). 1.0 is off. Greedy and sampling.
  double repetition_penalty = 1.0;
  /// Seeds this run's own generator, so a sampled run repeats exactly;
  /// without it, sampling draws from LibTorch's default generator.
  std::optional<uint64_t> seed;
  /// A row that produces any of these stops (the token is kept).
  std::vector<int64_t> eos_token_ids;
  /// The id put into the left padding of shorter prompts (masked out, so
  /// its value only has to be a valid id); defaults to the first EOS id,
  /// else 0, as HF does.
  std::optional<int64_t> pad_token_id;
  /// Feed the model one position per step with a KV cache; false feeds the
  /// whole sequence every step (same tokens, for checking the cache).
  bool use_cache = true;
};

/// Generates continuations of `prompts` (token ids, each non-empty) and
/// returns the new tokens of each row, in order (a row is shorter than
/// max_new_tokens when it met an EOS or the run was stopped).
///
/// `on_token(row, token)` is called for each token as it is produced
/// (rows in increasing order within a step); returning false stops the
/// whole run at once: that token is kept, no further token is produced
/// for any row. Callers implement stop strings this way.
///
/// Throws modelzoo::Error when the longest prompt plus
/// max_new_tokens exceeds model.max_positions(), when a prompt is empty or
/// holds an id outside the vocabulary, or when an option is out of range.
MODELZOO_API std::vector<std::vector<int64_t>> generate(
    CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
    const GenerationOptions& options,
    std::function<bool(std::size_t row, int64_t token)> on_token = {});

/// Hugging Face's logits processors and warpers, as functions of the next
/// token's scores [batch, vocab] (float); each returns new scores and
/// leaves its input untouched. generate() applies them in this order.
namespace logits {

/// HF's RepetitionPenaltyLogitsProcessor: for every token present in the
/// row's `input_ids` [batch, length] (int64), score < 0 → score * penalty,
/// else score / penalty; each token once however often it occurs. With
/// `attention_mask` ([batch, length], 0 = padding), padded positions do not
/// count. penalty > 0; 1.0 returns the scores unchanged.
MODELZOO_API torch::Tensor repetition_penalty(const torch::Tensor& scores,
                                              const torch::Tensor& input_ids, double penalty,
                                              const torch::Tensor& attention_mask = {});

/// HF's TemperatureLogitsWarper: scores / temperature (temperature > 0).
MODELZOO_API torch::Tensor temperature(const torch::Tensor& scores, double temperature);

/// HF's TopKLogitsWarper: scores below the k-th highest of their row become
/// -inf (ties with the k-th are kept); k >= the vocabulary or k == 0 keeps
/// all.
MODELZOO_API torch::Tensor top_k(const torch::Tensor& scores, int64_t k);

/// HF's TopPLogitsWarper: keeps, per row, the smallest set of highest-
/// probability tokens whose softmax probabilities sum to at least `p`, and
/// at least one token; the rest become -inf. p in (0, 1]; 1.0 keeps all.
MODELZOO_API torch::Tensor top_p(const torch::Tensor& scores, double p);

}  // namespace logits
}  // namespace modelzoo
