#include "loadgen/scenarios.hpp"

#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "http/json.hpp"
#include "loadgen/ndjson.hpp"
#include "loadgen/order_audit.hpp"
#include "loadgen/wait_group.hpp"

namespace hhplus::loadgen {
namespace {

namespace asio = boost::asio;
using boost::beast::http::verb;

// The seed's password for load-test users (the API accepts 4–128 bytes).
constexpr std::string_view kPassword = "1234";
// Sign-ups in flight during setup. The server hashes passwords on a small pool (argon2id, ~16 ms
// each on 2 workers), so beyond a few dozen concurrent sign-ups requests only queue there.
constexpr std::int64_t kDefaultSetupConcurrency = 32;
// balance-charge defaults: a few hot users make every charge contend on the same rows.
constexpr std::int64_t kDefaultHotUsers = 4;
constexpr std::int64_t kDefaultChargeAmount = 1000;
// mixed-read: sessions shared by the VUs (reads do not contend, so a few suffice).
constexpr std::int64_t kDefaultReadSessions = 16;
// Ids of the unrecorded setup VUs, apart from scenario VUs (0, 1, ...) and the admin VU.
constexpr int kSetupVuIdBase = 1'000'000;
// order-rush defaults: the sale of the last 100 units of one option (docs/load-testing.md).
constexpr std::int64_t kDefaultOrderStock = 100;
constexpr std::int64_t kDefaultOrderPrice = 10'000;   // won
constexpr std::int64_t kDefaultOrderCouponRate = 10;  // percent
// The setup charges each user once for all its orders: the API's largest charge (docs/api.md).
constexpr std::int64_t kMaxSetupCharge = 1'000'000'000;
// Users whose balance audit is read after an order-rush run: every user that paid (at most the
// stock) and a spread of the others; one admin GET each, sequential, so a few hundred at most.
constexpr std::int64_t kDefaultBalanceAuditUsers = 300;
constexpr std::int64_t kMaxReportedUsers = 10;  // violations listed one by one
// order-rush's admin VU (product, coupon, audits), apart from the runner's admin VU (2,000,000).
constexpr int kOrderAdminVuId = 1'500'000;

// Check names: the k6 scripts use the same strings (a unit test compares them).
constexpr std::string_view kCheckSignup = "signup status is 201";
constexpr std::string_view kCheckIssue = "issue answered 201 or C001";
constexpr std::string_view kCheckCharge = "charge status is 200";
constexpr std::string_view kCheckBalanceRead = "balance read status is 200";
constexpr std::string_view kCheckHealth = "health status is 200";
constexpr std::string_view kCheckMe = "me status is 200";
constexpr std::string_view kCheckCoupon = "coupon status is 200";
constexpr std::string_view kCheckBalance = "balance status is 200";
constexpr std::string_view kCheckCoupons = "coupons status is 200";
constexpr std::string_view kCheckSessionAvailable = "session available";
constexpr std::string_view kCheckOrder = "order answered 201 or P003";
constexpr std::string_view kCheckPayment = "payment status is 200";

std::vector<CustomMetricSpec> CouponMetrics(bool with_register) {
    std::vector<CustomMetricSpec> m;
    if (with_register)
        m.push_back({"success_register_rate", MetricType::kRate, ValueType::kDefault});
    m.push_back({"success_coupon_issue_rate", MetricType::kRate, ValueType::kDefault});
    m.push_back({"errors_coupon_issue", MetricType::kCounter, ValueType::kDefault});
    m.push_back({"coupon_sold_out_count", MetricType::kCounter, ValueType::kDefault});
    m.push_back({"coupon_busy_count", MetricType::kCounter, ValueType::kDefault});
    return m;
}

struct Session {
    std::int64_t user_id = 0;
    std::vector<std::pair<std::string, std::string>> cookies;
};

std::vector<std::pair<std::string, std::string>> SplitCookieHeader(std::string_view header) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start < header.size()) {
        std::size_t end = header.find("; ", start);
        if (end == std::string_view::npos) end = header.size();
        std::string_view kv = header.substr(start, end - start);
        std::size_t eq = kv.find('=');
        if (eq != std::string_view::npos)
            out.emplace_back(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
        start = end + 2;
    }
    return out;
}

// A session pool file: one session per line, "<user id>\t<cookie header>" ("sid=…; other=…").
std::string SaveSessionPool(const std::string& path, const std::vector<Session>& sessions) {
    // Written beside the target and renamed, so a run that dies midway leaves no short file that
    // a later run would take for a pool.
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const Session& s : sessions) {
            out << s.user_id << '\t';
            for (std::size_t i = 0; i < s.cookies.size(); ++i)
                out << (i ? "; " : "") << s.cookies[i].first << '=' << s.cookies[i].second;
            out << '\n';
        }
        if (!out.flush()) return "setup: cannot write the session pool to " + tmp;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return "setup: cannot rename " + tmp + " to " + path + ": " + ec.message();
    return "";
}

