// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Runs a program as `ulimit -v` would: in a child process whose address space is capped,
// so that a large allocation fails there (malloc returns NULL, operator new throws)
// instead of in the test runner. For the out-of-memory cases of the bad-input matrix.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuralstyle::test {

struct LimitedRun {
  bool exited = false;  ///< false: killed by a signal (a crash, an abort)
  int exit_code = -1;   ///< when exited
  int signal = 0;       ///< when killed
  std::string err;      ///< what it wrote to stderr
};

/// Runs `argv` (argv[0] searched in PATH) with RLIMIT_AS = `bytes`, stdin from
/// /dev/null, stdout discarded and stderr written to `stderr_path`.
inline LimitedRun runWithAddressLimit(const std::vector<std::string>& argv, rlim_t bytes,
                                      const std::string& stderr_path) {
  // Everything the child needs is made before fork: after it, only async-signal-safe
  // calls (the test runner has threads).
  std::vector<std::string> args = argv;
  std::vector<char*> pointers;
  for (auto& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  const int err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (err_fd < 0 || null_fd < 0) throw std::runtime_error("cannot open " + stderr_path);
  const rlimit limit{bytes, bytes};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(125);
    execvp(pointers[0], pointers.data());
    _exit(127);
  }
  close(err_fd);
  close(null_fd);
  if (pid < 0) throw std::runtime_error("fork failed");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  LimitedRun run;
  run.exited = WIFEXITED(status);
  run.exit_code = run.exited ? WEXITSTATUS(status) : -1;
  run.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  std::ifstream in(stderr_path);
  std::ostringstream text;
  text << in.rdbuf();
  run.err = text.str();
  return run;
}

}  // namespace neuralstyle::test
