// A host app: lists what its plugin path offers and runs one model.
#include <modelzoo/hub.h>
#include <modelzoo/model.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  modelzoo::HubOptions options;
  options.plugin_path = std::vector<std::filesystem::path>{argv[1]};
  modelzoo::Hub hub(options);
  for (const auto* e : hub.list()) std::cout << "entrypoint " << e->qualified_name() << '\n';
  auto model = hub.create("vendor/scale", {{"factor", 3.0}});
  std::cout << "output " << model->forward(torch::ones({2})).sum().item<double>() << '\n';
  return 0;
}