// Reads the first `count` sessions of a pool file into `out`; an error when it has fewer or a
// line is not "<id>\t<cookies>".
std::string LoadSessionPool(const std::string& path, std::int64_t count,
                            std::vector<Session>* out) {
    std::ifstream in(path);
    if (!in) return "setup: cannot read the session pool " + path;
    out->clear();
    std::string line;
    std::int64_t line_no = 0;
    while (static_cast<std::int64_t>(out->size()) < count && std::getline(in, line)) {
        ++line_no;
        const std::size_t tab = line.find('\t');
        Session s;
        auto [end, ec] =
            std::from_chars(line.data(), line.data() + std::min(tab, line.size()), s.user_id);
        if (tab == std::string::npos || ec != std::errc() || end != line.data() + tab ||
            s.user_id <= 0) {
            return "setup: " + path + " line " + std::to_string(line_no) +
                   " is not '<user id><TAB><cookies>'";
        }
        s.cookies = SplitCookieHeader(std::string_view(line).substr(tab + 1));
        out->push_back(std::move(s));
    }
    if (static_cast<std::int64_t>(out->size()) < count) {
        return "setup: " + path + " has " + std::to_string(out->size()) + " sessions, " +
               std::to_string(count) + " needed (delete it to sign up a new pool)";
    }
    return "";
}

// Common machinery of the API scenarios.
class ApiScenario : public Scenario {
  public:
    ApiScenario(const ScenarioInfo& info, ScenarioServices* services)
        : info_(info), services_(services) {}

    void Interrupt() override {
        interrupted_ = true;
        for (auto& vu : setup_vus_) vu->Interrupt();
    }

  protected:
    Metric* M(std::string_view name) const {
        auto it = services_->metrics.find(std::string(name));
        return it == services_->metrics.end() ? nullptr : it->second;
    }

    std::string NewEmail() {
        return "lg-" + services_->run_id + "-" + std::to_string(email_counter_++) + "@load.test";
    }

    std::string IssuePath() const {
        return "/api/coupons/" + std::to_string(services_->coupon_id) + "/issue";
    }

    // Signs up a fresh user; the session cookie lands in the VU's jar.
    asio::awaitable<HttpResponse> SignupFresh(Vu* vu) {
        co_return co_await vu->Request(verb::post, "/api/auth/signup",
                                       SignupBody(NewEmail(), kPassword), "signup");
    }

    // The corrected version of the seed's bookkeeping: a 201 passes, C001 is an expected sold-out
    // (not an error), anything else is one error; S001 is also counted as busy.
    void RecordIssue(Vu* vu, const HttpResponse& r) {
        if (r.interrupted) {
            ++issues_.unanswered;
            return;
        }
        const bool issued = r.status == 201;
        const std::string code = issued ? "" : ErrorCodeOf(r.body);
        vu->Add(M("success_coupon_issue_rate"), issued ? 1 : 0);
        if (!issued) {
            if (code == "C001") {
                vu->Add(M("coupon_sold_out_count"), 1);
            } else {
                vu->Add(M("errors_coupon_issue"), 1);
            }
            if (code == "S001") vu->Add(M("coupon_busy_count"), 1);
        }
        vu->Check(kCheckIssue, issued || code == "C001");
        if (issued) {
            ++issues_.issued;
        } else if (code == "C001") {
            ++issues_.sold_out;
        } else if (r.status == 0 || (r.status >= 500 && code != "S001")) {
            ++issues_.unanswered;  // the server may or may not have issued
        }
    }

    asio::awaitable<HttpResponse> Issue(Vu* vu, std::int64_t user_id) {
        std::string body = "{\"userId\":" + std::to_string(user_id) + "}";
        co_return co_await vu->Request(verb::post, IssuePath(), std::move(body), "issue");
    }

    static void ApplySession(Vu* vu, const Session& s, const std::string& host) {
        for (const auto& [k, v] : s.cookies) vu->Jar().Set(host, k, v);
    }

    // Untimed: signs up `count` users with `concurrency` unrecorded VUs and keeps their sessions.
    asio::awaitable<std::string> MakeSessions(std::int64_t count) {
        const std::int64_t concurrency = std::max<std::int64_t>(
            1, std::min(count, services_->EnvInt("SETUP_CONCURRENCY", kDefaultSetupConcurrency)));
        sessions_.assign(static_cast<std::size_t>(count), Session{});
        next_setup_item_ = 0;
        setup_failures_ = 0;
        auto executor = co_await asio::this_coro::executor;
        WaitGroup wg(executor);
        for (std::int64_t i = 0; i < concurrency; ++i) {
            setup_vus_.push_back(std::make_unique<Vu>(
                services_->vu_env, kSetupVuIdBase + static_cast<int>(i), info_.name, false));
            wg.Add();
            asio::co_spawn(executor, SetupWorker(setup_vus_.back().get(), &wg), RethrowIfFailed);
        }
        co_await wg.Wait();
        if (interrupted_) co_return std::string("interrupted during setup");
        if (setup_failures_ > 0) {
            co_return "setup: " + std::to_string(setup_failures_) + " of " + std::to_string(count) +
                " users could not be prepared (" + last_setup_error_ + ")";
        }
        co_return std::string();
    }

    // Called by the setup workers right after user `index` signed up, with its session in the
    // VU's jar (balances, coupons). Returns "" or what failed.
    virtual asio::awaitable<std::string> PrepareUser(Vu*, std::size_t) { co_return std::string(); }

    const ScenarioInfo& info_;
    ScenarioServices* services_;
    std::vector<Session> sessions_;
    std::vector<std::unique_ptr<Vu>> setup_vus_;
    bool interrupted_ = false;

