// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Runs the `neuralstyle` binary (NEURALSTYLE_CLI, defined by tests/cli/CMakeLists.txt) as
// a subprocess for the CLI's end-to-end tests, and reads what it wrote.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli_test_support.hpp"

extern char** environ;

namespace neuralstyle::cli::test {

using Args = std::vector<std::string>;

// Everything a run needs to be quick: random features, few steps, tiny images.
inline Args fast(int steps = 2) {
  return {"--weights", "random:3", "--steps", std::to_string(steps), "--max-size", "64",
          "--threads", "2"};
}

inline Args operator+(Args a, const Args& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Starts the binary with stdout/stderr going to files in `dir`. `environment` entries
/// are "NAME=value" (set) or "NAME" (unset).
inline pid_t spawnCli(const Args& args, const TempDir& dir, const Args& environment = {}) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& change : environment) overridden |= change.substr(0, change.find('=')) == name;
    if (!overridden) env.push_back(entry);
  }
  for (const auto& change : environment)
    if (change.find('=') != std::string::npos) env.push_back(change);

  std::vector<std::string> argv_text{NEURALSTYLE_CLI};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv, envp;
  for (auto& a : argv_text) argv.push_back(a.data());
  for (auto& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);

  const std::string out = dir / "cli-stdout.txt", err = dir / "cli-stderr.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // The child gets SIGINT whatever the test runner blocks or ignores.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, interrupt;
  sigemptyset(&none);
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &interrupt);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int status = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (status != 0) throw std::runtime_error(std::string("cannot start ") + NEURALSTYLE_CLI);
  return pid;
}

inline Outcome waitCli(pid_t pid, const TempDir& dir) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  Outcome outcome;
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  outcome.out = readText(dir / "cli-stdout.txt");
  outcome.err = readText(dir / "cli-stderr.txt");
  return outcome;
}

inline Outcome runCli(const Args& args, const TempDir& dir, const Args& environment = {}) {
  return waitCli(spawnCli(args, dir, environment), dir);
}

inline std::vector<std::vector<std::string>> readCsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream text(readText(path));
  for (std::string line; std::getline(text, line);) {
    std::vector<std::string> cells;
    std::istringstream cellText(line);
    for (std::string cell; std::getline(cellText, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace neuralstyle::cli::test
