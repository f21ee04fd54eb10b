#include "loadgen/runner.hpp"

#include <unistd.h>

#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <set>

#include "loadgen/executor.hpp"
#include "loadgen/host_info.hpp"
#include "loadgen/html_report.hpp"
#include "loadgen/js_number.hpp"
#include "loadgen/ndjson.hpp"
#include "loadgen/scenarios.hpp"
#include "loadgen/summary.hpp"
#include "loadgen/summary_export.hpp"
#include "loadgen/thresholds.hpp"
#include "loadgen/vu.hpp"
#include "loadgen/wait_group.hpp"

namespace hhplus::loadgen {
namespace {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;
using boost::beast::http::verb;

constexpr auto kVusSampleInterval = 1s;       // k6 samples vus / vus_max once per second
constexpr auto kThresholdInterval = 2s;       // k6's thresholdsRate for abortOnFail checks
constexpr auto kProgressIntervalTty = 100ms;  // k6 redraws a TTY progress bar ten times a second
constexpr auto kProgressIntervalPlain = 1s;   // and prints one line a second otherwise
constexpr auto kRedisTimeout = 2000ms;  // INFO commandstats on loopback answers in microseconds
constexpr std::int64_t kDefaultCouponQuantity = 100;  // the seed's coupon size
// A fresh coupon outlives any run: expiry a day ahead (the API wants at least 1 s in the future).
constexpr std::int64_t kFreshCouponLifetimeSeconds = std::int64_t{24} * 3600;
// The admin VU's id, apart from scenario VUs (0, 1, ...) and setup VUs (scenarios.cpp).
constexpr int kAdminVuId = 2'000'000;
// k6's maxLeftLength: scenario names in the progress display are cut to 30 characters.
constexpr std::size_t kProgressNameWidth = 30;
constexpr std::string_view kK6Version = "v1.8.1";

double Millis(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string Cyan(const std::string& s, bool colors) {
    return colors ? "\x1b[36m" + s + "\x1b[0m" : s;
}

// The final threshold pass (k6 evaluates empty sinks too at the end), the thresholds as the HTML
// report lists them, and the summary input; shared by `run` and `report`.
SummaryInput FinalizeSummary(const Registry& registry, ThresholdEngine& thresholds,
                             const CheckBook& checks, Nanos run_duration,
                             const std::vector<std::string>& trend_stats,
                             const std::string& time_unit, bool full_mode, RunReport& report,
                             ThresholdOutcome& outcome) {
    outcome = thresholds.Evaluate(false, run_duration);
    for (const MetricThresholdSet& set : thresholds.Sets()) {
        for (const Threshold& t : set.thresholds)
            report.thresholds.emplace_back(set.metric->name + ": " + t.config.source,
                                           !t.last_failed);
    }
    report.run_duration = run_duration;
    SummaryInput input;
    input.registry = &registry;
    input.thresholds = &thresholds;
    input.checks = &checks;
    input.run_duration = run_duration;
    input.trend_stats = trend_stats;
    input.time_unit = time_unit;
    input.full_mode = full_mode;
    input.colors = false;
    report.summary_text = RenderTextSummary(input);
    return input;
}

class Runner;

// One scenario's executor, its VUs and its driving timer. Receives the executor's actions.
struct ScenarioRun final : ActionSink {
    ScenarioRun(Runner* r, ScenarioConfig c, asio::any_io_executor ex)
        : runner(r),
          config(std::move(c)),
          executor(MakeExecutor(config)),
          timer(ex),
          arrival(IsArrivalRate(config.executor)) {}

    void AddVu(int vu) override;
    void StartIteration(int vu, Nanos due) override;
    void DropIterations(std::int64_t count, Nanos at) override;
    void HardStop(int vu) override;
    Nanos Offset(Steady::time_point t) const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start).count();
    }

    Runner* runner;
    ScenarioConfig config;
    std::unique_ptr<Executor> executor;
    std::vector<std::unique_ptr<Vu>> vus;
    asio::steady_timer timer;
    Nanos armed_for = kNever;
    Steady::time_point start{};
    bool started = false;
    bool finished = false;
    bool arrival = false;
    std::int64_t next_iteration = 0;
};

class Runner {
  public:
    Runner(const RunConfig& config, std::ostream& out, std::ostream& err)
        : config_(config),
          out_(out),
          err_(err),
          signals_(io_, SIGINT, SIGTERM),
          done_(io_.get_executor()),
          vus_timer_(io_),
          threshold_timer_(io_),
          progress_timer_(io_),
          sweep_timer_(io_) {
        colors_ = config.stdout_is_tty && !config.no_color;
    }

    int Run();

    // Called by ScenarioRun.
    void AddVu(ScenarioRun* sr, int vu) {
        sr->vus.push_back(
            std::make_unique<Vu>(&vu_env_, vu, sr->config.name, true, sr->config.tags));
    }
    void StartIteration(ScenarioRun* sr, int vu, Nanos due) {
        // Begin now, not when the coroutine first runs: a hard stop that arrives in between must
        // find the iteration started, or it would be lost and the iteration run in full.
        sr->vus[static_cast<std::size_t>(vu)]->BeginIteration(sr->next_iteration++);
        asio::co_spawn(io_, RunIteration(sr, vu, due), RethrowIfFailed);
    }
    void Drop(ScenarioRun* sr, std::int64_t count) {
        TagSet tags;
        SetTag(tags, "scenario", sr->config.name);
        registry_.Add(*builtin_.dropped_iterations, static_cast<double>(count), tags, NowUnix());
    }