  private:
    asio::awaitable<void> SetupWorker(Vu* vu, WaitGroup* wg) {
        while (!interrupted_ && next_setup_item_ < sessions_.size()) {
            const std::size_t index = next_setup_item_++;
            vu->BeginIteration(static_cast<std::int64_t>(index));
            HttpResponse r = co_await SignupFresh(vu);
            auto id = JsonInt(r.body, "userId");
            if (r.status != 201 || !id) {
                ++setup_failures_;
                last_setup_error_ = r.status == 0 ? r.error
                                                  : "status " + std::to_string(r.status) + " " +
                                                        ErrorCodeOf(r.body);
                continue;
            }
            sessions_[index].user_id = *id;
            sessions_[index].cookies = SplitCookieHeader(vu->Jar().HeaderFor(
                services_->vu_env->base.host, "/", false, CookieJar::Clock::now()));
            // The new session is in the VU's jar: the scenario's own preparation uses it.
            std::string error = co_await PrepareUser(vu, index);
            if (!error.empty()) {
                ++setup_failures_;
                last_setup_error_ = std::move(error);
            }
        }
        wg->Done();
    }

    std::int64_t email_counter_ = 0;
    std::size_t next_setup_item_ = 0;
    std::int64_t setup_failures_ = 0;
    std::string last_setup_error_;
};

// issue-coupon: sign up a fresh user, then issue COUPON_ID with that session (seed logic).
class IssueCouponScenario final : public ApiScenario {
  public:
    using ApiScenario::ApiScenario;
    asio::awaitable<void> Iterate(Vu* vu) override {
        HttpResponse signup = co_await SignupFresh(vu);
        if (signup.interrupted) co_return;
        auto user_id = JsonInt(signup.body, "userId");
        const bool registered = signup.status == 201 && user_id.has_value();
        vu->Add(M("success_register_rate"), registered ? 1 : 0);
        vu->Check(kCheckSignup, signup.status == 201);
        if (!registered) co_return;  // no session: nothing to issue with
        HttpResponse issue = co_await Issue(vu, *user_id);
        RecordIssue(vu, issue);
    }
};

// issue-only: issue with sessions made before the run, so only the contended request is timed.
//
// SESSION_POOL_FILE keeps the pool between runs: when the file exists its sessions are used (the
// first POOL_SIZE of them) and nobody signs up; when it does not, the pool is signed up and then
// written there. Why: a ramp (scripts/loadtest.sh --issue-only) issues to rate × duration users
// per step — 6,000/s × 10 s = 60,000 at its top rate — for 3 strategies × 5 rates. Signing up
// 60,000 users over HTTP once costs tens of seconds on 2 cores even with the hash cost lowered;
// doing it for each of 15 steps would dwarf the 150 s of measurement. Each step issues a fresh
// coupon, so the same users can issue again (no C005). Rows written straight into MariaDB and
// Redis would be faster still but would copy the server's password and session formats into the
// load tool; sign-up through the API stays correct whatever those become. The sessions live in
// the session Redis (12 h): a `./stage reset` ends them, and the file must then be deleted.
class IssueOnlyScenario final : public ApiScenario {
  public:
    using ApiScenario::ApiScenario;
    asio::awaitable<SetupOutcome> Setup() override {
        std::int64_t pool =
            services_->EnvInt("POOL_SIZE", services_->planned_iterations.value_or(-1));
        if (pool <= 0) {
            co_return SetupOutcome{
                "issue-only needs the number of sessions to prepare: its executor has no fixed "
                "iteration count, so pass -e POOL_SIZE=N",
                0, "sessions"};
        }
        const std::string file = services_->Env("SESSION_POOL_FILE", "");
        if (!file.empty() && std::filesystem::exists(file)) {
            std::string error = LoadSessionPool(file, pool, &sessions_);
            co_return SetupOutcome{error, pool, "sessions (from " + file + ")"};
        }
        std::string error = co_await MakeSessions(pool);
        if (error.empty() && !file.empty()) error = SaveSessionPool(file, sessions_);
        co_return SetupOutcome{error, pool, "sessions"};
    }
    asio::awaitable<void> Iterate(Vu* vu) override {
        if (next_session_ >= sessions_.size()) {
            vu->Check(kCheckSessionAvailable, false);
            co_return;
        }
        const Session& s = sessions_[next_session_++];
        ApplySession(vu, s, services_->vu_env->base.host);
        HttpResponse issue = co_await Issue(vu, s.user_id);
        RecordIssue(vu, issue);
    }

  private:
    std::size_t next_session_ = 0;
};

// signup: sign-up only.
class SignupScenario final : public ApiScenario {
  public:
    using ApiScenario::ApiScenario;
    asio::awaitable<void> Iterate(Vu* vu) override {
        HttpResponse signup = co_await SignupFresh(vu);
        if (signup.interrupted) co_return;
        vu->Add(M("success_register_rate"), signup.status == 201 ? 1 : 0);
        vu->Check(kCheckSignup, signup.status == 201);
    }
};

