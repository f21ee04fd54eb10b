// End-to-end: every route and error code of api.md over HTTP, against the real server binary
// started with its own redis-server ×3 and mariadbd on free loopback ports.
#include <gtest/gtest.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX kill(), not C's signal

#include <atomic>
#include <regex>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/service_stack.hpp"

namespace hhplus::testing {
namespace {

class ApiContract : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { stack_ = new ServiceStack(); }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }

    static std::uint16_t port() { return stack_->port(); }

    // A fresh user with a session in `client`; returns the user id.
    static std::int64_t SignUp(HttpClient& client, const std::string& password = "1234") {
        static std::atomic<int> counter{0};
        const std::string email =
            "user" + std::to_string(counter++) + "-" + std::to_string(::getpid()) + "@test.co";
        auto r = client.Post("/api/auth/signup",
                             R"({"email":")" + email + R"(","password":")" + password + R"("})");
        EXPECT_EQ(r.status, 201) << r.body;
        return JsonInt(r.body, "userId");
    }

    static std::string Admin() { return "Bearer " + stack_->admin_token(); }

    static std::int64_t CreateCoupon(std::int64_t quantity,
                                     const std::string& expired_at = "2030-01-01T00:00:00Z") {
        HttpClient admin(port());
        auto r =
            admin.Send("POST", "/api/admin/coupons",
                       R"({"name":"FLASH","discountRate":10,"totalQuantity":)" +
                           std::to_string(quantity) + R"(,"expiredAt":")" + expired_at + R"("})",
                       {{"Authorization", Admin()}});
        EXPECT_EQ(r.status, 201) << r.body;
        return JsonInt(r.body, "couponId");
    }

    static void ExpectError(const HttpResponse& r, int status, const std::string& code) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(JsonField(r.body, "errorCode"), code) << r.body;
        EXPECT_FALSE(JsonField(r.body, "message").empty()) << r.body;
        static const std::regex kTimestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
        EXPECT_TRUE(std::regex_match(JsonField(r.body, "timestamp"), kTimestamp)) << r.body;
        EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8");
    }

    static ServiceStack* stack_;
};

ServiceStack* ApiContract::stack_ = nullptr;