  private:
    int Prepare();
    void PrintHeader();
    int DryRun();
    asio::awaitable<void> Main();
    asio::awaitable<void> DriveScenario(ScenarioRun* sr);
    asio::awaitable<void> RunIteration(ScenarioRun* sr, int vu_id, Nanos due);
    asio::awaitable<void> VusTicker();
    asio::awaitable<void> ThresholdTicker();
    asio::awaitable<void> ProgressTicker();
    asio::awaitable<void> WatchSignals();
    asio::awaitable<void> SweepTimeouts();
    asio::awaitable<bool> CreateCoupon();
    asio::awaitable<void> AuditCoupon();
    void AbortAll();
    void StopTickers();
    // Ends WatchSignals, also when it has not started waiting yet (a setup that fails before
    // its first request ends Main before WatchSignals first runs).
    void StopWatchingSignals() {
        signals_done_ = true;
        signals_.cancel();
    }
    void PrintProgress(bool final);
    std::map<std::string, CommandCounts> SnapshotRedis(std::map<std::string, std::string>& errors);
    int Finish();

    std::int64_t NowUnix() const {
        return vu_env_.start_unix_nanos + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              Steady::now() - vu_env_.start_steady)
                                              .count();
    }
    Nanos Elapsed() const {
        if (!run_started_) return 0;
        const Steady::time_point end = run_ended_ ? run_end_ : Steady::now();
        return std::chrono::duration_cast<std::chrono::nanoseconds>(end - run_start_).count();
    }
    std::int64_t ActiveVus() const {
        std::int64_t n = 0;
        for (const auto& sr : runs_) n += sr->started ? sr->executor->ActiveVus() : 0;
        return n;
    }
    std::int64_t InitializedVus() const {
        std::int64_t n = 0;
        for (const auto& sr : runs_) n += sr->started ? sr->executor->InitializedVus() : 0;
        return n;
    }

    const RunConfig& config_;
    std::ostream& out_;
    std::ostream& err_;
    bool colors_ = false;
    // One thread runs this context and nothing else posts to it (the resolver is used
    // synchronously, signals arrive through Asio's own pipe), so Asio's locks can go.
    asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
    asio::signal_set signals_;
    WaitGroup done_;
    asio::steady_timer vus_timer_;
    asio::steady_timer threshold_timer_;
    asio::steady_timer progress_timer_;
    asio::steady_timer sweep_timer_;
    TimeoutSweeper sweeper_;  // declared before every VU: clients unregister from it on destruction
    bool sweeping_ = false;

    Registry registry_;
    BuiltinMetrics builtin_;
    CheckBook checks_;
    ThresholdEngine thresholds_;
    RunReport report_;
    VuEnvironment vu_env_;
    ScenarioServices services_;
    const ScenarioInfo* info_ = nullptr;
    std::unique_ptr<Scenario> scenario_;
    std::vector<std::unique_ptr<ScenarioRun>> runs_;
    std::unique_ptr<NdjsonWriter> ndjson_;
    std::optional<asio::ip::tcp::endpoint> endpoint_;
    std::unique_ptr<Vu> admin_vu_;

    Steady::time_point run_start_{};
    Steady::time_point run_end_{};
    bool run_started_ = false;
    bool run_ended_ = false;
    bool ticking_ = false;
    bool abort_requested_ = false;
    bool aborted_by_signal_ = false;
    bool aborted_by_threshold_ = false;
    std::vector<std::string> abort_breached_;
    std::string fatal_;
    std::int64_t full_iterations_ = 0;
    std::int64_t interrupted_iterations_ = 0;
    std::int64_t max_vus_ = 0;
    Nanos max_duration_ = 0;
    std::map<std::string, CommandCounts> redis_before_;
    std::map<std::string, std::string> redis_errors_;
    std::optional<std::int64_t> coupon_id_;
    bool coupon_created_ = false;
    bool signals_done_ = false;
};

void ScenarioRun::AddVu(int vu) { runner->AddVu(this, vu); }
void ScenarioRun::StartIteration(int vu, Nanos due) { runner->StartIteration(this, vu, due); }
void ScenarioRun::DropIterations(std::int64_t count, Nanos) { runner->Drop(this, count); }
void ScenarioRun::HardStop(int vu) { vus[static_cast<std::size_t>(vu)]->Interrupt(); }

// The largest sum of maxVUs over scenarios that overlap in time (k6's GetMaxPossibleVUs).
std::int64_t MaxPossibleVus(const std::vector<ScenarioConfig>& scenarios) {
    std::vector<std::pair<Nanos, std::int64_t>> events;
    for (const ScenarioConfig& sc : scenarios) {
        events.emplace_back(sc.start_time, ScenarioMaxVus(sc));
        events.emplace_back(ScenarioMaxEnd(sc), -ScenarioMaxVus(sc));
    }
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second < b.second;  // ends before starts
    });
    std::int64_t current = 0;
    std::int64_t best = 0;
    for (const auto& [t, delta] : events) {
        current += delta;
        best = std::max(best, current);
    }
    return best;
}