// balance-charge: charges on a few hot users (contention on their rows), then a read back.
class BalanceChargeScenario final : public ApiScenario {
  public:
    using ApiScenario::ApiScenario;
    asio::awaitable<SetupOutcome> Setup() override {
        const std::int64_t hot = services_->EnvInt("HOT_USERS", kDefaultHotUsers);
        amount_ = services_->EnvInt("CHARGE_AMOUNT", kDefaultChargeAmount);
        if (hot <= 0 || amount_ <= 0)
            co_return SetupOutcome{"HOT_USERS and CHARGE_AMOUNT must be positive", 0, "hot users"};
        std::string error = co_await MakeSessions(hot);
        if (!error.empty()) co_return SetupOutcome{error, hot, "hot users"};
        charged_.assign(static_cast<std::size_t>(hot), 0);
        ambiguous_.assign(static_cast<std::size_t>(hot), 0);
        start_balance_.assign(static_cast<std::size_t>(hot), 0);
        for (std::size_t i = 0; i < sessions_.size(); ++i) {
            auto balance = co_await ReadBalance(i);
            if (!balance)
                co_return SetupOutcome{"setup: cannot read the start balance of a hot user", hot,
                                       "hot users"};
            start_balance_[i] = *balance;
        }
        co_return SetupOutcome{"", hot, "hot users"};
    }

    asio::awaitable<void> Iterate(Vu* vu) override {
        const std::size_t user = next_user_++ % sessions_.size();
        const Session& s = sessions_[user];
        ApplySession(vu, s, services_->vu_env->base.host);
        const std::string path = "/api/users/" + std::to_string(s.user_id) + "/balance";
        HttpResponse charge = co_await vu->Request(
            verb::patch, path, "{\"amount\":" + std::to_string(amount_) + "}", "charge");
        if (charge.interrupted) {
            ++ambiguous_[user];
            co_return;
        }
        vu->Add(M("success_charge_rate"), charge.status == 200 ? 1 : 0);
        vu->Check(kCheckCharge, charge.status == 200);
        if (charge.status == 200) {
            ++charged_[user];
        } else if (charge.status == 0 || charge.status >= 500) {
            ++ambiguous_[user];
        }
        HttpResponse read = co_await vu->Request(verb::get, path, "", "balance");
        if (read.interrupted) co_return;
        vu->Check(kCheckBalanceRead, read.status == 200);
    }

    asio::awaitable<std::vector<InvariantReport>> Verify() override {
        InvariantReport report;
        report.title =
            "balance identity: start + amount x 200s <= final <= start + amount x (200s + "
            "unanswered)";
        for (std::size_t i = 0; i < sessions_.size(); ++i) {
            auto final_balance = co_await ReadBalance(i);
            const std::int64_t low = start_balance_[i] + amount_ * charged_[i];
            const std::int64_t high = low + amount_ * ambiguous_[i];
            std::string line = "user " + std::to_string(sessions_[i].user_id) +
                               ": start=" + std::to_string(start_balance_[i]) +
                               " 200s=" + std::to_string(charged_[i]) +
                               " unanswered=" + std::to_string(ambiguous_[i]) + " final=";
            if (!final_balance) {
                report.ok = false;
                line += "unreadable";
            } else {
                line += std::to_string(*final_balance) + " expected " + std::to_string(low) +
                        (high != low ? ".." + std::to_string(high) : "");
                if (*final_balance < low || *final_balance > high) report.ok = false;
            }
            report.details.push_back(std::move(line));
        }
        co_return std::vector<InvariantReport>{report};
    }

  private:
    asio::awaitable<std::optional<std::int64_t>> ReadBalance(std::size_t user) {
        Vu* vu = setup_vus_.front().get();
        vu->BeginIteration(0);
        ApplySession(vu, sessions_[user], services_->vu_env->base.host);
        HttpResponse r = co_await vu->Request(
            verb::get, "/api/users/" + std::to_string(sessions_[user].user_id) + "/balance", "",
            "balance");
        if (r.status != 200) co_return std::nullopt;
        co_return JsonInt(r.body, "balance");
    }

    std::int64_t amount_ = kDefaultChargeAmount;
    std::size_t next_user_ = 0;
    std::vector<std::int64_t> charged_;
    std::vector<std::int64_t> ambiguous_;
    std::vector<std::int64_t> start_balance_;
};

// minimal-smoke: every endpoint of the happy path once; all checks must pass.
class MinimalSmokeScenario final : public ApiScenario {
  public:
    using ApiScenario::ApiScenario;
    asio::awaitable<void> Iterate(Vu* vu) override {
        HttpResponse health = co_await vu->Request(verb::get, "/health", "", "health");
        if (health.interrupted) co_return;
        vu->Check(kCheckHealth, health.status == 200);
        HttpResponse signup = co_await SignupFresh(vu);
        if (signup.interrupted) co_return;
        auto user_id = JsonInt(signup.body, "userId");
        vu->Add(M("success_register_rate"), signup.status == 201 && user_id ? 1 : 0);
        vu->Check(kCheckSignup, signup.status == 201);
        HttpResponse me = co_await vu->Request(verb::get, "/api/auth/me", "", "me");
        if (me.interrupted) co_return;
        vu->Check(kCheckMe, me.status == 200);
        HttpResponse coupon = co_await vu->Request(
            verb::get, "/api/coupons/" + std::to_string(services_->coupon_id), "", "coupon");
        if (coupon.interrupted) co_return;
        vu->Check(kCheckCoupon, coupon.status == 200);
        if (!user_id) co_return;
        HttpResponse issue = co_await Issue(vu, *user_id);
        RecordIssue(vu, issue);
    }
};

