// Training a LUT network: Adam on the table logits (and connection logits),
// cross-entropy on the group-sum scores, cosine learning-rate decay, one
// checkpoint per epoch that a later run resumes from.
//
// Checkpoint (safetensors, written atomically after every epoch):
//   model.*          the model's state dict
//   adam.<name>.m/v  Adam's moments per parameter
//   metadata         epoch, step, config (YAML text)
// Accuracy per epoch is measured in `hard` mode on the evaluation set —
// what `modelzoo eval` reports.
#pragma once

#include <ATen/core/Generator.h>

#include <functional>
#include <string>

#include "idx_dataset.h"
#include "lut_network.h"

namespace modelzoo::lut {

struct EpochReport {
  int64_t epoch = 0;          ///< 1-based
  double loss = 0;            ///< mean training loss
  double train_accuracy = 0;  ///< on the training batches, in training mode
  double eval_accuracy = -1;  ///< hard mode on the evaluation set (-1: none)
  double seconds = 0;
};

struct TrainOptions {
  std::string checkpoint;  ///< path of the checkpoint file; empty: none
  bool resume = true;      ///< continue from `checkpoint` when it exists
  int64_t max_epochs = 0;  ///< stop after this many epochs in this run (0: to the end)
  /// Start from these weights (save_weights' file, same structure; its
  /// encoder thresholds are kept) instead of a fresh initialisation. Not
  /// used when resuming from `checkpoint`.
  std::string init_weights;
  /// Called after every batch (batch index, batches per epoch, running loss).
  std::function<void(int64_t, int64_t, double)> on_batch;
  std::function<void(const EpochReport&)> on_epoch;
};

/// Trains `network` for config().training.epochs epochs (fitting the encoder
/// first unless resuming). Returns the last epoch's report.
EpochReport train(LutNetwork& network, const Dataset& train_set, const Dataset& eval_set,
                  const TrainOptions& options);

/// Training augmentation: moves each image of `x` (N, side·side, square)
/// by its own random offset in [-shift, shift] along each axis; the pixels
/// shifted in are 0 (background).
torch::Tensor shift_images(const torch::Tensor& x, int64_t shift, at::Generator& gen);

/// Hard-mode accuracy (fraction correct) on `data`, in batches.
double evaluate(LutNetwork& network, const Dataset& data, const std::string& eval_mode = "hard");

}  // namespace modelzoo::lut
