#pragma once
// Launching lock_worker processes and reading what they report (one fact per line in their
// log; see lock_worker.cpp). Waits poll the log with a deadline, never a fixed sleep.
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus::lock::testing {

class WorkerProcess {
  public:
    WorkerProcess(const std::filesystem::path& dir, const std::string& name,
                  std::vector<std::string> args)
        : log_(dir / (name + ".log")) {
        args.insert(args.begin(), LOCK_WORKER_PATH);
        process_ = hhplus::testing::ChildProcess(std::move(args), log_);
    }

    std::vector<std::string> Lines(const std::string& prefix) const {
        std::ifstream in(log_);
        std::vector<std::string> out;
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind(prefix, 0) == 0) out.push_back(line);
        }
        return out;
    }

    bool Has(const std::string& prefix) const { return !Lines(prefix).empty(); }

    // Waits until a line starting with `prefix` appears (false on timeout or if the worker died
    // without writing it).
    bool WaitFor(const std::string& prefix, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (Has(prefix)) return true;
            if (!process_.Running()) return Has(prefix);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

    // "RESULT a=1 b=2" → {a:1, b:2}; empty if no RESULT line yet.
    std::map<std::string, long> Result() const {
        std::map<std::string, long> out;
        const auto lines = Lines("RESULT ");
        if (lines.empty()) return out;
        std::istringstream in(lines.back().substr(7));
        std::string field;
        while (in >> field) {
            const auto eq = field.find('=');
            if (eq != std::string::npos)
                out[field.substr(0, eq)] = std::atol(field.c_str() + eq + 1);
        }
        return out;
    }

    // Steady-clock nanoseconds of each ACQUIRED line.
    std::vector<long long> AcquiredTimes() const {
        std::vector<long long> out;
        for (const auto& line : Lines("ACQUIRED ")) out.push_back(std::atoll(line.c_str() + 9));
        return out;
    }

    // After DONE (without --linger) the worker exits by itself: true if it exited with status 0
    // (a sanitizer report or a crash on the way out makes it non-zero).
    bool ExitedCleanly(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        const int status = process_.Wait(timeout);
        return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

    hhplus::testing::ChildProcess& process() { return process_; }
    std::string LogTail() const { return process_.LogTail(); }

  private:
    std::filesystem::path log_;
    hhplus::testing::ChildProcess process_;
};

inline long long SteadyNanosNow() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

using hhplus::testing::RedisServer;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A worker run of a few hundred lock hand-offs takes seconds; minutes means it is stuck.
// A whole worker run (8 processes × 50 critical sections on one key in polling mode took 168 s
// on a 2-core machine with a load average of 20): a bound for hangs, not a speed criterion.
inline constexpr seconds kRunTimeout{600};
inline constexpr seconds kStepTimeout{30};

inline std::vector<std::string> BaseArgs(const RedisServer& lock, const RedisServer& data,
                                         const std::string& mode) {
    return {"--locks=" + lock.Url(), "--data=" + data.Url(), "--mode=" + mode};
}

inline std::vector<std::string> With(std::vector<std::string> args, std::vector<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

inline long CliLong(const RedisServer& server, const std::vector<std::string>& args) {
    return std::atol(server.Cli(args).c_str());
}

template <class Pred>
bool Eventually(Pred pred, milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(milliseconds(20));
    }
    return pred();
}

// redis-cli prints an empty array as an empty line.
inline bool Blank(const std::string& out) {
    return out.find_first_not_of('\n') == std::string::npos;
}

// Calls of one command so far ("set", "evalsha"…) from INFO commandstats.
inline long CommandCalls(const hhplus::testing::RedisServer& server, const std::string& command) {
    const std::string info = server.Cli({"INFO", "commandstats"});
    const std::string tag = "cmdstat_" + command + ":calls=";
    const auto at = info.find(tag);
    return at == std::string::npos ? 0 : std::atol(info.c_str() + at + tag.size());
}

}  // namespace hhplus::lock::testing