// mixed-read: the read endpoints, with sessions prepared before the run.
class MixedReadScenario final : public ApiScenario {
  public:
    using ApiScenario::ApiScenario;
    asio::awaitable<SetupOutcome> Setup() override {
        const std::int64_t n = services_->EnvInt("SESSIONS", kDefaultReadSessions);
        if (n <= 0) co_return SetupOutcome{"SESSIONS must be positive", 0, "sessions"};
        std::string error = co_await MakeSessions(n);
        co_return SetupOutcome{error, n, "sessions"};
    }
    asio::awaitable<void> Iterate(Vu* vu) override {
        const Session& s = sessions_[static_cast<std::size_t>(vu->Id()) % sessions_.size()];
        ApplySession(vu, s, services_->vu_env->base.host);
        const std::string user = "/api/users/" + std::to_string(s.user_id);
        HttpResponse coupon = co_await vu->Request(
            verb::get, "/api/coupons/" + std::to_string(services_->coupon_id), "", "coupon");
        if (coupon.interrupted) co_return;
        vu->Check(kCheckCoupon, coupon.status == 200);
        HttpResponse balance = co_await vu->Request(verb::get, user + "/balance", "", "balance");
        if (balance.interrupted) co_return;
        vu->Check(kCheckBalance, balance.status == 200);
        HttpResponse coupons = co_await vu->Request(verb::get, user + "/coupons", "", "coupons");
        if (coupons.interrupted) co_return;
        vu->Check(kCheckCoupons, coupons.status == 200);
    }
};

// http-get: one GET of PATH per iteration, no checks: the runner's own throughput against a
// trivial endpoint (compare with wrk, see README).
class HttpGetScenario final : public ApiScenario {
  public:
    HttpGetScenario(const ScenarioInfo& info, ScenarioServices* services)
        : ApiScenario(info, services), path_(services->Env("PATH_TO_GET", "/")) {}
    asio::awaitable<void> Iterate(Vu* vu) override {
        co_await vu->Request(verb::get, path_, "", "");
    }

  private:
    std::string path_;
};

// order-rush: the hot-product sale. An untimed setup makes a product with one option of STOCK
// units (admin API), optionally a coupon every user holds (WITH_COUPON=1), and USERS users with a
// balance that covers ORDERS_PER_USER orders (default 1); each iteration takes the next user (in
// turn, each used ORDERS_PER_USER times, then no more iterations run), orders ORDER_QUANTITY
// units of the hot option and pays for it. ORDERS_PER_USER > 1 is for long runs (the soak), where
// signing up one user per order would make the run about Argon2, not about the hot row. Afterwards
// the option's audit and a sample of the users' balance audits must agree with what was answered
// (CheckOptionInvariants, CheckUserBalance). PRODUCT_OPTION_ID orders an existing option instead
// (no product is made, only `200s <= soldUnits` is judged, since earlier sales count too).
class OrderRushScenario final : public ApiScenario {
  public:
    using ApiScenario::ApiScenario;

    void Interrupt() override {
        ApiScenario::Interrupt();
        if (admin_vu_) admin_vu_->Interrupt();
    }

