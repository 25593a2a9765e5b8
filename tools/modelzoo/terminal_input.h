// What a plugin command reads from the CLI's terminal while it runs: lines
// of input (CommandCall::read_line) and Ctrl-C (CommandCall::interrupted).
//
// A TerminalInput installs a SIGINT handler for its lifetime only (the
// span of one command) and restores the previous disposition after. Until
// the command first polls interrupted() or reads a line, Ctrl-C ends the
// process as it always does: a command that never listens (a long `train`)
// must not become unstoppable. From then on a Ctrl-C sets a flag the
// command sees, and at the prompt it ends the line being typed (InputLine
// kInterrupted) — what the command makes of that is its own affair (`chat`
// exits on a second one).
//
// Lines are read with read(2) from standard input, so a terminal's own
// line editing applies and a pipe works too; the prompt goes to standard
// output, or to standard error when that is JSON.
#pragma once

#include <string>

#include "modelzoo/hub.h"

namespace modelzoo::cli {

class TerminalInput {
 public:
  /// `prompt_to_stderr`: the prompt stays off standard output (--json).
  explicit TerminalInput(bool prompt_to_stderr);
  ~TerminalInput();
  TerminalInput(const TerminalInput&) = delete;
  TerminalInput& operator=(const TerminalInput&) = delete;

  /// The read_line and interrupted callbacks for Hub::run_command.
  CommandInteraction interaction();

 private:
  InputLine read_line(const std::string& prompt);
  bool prompt_to_stderr_;
  std::string pending_;  // bytes read past the last line (a pipe gives several at once)
  bool ended_ = false;
};

}  // namespace modelzoo::cli