Nanos RoundDuration(Nanos d, Nanos m) {
    Nanos r = d % m;
    return r + r < m ? d - r : d + m - r;
}

int Runner::Prepare() {
    info_ = FindScenario(config_.scenario);
    builtin_ = DefineBuiltinMetrics(registry_);
    for (const CustomMetricSpec& spec : info_->metrics) {
        auto m = registry_.Define(spec.name, spec.type, spec.contains);
        if (!m) {
            err_ << "ERRO[0000] " << m.error() << "\n";
            return kExitInvalidConfig;
        }
        services_.metrics[spec.name] = m.value();
    }
    std::vector<std::string> errors = thresholds_.Setup(config_.options.thresholds, registry_);
    // k6 enables this sub-metric whenever the expected_response system tag is on (the default).
    (void)registry_.GetOrAddSubmetric("http_req_duration{expected_response:true}");
    if (!errors.empty()) {
        for (const std::string& e : errors) err_ << "ERRO[0000] " << e << "\n";
        return kExitInvalidConfig;
    }
    const std::vector<ScenarioConfig> scenarios = SortedScenarios(config_.options);
    max_vus_ = MaxPossibleVus(scenarios);
    for (const ScenarioConfig& sc : scenarios)
        max_duration_ = std::max(max_duration_, ScenarioMaxEnd(sc));
    return kExitOk;
}

void Runner::PrintHeader() {
    for (const std::string& w : config_.warnings)
        err_ << "WARN[0000] " << w << "\n";  // k6 logs them even with --quiet
    if (config_.quiet) return;
    const std::vector<ScenarioConfig> scenarios = SortedScenarios(config_.options);
    std::string outputs = config_.out_json.empty() ? "-" : "json (" + config_.out_json + ")";
    out_ << "\n";
    out_ << "     execution: " << Cyan("local", colors_) << "\n";
    out_ << "        script: "
         << Cyan(config_.scenario + " (hhplus-load, k6 " + std::string(kK6Version) +
                     " semantics, options: " + config_.options_source + ")",
                 colors_)
         << "\n";
    out_ << "        target: " << Cyan(config_.base_url_text, colors_) << "\n";
    out_ << "        output: " << Cyan(outputs, colors_) << "\n\n";
    const std::string count =
        scenarios.size() == 1 ? "1 scenario" : std::to_string(scenarios.size()) + " scenarios";
    out_ << "     scenarios: "
         << Cyan("(100.00%) " + count + ", " + std::to_string(max_vus_) + " max VUs, " +
                     FormatGoDuration(RoundDuration(max_duration_, 100 * kMillisecond)) +
                     " max duration (incl. graceful stop):",
                 colors_)
         << "\n";
    for (const ScenarioConfig& sc : scenarios)
        out_ << "              * " << sc.name << ": " << DescribeScenario(sc) << "\n";
    out_ << "\n";
    out_.flush();
}

int Runner::DryRun() {
    out_ << "     dry run: options valid, nothing sent\n";
    for (const ScenarioConfig& sc : SortedScenarios(config_.options)) {
        auto planned = PlannedIterations(sc);
        out_ << "              * " << sc.name << ": " << ExecutorTypeName(sc.executor)
             << ", planned iterations: "
             << (planned ? std::to_string(*planned) : std::string("as many as the VUs complete"))
             << "\n";
    }
    for (const MetricThresholdSet& set : thresholds_.Sets()) {
        for (const Threshold& t : set.thresholds) {
            out_ << "              threshold " << set.metric->name << ": '" << t.config.source
                 << "'" << (t.config.abort_on_fail ? " (abortOnFail)" : "") << "\n";
        }
    }
    out_ << "              custom metrics:";
    for (const CustomMetricSpec& m : info_->metrics) out_ << " " << m.name;
    out_ << (info_->metrics.empty() ? " none\n" : "\n");
    return kExitOk;
}

