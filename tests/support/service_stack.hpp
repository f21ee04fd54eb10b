#pragma once
// ServiceStack: a whole hhplus-server with its own real dependencies — three redis-server
// (session, cache, lock), one mariadbd — each on free loopback ports in temp dirs, plus the
// server binary itself as a child process. Everything is stopped by PID on destruction.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tests/support/mariadb_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus::testing {

class ServiceStack {
  public:
    // Extra environment for the server (e.g. {"SEED_COUPON_QUANTITY","5"}). ARGON2 costs are
    // lowered by default (tests sign many users up; the cost is not what they test) unless given.
    explicit ServiceStack(std::map<std::string, std::string> env = {});
    ~ServiceStack();

    std::uint16_t port() const { return port_; }
    std::string admin_token() const { return "test-admin-token"; }
    // Starts another server process on the same dependencies (for multi-instance tests).
    std::unique_ptr<ChildProcess> StartExtraServer(std::uint16_t port, const std::string& name);
    void StopServer();   // SIGTERM, waits for a clean exit; returns its exit status via last_exit
    void StartServer();  // again, same port
    ChildProcess& server() { return server_; }
    int last_exit = -1;

    RedisServer session_redis{{"--appendonly", "yes", "--appendfsync", "everysec"}};
    RedisServer cache_redis;
    RedisServer lock_redis;
    MariaDbServer db;

    static std::string ServerBinary();
    std::map<std::string, std::string> Environment(std::uint16_t port,
                                                   const std::string& name) const;

  private:
    std::map<std::string, std::string> env_;
    TempDir dir_{"hhplus-stack"};
    std::uint16_t port_ = 0;
    ChildProcess server_;
};

// Waits until GET /health answers 200 (or the process died / the deadline passed).
bool WaitHealthy(std::uint16_t port, ChildProcess& process, std::chrono::milliseconds timeout);

}  // namespace hhplus::testing