    asio::awaitable<SetupOutcome> Setup() override {
        const std::int64_t users =
            services_->EnvInt("USERS", services_->planned_iterations.value_or(-1));
        auto fail = [users](std::string error) {
            return SetupOutcome{std::move(error), std::max<std::int64_t>(users, 0), "users"};
        };
        if (users <= 0) {
            co_return fail(
                "order-rush needs the number of users to prepare: its executor has no fixed "
                "iteration count, so pass -e USERS=N");
        }
        stock_ = services_->EnvInt("STOCK", kDefaultOrderStock);
        price_ = services_->EnvInt("PRICE", kDefaultOrderPrice);
        quantity_ = services_->EnvInt("ORDER_QUANTITY", 1);
        orders_per_user_ = services_->EnvInt("ORDERS_PER_USER", 1);
        if (stock_ < 0 || price_ <= 0 || quantity_ <= 0 || orders_per_user_ <= 0)
            co_return fail(
                "STOCK must be >= 0, PRICE, ORDER_QUANTITY and ORDERS_PER_USER positive");
        // A reused user's second order could not use the coupon its first order used, and the
        // outcomes file (faults.sh) describes one order per user.
        if (orders_per_user_ > 1 && (services_->Env("WITH_COUPON", "0") == "1" ||
                                     !services_->Env("ORDER_OUTCOMES_FILE", "").empty()))
            co_return fail(
                "ORDERS_PER_USER > 1 goes with neither WITH_COUPON nor ORDER_OUTCOMES_FILE");
        // The setup's one charge covers every order of the user: within a charge's limit
        // (docs/api.md: at most 1,000,000,000 won).
        if (price_ * quantity_ > kMaxSetupCharge / orders_per_user_)
            co_return fail("PRICE × ORDER_QUANTITY × ORDERS_PER_USER must be at most " +
                           std::to_string(kMaxSetupCharge));
        const std::string given = services_->Env("PRODUCT_OPTION_ID", "");
        if (!given.empty()) {
            option_id_ = services_->EnvInt("PRODUCT_OPTION_ID", 0);
            if (option_id_ <= 0) co_return fail("PRODUCT_OPTION_ID must be a positive id");
        } else if (services_->admin_token.empty()) {
            co_return fail(
                "order-rush makes its product with the admin API: pass --admin-token (or "
                "--stage), or -e PRODUCT_OPTION_ID=N to order an existing option");
        } else {
            fresh_option_ = true;
            const std::string body = "{\"name\":\"LOAD-" + services_->run_id +
                                     "\",\"options\":[{\"color\":\"hot\",\"size\":\"one\","
                                     "\"price\":" +
                                     std::to_string(price_) +
                                     ",\"stock\":" + std::to_string(stock_) + "}]}";
            HttpResponse r = co_await Admin(verb::post, "/api/admin/products", body);
            auto id = FirstOptionIdOf(r.body);
            if (r.status != 201 || !id)
                co_return fail("setup: POST /api/admin/products answered " + Outcome(r));
            option_id_ = *id;
        }
        if (services_->Env("WITH_COUPON", "0") == "1") {
            if (services_->admin_token.empty())
                co_return fail(
                    "WITH_COUPON=1 makes a coupon with the admin API: pass --admin-token");
            coupon_rate_ = services_->EnvInt("COUPON_RATE", kDefaultOrderCouponRate);
            const auto expires = std::chrono::system_clock::now() + std::chrono::hours(24);
            const std::string body =
                "{\"name\":\"LOAD-ORDER-" + services_->run_id +
                "\",\"discountRate\":" + std::to_string(coupon_rate_) +
                ",\"totalQuantity\":" + std::to_string(users) + ",\"expiredAt\":\"" +
                FormatRfc3339Nano(
                    std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch())
                        .count() *
                    kSecond) +
                "\"}";
            HttpResponse r = co_await Admin(verb::post, "/api/admin/coupons", body);
            auto id = JsonInt(r.body, "couponId");
            if (r.status != 201 || !id)
                co_return fail("setup: POST /api/admin/coupons answered " + Outcome(r));
            coupon_id_ = *id;
        }
        // Enough for one order even without its coupon (a coupon the payment cannot use fails
        // the payment with its own code, not with B004).
        charge_ = price_ * quantity_ * orders_per_user_;
        std::string error = co_await MakeSessions(users);
        outcomes_.assign(sessions_.size(), UserOutcome{});
        for (std::size_t i = 0; i < sessions_.size(); ++i)
            outcomes_[i].user_id = sessions_[i].user_id;
        std::string what = "users (option " + std::to_string(option_id_) + ", stock " +
                           (fresh_option_ ? std::to_string(stock_) : std::string("as it was")) +
                           (coupon_id_ ? ", coupon " + std::to_string(*coupon_id_) : "") + ")";
        co_return SetupOutcome{error, users, what};
    }

    asio::awaitable<void> Iterate(Vu* vu) override {
        const auto uses = sessions_.size() * static_cast<std::size_t>(orders_per_user_);
        if (next_use_ >= uses) {
            vu->Check(kCheckSessionAvailable, false);
            co_return;
        }
        const std::size_t user = next_use_++ % sessions_.size();
        ApplySession(vu, sessions_[user], services_->vu_env->base.host);
        std::string body = "{\"items\":[{\"productOptionId\":" + std::to_string(option_id_) +
                           ",\"quantity\":" + std::to_string(quantity_) + "}]";
        if (coupon_id_) body += ",\"couponId\":" + std::to_string(*coupon_id_);
        body += "}";
        HttpResponse order = co_await vu->Request(verb::post, "/api/orders", body, "order");
        if (order.interrupted) {
            ++tally_.order_unanswered;
            co_return;
        }
        const auto order_id = order.status == 201 ? JsonInt(order.body, "orderId") : std::nullopt;
        const std::string code = order.status == 201 ? "" : ErrorCodeOf(order.body);
        vu->Check(kCheckOrder, order_id.has_value() || code == "P003");
        if (!order_id) {
            vu->Add(M("success_order_rate"), 0);
            if (code == "P003") {
                vu->Add(M("order_sold_out_count"), 1);
                ++tally_.sold_out;
            } else {
                vu->Add(M("errors_order"), 1);
                if (order.status == 0 || order.status >= 500) {
                    ++tally_.order_unanswered;  // the server may or may not have reserved
                } else {
                    ++tally_.order_refused;
                }
            }
            co_return;
        }
        ++tally_.placed;
        const std::int64_t final_amount =
            JsonInt(order.body, "finalAmount")
                .value_or(DiscountedAmount(price_ * quantity_, coupon_id_ ? coupon_rate_ : 0));
        outcomes_[user].final_amount = final_amount;
        HttpResponse payment = co_await vu->Request(
            verb::post, "/api/orders/" + std::to_string(*order_id) + "/payment", "{}", "payment");
        if (payment.interrupted) {
            ++tally_.payment_unanswered;
            ++outcomes_[user].unsure_orders;
            co_return;
        }
        const bool paid = payment.status == 200;
        vu->Check(kCheckPayment, paid);
        vu->Add(M("success_order_rate"), paid ? 1 : 0);
        if (paid) {
            ++tally_.paid;
            ++outcomes_[user].paid_orders;
            co_return;
        }
        vu->Add(M("errors_order"), 1);
        if (payment.status == 0 || payment.status >= 500) {
            ++tally_.payment_unanswered;
            ++outcomes_[user].unsure_orders;
        } else {
            ++tally_.payment_refused;  // nothing was paid
        }
    }

    asio::awaitable<std::vector<InvariantReport>> Verify() override {
        std::vector<InvariantReport> out;
        if (std::string file = services_->Env("ORDER_OUTCOMES_FILE", ""); !file.empty()) {
            if (std::string error = SaveOrderOutcomes(file); !error.empty()) {
                InvariantReport inv;
                inv.title = "order outcomes file";
                inv.ok = false;
                inv.details.push_back(error);
                out.push_back(std::move(inv));
            }
        }
        if (services_->admin_token.empty()) co_return out;  // the runner notes why
        HttpResponse r = co_await Admin(
            verb::get, "/api/admin/product-options/" + std::to_string(option_id_) + "/audit", "");
        auto audit = ParseOptionAudit(r.body);
        if (r.status != 200 || !audit) {
            InvariantReport inv;
            inv.title = "product option " + std::to_string(option_id_) + " audit";
            inv.ok = false;
            inv.details.push_back("audit unavailable: GET /api/admin/product-options/" +
                                  std::to_string(option_id_) + "/audit answered " + Outcome(r));
            out.push_back(std::move(inv));
        } else {
            out.push_back(CheckOptionInvariants(*audit, tally_, fresh_option_, quantity_));
        }

        const auto limit = static_cast<std::size_t>(std::max<std::int64_t>(
            0, services_->EnvInt("BALANCE_AUDIT_USERS", kDefaultBalanceAuditUsers)));
        const std::vector<std::size_t> sample = BalanceAuditSample(outcomes_, limit);
        InvariantReport balances;
        balances.title = "balance identity of " + std::to_string(sample.size()) + " of " +
                         std::to_string(outcomes_.size()) +
                         " users: charged - paid == balance, paid as answered";
        std::int64_t bad = 0;
        for (std::size_t index : sample) {
            const UserOutcome& o = outcomes_[index];
            HttpResponse a = co_await Admin(
                verb::get, "/api/admin/users/" + std::to_string(o.user_id) + "/balance-audit", "");
            auto parsed = ParseBalanceAudit(a.body);
            std::string problem =
                a.status != 200 || !parsed
                    ? "user " + std::to_string(o.user_id) + ": balance audit answered " + Outcome(a)
                    : CheckUserBalance(*parsed, o, charge_);
            if (problem.empty()) continue;
            ++bad;
            if (bad <= kMaxReportedUsers) balances.details.push_back("VIOLATED: " + problem);
        }
        balances.ok = bad == 0;
        balances.details.insert(balances.details.begin(),
                                std::to_string(sample.size() - static_cast<std::size_t>(bad)) +
                                    " of " + std::to_string(sample.size()) +
                                    " audited users agree (charged " + std::to_string(charge_) +
                                    " each in the setup)");
        out.push_back(std::move(balances));
        co_return out;
    }

  protected:
    asio::awaitable<std::string> PrepareUser(Vu* vu, std::size_t index) override {
        const Session& s = sessions_[index];
        const std::string user = std::to_string(s.user_id);
        HttpResponse charge =
            co_await vu->Request(verb::patch, "/api/users/" + user + "/balance",
                                 "{\"amount\":" + std::to_string(charge_) + "}", "setup-charge");
        if (charge.status != 200) co_return "charge answered " + Outcome(charge);
        if (coupon_id_) {
            HttpResponse issue = co_await vu->Request(
                verb::post, "/api/coupons/" + std::to_string(*coupon_id_) + "/issue",
                "{\"userId\":" + user + "}", "setup-issue");
            if (issue.status != 201) co_return "coupon issue answered " + Outcome(issue);
        }
        co_return std::string();
    }

  private:
    // ORDER_OUTCOMES_FILE: one line per user, "<user id>\t<none|paid|unsure>\t<finalAmount>",
    // for judges that read the audits themselves once a fault is over (faults.sh).
    std::string SaveOrderOutcomes(const std::string& path) const {
        std::ofstream f(path, std::ios::trunc);
        for (const UserOutcome& o : outcomes_) {
            // One order per user here (Setup refuses ORDERS_PER_USER > 1 with this file).
            const char* state = o.paid_orders > 0     ? "paid"
                                : o.unsure_orders > 0 ? "unsure"
                                                      : "none";
            f << o.user_id << '\t' << state << '\t' << o.final_amount << '\n';
        }
        return f.flush() ? "" : "cannot write " + path;
    }

    static std::string Outcome(const HttpResponse& r) {
        return r.status == 0 ? r.error : std::to_string(r.status) + " " + ErrorCodeOf(r.body);
    }

    asio::awaitable<HttpResponse> Admin(verb method, std::string path, std::string body) {
        if (!admin_vu_)
            admin_vu_ = std::make_unique<Vu>(services_->vu_env, kOrderAdminVuId, "admin", false);
        admin_vu_->BeginIteration(0);
        std::vector<std::pair<std::string, std::string>> headers{
            {"Authorization", "Bearer " + services_->admin_token}};
        co_return co_await admin_vu_->Request(method, std::move(path), std::move(body), "admin",
                                              std::move(headers));
    }

    std::unique_ptr<Vu> admin_vu_;
    std::int64_t stock_ = kDefaultOrderStock;
    std::int64_t price_ = kDefaultOrderPrice;
    std::int64_t quantity_ = 1;
    std::int64_t orders_per_user_ = 1;
    std::int64_t charge_ = 0;
    std::int64_t option_id_ = 0;
    bool fresh_option_ = false;
    std::optional<std::int64_t> coupon_id_;
    std::int64_t coupon_rate_ = kDefaultOrderCouponRate;
    std::size_t next_use_ = 0;  // iterations that took a user so far
    OrderTally tally_;
    std::vector<UserOutcome> outcomes_;
};

}  // namespace