int Runner::Run() {
    if (int rc = Prepare(); rc != kExitOk) return rc;
    PrintHeader();
    if (config_.dry_run) return DryRun();

    // Resolve the target once; every VU connects to that address (k6 caches DNS for 5 minutes).
    boost::system::error_code ec;
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(config_.base.host, std::to_string(config_.base.port), ec);
    if (ec || results.empty()) {
        err_ << "ERRO[0000] cannot resolve " << config_.base.host << ": " << ec.message() << "\n";
        return kExitGenericError;
    }
    endpoint_ = results.begin()->endpoint();
    for (const auto& r : results) {
        if (r.endpoint().address().is_v4()) {
            endpoint_ = r.endpoint();
            break;
        }
    }
    vu_env_.executor = io_.get_executor();
    vu_env_.registry = &registry_;
    vu_env_.builtin = builtin_;
    vu_env_.checks = &checks_;
    vu_env_.requests = &report_.requests;
    vu_env_.base = config_.base;
    vu_env_.reset_cookies = !config_.options.no_cookies_reset;
    const asio::ip::tcp::endpoint endpoint = *endpoint_;
    const std::string host_header = config_.base.HostHeader();
    asio::any_io_executor executor = io_.get_executor();
    TimeoutSweeper* sweeper = &sweeper_;
    Nanos request_timeout = kRequestTimeout;
    if (auto t = config_.env("REQUEST_TIMEOUT"); t && !t->empty()) {
        auto parsed = ParseDuration(*t);
        if (!parsed || *parsed <= 0) {
            err_ << "ERRO[0000] REQUEST_TIMEOUT must be a positive duration such as 10s, got '"
                 << *t << "'\n";
            return kExitInvalidConfig;
        }
        request_timeout = *parsed;
    }
    vu_env_.make_transport = [executor, endpoint, host_header, sweeper,
                              request_timeout]() -> std::unique_ptr<Transport> {
        return std::make_unique<HttpClient>(executor, endpoint, host_header, sweeper,
                                            request_timeout);
    };
    vu_env_.start_unix_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    vu_env_.start_steady = Steady::now();

    if (!config_.out_json.empty()) {
        auto writer = NdjsonWriter::Open(config_.out_json);
        if (!writer) {
            err_ << "ERRO[0000] " << writer.error() << "\n";
            return kExitGenericError;
        }
        ndjson_ = std::move(writer.value());
        ndjson_->SetThresholds(config_.options.thresholds);
        registry_.SetObserver(ndjson_.get());
    }

    services_.env = config_.env;
    {
        // Unique per run and per process: e-mails of two runs never collide.
        const auto seed = static_cast<unsigned long long>(vu_env_.start_unix_nanos) ^
                          (static_cast<unsigned long long>(::getpid()) << 40);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%llx", seed & 0xffffffffffULL);
        services_.run_id = buf;
    }
    services_.vu_env = &vu_env_;
    services_.admin_token = config_.admin_token;
    if (auto id = services_.env("COUPON_ID")) {
        services_.coupon_id = std::atoll(id->c_str());
        coupon_id_ = services_.coupon_id;
    }
    std::optional<std::int64_t> planned_total = 0;
    for (const ScenarioConfig& sc : SortedScenarios(config_.options)) {
        auto p = PlannedIterations(sc);
        if (!p || !planned_total) {
            planned_total.reset();
        } else {
            *planned_total += *p;
        }
    }
    services_.planned_iterations = planned_total;
    scenario_ = MakeScenario(*info_, &services_);

    report_.scenario = config_.scenario;
    report_.target_url = config_.base_url_text;
    report_.k6_version = std::string(kK6Version);
    report_.host = CaptureHost(endpoint.address().to_string());

    asio::co_spawn(io_, Main(), RethrowIfFailed);
    asio::co_spawn(io_, WatchSignals(), RethrowIfFailed);
    io_.run();
    return Finish();
}

asio::awaitable<void> Runner::WatchSignals() {
    while (!signals_done_) {
        boost::system::error_code ec;
        int signo = co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;  // cancelled at the end of the run
        if (aborted_by_signal_) {
            err_ << "ERRO aborting in response to a second signal\n";
            err_.flush();
            std::_Exit(kExitInterrupted);
        }
        aborted_by_signal_ = true;
        err_ << "\nWARN stopping the test in response to signal " << signo
             << " (again to exit at once)\n";
        AbortAll();
    }
}

void Runner::AbortAll() {
    if (abort_requested_) return;
    abort_requested_ = true;
    if (scenario_) scenario_->Interrupt();
    if (admin_vu_) admin_vu_->Interrupt();
    const Steady::time_point now = Steady::now();
    for (auto& sr : runs_) {
        if (sr->started && !sr->finished) sr->executor->Abort(sr->Offset(now), *sr);
        sr->timer.cancel();
    }
}

asio::awaitable<bool> Runner::CreateCoupon() {
    admin_vu_ = std::make_unique<Vu>(&vu_env_, kAdminVuId, "admin", false);
    const std::int64_t quantity = services_.EnvInt("COUPON_QUANTITY", kDefaultCouponQuantity);
    const std::int64_t expires_unix_ns =
        (vu_env_.start_unix_nanos / kSecond + kFreshCouponLifetimeSeconds) * kSecond;
    std::string body = "{\"name\":\"LOAD-" + services_.run_id +
                       "\",\"discountRate\":15,\"totalQuantity\":" + std::to_string(quantity) +
                       ",\"expiredAt\":\"" + FormatRfc3339Nano(expires_unix_ns) + "\"}";
    std::vector<std::pair<std::string, std::string>> headers{
        {"Authorization", "Bearer " + config_.admin_token}};
    HttpResponse r = co_await admin_vu_->Request(verb::post, "/api/admin/coupons", std::move(body),
                                                 "admin", std::move(headers));
    auto id = JsonInt(r.body, "couponId");
    if (r.status != 201 || !id) {
        fatal_ = "could not create a coupon with --admin-token (POST /api/admin/coupons answered " +
                 (r.status == 0 ? r.error : std::to_string(r.status) + " " + ErrorCodeOf(r.body)) +
                 ")";
        co_return false;
    }
    services_.coupon_id = *id;
    coupon_id_ = *id;
    coupon_created_ = true;
    if (!config_.quiet)
        out_ << "     coupon: created coupon " << *id << " of quantity " << quantity
             << " for this run\n\n";
    co_return true;
}

