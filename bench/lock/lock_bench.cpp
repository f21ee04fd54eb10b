// lock_bench: the seed's comparison, measured. N processes × W waiters contend for ONE key on one
// redis-server for a fixed time, once per strategy, and one table reports per strategy:
// acquisitions/s, hand-off latency p50/p99 (a holder starts its release → the next holder has
// the lock, across processes: CLOCK_MONOTONIC is system-wide), Redis commands per acquisition
// (INFO commandstats delta: every command the server executed, including those run inside the
// lock's Lua scripts; and the commands the clients sent), and redis-server CPU seconds
// (/proc/<pid>/stat utime+stime).
//
//   lock_bench [--processes=10] [--waiters=32] [--seconds=10] [--hold-us=0] [--budget-ms=2000]
//              [--gap-us=0]  (each waiter pauses this long after a release before its next
//                             Acquire: paced arrivals, as in the service, instead of a queue
//                             that never drains; 0 = back to back)
//              [--verbose]   (also print the per-command counts of the window)
//
// The driver starts a fresh redis-server per strategy and re-executes itself as the worker
// processes (`--worker …`); SIGUSR1 starts the measured window, SIGUSR2 ends it.
// clang-format off
#include <utility>  // before Asio
// clang-format on
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX kill(), not C's signal
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "lock/lock_manager.hpp"
#include "redis/client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"

namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// Workers must all be connected before the window opens; 15 s covers a loaded 2-core machine.
constexpr std::chrono::seconds kReadyTimeout{15};
// After SIGUSR2 a worker stops its LockManager (pending waits end at once) and writes its
// events: well under a second; 10 s means it hangs.
constexpr std::chrono::seconds kExitTimeout{10};

long long NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::map<std::string, std::string> ParseArgs(int argc, char** argv) {
    std::map<std::string, std::string> a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) continue;
        const auto eq = arg.find('=');
        if (eq == std::string::npos)
            a[arg.substr(2)] = "1";
        else
            a[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
    }
    return a;
}

long Arg(std::map<std::string, std::string>& a, const std::string& name, long fallback) {
    return a.count(name) ? std::atol(a[name].c_str()) : fallback;
}

// ---- worker ----------------------------------------------------------------------------------

struct WorkerState {
    std::unique_ptr<hhplus::lock::LockManager> locks;
    bool measuring = false;
    bool stopping = false;
    long timeouts = 0;
    long sent_commands = 0;
    std::chrono::microseconds hold{0};
    std::chrono::microseconds gap{0};
    milliseconds budget{2000};
    std::vector<std::pair<long long, long long>> events;  // (acquired, release started)
};

