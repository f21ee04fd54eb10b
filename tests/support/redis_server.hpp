#pragma once
// A real redis-server for integration tests: on a free loopback port, in its own TempDir, stopped
// by PID. Generic: any test that needs Redis uses it (the lock, sessions, the stage checks).
//
//   hhplus::testing::RedisServer redis;                       // started, answers PING
//   auto endpoint = hhplus::redis::ParseRedisUrl(redis.Url());
//   redis.Cli({"PUBSUB", "NUMSUB", "ch"});                    // "ch\n0\n"
//
// Failures (no redis-server binary, the server not answering in time) throw std::runtime_error
// with the server's log tail: the test then fails loudly instead of being skipped.
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace hhplus::testing {

class RedisServer {
  public:
    // Starts at once with `--save "" --appendonly no --bind 127.0.0.1 --port P --dir D`
    // (plus `--enable-debug-command local` on Redis >= 7, so tests may use DEBUG SLEEP), then
    // `extra_args`, which override any of those (e.g. {"--appendonly", "yes"}).
    explicit RedisServer(std::vector<std::string> extra_args = {});
    ~RedisServer();  // stops it by PID
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string Url() const;  // "redis://127.0.0.1:<port>"
    const std::string& dir() const;

    // Stop: SIGTERM (after SIGCONT), waits for the exit. Start: same port and dir, waits until
    // it answers PING (retries while the port is briefly taken by someone else). Restart: both.
    void Stop();
    void Start();
    void Restart();
    // SIGKILL, waits for the exit: a crash (no shutdown save, no AOF rewrite). Start then loads
    // what was on disk. With appendonly, Redis writes each command to the AOF before it answers
    // it, so a process crash loses no acknowledged write whatever appendfsync says (only a
    // machine crash loses the last unsynced second).
    void Kill9();
    bool Running();
    // SIGSTOP / SIGCONT: the process keeps its sockets but answers nothing.
    void Pause();
    void Resume();

    // Runs `redis-cli -p <port> ARGS` and returns its stdout (raw format: one value per line,
    // e.g. "PONG\n", "ch\n0\n"). Throws if redis-cli does not finish within 10 s.
    std::string Cli(const std::vector<std::string>& args) const;

  private:
    bool TryStart();

    TempDir dir_;
    std::string dir_string_;
    std::vector<std::string> extra_args_;
    std::string server_binary_;
    std::string cli_binary_;
    std::uint16_t port_ = 0;
    bool debug_command_option_ = false;
    int starts_ = 0;
    ChildProcess process_;
};

}  // namespace hhplus::testing