asio::awaitable<void> Runner::AuditCoupon() {
    InvariantReport inv;
    const std::int64_t id = *coupon_id_;
    inv.title = "coupon " + std::to_string(id) +
                ": issuedQuantity == holderRows == distinctHolders <= totalQuantity";
    if (!admin_vu_) admin_vu_ = std::make_unique<Vu>(&vu_env_, kAdminVuId, "admin", false);
    admin_vu_->BeginIteration(0);
    std::vector<std::pair<std::string, std::string>> headers{
        {"Authorization", "Bearer " + config_.admin_token}};
    HttpResponse r = co_await admin_vu_->Request(
        verb::get, "/api/admin/coupons/" + std::to_string(id) + "/audit", "", "admin",
        std::move(headers));
    const IssueTally& tally = scenario_->Issues();
    auto field = [&r](const char* name) { return JsonInt(r.body, name); };
    auto total = field("totalQuantity"), issued = field("issuedQuantity"),
         rows = field("holderRows"), holders = field("distinctHolders");
    if (r.status != 200 || !total || !issued || !rows || !holders) {
        inv.ok = false;
        inv.details.push_back("audit unavailable: GET /api/admin/coupons/" + std::to_string(id) +
                              "/audit answered " +
                              (r.status == 0 ? r.error : std::to_string(r.status)));
        report_.invariants.push_back(std::move(inv));
        co_return;
    }
    inv.ok = *issued == *rows && *rows == *holders && *holders <= *total;
    inv.details.push_back("issuedQuantity=" + std::to_string(*issued) + " holderRows=" +
                          std::to_string(*rows) + " distinctHolders=" + std::to_string(*holders) +
                          " totalQuantity=" + std::to_string(*total));
    // Every 201 we saw is a row; a request without a definitive answer may or may not be one. With
    // a fresh coupon nothing else issues it, so the count must fall in that range.
    if (coupon_created_) {
        const bool in_range = tally.issued <= *issued && *issued <= tally.issued + tally.unanswered;
        inv.ok = inv.ok && in_range;
        inv.details.push_back(std::string(in_range ? "" : "VIOLATED: ") +
                              "201s=" + std::to_string(tally.issued) +
                              " <= issuedQuantity <= 201s + unanswered=" +
                              std::to_string(tally.issued + tally.unanswered));
    } else {
        inv.details.push_back("201s=" + std::to_string(tally.issued) +
                              " (existing coupon: earlier issues count too, so only 201s <= "
                              "issuedQuantity is checked)");
        inv.ok = inv.ok && tally.issued <= *issued;
    }
    // A sold-out answer means demand reached the quantity: all of it must be issued.
    if (tally.sold_out > 0) {
        const bool full = *issued == *total;
        inv.ok = inv.ok && full;
        inv.details.push_back(std::string(full ? "" : "VIOLATED: ") + "sold out (C001 seen " +
                              std::to_string(tally.sold_out) +
                              " times) so issuedQuantity == totalQuantity");
    }
    report_.invariants.push_back(std::move(inv));
}

std::map<std::string, CommandCounts> Runner::SnapshotRedis(
    std::map<std::string, std::string>& errors) {
    std::map<std::string, CommandCounts> out;
    for (const RedisRole& role : config_.redis) {
        CommandCounts& sum = out[role.role];
        for (const std::string& url : role.urls) {
            auto counts = FetchCommandStats(url, kRedisTimeout);
            if (!counts) {
                errors[role.role] = counts.error();
                continue;
            }
            for (const auto& [cmd, n] : counts.value()) sum[cmd] += n;
        }
    }
    return out;
}

asio::awaitable<void> Runner::SweepTimeouts() {
    while (sweeping_) {
        sweep_timer_.expires_after(kTimeoutSweepInterval);
        boost::system::error_code ec;
        co_await sweep_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        sweeper_.Sweep(Steady::now());
    }
}