asio::awaitable<void> Waiter(WorkerState* w) {
    asio::steady_timer hold_timer(co_await asio::this_coro::executor);
    asio::steady_timer gap_timer(co_await asio::this_coro::executor);
    while (!w->stopping) {
        if (w->gap.count() > 0) {
            gap_timer.expires_after(w->gap);
            boost::system::error_code ec;
            co_await gap_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (w->stopping) break;
        }
        auto lease = co_await w->locks->Acquire("bench", w->budget);
        if (!lease.ok()) {
            if (lease.error() == hhplus::lock::LockErrc::kTimeout && w->measuring) ++w->timeouts;
            continue;
        }
        const long long acquired = NowNs();
        if (w->hold.count() > 0) {
            hold_timer.expires_after(w->hold);
            boost::system::error_code ec;
            co_await hold_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        const long long releasing = NowNs();
        if (w->measuring) w->events.emplace_back(acquired, releasing);
        co_await lease.value()->Release();
    }
}

asio::awaitable<void> AnnounceReady(WorkerState* w) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (!w->locks->QuorumAvailable() && std::chrono::steady_clock::now() < deadline) {
        t.expires_after(milliseconds(5));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    std::printf("READY\n");
    std::fflush(stdout);
}

int RunWorker(std::map<std::string, std::string> a) {
    WorkerState w;
    hhplus::lock::LockOptions options;
    options.mode = *hhplus::lock::ParseMode(a["mode"]);
    options.client.on_commands_sent = [&w](std::size_t n) {
        if (w.measuring) w.sent_commands += static_cast<long>(n);
    };
    w.hold = std::chrono::microseconds(Arg(a, "hold-us", 0));
    w.gap = std::chrono::microseconds(Arg(a, "gap-us", 0));
    w.budget = milliseconds(Arg(a, "budget-ms", 2000));
    const int waiters = static_cast<int>(Arg(a, "waiters", 32));
    asio::io_context io;
    w.locks = std::make_unique<hhplus::lock::LockManager>(
        io.get_executor(),
        std::vector<hhplus::redis::Endpoint>{*hhplus::redis::ParseRedisUrl(a["url"])}, options);
    w.locks->Start();
    asio::signal_set start(io, SIGUSR1);
    asio::signal_set stop(io, SIGUSR2, SIGTERM);
    start.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        w.measuring = true;
        for (int i = 0; i < waiters; ++i) {
            asio::co_spawn(io, Waiter(&w), [](const std::exception_ptr& e) {
                if (e) std::rethrow_exception(e);
            });
        }
    });
    stop.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        w.measuring = false;
        w.stopping = true;
        start.cancel();
        w.locks->Stop();
    });
    asio::co_spawn(io, AnnounceReady(&w), [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    w.locks.reset();  // before its io_context (declared after `w`)
    std::ofstream out(a["out"]);
    out << "timeouts " << w.timeouts << "\nsent " << w.sent_commands << "\n";
    for (const auto& [acq, rel] : w.events) out << "A " << acq << " " << rel << "\n";
    return 0;
}

// ---- driver ----------------------------------------------------------------------------------

struct ServerSample {
    long calls = 0;          // sum of cmdstat_*:calls except the driver's own INFO
    double cpu_seconds = 0;  // utime + stime
    std::map<std::string, long> per_command;
};

ServerSample Sample(const hhplus::testing::RedisServer& redis, long pid) {
    ServerSample s;
    std::istringstream info(redis.Cli({"INFO", "commandstats"}));
    std::string line;
    while (std::getline(info, line)) {
        if (line.rfind("cmdstat_", 0) != 0 || line.rfind("cmdstat_info:", 0) == 0) continue;
        const auto at = line.find("calls=");
        if (at == std::string::npos) continue;
        const long calls = std::atol(line.c_str() + at + 6);
        s.calls += calls;
        s.per_command[line.substr(8, line.find(':') - 8)] = calls;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the ")" that closes the command name: state is field 3; utime 14, stime 15.
    std::istringstream rest(all.substr(all.rfind(')') + 2));
    std::vector<std::string> fields;
    std::string f;
    while (rest >> f) fields.push_back(f);
    if (fields.size() > 12) {
        const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
        s.cpu_seconds = (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / ticks;
    }
    return s;
}

long RedisPid(const hhplus::testing::RedisServer& redis) {
    const std::string info = redis.Cli({"INFO", "server"});
    const auto at = info.find("process_id:");
    return at == std::string::npos ? -1 : std::atol(info.c_str() + at + 11);
}

struct Row {
    std::string strategy;
    double acquisitions_per_s = 0;
    double p50_ms = 0, p99_ms = 0;              // every hand-off
    double cross_p50_ms = 0, cross_p99_ms = 0;  // hand-offs to another process only
    double cross_share = 0;
    double server_cmds_per_acq = 0, client_cmds_per_acq = 0;
    double redis_cpu_s = 0;
    long acquisitions = 0, timeouts = 0;
};

double Percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    return v[idx];
}

Row RunStrategy(const std::string& self, const std::string& mode, int processes, int waiters,
                int seconds, long hold_us, long gap_us, long budget_ms, bool verbose,
                const std::filesystem::path& dir) {
    hhplus::testing::RedisServer redis;
    const long pid = RedisPid(redis);
    std::vector<hhplus::testing::ChildProcess> workers;
    std::vector<std::filesystem::path> outs;
    for (int i = 0; i < processes; ++i) {
        const auto out = dir / (mode + "-" + std::to_string(i) + ".events");
        outs.push_back(out);
        workers.emplace_back(
            std::vector<std::string>{
                self, "--worker", "--mode=" + mode, "--url=" + redis.Url(),
                "--waiters=" + std::to_string(waiters), "--hold-us=" + std::to_string(hold_us),
                "--gap-us=" + std::to_string(gap_us), "--budget-ms=" + std::to_string(budget_ms),
                "--out=" + out.string()},
            dir / (mode + "-" + std::to_string(i) + ".log"));
    }
    const auto ready_deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    for (auto& w : workers) {
        while (w.LogTail().find("READY") == std::string::npos) {
            if (std::chrono::steady_clock::now() >= ready_deadline || !w.Running()) {
                throw std::runtime_error("worker not ready: " + w.LogTail());
            }
            std::this_thread::sleep_for(milliseconds(10));
        }
    }
    const ServerSample before = Sample(redis, pid);
    const long long window_start = NowNs();
    for (auto& w : workers) w.Signal(SIGUSR1);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    for (auto& w : workers) w.Signal(SIGUSR2);
    const long long window_end = NowNs();
    const ServerSample after = Sample(redis, pid);
    for (auto& w : workers) {
        if (w.Wait(kExitTimeout) == -1) throw std::runtime_error("worker did not exit");
    }

    Row row;
    row.strategy = mode;
    std::vector<std::tuple<long long, long long, std::size_t>> events;  // acquired, released, who
    long sent = 0;
    for (std::size_t proc = 0; proc < outs.size(); ++proc) {
        const auto& out = outs[proc];
        std::ifstream in(out);
        std::string tag;
        while (in >> tag) {
            if (tag == "A") {
                long long acq = 0, rel = 0;
                in >> acq >> rel;
                events.emplace_back(acq, rel, proc);
            } else if (tag == "timeouts") {
                long t = 0;
                in >> t;
                row.timeouts += t;
            } else if (tag == "sent") {
                long s = 0;
                in >> s;
                sent += s;
            }
        }
    }
    std::sort(events.begin(), events.end());
    std::vector<double> handoffs_ms;
    std::vector<double> cross_ms;
    for (std::size_t i = 1; i < events.size(); ++i) {
        const double ms =
            static_cast<double>(std::get<0>(events[i]) - std::get<1>(events[i - 1])) / 1e6;
        handoffs_ms.push_back(ms);
        if (std::get<2>(events[i]) != std::get<2>(events[i - 1])) cross_ms.push_back(ms);
    }
    const double window_s = static_cast<double>(window_end - window_start) / 1e9;
    row.acquisitions = static_cast<long>(events.size());
    row.acquisitions_per_s = static_cast<double>(events.size()) / window_s;
    row.p50_ms = Percentile(handoffs_ms, 0.50);
    row.p99_ms = Percentile(handoffs_ms, 0.99);
    row.cross_p50_ms = Percentile(cross_ms, 0.50);
    row.cross_p99_ms = Percentile(cross_ms, 0.99);
    row.cross_share = handoffs_ms.empty() ? 0
                                          : static_cast<double>(cross_ms.size()) /
                                                static_cast<double>(handoffs_ms.size());
    if (!events.empty()) {
        const auto n = static_cast<double>(events.size());
        row.server_cmds_per_acq = static_cast<double>(after.calls - before.calls) / n;
        row.client_cmds_per_acq = static_cast<double>(sent) / n;
    }
    row.redis_cpu_s = after.cpu_seconds - before.cpu_seconds;
    if (verbose) {
        std::printf("%s: commands executed by redis-server in the window:", mode.c_str());
        for (const auto& [name, calls] : after.per_command) {
            const auto it = before.per_command.find(name);
            std::printf(" %s=%ld", name.c_str(),
                        calls - (it == before.per_command.end() ? 0 : it->second));
        }
        std::printf("\n");
    }
    return row;
}

int RunDriver(std::map<std::string, std::string> a, const std::string& self) {
    const int processes = static_cast<int>(Arg(a, "processes", 10));
    const int waiters = static_cast<int>(Arg(a, "waiters", 32));
    const int seconds = static_cast<int>(Arg(a, "seconds", 10));
    const long hold_us = Arg(a, "hold-us", 0);
    const long gap_us = Arg(a, "gap-us", 0);
    const long budget_ms = Arg(a, "budget-ms", 2000);
    hhplus::testing::TempDir dir("hhplus-lock-bench");
    std::vector<Row> rows;
    for (const std::string mode : {"pubsub", "polling"}) {
        rows.push_back(RunStrategy(self, mode, processes, waiters, seconds, hold_us, gap_us,
                                   budget_ms, a.count("verbose") != 0, dir.path()));
    }
    std::printf(
        "lock_bench: %d processes x %d waiters, one key, one redis-server, %d s per "
        "strategy, hold %ld us, gap %ld us, wait budget %ld ms\n\n",
        processes, waiters, seconds, hold_us, gap_us, budget_ms);
    std::printf(
        "| strategy | acquisitions/s | hand-off p50 / p99 ms | cross-process hand-off "
        "p50 / p99 ms (share) | redis cmds/acq (server, incl. in-script) | cmds/acq sent "
        "by clients | redis-server CPU s | acquisitions | timeouts |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& r : rows) {
        std::printf(
            "| %s | %.0f | %.3f / %.3f | %.3f / %.3f (%.0f %%) | %.2f | %.2f | %.2f | %ld "
            "| %ld |\n",
            r.strategy.c_str(), r.acquisitions_per_s, r.p50_ms, r.p99_ms, r.cross_p50_ms,
            r.cross_p99_ms, 100 * r.cross_share, r.server_cmds_per_acq, r.client_cmds_per_acq,
            r.redis_cpu_s, r.acquisitions, r.timeouts);
    }
    std::printf("| none | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |\n\n");
    std::printf(
        "none: no lock at all (the database's guards alone), so there is nothing to "
        "measure at the library level; compare it in the service's load test.\n");
    if (rows.size() == 2 && rows[0].server_cmds_per_acq > 0) {
        std::printf("pubsub/polling redis commands per acquisition: %.2f\n",
                    rows[0].server_cmds_per_acq / rows[1].server_cmds_per_acq);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto args = ParseArgs(argc, argv);
    if (args.count("worker")) return RunWorker(args);
    const std::string self = std::filesystem::canonical("/proc/self/exe").string();
    return RunDriver(args, self);
}
