// The scenarios' k6 bookkeeping against a fake transport: no sockets, canned answers.
#include "loadgen/scenarios.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>

#include "loadgen/wait_group.hpp"

namespace hhplus::loadgen {
namespace {

namespace asio = boost::asio;

// Answers from a script; records what was sent.
class FakeTransport final : public Transport {
  public:
    using Script = std::function<HttpResponse(const HttpRequest&)>;
    FakeTransport(Script script, std::vector<HttpRequest>* log)
        : script_(std::move(script)), log_(log) {}
    asio::awaitable<HttpResponse> Send(HttpRequest request) override {
        log_->push_back(request);
        HttpResponse r = script_(request);
        r.trail.sending = 100'000;
        r.trail.waiting = 2'000'000;
        r.trail.receiving = 50'000;
        r.trail.end = std::chrono::steady_clock::now();
        co_return r;
    }
    void Interrupt() override {}

  private:
    Script script_;
    std::vector<HttpRequest>* log_;
};

HttpResponse Answer(int status, std::string body, std::vector<std::string> cookies = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.proto = "HTTP/1.1";
    r.x_instance = "app-1";
    r.set_cookies = std::move(cookies);
    return r;
}

class ScenarioTest : public ::testing::Test {
  protected:
    void SetUp() override {
        builtin_ = DefineBuiltinMetrics(registry_);
        issue_sub_ = registry_.GetOrAddSubmetric("http_req_duration{name:issue}").value();
        env_.executor = io_.get_executor();
        env_.registry = &registry_;
        env_.builtin = builtin_;
        env_.checks = &checks_;
        env_.requests = &requests_;
        env_.base = ParseBaseUrl("http://127.0.0.1:3000").value();
        env_.make_transport = [this]() -> std::unique_ptr<Transport> {
            return std::make_unique<FakeTransport>(
                [this](const HttpRequest& r) { return Respond(r); }, &sent_);
        };
        env_.start_steady = std::chrono::steady_clock::now();
        services_.vu_env = &env_;
        services_.run_id = "t";
        services_.coupon_id = 7;
        services_.env = [this](std::string_view k) -> std::optional<std::string> {
            auto it = vars_.find(std::string(k));
            if (it == vars_.end()) return std::nullopt;
            return it->second;
        };
    }

    void Use(const std::string& name) {
        info_ = FindScenario(name);
        ASSERT_NE(info_, nullptr);
        for (const CustomMetricSpec& spec : info_->metrics) {
            services_.metrics[spec.name] =
                registry_.Define(spec.name, spec.type, spec.contains).value();
        }
        scenario_ = MakeScenario(*info_, &services_);
        vu_ = std::make_unique<Vu>(&env_, 0, name, true);
    }

    // Runs `n` iterations on the VU, one after the other.
    void Iterate(int n) {
        asio::co_spawn(io_, Iterations(n), RethrowIfFailed);
        io_.run();
        io_.restart();
    }

    SetupOutcome DoSetup() {
        SetupOutcome out;
        asio::co_spawn(io_, RunSetup(&out), RethrowIfFailed);
        io_.run();
        io_.restart();
        return out;
    }

    std::vector<InvariantReport> Verify() {
        std::vector<InvariantReport> out;
        asio::co_spawn(io_, RunVerify(&out), RethrowIfFailed);
        io_.run();
        io_.restart();
        return out;
    }

    asio::awaitable<void> Iterations(int n) {
        for (int i = 0; i < n; ++i) {
            vu_->BeginIteration(i);
            co_await scenario_->Iterate(vu_.get());
        }
    }
    asio::awaitable<void> RunSetup(SetupOutcome* out) { *out = co_await scenario_->Setup(); }
    asio::awaitable<void> RunVerify(std::vector<InvariantReport>* out) {
        *out = co_await scenario_->Verify();
    }

