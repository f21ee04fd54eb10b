// lock_worker: one "instance" of the service for the lock's multi-process tests. It runs a
// LockManager against the lock Redis and does "storage" work against a separate data Redis under
// the lock, then prints what it saw as one line per fact on stdout (the test reads its log):
//
//   READY                                   connected, about to start
//   ACQUIRED <steady ns>                    (--print-acquired) each time a lease is granted
//   HOLDING <version>                       (--scenario=hold) lease held, storage version read
//   LOST_SIGNAL                             (hold) the lease's OnLost handler ran
//   HOLD_END lost=<0|1> cas=<ok|refused>    (hold) after the hold: lease state, fenced write
//   RESULT acquired=… timeouts=… unavailable=… too_many=… overlaps=… cas_ok=… cas_refused=…
//          wakeups=… lost=…
//   DONE                                    (then exits, or with --linger waits for SIGTERM)
//
// Work kinds (--work): `rmw` increments data key "<p>counter" by GET then SET (a lost update if
// two holders overlap) and brackets it with INCR/DECR of "<p>holders" (any value but 1 is an
// overlap); `cas` is the storage's fence: read "<p>version", then a compare-and-set that bumps
// it and "<p>counter" only if the version is unchanged (refused → the round is retried).
// clang-format off
#include <utility>  // before Asio
// clang-format on
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX kill(), not C's signal
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lock/lock_manager.hpp"
#include "redis/client.hpp"

namespace {

namespace asio = boost::asio;
using hhplus::lock::LockErrc;
using hhplus::lock::LockManager;
using hhplus::redis::Reply;
using std::chrono::milliseconds;

// A worker that cannot reach both Redis servers within 10 s is broken, not slow.
constexpr milliseconds kReadyTimeout{10000};
// Each round may fail (timeout, refused CAS) and is retried; 200 tries per round bounds a
// broken lock to a failing test instead of a hung one.
constexpr int kMaxTriesPerRound = 200;

constexpr std::string_view kCasLua = R"lua(
if tonumber(redis.call('GET', KEYS[1]) or '0') == tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], tonumber(ARGV[1]) + 1)
  redis.call('INCR', KEYS[2])
  return 1
end
return 0
)lua";

struct Config {
    std::vector<hhplus::redis::Endpoint> locks;
    hhplus::redis::Endpoint data;
    hhplus::lock::LockOptions options;
    std::string scenario = "loop";  // loop | hold
    std::string work = "rmw";       // rmw | cas
    std::string key = "k";
    std::string data_prefix = "data:";
    int tasks = 1;
    int rounds = 1;
    milliseconds budget{2000};
    milliseconds hold{0};
    bool linger = false;
    bool print_acquired = false;
};

struct Stats {
    long acquired = 0, timeouts = 0, unavailable = 0, too_many = 0, cancelled = 0;
    long overlaps = 0, cas_ok = 0, cas_refused = 0, wakeups = 0, lost = 0;
    int tasks_left = 0;
};

struct Worker {
    Config cfg;
    Stats stats;
    std::unique_ptr<LockManager> locks;
    std::unique_ptr<hhplus::redis::Client> data;
    asio::signal_set* signals = nullptr;
};

void Say(const std::string& line) {
    const std::string out = line + "\n";
    // One write per line: the test may read the log while we write.
    [[maybe_unused]] const auto n = ::write(STDOUT_FILENO, out.data(), out.size());
}

long long SteadyNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