TEST_F(ApiContract, HealthReadyAndMetrics) {
    HttpClient c(port());
    auto health = c.Get("/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(JsonField(health.body, "status"), "ok");
    auto ready = c.Get("/health/ready");
    EXPECT_EQ(ready.status, 200) << ready.body;
    EXPECT_NE(ready.body.find(R"("db":"up")"), std::string::npos) << ready.body;
    EXPECT_NE(ready.body.find(R"("redisLock":"up")"), std::string::npos) << ready.body;
    auto metrics = c.Get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    for (const char* name : {"hhplus_http_requests_total", "hhplus_http_request_duration_seconds",
                             "hhplus_coupon_issue_total", "hhplus_redis_commands_total",
                             "hhplus_db_pool_connections", "hhplus_db_pool_wait_seconds"}) {
        EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
    }
}

TEST_F(ApiContract, EveryResponseCarriesRequestIdAndInstance) {
    HttpClient c(port());
    auto echoed = c.Send("GET", "/health", {}, {{"X-Request-Id", "abc-123_x.y"}});
    EXPECT_EQ(echoed.Header("x-request-id"), "abc-123_x.y");
    EXPECT_EQ(echoed.Header("x-instance"), "test-app-1");
    auto insane = c.Send("GET", "/nope", {}, {{"X-Request-Id", "bad id with spaces"}});
    EXPECT_FALSE(insane.Header("x-request-id").empty());
    EXPECT_NE(insane.Header("x-request-id"), "bad id with spaces");
    EXPECT_EQ(insane.Header("x-instance"), "test-app-1");
}

TEST_F(ApiContract, RoutingErrors) {
    HttpClient c(port());
    ExpectError(c.Get("/api/nothing"), 404, "V404");
    auto wrong_method = c.Send("DELETE", "/api/coupons/1");
    ExpectError(wrong_method, 405, "V405");
    EXPECT_NE(wrong_method.Header("allow").find("GET"), std::string::npos);
    // A wrong method is 405 even without a session; a malformed id is 400 with or without one.
    ExpectError(c.Send("PUT", "/api/users/1/balance"), 405, "V405");
    for (const char* bad : {"abc", "0", "-1", "1.5", "0x10", "12345678901234567890"}) {
        ExpectError(c.Get(std::string("/api/users/") + bad + "/balance"), 400, "V001");
    }
    HttpClient user(port());
    SignUp(user);
    ExpectError(user.Get("/api/users/abc/balance"), 400, "V001");
}

TEST_F(ApiContract, SignupSetsASecureSessionCookie) {
    HttpClient c(port());
    auto r = c.Post("/api/auth/signup", R"({"email":"  Cookie.Check@Test.CO ","password":"1234"})");
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(JsonField(r.body, "email"), "cookie.check@test.co");
    EXPECT_EQ(JsonInt(r.body, "balance"), 0);
    EXPECT_GT(JsonInt(r.body, "userId"), 0);
    ASSERT_EQ(r.set_cookies.size(), 1u);
    static const std::regex kCookie(
        R"(sid=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200)");
    EXPECT_TRUE(std::regex_match(r.set_cookies[0], kCookie)) << r.set_cookies[0];
    auto me = c.Get("/api/auth/me");
    EXPECT_EQ(me.status, 200);
    EXPECT_EQ(JsonField(me.body, "email"), "cookie.check@test.co");
    HttpClient again(port());
    ExpectError(
        again.Post("/api/auth/signup", R"({"email":"cookie.check@test.co","password":"12345"})"),
        409, "A003");
}

TEST_F(ApiContract, SignupRejectsBadInput) {
    HttpClient c(port());
    for (const char* body :
         {"", "not json", "[]", "null", R"({"email":"a@b.co"})", R"({"password":"1234"})",
          R"({"email":"a@b.co","password":1234})", R"({"email":"a@b.co","password":"123"})",
          R"({"email":"nobody","password":"1234"})",
          R"({"email":"a@b.co","password":"1234","x":1})",
          R"({"email":"a@b.co","password":"1234"} trailing)",
          R"({"email":["a@b.co"],"password":"1234"})"}) {
        ExpectError(c.Post("/api/auth/signup", body), 400, "V001");
    }
    ExpectError(c.Send("POST", "/api/auth/signup", R"({"email":"a@b.co","password":"1234"})",
                       {{"Content-Type", "text/plain"}}),
                415, "V003");
    ExpectError(c.Post("/api/auth/signup", std::string(std::size_t{17} * 1024, ' ')), 413, "V013");
    HttpClient fresh(port());
    EXPECT_EQ(fresh.Get("/health").status, 200);  // still serving after all of it
}

TEST_F(ApiContract, LoginRotatesTheSessionAndLogoutEndsIt) {
    HttpClient c(port());
    auto signup = c.Post("/api/auth/signup", R"({"email":"rotate@test.co","password":"secret1"})");
    ASSERT_EQ(signup.status, 201);
    const std::string first_sid = *c.session;
    ExpectError(c.Post("/api/auth/login", R"({"email":"rotate@test.co","password":"wrong!"})"), 401,
                "A004");
    ExpectError(c.Post("/api/auth/login", R"({"email":"nobody@test.co","password":"secret1"})"),
                401, "A004");
    auto login = c.Post("/api/auth/login", R"({"email":"ROTATE@test.co","password":"secret1"})");
    ASSERT_EQ(login.status, 200) << login.body;
    ASSERT_TRUE(c.session);
    EXPECT_NE(*c.session, first_sid);
    // The old id no longer works: no fixation, no parallel sessions from one login chain.
    HttpClient old(port());
    old.session = first_sid;
    ExpectError(old.Get("/api/auth/me"), 401, "A001");
    EXPECT_EQ(c.Get("/api/auth/me").status, 200);
    auto logout = c.Post("/api/auth/logout");
    EXPECT_EQ(logout.status, 204);
    ASSERT_EQ(logout.set_cookies.size(), 1u);
    EXPECT_NE(logout.set_cookies[0].find("Max-Age=0"), std::string::npos);
    HttpClient replay(port());
    replay.session = login.set_cookies.empty() ? "" : login.set_cookies[0].substr(4, 43);
    ExpectError(replay.Get("/api/auth/me"), 401, "A001");
    // Unknown and malformed ids are never adopted.
    HttpClient forged(port());
    forged.session = std::string(43, 'A');
    ExpectError(forged.Get("/api/auth/me"), 401, "A001");
    forged.session = "short";
    ExpectError(forged.Get("/api/auth/me"), 401, "A001");
}

TEST_F(ApiContract, LoginRateLimitPerEmail) {
    HttpClient c(port());
    ASSERT_EQ(
        c.Post("/api/auth/signup", R"({"email":"limited@test.co","password":"right1"})").status,
        201);
    for (int i = 0; i < 10; ++i) {
        ExpectError(c.Post("/api/auth/login", R"({"email":"limited@test.co","password":"wrong1"})"),
                    401, "A004");
    }
    auto limited = c.Post("/api/auth/login", R"({"email":"limited@test.co","password":"right1"})");
    ExpectError(limited, 429, "A005");
    const int retry = std::atoi(limited.Header("retry-after").c_str());
    EXPECT_GE(retry, 1);
    EXPECT_LE(retry, 60);
}

TEST_F(ApiContract, BalanceBelongsToItsOwner) {
    HttpClient alice(port()), bob(port()), anonymous(port());
    const auto a = SignUp(alice);
    const auto b = SignUp(bob);
    const std::string path = "/api/users/" + std::to_string(a) + "/balance";
    ExpectError(anonymous.Get(path), 401, "A001");
    ExpectError(bob.Get(path), 403, "A002");
    ExpectError(bob.Send("PATCH", path, R"({"amount":5})"), 403, "A002");
    ExpectError(bob.Get(path + "/logs"), 403, "A002");
    ExpectError(bob.Get("/api/users/" + std::to_string(a) + "/coupons"), 403, "A002");
    ExpectError(bob.Get("/api/users/999999999/balance"), 403, "A002");  // no existence leak
    auto own = alice.Get(path);
    EXPECT_EQ(own.status, 200);
    EXPECT_EQ(JsonInt(own.body, "userId"), a);
    EXPECT_EQ(JsonInt(own.body, "balance"), 0);
    EXPECT_EQ(JsonInt(bob.Get("/api/users/" + std::to_string(b) + "/balance").body, "balance"), 0);
}

TEST_F(ApiContract, ChargeValidatesAndAppliesExactly) {
    HttpClient c(port());
    const auto id = SignUp(c);
    const std::string path = "/api/users/" + std::to_string(id) + "/balance";
    for (const char* body :
         {R"({"amount":0})", R"({"amount":-1})", R"({"amount":1.5})", R"({"amount":"5"})",
          R"({"amount":1000000001})", R"({})", R"({"amount":5,"extra":true})"}) {
        ExpectError(c.Send("PATCH", path, body), 400, "V001");
    }
    auto charged = c.Send("PATCH", path, R"({"amount":5000})");
    ASSERT_EQ(charged.status, 200) << charged.body;
    EXPECT_EQ(JsonInt(charged.body, "balance"), 5000);
    charged = c.Send("PATCH", path, R"({"amount":1000000000})");
    EXPECT_EQ(JsonInt(charged.body, "balance"), 1000005000);
    // Near the cap: 10^13 - 1 is the most a balance can hold.
    stack_->db.Sql("UPDATE users SET balance = 9999999999990 WHERE id = " + std::to_string(id));
    ExpectError(c.Send("PATCH", path, R"({"amount":10})"), 409, "B001");
    auto exact = c.Send("PATCH", path, R"({"amount":9})");
    EXPECT_EQ(JsonInt(exact.body, "balance"), 9999999999999);
}

TEST_F(ApiContract, IdempotencyKeys) {
    HttpClient c(port());
    const auto id = SignUp(c);
    const std::string path = "/api/users/" + std::to_string(id) + "/balance";
    auto first = c.Send("PATCH", path, R"({"amount":700})", {{"Idempotency-Key", "charge-1"}});
    ASSERT_EQ(first.status, 200) << first.body;
    auto second = c.Send("PATCH", path, R"({"amount":700})", {{"Idempotency-Key", "charge-1"}});
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(JsonInt(c.Get(path).body, "balance"), 700);  // charged once
    ExpectError(c.Send("PATCH", path, R"({"amount":701})", {{"Idempotency-Key", "charge-1"}}), 422,
                "B002");
    ExpectError(
        c.Send("PATCH", path, R"({"amount":1})", {{"Idempotency-Key", std::string(65, 'k')}}), 400,
        "V001");
    ExpectError(c.Send("PATCH", path, R"({"amount":1})", {{"Idempotency-Key", "has space"}}), 400,
                "V001");
    // A first request still in flight: its claim exists without an answer.
    HttpClient probe(port());
    probe.session = c.session;
    auto pending_hash = stack_->db.Sql("SELECT SHA2('charge:5', 256)");
    while (!pending_hash.empty() && (pending_hash.back() == '\n')) pending_hash.pop_back();
    stack_->db.Sql(
        "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, created_at) VALUES (" +
        std::to_string(id) + ", 'in-flight', '" + pending_hash + "', UTC_TIMESTAMP(3))");
    ExpectError(c.Send("PATCH", path, R"({"amount":5})", {{"Idempotency-Key", "in-flight"}}), 409,
                "B003");
    // Business errors are stored and replayed too.
    stack_->db.Sql("UPDATE users SET balance = 9999999999999 WHERE id = " + std::to_string(id));
    ExpectError(c.Send("PATCH", path, R"({"amount":3})", {{"Idempotency-Key", "too-much"}}), 409,
                "B001");
    stack_->db.Sql("UPDATE users SET balance = 0 WHERE id = " + std::to_string(id));
    ExpectError(c.Send("PATCH", path, R"({"amount":3})", {{"Idempotency-Key", "too-much"}}), 409,
                "B001");
    EXPECT_EQ(JsonInt(c.Get(path).body, "balance"), 0);
}

TEST_F(ApiContract, BalanceLogsPageNewestFirst) {
    HttpClient c(port());
    const auto id = SignUp(c);
    const std::string path = "/api/users/" + std::to_string(id) + "/balance";
    for (int amount : {100, 200, 300})
        ASSERT_EQ(c.Send("PATCH", path, R"({"amount":)" + std::to_string(amount) + "}").status,
                  200);
    auto page1 = c.Get(path + "/logs?limit=2");
    ASSERT_EQ(page1.status, 200) << page1.body;
    EXPECT_NE(
        page1.body.find(R"("amount":300,"beforeAmount":300,"afterAmount":600,"code":"CHARGE")"),
        std::string::npos)
        << page1.body;
    EXPECT_NE(page1.body.find(R"("amount":200)"), std::string::npos);
    EXPECT_EQ(page1.body.find(R"("amount":100)"), std::string::npos);
    const auto cursor = JsonField(page1.body, "nextCursor");
    ASSERT_FALSE(cursor.empty());
    ASSERT_NE(cursor, "null");
    auto page2 = c.Get(path + "/logs?limit=2&cursor=" + cursor);
    EXPECT_NE(page2.body.find(R"("amount":100,"beforeAmount":0,"afterAmount":100)"),
              std::string::npos)
        << page2.body;
    EXPECT_EQ(JsonField(page2.body, "nextCursor"), "null");
    for (const char* q : {"?limit=0", "?limit=101", "?limit=abc", "?cursor=xyz", "?cursor=-5"}) {
        ExpectError(c.Get(path + "/logs" + q), 400, "V001");
    }
}

TEST_F(ApiContract, CouponIssueLifecycle) {
    HttpClient anonymous(port());
    auto seed = anonymous.Get("/api/coupons/1");
    ASSERT_EQ(seed.status, 200) << seed.body;
    EXPECT_EQ(JsonField(seed.body, "name"), "TESTCOUPON");
    EXPECT_EQ(JsonInt(seed.body, "discountRate"), 15);
    EXPECT_EQ(JsonField(seed.body, "expiredAt"), "2029-12-31T23:59:59.000Z");
    ExpectError(anonymous.Get("/api/coupons/999999"), 404, "C006");
    ExpectError(anonymous.Post("/api/coupons/1/issue", "{}"), 401, "A001");

    const auto coupon = CreateCoupon(2);
    const std::string issue = "/api/coupons/" + std::to_string(coupon) + "/issue";
    HttpClient alice(port()), bob(port()), carol(port());
    const auto a = SignUp(alice);
    const auto b = SignUp(bob);
    SignUp(carol);
    ExpectError(alice.Post(issue, R"({"userId":)" + std::to_string(b) + "}"), 403, "A002");
    ExpectError(alice.Post(issue, R"({"userId":"x"})"), 400, "V001");
    auto issued = alice.Post(issue, R"({"userId":)" + std::to_string(a) + "}");
    ASSERT_EQ(issued.status, 201) << issued.body;
    EXPECT_EQ(JsonInt(issued.body, "couponId"), coupon);
    EXPECT_EQ(JsonField(issued.body, "couponName"), "FLASH");
    EXPECT_EQ(JsonInt(issued.body, "discountRate"), 10);
    EXPECT_GT(JsonInt(issued.body, "userCouponId"), 0);
    // Read-your-writes: the answered issue is visible at once.
    EXPECT_EQ(
        JsonInt(anonymous.Get("/api/coupons/" + std::to_string(coupon)).body, "issuedQuantity"), 1);
    ExpectError(alice.Post(issue), 409, "C005");
    EXPECT_EQ(bob.Post(issue).status, 201);
    EXPECT_EQ(
        JsonInt(anonymous.Get("/api/coupons/" + std::to_string(coupon)).body, "issuedQuantity"), 2);
    ExpectError(carol.Post(issue), 409, "C001");
    ExpectError(carol.Post(issue), 409, "C001");  // the sold-out fast path answers the same
    ExpectError(alice.Post(issue), 409, "C005");  // a holder asking again: C005 even when sold out
    auto mine = alice.Get("/api/users/" + std::to_string(a) + "/coupons");
    ASSERT_EQ(mine.status, 200);
    EXPECT_NE(mine.body.find(R"("couponName":"FLASH")"), std::string::npos) << mine.body;
    EXPECT_NE(mine.body.find(R"("usedAt":null)"), std::string::npos) << mine.body;

    HttpClient admin(port());
    auto audit = admin.Send("GET", "/api/admin/coupons/" + std::to_string(coupon) + "/audit", {},
                            {{"Authorization", Admin()}});
    ASSERT_EQ(audit.status, 200) << audit.body;
    EXPECT_EQ(JsonInt(audit.body, "totalQuantity"), 2);
    EXPECT_EQ(JsonInt(audit.body, "issuedQuantity"), 2);
    EXPECT_EQ(JsonInt(audit.body, "holderRows"), 2);
    EXPECT_EQ(JsonInt(audit.body, "distinctHolders"), 2);
}

TEST_F(ApiContract, ExpiredCouponsFollowThePrecedence) {
    // Expires 2 s from now: issue once before, then ask after expiry.
    const auto expires = std::chrono::system_clock::now() + std::chrono::seconds(2);
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
    char when[32];
    std::time_t t = secs;
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    const auto coupon = CreateCoupon(1, when);
    const std::string issue = "/api/coupons/" + std::to_string(coupon) + "/issue";
    HttpClient holder(port()), late(port());
    SignUp(holder);
    SignUp(late);
    ASSERT_EQ(holder.Post(issue).status, 201);
    std::this_thread::sleep_until(
        std::chrono::system_clock::time_point(std::chrono::seconds(secs + 1)));
    ExpectError(late.Post(issue), 409, "C003");    // expired and sold out → C003
    ExpectError(holder.Post(issue), 409, "C005");  // holder → C005 before C003
}

TEST_F(ApiContract, AdminRoutesNeedTheToken) {
    HttpClient c(port());
    ExpectError(c.Post("/api/admin/coupons", "not even json"), 401, "A006");
    ExpectError(c.Send("POST", "/api/admin/coupons", "{}", {{"Authorization", "Bearer wrong"}}),
                401, "A006");
    ExpectError(c.Send("GET", "/api/admin/coupons/1/audit", {}, {{"Authorization", "Basic x"}}),
                401, "A006");
    for (
        const char* body :
        {R"({"name":"X","discountRate":0,"totalQuantity":1,"expiredAt":"2030-01-01T00:00:00Z"})",
         R"({"name":"X","discountRate":101,"totalQuantity":1,"expiredAt":"2030-01-01T00:00:00Z"})",
         R"({"name":"X","discountRate":5,"totalQuantity":0,"expiredAt":"2030-01-01T00:00:00Z"})",
         R"({"name":"X","discountRate":5,"totalQuantity":10000001,"expiredAt":"2030-01-01T00:00:00Z"})",
         R"({"name":"","discountRate":5,"totalQuantity":1,"expiredAt":"2030-01-01T00:00:00Z"})",
         R"({"name":"X","discountRate":5,"totalQuantity":1,"expiredAt":"2020-01-01T00:00:00Z"})",
         R"({"name":"X","discountRate":5,"totalQuantity":1,"expiredAt":"tomorrow"})",
         R"({"name":"X","discountRate":5,"totalQuantity":1})"}) {
        ExpectError(c.Send("POST", "/api/admin/coupons", body, {{"Authorization", Admin()}}), 400,
                    "V001");
    }
    auto offset = c.Send(
        "POST", "/api/admin/coupons",
        R"({"name":"오프셋","discountRate":5,"totalQuantity":3,"expiredAt":"2031-01-01T09:00:00.5+09:00"})",
        {{"Authorization", Admin()}});
    ASSERT_EQ(offset.status, 201) << offset.body;
    EXPECT_EQ(JsonField(offset.body, "expiredAt"), "2031-01-01T00:00:00.500Z");
    EXPECT_EQ(JsonField(offset.body, "name"), "오프셋");
    ExpectError(c.Send("GET", "/api/admin/coupons/999999/audit", {}, {{"Authorization", Admin()}}),
                404, "C006");
}

TEST_F(ApiContract, ConcurrentIssuesNeverExceedTheQuantity) {
    const auto coupon = CreateCoupon(20);
    const std::string issue = "/api/coupons/" + std::to_string(coupon) + "/issue";
    constexpr int kUsers = 60;
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < kUsers; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port()));
        SignUp(*clients.back());
    }
    std::atomic<int> created{0}, sold_out{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            for (int i = t; i < kUsers; i += 6) {
                auto r = clients[i]->Post(issue);
                if (r.status == 201) {
                    ++created;
                } else if (JsonField(r.body, "errorCode") == "C001") {
                    ++sold_out;
                } else {
                    ++other;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(created.load(), 20);
    EXPECT_EQ(sold_out.load(), kUsers - 20);
    EXPECT_EQ(other.load(), 0);
    HttpClient admin(port());
    auto audit = admin.Send("GET", "/api/admin/coupons/" + std::to_string(coupon) + "/audit", {},
                            {{"Authorization", Admin()}});
    EXPECT_EQ(JsonInt(audit.body, "issuedQuantity"), 20);
    EXPECT_EQ(JsonInt(audit.body, "holderRows"), 20);
    EXPECT_EQ(JsonInt(audit.body, "distinctHolders"), 20);
}

TEST_F(ApiContract, DatabaseOutageIsA503WithoutInternals) {
    HttpClient c(port());
    const auto id = SignUp(c);
    const std::string path = "/api/users/" + std::to_string(id) + "/balance";
    stack_->db.Stop();
    auto down = c.Get(path);
    ExpectError(down, 503, "S002");
    for (const char* leak : {"SQL", "mysql", "MariaDB", "Can't connect", "errno"}) {
        EXPECT_EQ(down.body.find(leak), std::string::npos) << down.body;
    }
    EXPECT_EQ(c.Get("/health/ready").status, 503);
    EXPECT_EQ(c.Get("/health").status, 200);
    stack_->db.Start();
    // Recovery without restarting the app: the pool reconnects.
    // Polls a condition with a deadline generous for a loaded machine (not a timing criterion).
    int status = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (status != 200 && std::chrono::steady_clock::now() < give_up) {
        status = c.Get(path).status;
        if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(status, 200);
}

// Last: SIGTERM drains and exits 0.
TEST_F(ApiContract, ZzGracefulShutdownExitsCleanly) {
    stack_->StopServer();
    ASSERT_TRUE(WIFEXITED(stack_->last_exit)) << stack_->last_exit;
    EXPECT_EQ(WEXITSTATUS(stack_->last_exit), 0);
    EXPECT_NE(stack_->server().LogTail().find("stopped"), std::string::npos)
        << stack_->server().LogTail();
}

}  // namespace
}  // namespace hhplus::testing