asio::awaitable<void> Runner::Main() {
    sweeping_ = true;
    asio::co_spawn(io_, SweepTimeouts(), RethrowIfFailed);
    struct StopSweeping {  // on every way out of Main
        Runner* r;
        ~StopSweeping() {
            r->sweeping_ = false;
            r->sweep_timer_.cancel();
        }
    } stop_sweeping{this};
    const bool needs_coupon =
        info_->uses_coupon && !services_.env("COUPON_ID") && !config_.admin_token.empty();
    if (needs_coupon && !co_await CreateCoupon()) {
        StopWatchingSignals();
        co_return;
    }
    if (!abort_requested_) {
        const Steady::time_point t0 = Steady::now();
        SetupOutcome setup = co_await scenario_->Setup();
        if (setup.items > 0 || !setup.error.empty()) {
            report_.setup_duration =
                std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - t0).count();
            report_.setup_items = setup.items;
            report_.setup_what = setup.what;
        }
        if (!setup.error.empty() && !abort_requested_) fatal_ = setup.error;
    }
    if (!fatal_.empty() || abort_requested_) {
        StopWatchingSignals();
        co_return;
    }
    redis_before_ = SnapshotRedis(redis_errors_);

    run_start_ = Steady::now();
    run_started_ = true;
    ticking_ = true;
    for (const ScenarioConfig& sc : SortedScenarios(config_.options)) {
        runs_.push_back(std::make_unique<ScenarioRun>(this, sc, io_.get_executor()));
        report_.arrival_rate = report_.arrival_rate || runs_.back()->arrival;
    }
    for (auto& sr : runs_) {
        done_.Add();
        asio::co_spawn(io_, DriveScenario(sr.get()), RethrowIfFailed);
    }
    asio::co_spawn(io_, VusTicker(), RethrowIfFailed);
    if (!thresholds_.Empty()) asio::co_spawn(io_, ThresholdTicker(), RethrowIfFailed);
    if (!config_.quiet) asio::co_spawn(io_, ProgressTicker(), RethrowIfFailed);

    co_await done_.Wait();
    run_end_ = Steady::now();
    run_ended_ = true;
    StopTickers();
    if (!config_.quiet) PrintProgress(true);

    std::map<std::string, std::string> after_errors;
    std::map<std::string, CommandCounts> after = SnapshotRedis(after_errors);
    for (const RedisRole& role : config_.redis) {
        RedisRoleReport rr;
        rr.role = role.role;
        rr.instances = role.urls.size();
        for (const auto& [cmd, n] : after[role.role]) {
            // Our own INFO calls are not load.
            if (cmd == "info" || cmd == "auth") continue;
            const std::int64_t delta = n - redis_before_[role.role][cmd];
            if (delta != 0) rr.calls_delta[cmd] = delta;
            rr.total_delta += delta;
        }
        if (auto e = redis_errors_.find(role.role); e != redis_errors_.end()) rr.error = e->second;
        if (auto e = after_errors.find(role.role); e != after_errors.end()) rr.error = e->second;
        report_.redis.push_back(std::move(rr));
    }
    if (info_->issues_coupon) report_.successful_issues = scenario_->Issues().issued;

    if (!aborted_by_signal_) {
        std::vector<InvariantReport> invs = co_await scenario_->Verify();
        for (InvariantReport& inv : invs) report_.invariants.push_back(std::move(inv));
        if (info_->audits_with_admin && config_.admin_token.empty()) {
            report_.notes.push_back(
                "order invariants: not checked (they need --admin-token for the admin audit "
                "routes)");
        }
        if (info_->issues_coupon) {
            if (!config_.admin_token.empty() && coupon_id_) {
                co_await AuditCoupon();
            } else {
                report_.notes.push_back(
                    "coupon invariant: not checked (it needs --admin-token for GET "
                    "/api/admin/coupons/{id}/audit)");
            }
        }
    }
    StopWatchingSignals();
}

asio::awaitable<void> Runner::DriveScenario(ScenarioRun* sr) {
    boost::system::error_code ec;
    if (sr->config.start_time > 0 && !abort_requested_) {
        sr->timer.expires_at(run_start_ + std::chrono::nanoseconds(sr->config.start_time));
        co_await sr->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!abort_requested_) {
        sr->start = Steady::now();
        sr->started = true;
        sr->executor->Start(*sr);
        while (!sr->executor->Finished()) {
            const Nanos next = sr->executor->NextWakeup();
            sr->armed_for = next;
            if (next == kNever) {
                sr->timer.expires_at(Steady::time_point::max());
            } else {
                sr->timer.expires_at(sr->start + std::chrono::nanoseconds(next));
            }
            co_await sr->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            sr->executor->Advance(sr->Offset(Steady::now()), *sr);
        }
    }
    sr->finished = true;
    done_.Done();
}

asio::awaitable<void> Runner::RunIteration(ScenarioRun* sr, int vu_id, Nanos due) {
    Vu* vu = sr->vus[static_cast<std::size_t>(vu_id)].get();
    const Steady::time_point t0 = Steady::now();
    const Steady::time_point due_at = sr->start + std::chrono::nanoseconds(due);
    if (sr->arrival) report_.schedule_lag_ms.Add(Millis(t0 - due_at));
    if (!vu->Interrupted()) co_await scenario_->Iterate(vu);
    const Steady::time_point t1 = Steady::now();
    const std::int64_t unix_nanos =
        vu_env_.start_unix_nanos +
        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - vu_env_.start_steady).count();
    // k6 emits the VU's network counters after every iteration, interrupted or not.
    auto [sent, received] = vu->TakeDataCounters();
    registry_.Add(*builtin_.data_sent, static_cast<double>(sent), vu->Tags(), unix_nanos);
    registry_.Add(*builtin_.data_received, static_cast<double>(received), vu->Tags(), unix_nanos);
    if (!vu->Interrupted()) {
        registry_.Add(*builtin_.iteration_duration, Millis(t1 - t0), vu->Tags(), unix_nanos);
        registry_.Add(*builtin_.iterations, 1, vu->Tags(), unix_nanos);
        ++full_iterations_;
        if (sr->arrival) report_.latency_from_due_ms.Add(Millis(t1 - due_at));
    } else {
        ++interrupted_iterations_;
    }
    sr->executor->IterationDone(vu_id, sr->Offset(t1), *sr);
    if (sr->executor->Finished() || sr->executor->NextWakeup() != sr->armed_for) sr->timer.cancel();
}

asio::awaitable<void> Runner::VusTicker() {
    Steady::time_point next = run_start_;
    while (ticking_) {
        next += kVusSampleInterval;
        vus_timer_.expires_at(next);
        boost::system::error_code ec;
        co_await vus_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!ticking_) break;
        TagSet tags;  // k6 tags vus/vus_max with the test-wide tags only
        registry_.Add(*builtin_.vus, static_cast<double>(ActiveVus()), tags, NowUnix());
        registry_.Add(*builtin_.vus_max, static_cast<double>(InitializedVus()), tags, NowUnix());
    }
}

