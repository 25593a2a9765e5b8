// modelzoo — the command-line front end.
//
// Exit codes: 0 success, 1 user error (message on stderr), 2 usage error.
// Every command takes --json for output that scripts parse.
#include <iostream>

#include "command.h"
#include "modelzoo/sdk/error.h"

int main(int argc, char** argv) {
  using namespace modelzoo::cli;
  CLI::App app{"modelzoo — pretrained models as plugins", "modelzoo"};
  app.require_subcommand(1);
  app.fallthrough();  // let `modelzoo list --json` reach the global flag
  Context context;
  app.add_flag("--json", context.json, "Machine-readable JSON output");
  add_plugins_command(app, context);
  add_list_command(app, context);
  add_info_command(app, context);
  add_help_command(app, context);
  add_model_commands(app, context);
  add_trust_commands(app, context);
  add_cache_commands(app, context);
  add_weights_commands(app, context);
  add_train_eval_run_commands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const modelzoo::Error& e) {
    std::cerr << "modelzoo: error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "modelzoo: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
