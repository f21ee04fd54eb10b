#pragma once
// A real mariadbd for tests: its own datadir in a TempDir, listening on a free loopback port,
// database "hhplus", user hhplus/hhplus with every privilege. Stopped by PID, never by name.
//
// Fast start: mariadb-install-db runs once per machine and user into a template datadir
// (TMPDIR or /tmp, hhplus-mariadb-template-<uid>, built under an flock so parallel tests don't
// race, rebuilt when mariadbd changes); each server copies it (~35 MB) and starts in ~0.2 s.
//
// Every method blocks the calling thread (tests call them between or inside coroutines on a
// single-threaded io_context; that pauses the loop, which is fine for a test). Failures throw
// std::runtime_error with the tail of the server's log.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/support/process.hpp"

namespace hhplus::testing {

class MariaDbServer {
  public:
    MariaDbServer();   // starts it; returns once a real query over TCP succeeds
    ~MariaDbServer();  // SIGKILL (its data is deleted anyway), then removes the directory
    MariaDbServer(const MariaDbServer&) = delete;
    MariaDbServer& operator=(const MariaDbServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string Url() const;  // "mysql://hhplus:hhplus@127.0.0.1:<port>/hhplus"

    // Same port and datadir throughout.
    void Stop();     // clean shutdown (SIGTERM), waits for exit
    void Start();    // starts again, waits until a query succeeds
    void Restart();  // Stop + Start
    void Kill9();    // SIGKILL, waits for exit: a crash; the next Start runs InnoDB recovery
    void Pause();    // SIGSTOP: the server accepts TCP connections but never answers
    void Resume();   // SIGCONT
    bool Running();

    // Runs `statement` with the `mariadb` client as root over the Unix socket, in database
    // hhplus (batch mode, no column names: tab-separated, one line a row, NULL as "NULL",
    // tab/newline/backslash escaped). Returns stdout; throws on a client error.
    std::string Sql(const std::string& statement) const;

    pid_t pid() const { return process_.pid(); }
    const std::filesystem::path& dir() const { return dir_.path(); }
    std::string LogTail() const { return process_.LogTail(); }

  private:
    void Launch();
    bool WaitReady();

    TempDir dir_;
    std::filesystem::path datadir_;
    std::filesystem::path socket_;
    std::uint16_t port_ = 0;
    ChildProcess process_;
};

}  // namespace hhplus::testing