asio::awaitable<void> Runner::ThresholdTicker() {
    Steady::time_point next = run_start_;
    while (ticking_) {
        next += kThresholdInterval;
        threshold_timer_.expires_at(next);
        boost::system::error_code ec;
        co_await threshold_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!ticking_ || abort_requested_) break;
        ThresholdOutcome outcome = thresholds_.Evaluate(true, Elapsed());
        if (outcome.should_abort) {
            aborted_by_threshold_ = true;
            abort_breached_ = outcome.breached;
            std::string names;
            for (const std::string& n : outcome.breached) names += (names.empty() ? "" : ", ") + n;
            err_ << "ERRO thresholds on metrics '" << names
                 << "' were crossed; at least one has abortOnFail enabled, stopping test "
                    "prematurely\n";
            AbortAll();
        }
    }
}

asio::awaitable<void> Runner::ProgressTicker() {
    const auto interval =
        config_.stdout_is_tty
            ? std::chrono::duration_cast<Steady::duration>(kProgressIntervalTty)
            : std::chrono::duration_cast<Steady::duration>(kProgressIntervalPlain);
    Steady::time_point next = run_start_;
    while (ticking_) {
        next += interval;
        progress_timer_.expires_at(next);
        boost::system::error_code ec;
        co_await progress_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!ticking_) break;
        PrintProgress(false);
    }
}

void Runner::StopTickers() {
    ticking_ = false;
    vus_timer_.cancel();
    threshold_timer_.cancel();
    progress_timer_.cancel();
}

// k6's progress display: the scheduler's "running (..), VUs, iterations" line, then one bar per
// scenario. On a TTY it is redrawn in place; otherwise it is printed once a second.
void Runner::PrintProgress(bool final) {
    const Nanos elapsed = Elapsed();
    const int vus_width =
        static_cast<int>(std::to_string(std::max<std::int64_t>(max_vus_, 0)).size());
    char head[256];
    std::snprintf(
        head, sizeof head,
        "%s (%s), %0*lld/%0*lld VUs, %lld complete and %lld interrupted iterations",
        "running",  // k6 says "running" on its last progress line too
        FormatFixedLengthDuration(elapsed, max_duration_).c_str(), vus_width,
        static_cast<long long>(ActiveVus()), vus_width, static_cast<long long>(InitializedVus()),
        static_cast<long long>(full_iterations_), static_cast<long long>(interrupted_iterations_));
    std::vector<std::string> lines{head};
    std::size_t left_width = 0;
    for (const auto& sr : runs_)
        left_width = std::max(left_width, std::min(sr->config.name.size(), kProgressNameWidth));
    std::vector<std::vector<std::string>> columns;
    std::vector<std::size_t> widths(2, 0);
    for (const auto& sr : runs_) {
        const Nanos offset = sr->started ? sr->Offset(run_ended_ ? run_end_ : Steady::now()) : 0;
        columns.push_back(sr->started ? sr->executor->ProgressColumns(offset)
                                      : std::vector<std::string>{});
        for (std::size_t i = 0; i + 1 < columns.back().size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], columns.back()[i].size());
        }
    }
    for (std::size_t k = 0; k < runs_.size(); ++k) {
        const ScenarioRun& sr = *runs_[k];
        const Nanos offset = sr.started ? sr.Offset(run_ended_ ? run_end_ : Steady::now()) : 0;
        std::string status = " ";
        if (!sr.started) {
            status = "\xE2\x80\xA2";  // waiting
        } else if (sr.finished) {
            status =
                (aborted_by_signal_ || aborted_by_threshold_) ? "\xE2\x9C\x97" : "\xE2\x9C\x93";
        } else if (offset >= ScenarioRegularDuration(sr.config)) {
            status = "\xE2\x86\x93";  // stopping: waiting for gracefulStop
        }
        char pct[16];
        std::snprintf(pct, sizeof pct, "%3.f%%",
                      (sr.started ? sr.executor->Progress(offset) : 0.0) * 100);
        std::string name = sr.config.name.size() > kProgressNameWidth
                               ? sr.config.name.substr(0, kProgressNameWidth - 3) + "..."
                               : sr.config.name;
        std::string line = name + std::string(left_width - std::min(left_width, name.size()), ' ') +
                           " " + status + " [ " + pct + " ]";
        for (std::size_t i = 0; i < columns[k].size(); ++i) {
            const std::size_t pad =
                i < widths.size() && i + 1 < columns[k].size() ? widths[i] + 1 : 1;
            line += " " + columns[k][i] +
                    std::string(pad > columns[k][i].size() ? pad - columns[k][i].size() : 0, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        lines.push_back(line);
    }
    if (config_.stdout_is_tty) {
        std::string text = "\x1b[K\n";
        for (const std::string& l : lines) text += l + "\x1b[K\n";
        if (!final) text += "\r\x1b[J\x1b[" + std::to_string(lines.size() + 1) + "A";
        out_ << text;
    } else {
        out_ << "\n";
        for (const std::string& l : lines) out_ << l << "\n";
    }
    out_.flush();
}

int Runner::Finish() {
    if (ndjson_) {
        registry_.SetObserver(nullptr);
        if (!ndjson_->Close()) err_ << "ERRO[0000] writing " << config_.out_json << " failed\n";
    }
    if (!fatal_.empty()) {
        err_ << "ERRO[0000] " << fatal_ << "\n";
        if (!run_started_) return aborted_by_signal_ ? kExitInterrupted : kExitGenericError;
    }
    if (!run_started_ && aborted_by_signal_) return kExitInterrupted;
    const Nanos run_duration = Elapsed();
    report_.host.loadavg_after = ReadLoadAverage();
    ThresholdOutcome final_outcome;
    SummaryInput input =
        FinalizeSummary(registry_, thresholds_, checks_, run_duration, config_.trend_stats,
                        config_.time_unit, config_.full_summary, report_, final_outcome);
    input.colors = colors_;
    out_ << RenderTextSummary(input);
    out_ << RenderBeyondK6(report_, colors_);
    out_.flush();

    int rc = kExitOk;
    if (!config_.summary_export.empty()) {
        std::ofstream f(config_.summary_export);
        f << RenderSummaryExport(registry_, &thresholds_, &checks_, run_duration,
                                 config_.trend_stats);
        if (!f) {
            err_ << "ERRO[0000] cannot write " << config_.summary_export << "\n";
            rc = kExitGenericError;
        }
    }
    if (!config_.html.empty()) {
        std::ofstream f(config_.html);
        f << RenderHtmlReport(report_);
        if (!f) {
            err_ << "ERRO[0000] cannot write " << config_.html << "\n";
            rc = kExitGenericError;
        }
    }
    bool invariant_failed = false;
    for (const InvariantReport& inv : report_.invariants)
        invariant_failed = invariant_failed || !inv.ok;
    if (aborted_by_signal_) return kExitInterrupted;
    if (invariant_failed) {
        err_ << "ERRO[0000] a post-run invariant check failed (see \"invariants\" above)\n";
        return kExitInvariantViolated;
    }
    if (aborted_by_threshold_ || !final_outcome.breached.empty()) {
        std::string names;
        for (const std::string& n : final_outcome.breached)
            names += (names.empty() ? "" : ", ") + n;
        err_ << "ERRO[0000] thresholds on metrics '" << names << "' have been crossed\n";
        return kExitThresholdsFailed;
    }
    return rc;
}

}  // namespace