    HttpResponse Respond(const HttpRequest& r) {
        if (r.target == "/api/auth/signup") {
            ++users_;
            return Answer(
                201, "{\"userId\":" + std::to_string(users_) + ",\"email\":\"x\",\"balance\":0}",
                {"sid=session-" + std::to_string(users_) +
                 "; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"});
        }
        if (r.target == "/api/coupons/7/issue") {
            if (issue_answers_.empty()) return Answer(201, "{\"userCouponId\":1}");
            HttpResponse a = issue_answers_.front();
            issue_answers_.pop_front();
            return a;
        }
        if (r.target == "/api/admin/products") {
            admin_headers_ = r.headers;
            return Answer(201, R"({"productId":3,"options":[{"productOptionId":11,"stock":2}]})");
        }
        if (r.target == "/api/orders") {
            order_bodies_.push_back(r.body);
            if (order_stock_ == 0) return Answer(409, R"({"errorCode":"P003"})");
            --order_stock_;
            return Answer(201, "{\"orderId\":" + std::to_string(++orders_) +
                                   ",\"finalAmount\":10000,\"status\":\"PENDING\"}");
        }
        if (r.target.rfind("/api/orders/", 0) == 0) {
            if (payment_status_ != 200) return Answer(payment_status_, R"({"errorCode":"B004"})");
            ++paid_;
            return Answer(200, R"({"status":"PAID","balance":0})");
        }
        if (r.target == "/api/admin/product-options/11/audit") {
            return Answer(200,
                          "{\"productOptionId\":11,\"initialStock\":2,\"addedStock\":0,"
                          "\"stock\":" +
                              std::to_string(2 - paid_ - sold_skew_) +
                              ",\"reserved\":" + std::to_string(orders_ - paid_) +
                              ",\"soldUnits\":" + std::to_string(paid_ + sold_skew_) +
                              ",\"pendingUnits\":" + std::to_string(orders_ - paid_) + "}");
        }
        if (r.target.find("/balance-audit") != std::string::npos) {
            ++balance_audits_;
            return Answer(200, R"({"userId":1,"balance":10000,"charged":10000,"paid":0})");
        }
        if (r.target.find("/balance") != std::string::npos) {
            if (r.method == boost::beast::http::verb::patch) {
                balance_ += 1000;
                return Answer(200, "{\"userId\":1,\"balance\":" + std::to_string(balance_) + "}");
            }
            return Answer(
                200, "{\"userId\":1,\"balance\":" + std::to_string(balance_ + balance_skew_) + "}");
        }
        return Answer(404, "{\"errorCode\":\"V404\"}");
    }

    const Metric* M(const std::string& name) { return registry_.Find(name); }

