// weights_bench FILE [RUNS]: loads a state dict file into a model whose
// parameters and buffers mirror the file's names and shapes (allocated and
// initialised first, as a real model is), and prints JSON with the load time
// (Weights::from_file + load_into, strict; median of RUNS, each on a fresh
// model) and the peak RSS the load added over the process's baseline.
// The Python side of the comparison is python_load.py; run_bench.sh runs both.
#include <sys/resource.h>

#include <torch/nn/module.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modelzoo/threads.h"
#include "modelzoo/weights.h"

namespace {

// A module tree with one tensor per checkpoint entry: "layer1.0.conv1.weight"
// becomes submodules layer1 → 0 → conv1 holding the parameter "weight".
struct Node : torch::nn::Module {
  std::map<std::string, std::shared_ptr<Node>> children;
  Node& child(const std::string& name) {
    auto& c = children[name];
    if (!c) c = register_module(name, std::make_shared<Node>());
    return *c;
  }
};

std::shared_ptr<Node> mirror_model(const modelzoo::formats::TensorFile& file) {
  auto root = std::make_shared<Node>();
  for (const auto& t : file.tensors) {
    Node* node = root.get();
    std::string rest = t.name;
    for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1))
      node = &node->child(rest.substr(0, dot));
    const auto dtype = modelzoo::to_torch_dtype(t.dtype);
    torch::Tensor value = torch::empty(t.shape, torch::TensorOptions().dtype(dtype));
    if (torch::isFloatingType(dtype)) value.uniform_(-1, 1); else value.zero_();  // touched, like an init
    if (torch::isFloatingType(dtype)) node->register_parameter(rest, value);
    else node->register_buffer(rest, value);
  }
  return root;
}

double cpu_ms() {  // user + system time of the process: robust to a busy machine
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: weights_bench FILE [RUNS]\n";
    return 2;
  }
  const std::string path = argv[1];
  const int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  modelzoo::set_intra_op_threads(2);
  const auto shapes = modelzoo::Weights::from_file(path);  // to build the mirror, then dropped
  std::vector<double> ms, cpu;
  long baseline = 0, peak = 0;
  size_t bytes = 0;
  for (int run = 0; run < runs; ++run) {
    auto model = mirror_model(shapes.file());
    if (run == 0) baseline = peak_rss_kib();
    const double cpu_start = cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    const auto weights = modelzoo::Weights::from_file(path);
    const auto report = weights.load_into(*model);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    cpu.push_back(cpu_ms() - cpu_start);
    if (run == 0) {
      peak = peak_rss_kib();
      for (const auto& t : weights.file().tensors) bytes += t.nbytes();
    }
    if (report.loaded != shapes.file().tensors.size()) return 1;
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  std::cout << "{\"format\": \"" << shapes.format() << "\", \"median_ms\": " << ms[ms.size() / 2]
            << ", \"min_ms\": " << ms.front() << ", \"cpu_ms\": " << cpu[cpu.size() / 2] << ", \"weights_mib\": " << bytes / 1048576.0
            << ", \"rss_added_mib\": " << (peak - baseline) / 1024.0 << "}\n";
}