int RunLoadTest(const RunConfig& config, std::ostream& out, std::ostream& err) {
    Runner runner(config, out, err);
    return runner.Run();
}

int RenderReportFromNdjson(const std::string& ndjson_path, const std::string& html_path,
                           const std::vector<std::string>& trend_stats, bool colors,
                           std::ostream& out, std::ostream& err) {
    auto content = ReadNdjson(ndjson_path);
    if (!content) {
        err << "ERRO[0000] " << content.error() << "\n";
        return kExitGenericError;
    }
    Registry registry;
    BuiltinMetrics builtin = DefineBuiltinMetrics(registry);
    (void)builtin;
    std::vector<MetricThresholds> threshold_config;
    for (const ReadMetric& m : content->metrics) {
        if (!registry.Define(m.name, m.type, m.contains)) continue;
        if (!m.thresholds.empty()) threshold_config.push_back({m.name, m.thresholds});
    }
    for (const ReadMetric& m : content->metrics) {
        for (const std::string& sub : m.submetrics) (void)registry.GetOrAddSubmetric(sub);
    }
    ThresholdEngine thresholds;
    for (const std::string& e : thresholds.Setup(threshold_config, registry))
        err << "WARN[0000] " << e << "\n";
    std::int64_t first = INT64_MAX;
    std::int64_t last = INT64_MIN;
    for (const ReadPoint& p : content->points) {
        first = std::min(first, p.unix_nanos);
        last = std::max(last, p.unix_nanos);
    }
    RunReport report;
    report.scenario = ndjson_path;
    CheckBook checks;
    for (const ReadPoint& p : content->points) {
        Metric* m = registry.Find(p.metric);
        if (m == nullptr) continue;
        registry.Add(*m, p.value, p.tags, p.unix_nanos);
        if (p.metric == "checks") {
            if (const std::string* name = FindTag(p.tags, "check"))
                checks.Record(*name, p.value != 0);
        } else if (p.metric == "http_req_duration") {
            const std::string* status = FindTag(p.tags, "status");
            const std::string* name = FindTag(p.tags, "name");
            const std::string* instance = FindTag(p.metadata, "instance");
            const std::string* code = FindTag(p.metadata, "errorCode");
            report.requests.Add(static_cast<double>(p.unix_nanos - first) / 1e9, p.value,
                                status ? std::atoi(status->c_str()) : 0, name ? *name : "",
                                instance ? *instance : "", code ? *code : "");
        }
    }
    // The file has no run duration; the span of its samples stands in for it.
    const Nanos run_duration = content->points.empty() ? 0 : last - first;
    ThresholdOutcome outcome;
    SummaryInput input = FinalizeSummary(registry, thresholds, checks, run_duration, trend_stats,
                                         "", false, report, outcome);
    input.colors = colors;
    out << RenderTextSummary(input);
    if (!html_path.empty()) {
        std::ofstream f(html_path);
        f << RenderHtmlReport(report);
        if (!f) {
            err << "ERRO[0000] cannot write " << html_path << "\n";
            return kExitGenericError;
        }
    }
    return kExitOk;
}

}  // namespace hhplus::loadgen