    asio::io_context io_;
    Registry registry_;
    BuiltinMetrics builtin_;
    Metric* issue_sub_ = nullptr;
    CheckBook checks_;
    RequestLog requests_;
    VuEnvironment env_;
    ScenarioServices services_;
    std::map<std::string, std::string> vars_;
    const ScenarioInfo* info_ = nullptr;
    std::unique_ptr<Scenario> scenario_;
    std::unique_ptr<Vu> vu_;
    std::vector<HttpRequest> sent_;
    std::deque<HttpResponse> issue_answers_;
    int users_ = 0;
    std::int64_t balance_ = 0;
    std::int64_t balance_skew_ = 0;
    // order-rush
    std::vector<std::pair<std::string, std::string>> admin_headers_;
    std::vector<std::string> order_bodies_;
    std::int64_t order_stock_ = 2;
    std::int64_t orders_ = 0;
    std::int64_t paid_ = 0;
    std::int64_t sold_skew_ = 0;
    int payment_status_ = 200;
    int balance_audits_ = 0;
};

TEST_F(ScenarioTest, IssueCouponSignsUpThenIssuesWithThatSession) {
    Use("issue-coupon");
    Iterate(1);
    ASSERT_EQ(sent_.size(), 2u);
    EXPECT_EQ(sent_[0].target, "/api/auth/signup");
    EXPECT_EQ(sent_[0].body, "{\"email\":\"lg-t-0@load.test\",\"password\":\"1234\"}");
    EXPECT_EQ(sent_[0].cookie, "");
    EXPECT_EQ(sent_[1].target, "/api/coupons/7/issue");
    EXPECT_EQ(sent_[1].cookie, "sid=session-1");
    EXPECT_EQ(sent_[1].body, "{\"userId\":1}");
    EXPECT_EQ(M("success_register_rate")->sink.trues, 1);
    EXPECT_EQ(M("success_coupon_issue_rate")->sink.trues, 1);
    EXPECT_TRUE(M("errors_coupon_issue")->sink.IsEmpty());
    EXPECT_EQ(builtin_.http_reqs->sink.counter, 2);
    EXPECT_EQ(issue_sub_->sink.trend.Count(), 1u);
    EXPECT_DOUBLE_EQ(builtin_.http_req_duration->sink.trend.Max(),
                     2.15);  // sending + waiting + receiving
    EXPECT_EQ(scenario_->Issues().issued, 1);
    ASSERT_EQ(checks_.Ordered().size(), 2u);
    EXPECT_EQ(checks_.Ordered()[0].name, "signup status is 201");
    EXPECT_EQ(requests_.Records().size(), 2u);
}

TEST_F(ScenarioTest, TheCookieJarIsEmptiedBetweenIterations) {
    Use("issue-coupon");
    Iterate(2);
    ASSERT_EQ(sent_.size(), 4u);
    EXPECT_EQ(sent_[2].cookie, "");  // the second sign-up starts without the first session
    EXPECT_EQ(sent_[3].cookie, "sid=session-2");
    EXPECT_NE(sent_[0].body, sent_[2].body);  // a fresh e-mail each time
}

TEST_F(ScenarioTest, IssueOutcomesAreCountedOnceEach) {
    Use("issue-coupon");
    issue_answers_ = {Answer(409, R"({"errorCode":"C001","message":"coupon sold out"})"),
                      Answer(503, R"({"errorCode":"S001","message":"busy"})"),
                      Answer(409, R"({"errorCode":"C005","message":"already issued"})"),
                      HttpResponse{}};
    issue_answers_.back().error_code = 1050;  // a timeout: no answer at all
    issue_answers_.back().error = "request timeout";
    Iterate(5);
    EXPECT_EQ(M("success_coupon_issue_rate")->sink.total, 5);
    EXPECT_EQ(M("success_coupon_issue_rate")->sink.trues, 1);
    EXPECT_EQ(M("coupon_sold_out_count")->sink.counter,
              1);  // C001 is an expected outcome, not an error
    EXPECT_EQ(M("errors_coupon_issue")->sink.counter, 3);  // S001, C005, the timeout: once each
    EXPECT_EQ(M("coupon_busy_count")->sink.counter, 1);
    EXPECT_EQ(M("success_register_rate")->sink.trues, 5);
    const IssueTally& t = scenario_->Issues();
    EXPECT_EQ(t.issued, 1);
    EXPECT_EQ(t.sold_out, 1);
    EXPECT_EQ(t.unanswered, 1);  // only the timeout; S001 guarantees nothing was issued
    EXPECT_EQ(checks_.Ordered()[1].passes, 2);  // 201 and C001
    EXPECT_EQ(checks_.Ordered()[1].fails, 3);
    EXPECT_EQ(builtin_.http_req_failed->sink.trues, 4);
}

TEST_F(ScenarioTest, FailedSignupIsAFailedRegistrationAndNoIssue) {
    Use("issue-coupon");
    env_.make_transport = [this]() -> std::unique_ptr<Transport> {
        return std::make_unique<FakeTransport>(
            [](const HttpRequest&) { return Answer(409, R"({"errorCode":"A003"})"); }, &sent_);
    };
    vu_ = std::make_unique<Vu>(&env_, 0, "issue-coupon", true);
    Iterate(1);
    EXPECT_EQ(sent_.size(), 1u);
    EXPECT_EQ(M("success_register_rate")->sink.total, 1);
    EXPECT_EQ(M("success_register_rate")->sink.trues, 0);
    EXPECT_TRUE(M("success_coupon_issue_rate")->sink.IsEmpty());
}

TEST_F(ScenarioTest, IssueOnlyUsesTheSetupPoolAndRecordsOnlyTheIssue) {
    Use("issue-only");
    services_.planned_iterations = 3;
    SetupOutcome setup = DoSetup();
    EXPECT_EQ(setup.error, "");
    EXPECT_EQ(setup.items, 3);
    EXPECT_EQ(sent_.size(), 3u);
    EXPECT_TRUE(builtin_.http_reqs->sink.IsEmpty());  // setup requests are not recorded
    Iterate(4);
    ASSERT_EQ(sent_.size(), 6u);
    EXPECT_EQ(sent_[3].target, "/api/coupons/7/issue");
    EXPECT_EQ(sent_[3].cookie.rfind("sid=session-", 0), 0u);
    EXPECT_NE(sent_[3].cookie, sent_[4].cookie);
    EXPECT_EQ(builtin_.http_reqs->sink.counter, 3);
    // The fourth iteration finds the pool empty: a failed check, no request.
    EXPECT_EQ(checks_.Ordered().back().name, "session available");
    EXPECT_EQ(checks_.Ordered().back().fails, 1);
}

TEST_F(ScenarioTest, IssueOnlyNeedsAPoolSize) {
    Use("issue-only");
    services_.planned_iterations.reset();
    EXPECT_NE(DoSetup().error, "");
    vars_["POOL_SIZE"] = "2";
    EXPECT_EQ(DoSetup().error, "");
}

TEST_F(ScenarioTest, IssueOnlyKeepsItsPoolInASessionFile) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        ("hhplus-pool-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string file = (dir / "pool.tsv").string();
    Use("issue-only");
    vars_["SESSION_POOL_FILE"] = file;
    vars_["POOL_SIZE"] = "3";
    // No file yet: three sign-ups, then the file holds their sessions.
    ASSERT_EQ(DoSetup().error, "");
    EXPECT_EQ(sent_.size(), 3u);
    ASSERT_TRUE(std::filesystem::exists(file));
    EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));

