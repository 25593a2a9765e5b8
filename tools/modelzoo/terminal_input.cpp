#include "terminal_input.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <iostream>

namespace modelzoo::cli {
namespace {

// Set from the handler, so lock-free atomics only.
std::atomic<bool> g_listening{false};    // the command polls or reads: spare it
std::atomic<bool> g_interrupted{false};  // Ctrl-C since the last read_line began
int g_wake[2] = {-1, -1};  // the handler writes a byte: a prompt's poll() wakes without a race
struct sigaction g_previous {};

void on_sigint(int) {
  if (!g_listening.load()) {
    // Nobody listens: die of SIGINT as if no handler had been installed.
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
    return;
  }
  g_interrupted.store(true);
  const int saved = errno;
  [[maybe_unused]] const ssize_t ignored = ::write(g_wake[1], "i", 1);
  errno = saved;
}

void drain_wake_pipe() {
  char bytes[64];
  while (::read(g_wake[0], bytes, sizeof bytes) > 0) {
  }
}

}  // namespace

TerminalInput::TerminalInput(bool prompt_to_stderr) : prompt_to_stderr_(prompt_to_stderr) {
  g_listening = false;
  g_interrupted = false;
  if (g_wake[0] < 0 && ::pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0) g_wake[0] = g_wake[1] = -1;
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: the command's own reads and writes go on undisturbed;
  // the prompt waits in poll(), which a signal interrupts regardless.
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous);
}

TerminalInput::~TerminalInput() {
  sigaction(SIGINT, &g_previous, nullptr);
  g_listening = false;
}

CommandInteraction TerminalInput::interaction() {
  CommandInteraction i;
  i.read_line = [this](const std::string& prompt) { return read_line(prompt); };
  i.interrupted = [] {
    g_listening = true;
    return g_interrupted.load();
  };
  return i;
}

InputLine TerminalInput::read_line(const std::string& prompt) {
  g_listening = true;
  g_interrupted = false;
  drain_wake_pipe();
  std::ostream& out = prompt_to_stderr_ ? std::cerr : std::cout;
  out << prompt << std::flush;
  InputLine line;
  for (;;) {
    if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
      line.status = InputLine::Status::kLine;
      line.text = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    if (ended_) {
      // A last line without its newline still counts; then the end.
      if (pending_.empty()) return line;  // kEnd
      line.status = InputLine::Status::kLine;
      line.text.swap(pending_);
      return line;
    }
    struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {g_wake[0], POLLIN, 0}};
    const int ready = ::poll(fds, g_wake[0] >= 0 ? 2 : 1, -1);
    if (g_interrupted.load()) {
      // The terminal discards the line being typed on Ctrl-C; so do we.
      drain_wake_pipe();
      pending_.clear();
      out << '\n' << std::flush;
      line.status = InputLine::Status::kInterrupted;
      return line;
    }
    if (ready < 0) {
      if (errno == EINTR) continue;
      ended_ = true;  // an input that cannot be waited on ends it
      continue;
    }
    if (fds[0].revents == 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n > 0) {
      pending_.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      ended_ = true;  // end of input (Ctrl-D at the start of a line), or unreadable
      // Ctrl-D leaves the cursor after the prompt.
      if (pending_.empty() && isatty(STDIN_FILENO)) out << '\n' << std::flush;
    }
  }
}

}  // namespace modelzoo::cli
