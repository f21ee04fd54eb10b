#include "tests/support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX kill(), not C's signal
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace hhplus::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A redis-server with an empty dataset answers within ~10 ms of exec; 10 s absorbs a loaded
// 2-core machine running several test binaries at once.
constexpr std::chrono::seconds kReadyTimeout{10};
// How often readiness is polled while waiting (each poll is one loopback round trip).
constexpr std::chrono::milliseconds kReadyPoll{10};
// Each readiness probe waits this long for the INFO reply before trying again.
constexpr int kProbeTimeoutMs = 200;
// Start on a fresh port: a port from FreePort() can be taken again by someone else before the
// server binds it (the server then exits at once); 5 draws make that vanishingly unlikely.
constexpr int kFreshPortAttempts = 5;
// Restart on the same port: the port may be briefly held (another process's ephemeral use of
// it); 50 attempts × (exit + 100 ms pause) ≈ 5–10 s before giving up.
constexpr int kSamePortAttempts = 50;
constexpr std::chrono::milliseconds kSamePortPause{100};
// redis-cli against a live loopback server returns in milliseconds; 10 s means it hangs (e.g.
// the server is paused) and the test would otherwise hang with it.
constexpr std::chrono::seconds kCliTimeout{10};

// Runs argv with stdout captured (stderr to /dev/null); kills it after `timeout`.
std::string RunCapture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe() failed");
    std::vector<char*> args;
    std::vector<std::string> copy = argv;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork() failed");
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out[1]);
    std::string output;
    const auto deadline = Clock::now() + timeout;
    bool timed_out = false;
    char buf[4096];
    for (;;) {  // bounded by EOF or the deadline
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd pfd{out[0], POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        output.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (timed_out) throw std::runtime_error("timed out: " + argv[0] + " " + argv.back());
    return output;
}

// True if the Redis on `port` answers and is the process `pid` (not another test's server that
// happens to hold the port we raced for).
bool IsOurRedis(std::uint16_t port, pid_t pid) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string request = "INFO server\r\n";
        if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
            const auto deadline = Clock::now() + std::chrono::milliseconds(kProbeTimeoutMs);
            char buf[4096];
            // Bounded by the deadline; the reply is one bulk string of ~1 KB.
            const auto have_pid = [&reply] {
                const auto at = reply.find("process_id:");
                return at != std::string::npos && reply.find("\r\n", at) != std::string::npos;
            };
            while (!have_pid()) {
                const auto left =
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                        .count();
                if (left <= 0) break;
                pollfd pfd{fd, POLLIN, 0};
                if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) break;
                const ssize_t n = ::read(fd, buf, sizeof buf);
                if (n <= 0) break;
                reply.append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    ::close(fd);
    const auto at = reply.find("process_id:");
    if (at == std::string::npos) return false;  // not answering yet, or -LOADING
    return std::atol(reply.c_str() + at + 11) == static_cast<long>(pid);
}

}  // namespace

RedisServer::RedisServer(std::vector<std::string> extra_args)
    : dir_("hhplus-redis"),
      dir_string_(dir_.path().string()),
      extra_args_(std::move(extra_args)),
      server_binary_(FindExecutable("redis-server")),
      cli_binary_(FindExecutable("redis-cli")) {
    if (server_binary_.empty())
        throw std::runtime_error("redis-server not found (scripts/setup.sh)");
    if (cli_binary_.empty()) throw std::runtime_error("redis-cli not found (scripts/setup.sh)");
    // "Redis server v=7.0.15 sha=…": DEBUG is disabled by default from 7.0 on, and older
    // versions refuse the option that enables it.
    const std::string version = RunCapture({server_binary_, "--version"}, kCliTimeout);
    const auto v = version.find("v=");
    debug_command_option_ = v != std::string::npos && std::atoi(version.c_str() + v + 2) >= 7;
    for (int attempt = 0; attempt < kFreshPortAttempts; ++attempt) {
        port_ = FreePort();
        if (TryStart()) return;
    }
    throw std::runtime_error("redis-server did not start: " + process_.LogTail());
}

RedisServer::~RedisServer() { Stop(); }

std::string RedisServer::Url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

const std::string& RedisServer::dir() const { return dir_string_; }

bool RedisServer::TryStart() {
    std::vector<std::string> argv = {server_binary_, "--save",   "",
                                     "--appendonly", "no",       "--bind",
                                     "127.0.0.1",    "--port",   std::to_string(port_),
                                     "--dir",        dir_string_};
    if (debug_command_option_) {
        argv.push_back("--enable-debug-command");
        argv.push_back("local");
    }
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    const auto log = dir_.path() / ("redis-" + std::to_string(++starts_) + ".log");
    process_ = ChildProcess(argv, log);
    const auto deadline = Clock::now() + kReadyTimeout;
    while (Clock::now() < deadline) {
        if (!process_.Running()) return false;  // exited: most likely the port was taken
        if (IsOurRedis(port_, process_.pid())) return true;
        std::this_thread::sleep_for(kReadyPoll);
    }
    const std::string tail = process_.LogTail();
    process_.Stop();
    throw std::runtime_error("redis-server did not answer within 10 s: " + tail);
}

void RedisServer::Stop() { process_.Stop(); }

void RedisServer::Start() {
    if (process_.Running()) return;
    for (int attempt = 0; attempt < kSamePortAttempts; ++attempt) {
        if (TryStart()) return;
        std::this_thread::sleep_for(kSamePortPause);
    }
    throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_) +
                             ": " + process_.LogTail());
}

void RedisServer::Restart() {
    Stop();
    Start();
}

void RedisServer::Kill9() {
    if (!process_.Running()) return;
    process_.Signal(SIGKILL);
    // SIGKILL cannot be caught: the exit is immediate, the wait only reaps it.
    process_.Wait(std::chrono::duration_cast<std::chrono::milliseconds>(kReadyTimeout));
}

bool RedisServer::Running() { return process_.Running(); }

void RedisServer::Pause() { process_.Signal(SIGSTOP); }

void RedisServer::Resume() { process_.Signal(SIGCONT); }

std::string RedisServer::Cli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {cli_binary_, "-h", "127.0.0.1", "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCapture(argv, kCliTimeout);
}

}  // namespace hhplus::testing