    // A second run with a smaller pool reads the file and signs nobody up; its issues carry the
    // first run's users and cookies, in the file's order.
    Use("issue-only");
    vars_["POOL_SIZE"] = "2";
    sent_.clear();
    SetupOutcome setup = DoSetup();
    ASSERT_EQ(setup.error, "");
    EXPECT_TRUE(sent_.empty());
    Iterate(2);
    ASSERT_EQ(sent_.size(), 2u);
    EXPECT_EQ(sent_[0].body, "{\"userId\":1}");
    EXPECT_EQ(sent_[0].cookie, "sid=session-1");
    EXPECT_EQ(sent_[1].body, "{\"userId\":2}");

    // A pool larger than the file is refused rather than topped up (the file's users may be gone).
    Use("issue-only");
    vars_["POOL_SIZE"] = "4";
    sent_.clear();
    EXPECT_NE(DoSetup().error.find("has 3 sessions, 4 needed"), std::string::npos);
    EXPECT_TRUE(sent_.empty());

    // A damaged line is named.
    { std::ofstream(file) << "1\tsid=a\nnot-a-user\tsid=b\n"; }
    Use("issue-only");
    vars_["POOL_SIZE"] = "2";
    EXPECT_NE(DoSetup().error.find("line 2"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_F(ScenarioTest, BalanceChargeChecksTheIdentity) {
    Use("balance-charge");
    vars_["HOT_USERS"] = "1";
    SetupOutcome setup = DoSetup();
    ASSERT_EQ(setup.error, "");
    Iterate(4);
    EXPECT_EQ(M("success_charge_rate")->sink.trues, 4);
    auto ok = Verify();
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_TRUE(ok[0].ok) << ok[0].details[0];
    // A balance one won off the identity (a lost or doubled charge would be 1000 off) fails.
    balance_skew_ = 1;
    auto bad = Verify();
    EXPECT_FALSE(bad[0].ok);
}

TEST_F(ScenarioTest, OrderRushPreparesUsersThenOrdersAndPaysOncePerUser) {
    Use("order-rush");
    services_.admin_token = "secret";
    services_.planned_iterations = 4;
    vars_["STOCK"] = "2";
    SetupOutcome setup = DoSetup();
    ASSERT_EQ(setup.error, "");
    EXPECT_EQ(setup.items, 4);
    EXPECT_NE(setup.what.find("option 11, stock 2"), std::string::npos) << setup.what;
    ASSERT_FALSE(sent_.empty());
    EXPECT_EQ(sent_[0].target, "/api/admin/products");
    EXPECT_EQ(
        sent_[0].body,
        R"({"name":"LOAD-t","options":[{"color":"hot","size":"one","price":10000,"stock":2}]})");
    ASSERT_EQ(admin_headers_.size(), 1u);
    EXPECT_EQ(admin_headers_[0].second, "Bearer secret");
    // Each user: a sign-up, then a charge of one order's price with its own session.
    ASSERT_EQ(sent_.size(), 1u + 4 * 2);
    EXPECT_EQ(sent_[2].method, boost::beast::http::verb::patch);
    EXPECT_EQ(sent_[2].body, R"({"amount":10000})");
    EXPECT_EQ(sent_[2].cookie, "sid=session-1");
    EXPECT_TRUE(builtin_.http_reqs->sink.IsEmpty());  // setup requests are not recorded

    Iterate(5);  // 2 sold, 2 sold out, then no user left
    ASSERT_EQ(order_bodies_.size(), 4u);
    EXPECT_EQ(order_bodies_[0], R"({"items":[{"productOptionId":11,"quantity":1}]})");
    EXPECT_EQ(M("success_order_rate")->sink.trues, 2);
    EXPECT_EQ(M("success_order_rate")->sink.total, 4);
    EXPECT_EQ(M("order_sold_out_count")->sink.counter, 2);
    EXPECT_TRUE(M("errors_order")->sink.IsEmpty());
    EXPECT_EQ(builtin_.http_reqs->sink.counter, 6);  // 4 orders + 2 payments
    EXPECT_EQ(sent_[sent_.size() - 5].target, "/api/orders/1/payment");
    EXPECT_EQ(checks_.Ordered().back().name, "session available");
    EXPECT_EQ(checks_.Ordered().back().fails, 1);

    auto ok = Verify();
    ASSERT_EQ(ok.size(), 2u);
    EXPECT_TRUE(ok[0].ok) << ok[0].details[0];
    // The balance audits: both payers first; the fake says they paid 0, so those two fail.
    EXPECT_EQ(balance_audits_, 4);
    EXPECT_FALSE(ok[1].ok);
    EXPECT_NE(ok[1].details[0].find("2 of 4 audited users agree"), std::string::npos)
        << ok[1].details[0];
    sold_skew_ = 1;  // one unit sold that no 200 accounts for
    EXPECT_FALSE(Verify()[0].ok);
}

TEST_F(ScenarioTest, OrderRushCountsFailedPaymentsAsErrorsAndUsesTheCoupon) {
    Use("order-rush");
    services_.admin_token = "secret";
    vars_["USERS"] = "1";
    vars_["WITH_COUPON"] = "1";
    // The coupon: POST /api/admin/coupons answered like the runner's fresh coupon.
    env_.make_transport = [this]() -> std::unique_ptr<Transport> {
        return std::make_unique<FakeTransport>(
            [this](const HttpRequest& r) {
                if (r.target == "/api/admin/coupons") return Answer(201, R"({"couponId":7})");
                return Respond(r);
            },
            &sent_);
    };
    vu_ = std::make_unique<Vu>(&env_, 0, "order-rush", true);
    payment_status_ = 409;
    ASSERT_EQ(DoSetup().error, "");
    EXPECT_EQ(sent_[4].target, "/api/coupons/7/issue");  // product, coupon, sign-up, charge, issue
    Iterate(1);
    EXPECT_EQ(order_bodies_[0], R"({"items":[{"productOptionId":11,"quantity":1}],"couponId":7})");
    EXPECT_EQ(M("errors_order")->sink.counter, 1);
    EXPECT_EQ(M("success_order_rate")->sink.trues, 0);
    EXPECT_EQ(checks_.Ordered().back().name, "payment status is 200");
    EXPECT_EQ(checks_.Ordered().back().fails, 1);
}

TEST_F(ScenarioTest, OrderRushNeedsAnAdminTokenOrAnOption) {
    Use("order-rush");
    services_.planned_iterations = 2;
    EXPECT_NE(DoSetup().error.find("--admin-token"), std::string::npos);
    EXPECT_TRUE(sent_.empty());
    vars_["PRODUCT_OPTION_ID"] = "11";
    EXPECT_EQ(DoSetup().error, "");
    EXPECT_TRUE(Verify().empty());  // no token: nothing to audit with (the runner notes it)
}

TEST_F(ScenarioTest, EveryCatalogScenarioHasOptionsAndAFactory) {
    for (const ScenarioInfo& info : ScenarioCatalog()) {
        EXPECT_NE(MakeScenario(info, &services_), nullptr) << info.name;
    }
    EXPECT_EQ(FindScenario("nope"), nullptr);
    EXPECT_EQ(ErrorCodeOf(R"({"errorCode" : "C001","message":"x"})"), "C001");
    EXPECT_EQ(ErrorCodeOf("{}"), "");
    EXPECT_EQ(JsonInt(R"({"userId":42})", "userId"), 42);
    EXPECT_FALSE(JsonInt("not json", "userId"));
}

}  // namespace
}  // namespace hhplus::loadgen