asio::awaitable<void> SleepFor(milliseconds d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

std::vector<std::string> Args2(std::string a, std::string b) {
    std::vector<std::string> args;
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return args;
}

asio::awaitable<long long> DataInt(Worker* w, std::vector<std::string> args) {
    auto reply = co_await w->data->Command(std::move(args));
    if (!reply.ok()) co_return -1'000'000;
    if (reply->type == Reply::Type::kInteger) co_return reply->integer;
    if (reply->type == Reply::Type::kString) co_return std::atoll(reply->str.c_str());
    co_return 0;  // nil: a key never written
}

// The fenced write: CAS on the version read when the work started. true = applied.
asio::awaitable<bool> CasWrite(Worker* w, long long version) {
    std::vector<std::string> cas{"EVAL",
                                 std::string(kCasLua),
                                 "2",
                                 w->cfg.data_prefix + "version",
                                 w->cfg.data_prefix + "counter",
                                 std::to_string(version)};
    co_return co_await DataInt(w, std::move(cas)) == 1;
}

// One critical section. Returns false if the round must be retried (fenced write refused).
asio::awaitable<bool> DoWork(Worker* w) {
    const std::string& p = w->cfg.data_prefix;
    if (w->cfg.work == "cas") {
        const long long version = co_await DataInt(w, Args2("GET", p + "version"));
        if (w->cfg.hold.count() > 0) co_await SleepFor(w->cfg.hold);
        if (co_await CasWrite(w, version)) {
            ++w->stats.cas_ok;
            co_return true;
        }
        ++w->stats.cas_refused;
        co_return false;
    }
    if (co_await DataInt(w, Args2("INCR", p + "holders")) != 1) ++w->stats.overlaps;
    const long long value = co_await DataInt(w, Args2("GET", p + "counter"));
    if (w->cfg.hold.count() > 0) co_await SleepFor(w->cfg.hold);
    std::vector<std::string> set{"SET", p + "counter", std::to_string(value + 1)};
    co_await DataInt(w, std::move(set));
    co_await DataInt(w, Args2("DECR", p + "holders"));
    co_return true;
}

void CountFailure(Stats& s, LockErrc e) {
    switch (e) {
        case LockErrc::kTimeout:
            ++s.timeouts;
            break;
        case LockErrc::kUnavailable:
            ++s.unavailable;
            break;
        case LockErrc::kTooManyWaiters:
            ++s.too_many;
            break;
        case LockErrc::kCancelled:
            ++s.cancelled;
            break;
    }
}

void Finish(Worker* w) {
    const Stats& s = w->stats;
    Say("RESULT acquired=" + std::to_string(s.acquired) + " timeouts=" +
        std::to_string(s.timeouts) + " unavailable=" + std::to_string(s.unavailable) +
        " too_many=" + std::to_string(s.too_many) + " overlaps=" + std::to_string(s.overlaps) +
        " cas_ok=" + std::to_string(s.cas_ok) + " cas_refused=" + std::to_string(s.cas_refused) +
        " wakeups=" + std::to_string(s.wakeups) + " lost=" + std::to_string(s.lost));
    Say("DONE");
    if (!w->cfg.linger) {
        w->locks->Stop();
        w->data->Stop();
        w->signals->cancel();
    }
}

asio::awaitable<void> RunTask(Worker* w) {
    for (int round = 0; round < w->cfg.rounds; ++round) {
        for (int tries = 0; tries < kMaxTriesPerRound; ++tries) {
            auto lease = co_await w->locks->Acquire(w->cfg.key, w->cfg.budget);
            if (!lease.ok()) {
                CountFailure(w->stats, lease.error());
                if (lease.error() == LockErrc::kCancelled) co_return;
                if (lease.error() == LockErrc::kUnavailable) co_await SleepFor(milliseconds(50));
                continue;
            }
            ++w->stats.acquired;
            if (w->cfg.print_acquired) Say("ACQUIRED " + std::to_string(SteadyNanos()));
            const bool done = co_await DoWork(w);
            co_await lease.value()->Release();
            if (done) break;
        }
    }
    if (--w->stats.tasks_left == 0) Finish(w);
}

asio::awaitable<void> RunHold(Worker* w) {
    auto lease = co_await w->locks->Acquire(w->cfg.key, w->cfg.budget);
    if (!lease.ok()) {
        CountFailure(w->stats, lease.error());
        Finish(w);
        co_return;
    }
    ++w->stats.acquired;
    Say("ACQUIRED " + std::to_string(SteadyNanos()));
    lease.value()->OnLost([] { Say("LOST_SIGNAL"); });
    const long long version = co_await DataInt(w, Args2("GET", w->cfg.data_prefix + "version"));
    Say("HOLDING " + std::to_string(version));
    co_await SleepFor(w->cfg.hold);  // the test may SIGSTOP us here, or SIGKILL us
    const bool lost = lease.value()->Lost();
    // A real holder would skip the write when Lost(); we write anyway to show the fence.
    const bool applied = co_await CasWrite(w, version);
    if (applied)
        ++w->stats.cas_ok;
    else
        ++w->stats.cas_refused;
    Say(std::string("HOLD_END lost=") + (lost ? "1" : "0") +
        " cas=" + (applied ? "ok" : "refused"));
    co_await lease.value()->Release();
    Finish(w);
}

asio::awaitable<void> Main(Worker* w) {
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (!(w->locks->QuorumAvailable() && w->data->Connected())) {
        if (std::chrono::steady_clock::now() >= deadline) {
            Say("NOT_READY");
            std::_Exit(2);
        }
        co_await SleepFor(milliseconds(10));
    }
    Say("READY");
    if (w->cfg.scenario == "hold") {
        co_await RunHold(w);
        co_return;
    }
    w->stats.tasks_left = w->cfg.tasks;
    const auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < w->cfg.tasks; ++i) {
        asio::co_spawn(ex, RunTask(w), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    }
}

hhplus::redis::Endpoint MustParse(const std::string& url) {
    const auto endpoint = hhplus::redis::ParseRedisUrl(url);
    if (!endpoint) {
        std::fprintf(stderr, "bad redis url: %s\n", url.c_str());
        std::exit(2);
    }
    return *endpoint;
}

Config ParseArgs(int argc, char** argv) {
    std::map<std::string, std::string> a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto eq = arg.find('=');
        if (arg.rfind("--", 0) != 0) continue;
        if (eq == std::string::npos)
            a[arg.substr(2)] = "1";
        else
            a[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
    }
    Config c;
    std::string locks = a["locks"];
    for (std::size_t start = 0; start < locks.size();) {
        auto comma = locks.find(',', start);
        if (comma == std::string::npos) comma = locks.size();
        c.locks.push_back(MustParse(locks.substr(start, comma - start)));
        start = comma + 1;
    }
    c.data = MustParse(a["data"]);
    if (a.count("mode")) c.options.mode = *hhplus::lock::ParseMode(a["mode"]);
    if (a.count("ttl-ms")) c.options.ttl = milliseconds(std::atol(a["ttl-ms"].c_str()));
    if (a.count("max-waiters")) c.options.max_waiters_per_key = std::atol(a["max-waiters"].c_str());
    if (a.count("prefix")) c.options.key_prefix = a["prefix"];
    if (a.count("scenario")) c.scenario = a["scenario"];
    if (a.count("work")) c.work = a["work"];
    if (a.count("key")) c.key = a["key"];
    if (a.count("data-prefix")) c.data_prefix = a["data-prefix"];
    if (a.count("tasks")) c.tasks = std::atoi(a["tasks"].c_str());
    if (a.count("rounds")) c.rounds = std::atoi(a["rounds"].c_str());
    if (a.count("budget-ms")) c.budget = milliseconds(std::atol(a["budget-ms"].c_str()));
    if (a.count("hold-ms")) c.hold = milliseconds(std::atol(a["hold-ms"].c_str()));
    c.linger = a.count("linger") != 0;
    c.print_acquired = a.count("print-acquired") != 0;
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    Worker w;
    w.cfg = ParseArgs(argc, argv);
    asio::io_context io;
    hhplus::lock::LockMetrics metrics;
    metrics.on_wakeup = [&w] { ++w.stats.wakeups; };
    metrics.on_lost = [&w] { ++w.stats.lost; };
    w.locks = std::make_unique<LockManager>(io.get_executor(), w.cfg.locks, w.cfg.options, metrics);
    hhplus::redis::ClientOptions data_options;
    data_options.role = "data";
    w.data = std::make_unique<hhplus::redis::Client>(io.get_executor(), w.cfg.data, data_options);
    asio::signal_set signals(io, SIGTERM, SIGINT);
    w.signals = &signals;
    signals.async_wait([&w](const boost::system::error_code& ec, int) {
        if (ec) return;  // cancelled by Finish
        w.locks->Stop();
        w.data->Stop();
    });
    w.locks->Start();
    w.data->Start();
    asio::co_spawn(io, Main(&w), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    // Clients before their io_context (declared after `w`, so destroyed first otherwise).
    w.locks.reset();
    w.data.reset();
    return 0;
}
