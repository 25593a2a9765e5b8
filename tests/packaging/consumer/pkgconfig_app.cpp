// Torch-free: built with `pkg-config --cflags --libs modelzoo` only.
#include <modelzoo/hub.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  modelzoo::HubOptions options;
  options.plugin_path = std::vector<std::filesystem::path>{argv[1]};
  modelzoo::Hub hub(options);
  std::cout << "found " << hub.list().size() << " entrypoints\n";
  return 0;
}
