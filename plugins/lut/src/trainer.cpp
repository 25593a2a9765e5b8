#include "trainer.h"

#include <torch/nn/functional/loss.h>

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "modelzoo/sdk/error.h"
#include "modelzoo/weights.h"

namespace modelzoo::lut {
namespace {

struct Adam {
  std::vector<std::pair<std::string, torch::Tensor>> params;
  std::vector<torch::Tensor> m, v;
  int64_t step = 0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;

  explicit Adam(torch::nn::Module& module) {
    for (const auto& p : module.named_parameters()) {
      params.emplace_back(p.key(), p.value());
      m.push_back(torch::zeros_like(p.value()));
      v.push_back(torch::zeros_like(p.value()));
    }
  }
  void zero_grad() {
    for (auto& p : params)
      if (p.second.grad().defined()) p.second.grad().zero_();
  }
  void update(double lr) {
    torch::NoGradGuard no_grad;
    ++step;
    const double c1 = 1 - std::pow(beta1, double(step)), c2 = 1 - std::pow(beta2, double(step));
    for (size_t i = 0; i < params.size(); ++i) {
      const auto& g = params[i].second.grad();
      if (!g.defined()) continue;
      m[i].mul_(beta1).add_(g, 1 - beta1);
      v[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
      params[i].second.addcdiv_(m[i], (v[i] / c2).sqrt_().add_(eps), -lr / c1);
    }
  }
};

double cosine_lr(const TrainingConfig& t, int64_t epoch, int64_t batch, int64_t batches) {
  const double progress = (double(epoch) + double(batch) / double(batches)) / double(t.epochs);
  return t.lr_final + 0.5 * (t.learning_rate - t.lr_final) * (1 + std::cos(M_PI * progress));
}

void save_checkpoint(const std::string& path, LutNetwork& network, const LutConfig& config,
                     const Adam& adam, int64_t epoch) {
  torch::OrderedDict<std::string, torch::Tensor> tensors;
  for (const auto& p : network->named_parameters())
    tensors.insert("model." + p.key(), p.value().detach());
  for (const auto& b : network->named_buffers()) tensors.insert("model." + b.key(), b.value());
  for (size_t i = 0; i < adam.params.size(); ++i) {
    tensors.insert("adam." + adam.params[i].first + ".m", adam.m[i]);
    tensors.insert("adam." + adam.params[i].first + ".v", adam.v[i]);
  }
  Weights::save(tensors, path,
                {{"epoch", std::to_string(epoch)},
                 {"step", std::to_string(adam.step)},
                 {"config", config.to_yaml()}});
}

int64_t load_checkpoint(const std::string& path, LutNetwork& network, Adam& adam) {
  const auto w = Weights::from_file(path);
  const auto& meta = w.file().metadata;
  auto field = [&](const std::string& key) {
    auto it = meta.find(key);
    if (it == meta.end()) throw Error("checkpoint " + path + " has no '" + key + "' metadata");
    return it->second;
  };
  const auto saved = LutConfig::from_yaml_text(field("config"), path + " (config)");
  if (saved.to_flat_json() != network->config().to_flat_json())
    throw Error("checkpoint " + path +
                " was written for a different config; delete it or use "
                "another --out directory to start over");
  torch::NoGradGuard no_grad;
  for (const auto& p : network->named_parameters()) p.value().copy_(w.tensor("model." + p.key()));
  for (const auto& b : network->named_buffers()) b.value().copy_(w.tensor("model." + b.key()));
  for (size_t i = 0; i < adam.params.size(); ++i) {
    adam.m[i].copy_(w.tensor("adam." + adam.params[i].first + ".m"));
    adam.v[i].copy_(w.tensor("adam." + adam.params[i].first + ".v"));
  }
  adam.step = std::stoll(field("step"));
  return std::stoll(field("epoch"));
}

}  // namespace

torch::Tensor shift_images(const torch::Tensor& x, int64_t shift, at::Generator& gen) {
  const int64_t n = x.size(0);
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(double(x.size(1)))));
  const auto padded = torch::constant_pad_nd(x.view({n, side, side}), {shift, shift, shift, shift});
  const auto offsets = torch::randint(0, 2 * shift + 1, {2, n}, gen, torch::kInt64);
  const auto base = torch::arange(side, torch::kInt64);
  // Output pixel (r, c) of image i reads padded (r + dy_i, c + dx_i).
  const auto rows = (base.unsqueeze(0) + offsets[0].unsqueeze(1)).unsqueeze(2);  // (n, side, 1)
  const auto cols = (base.unsqueeze(0) + offsets[1].unsqueeze(1)).unsqueeze(1);  // (n, 1, side)
  const auto images = torch::arange(n, torch::kInt64).view({n, 1, 1});
  return padded.index({images, rows, cols}).reshape({n, side * side});
}

