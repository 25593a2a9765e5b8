// Torch-free: built with `pkg-config --cflags --libs modelzoo` only. It
// lists the plugins and tokenizes a text (the tokenizers are torch-free too).
#include <modelzoo/hub.h>
#include <modelzoo/text/wordpiece.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  modelzoo::HubOptions options;
  options.plugin_path = std::vector<std::filesystem::path>{argv[1]};
  modelzoo::Hub hub(options);
  std::cout << "found " << hub.list().size() << " entrypoints\n";
  const auto wordpiece =
      modelzoo::text::WordPiece::from_vocab_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
  std::cout << "tokens " << wordpiece.encode("Hello").size() << "\n";  // [CLS] hello [SEP]
  return 0;
}