asio::awaitable<SetupOutcome> Scenario::Setup() { co_return SetupOutcome{}; }

asio::awaitable<std::vector<InvariantReport>> Scenario::Verify() {
    co_return std::vector<InvariantReport>{};
}

std::string ScenarioServices::Env(std::string_view key, std::string_view fallback) const {
    if (env) {
        if (auto v = env(key)) return *v;
    }
    return std::string(fallback);
}

std::int64_t ScenarioServices::EnvInt(std::string_view key, std::int64_t fallback) const {
    std::string text = Env(key, "");
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return fallback;
    return v;
}

const std::vector<ScenarioInfo>& ScenarioCatalog() {
    auto names = [](std::initializer_list<std::string_view> list) {
        return std::vector<std::string>(list.begin(), list.end());
    };
    static const std::vector<ScenarioInfo> kCatalog = {
        {"issue-coupon",
         "sign up a fresh user, then issue COUPON_ID with that session (the seed's test)",
         CouponMetrics(true), true, true, "k6/issue-coupon.script.js",
         names({kCheckSignup, kCheckIssue})},
        {"issue-only",
         "issue COUPON_ID with sessions signed up in an untimed setup phase (-e RATE, -e "
         "POOL_SIZE, -e SESSION_POOL_FILE)",
         CouponMetrics(false), true, true, "", names({kCheckIssue, kCheckSessionAvailable})},
        {"balance-charge",
         "charge a fixed amount on a few hot users, read it back; balance identity afterwards",
         {{"success_charge_rate", MetricType::kRate, ValueType::kDefault}},
         false,
         false,
         "k6/balance-charge.script.js",
         names({kCheckCharge, kCheckBalanceRead})},
        {"signup",
         "sign-up only",
         {{"success_register_rate", MetricType::kRate, ValueType::kDefault}},
         false,
         false,
         "k6/signup.script.js",
         names({kCheckSignup})},
        {"minimal-smoke", "health, signup, me, coupon get, issue: once, every check must pass",
         CouponMetrics(true), true, true, "test/k6/minimal-smoke.test.js",
         names({kCheckHealth, kCheckSignup, kCheckMe, kCheckCoupon, kCheckIssue})},
        {"mixed-read",
         "coupon get, balance get, coupon list with prepared sessions",
         {},
         false,
         true,
         "",
         names({kCheckCoupon, kCheckBalance, kCheckCoupons})},
        {"http-get",
         "GET PATH_TO_GET (default /) only: the runner's own throughput, for comparison with wrk",
         {},
         false,
         false,
         "",
         {}},
        {"order-rush",
         "users prepared in an untimed setup each order one unit of a hot option of -e STOCK "
         "(100) and pay; stock and balance audits afterwards (-e WITH_COUPON=1, -e USERS, "
         "-e ORDERS_PER_USER)",
         {{"success_order_rate", MetricType::kRate, ValueType::kDefault},
          {"order_sold_out_count", MetricType::kCounter, ValueType::kDefault},
          {"errors_order", MetricType::kCounter, ValueType::kDefault}},
         false,
         false,
         "k6/order-rush.script.js",
         names({kCheckOrder, kCheckPayment, kCheckSessionAvailable}),
         true},
    };
    return kCatalog;
}