double evaluate(LutNetwork& network, const Dataset& data, const std::string& eval_mode) {
  torch::NoGradGuard no_grad;
  const bool was_training = network->is_training();
  network->eval();
  int64_t correct = 0;
  for (int64_t start = 0; start < data.size(); start += 1000) {
    const auto batch = data.slice(start, std::min(data.size(), start + 1000));
    const auto scores = network->forward_mode(batch.images, eval_mode);
    correct += scores.argmax(1).eq(batch.labels).sum().item<int64_t>();
  }
  network->train(was_training);
  return data.size() ? double(correct) / double(data.size()) : 0.0;
}

EpochReport train(LutNetwork& network, const Dataset& full_train, const Dataset& eval_set,
                  const TrainOptions& options) {
  const auto& cfg = network->config();
  const auto& t = cfg.training;
  const Dataset train_set = t.train_samples > 0 && t.train_samples < full_train.size()
                                ? full_train.slice(0, t.train_samples)
                                : full_train;
  const RuntimeConfig base_runtime = cfg.runtime;
  const LutConfig base_config = cfg;
  Adam adam(*network);
  int64_t first_epoch = 0;
  if (!options.checkpoint.empty() && options.resume &&
      std::filesystem::exists(options.checkpoint)) {
    first_epoch = load_checkpoint(options.checkpoint, network, adam);
  } else if (!options.init_weights.empty()) {
    network->load_weights(options.init_weights);
  } else {
    network->fit_encoder(train_set.images);
  }
  EpochReport report;
  const int64_t n = train_set.size(), batch_size = t.batch_size;
  const int64_t batches = (n + batch_size - 1) / batch_size;
  int64_t run = 0;
  for (int64_t epoch = first_epoch; epoch < t.epochs; ++epoch) {
    if (options.max_epochs > 0 && run++ >= options.max_epochs) break;
    const auto started = std::chrono::steady_clock::now();
    network->train();
    network->set_straight_through(epoch >= t.epochs - t.straight_through_epochs);
    auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(cfg.seed) * 31 + epoch);
    const auto order = torch::randperm(n, gen, torch::kInt64);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t b = 0; b < batches; ++b) {
      if (cfg.layer_type == "learnable") {
        // Anneal the connection softmax geometrically to its final temperature.
        RuntimeConfig r = base_runtime;
        const double progress = (double(epoch) + double(b) / double(batches)) / double(t.epochs);
        r.connection_temperature =
            base_runtime.connection_temperature *
            std::pow(t.connection_temperature_final / base_runtime.connection_temperature,
                     progress);
        network->set_runtime(r);
      }
      const auto idx = order.slice(0, b * batch_size, std::min(n, (b + 1) * batch_size));
      auto x = train_set.images.index_select(0, idx);
      if (t.shift_pixels > 0) x = shift_images(x, t.shift_pixels, gen);
      const auto y = train_set.labels.index_select(0, idx);
      adam.zero_grad();
      const auto scores = network->forward(x);
      const auto loss = torch::nn::functional::cross_entropy(scores, y);
      loss.backward();
      adam.update(cosine_lr(t, epoch, b, batches));
      loss_sum += loss.item<double>() * double(idx.size(0));
      correct += scores.detach().argmax(1).eq(y).sum().item<int64_t>();
      if (options.on_batch)
        options.on_batch(b + 1, batches, loss_sum / double(std::min(n, (b + 1) * batch_size)));
    }
    report.epoch = epoch + 1;
    report.loss = loss_sum / double(n);
    report.train_accuracy = double(correct) / double(n);
    report.eval_accuracy = eval_set.size() ? evaluate(network, eval_set) : -1;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!options.checkpoint.empty())
      save_checkpoint(options.checkpoint, network, base_config, adam, epoch + 1);
    if (options.on_epoch) options.on_epoch(report);
  }
  network->set_runtime(base_runtime);
  network->set_straight_through(false);
  network->eval();
  return report;
}

}  // namespace modelzoo::lut
