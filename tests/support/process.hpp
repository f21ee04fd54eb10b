#pragma once
// Test support: free loopback ports, temporary directories and child processes that are always
// stopped by their PID (never by name), even when a test fails.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hhplus::testing {

// A port that was free on 127.0.0.1 a moment ago (bind to port 0, read it, close). Ports are
// drawn from the kernel's ephemeral range, so parallel tests rarely collide; starters retry.
std::uint16_t FreePort();

// True once a TCP connect to 127.0.0.1:port succeeds, polling until the deadline.
bool WaitForPort(std::uint16_t port, std::chrono::milliseconds timeout);

// A fresh directory under $TMPDIR, removed with its content on destruction.
class TempDir {
  public:
    explicit TempDir(const std::string& prefix = "hhplus-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// A child process with stdout+stderr sent to `log_file`. The destructor sends SIGTERM, waits up
// to 5 s, then SIGKILL: a failing test never leaves a server behind.
class ChildProcess {
  public:
    ChildProcess() = default;
    ChildProcess(std::vector<std::string> argv, std::filesystem::path log_file,
                 std::map<std::string, std::string> extra_env = {});
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;

    pid_t pid() const { return pid_; }
    bool Running();          // reaps the child if it has exited
    void Signal(int signo);  // kill(pid, signo) if still ours
    int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));  // returns exit status
    int Wait(std::chrono::milliseconds timeout);                          // -1 on timeout
    std::string LogTail(std::size_t max_bytes = 4000) const;
    const std::filesystem::path& log_file() const { return log_file_; }

  private:
    pid_t pid_ = -1;
    int status_ = -1;
    std::filesystem::path log_file_;
};

// Absolute path of an executable found on PATH or in /usr/sbin, /usr/bin; empty if absent.
std::string FindExecutable(const std::string& name);

}  // namespace hhplus::testing