const ScenarioInfo* FindScenario(std::string_view name) {
    for (const ScenarioInfo& info : ScenarioCatalog()) {
        if (info.name == name) return &info;
    }
    return nullptr;
}

std::unique_ptr<Scenario> MakeScenario(const ScenarioInfo& info, ScenarioServices* services) {
    if (info.name == "issue-coupon") return std::make_unique<IssueCouponScenario>(info, services);
    if (info.name == "issue-only") return std::make_unique<IssueOnlyScenario>(info, services);
    if (info.name == "balance-charge")
        return std::make_unique<BalanceChargeScenario>(info, services);
    if (info.name == "signup") return std::make_unique<SignupScenario>(info, services);
    if (info.name == "minimal-smoke") return std::make_unique<MinimalSmokeScenario>(info, services);
    if (info.name == "mixed-read") return std::make_unique<MixedReadScenario>(info, services);
    if (info.name == "http-get") return std::make_unique<HttpGetScenario>(info, services);
    if (info.name == "order-rush") return std::make_unique<OrderRushScenario>(info, services);
    return nullptr;
}

std::string SignupBody(std::string_view email, std::string_view password) {
    http::JsonWriter w;
    w.StartObject().Key("email").String(email).Key("password").String(password).EndObject();
    return w.Finish();
}

std::optional<std::int64_t> JsonInt(std::string_view body, std::string_view field) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    auto it = doc.FindMember(
        rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size())));
    if (it == doc.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
    return it->value.GetInt64();
}

}  // namespace hhplus::loadgen
