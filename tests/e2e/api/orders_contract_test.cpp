// End-to-end: the products, cart, order and payment routes of api.md over HTTP, against the real
// server binary with its own redis-server ×3 and mariadbd on free loopback ports. Every new route
// and error code, the order of checks, and who may see what.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/service_stack.hpp"

namespace hhplus::testing {
namespace {

rapidjson::Document Parse(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str(), body.size());
    EXPECT_FALSE(d.HasParseError()) << body;
    return d;
}

class OrdersContract : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { stack_ = new ServiceStack(); }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }

    static std::uint16_t port() { return stack_->port(); }
    static std::map<std::string, std::string> Admin() {
        return {{"Authorization", "Bearer " + stack_->admin_token()}};
    }

    static std::int64_t SignUp(HttpClient& client) {
        static std::atomic<int> counter{0};
        const std::string email =
            "buyer" + std::to_string(counter++) + "-" + std::to_string(::getpid()) + "@test.co";
        auto r =
            client.Post("/api/auth/signup", R"({"email":")" + email + R"(","password":"1234"})");
        EXPECT_EQ(r.status, 201) << r.body;
        return JsonInt(r.body, "userId");
    }

    static void Charge(HttpClient& client, std::int64_t user, std::int64_t amount) {
        auto r = client.Send("PATCH", "/api/users/" + std::to_string(user) + "/balance",
                             R"({"amount":)" + std::to_string(amount) + "}");
        EXPECT_EQ(r.status, 200) << r.body;
    }

    // A new product with one option per {price, stock}; returns the option ids.
    static std::vector<std::int64_t> CreateProduct(
        const std::vector<std::pair<std::int64_t, std::int64_t>>& options,
        std::int64_t* product_id = nullptr) {
        HttpClient admin(port());
        std::string body = R"({"name":"E2E product","options":[)";
        for (std::size_t i = 0; i < options.size(); ++i) {
            if (i > 0) body += ",";
            body += R"({"color":"c)" + std::to_string(i) + R"(","size":"M","price":)" +
                    std::to_string(options[i].first) + R"(,"stock":)" +
                    std::to_string(options[i].second) + "}";
        }
        body += "]}";
        auto r = admin.Send("POST", "/api/admin/products", body, Admin());
        EXPECT_EQ(r.status, 201) << r.body;
        std::vector<std::int64_t> ids;
        auto d = Parse(r.body);
        for (const auto& o : d["options"].GetArray())
            ids.push_back(o["productOptionId"].GetInt64());
        if (product_id != nullptr) *product_id = d["productId"].GetInt64();
        return ids;
    }

    static std::string Items(const std::vector<std::pair<std::int64_t, std::int64_t>>& lines) {
        std::string out = R"({"items":[)";
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (i > 0) out += ",";
            out += R"({"productOptionId":)" + std::to_string(lines[i].first) + R"(,"quantity":)" +
                   std::to_string(lines[i].second) + "}";
        }
        return out + "]}";
    }

    static rapidjson::Document Audit(std::int64_t option) {
        HttpClient admin(port());
        auto r = admin.Send(
            "GET", "/api/admin/product-options/" + std::to_string(option) + "/audit", {}, Admin());
        EXPECT_EQ(r.status, 200) << r.body;
        return Parse(r.body);
    }

    static void ExpectIdentities(std::int64_t option) {
        auto a = Audit(option);
        EXPECT_EQ(
            a["initialStock"].GetInt64() + a["addedStock"].GetInt64() - a["soldUnits"].GetInt64(),
            a["stock"].GetInt64());
        EXPECT_EQ(a["reserved"].GetInt64(), a["pendingUnits"].GetInt64());
    }

    static void ExpectError(const HttpResponse& r, int status, const std::string& code) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(JsonField(r.body, "errorCode"), code) << r.body;
        static const std::regex kTimestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
        EXPECT_TRUE(std::regex_match(JsonField(r.body, "timestamp"), kTimestamp)) << r.body;
    }

    static ServiceStack* stack_;
};

ServiceStack* OrdersContract::stack_ = nullptr;

TEST_F(OrdersContract, SeedProductsAreListedAndReadable) {
    HttpClient client(port());
    auto list = client.Get("/api/products?limit=2");
    ASSERT_EQ(list.status, 200) << list.body;
    auto d = Parse(list.body);
    ASSERT_EQ(d["products"].Size(), 2u);
    EXPECT_EQ(d["products"][0]["productId"].GetInt64(), 1);
    EXPECT_STREQ(d["nextCursor"].GetString(), "2");
    auto next = Parse(client.Get("/api/products?limit=2&cursor=2").body);
    EXPECT_EQ(next["products"][0]["productId"].GetInt64(), 3);

    auto one = client.Get("/api/products/1");
    ASSERT_EQ(one.status, 200) << one.body;
    auto p = Parse(one.body);
    EXPECT_STREQ(p["name"].GetString(), "Basic T-shirt");
    const auto& option = p["options"][0];
    EXPECT_EQ(option["available"].GetInt64(),
              option["stock"].GetInt64() - option["reserved"].GetInt64());

    ExpectError(client.Get("/api/products/999999"), 404, "P001");
    ExpectError(client.Get("/api/products/abc"), 400, "V001");
    ExpectError(client.Get("/api/products?limit=0"), 400, "V001");
    ExpectError(client.Get("/api/products?limit=101"), 400, "V001");
    ExpectError(client.Get("/api/products?cursor=-1"), 400, "V001");
}

TEST_F(OrdersContract, AdminProductRoutesValidateAndNeedTheToken) {
    HttpClient admin(port());
    const std::string good =
        R"({"name":"Cap","options":[{"color":"red","size":"F","price":1000,"stock":5}]})";
    ExpectError(admin.Post("/api/admin/products", good), 401, "A006");
    ExpectError(admin.Send("POST", "/api/admin/products", good, {{"Authorization", "Bearer x"}}),
                401, "A006");
    for (
        const std::string bad : {
            R"({"name":"","options":[{"color":"red","size":"F","price":1000,"stock":5}]})",
            R"({"name":"Cap","options":[]})",
            R"({"name":"Cap","options":[{"color":"red","size":"F","price":0,"stock":5}]})",
            R"({"name":"Cap","options":[{"color":"red","size":"F","price":1000,"stock":-1}]})",
            R"({"name":"Cap","options":[{"color":"red","size":"F","price":1000}]})",
            R"({"name":"Cap","options":[{"color":"red","size":"F","price":1000,"stock":5,"x":1}]})",
            R"({"name":"Cap","options":[1]})",
            R"({"name":"Cap","options":{"color":"red"}})",
            // Two options with the same color and size: one body over two lines.
            // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
            R"({"name":"Cap","options":[{"color":"red","size":"F","price":1000,"stock":5},)"
            R"({"color":"red","size":"F","price":1000,"stock":5}]})",
        }) {
        ExpectError(admin.Send("POST", "/api/admin/products", bad, Admin()), 400, "V001");
    }
    const auto options = CreateProduct({{1000, 5}});
    const std::string stock = "/api/admin/product-options/" + std::to_string(options[0]) + "/stock";
    auto r = admin.Send("PATCH", stock, R"({"operation":"increase","quantity":3})", Admin());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(JsonInt(r.body, "stock"), 8);
    r = admin.Send("PATCH", stock, R"({"operation":"decrease","quantity":2})", Admin());
    EXPECT_EQ(JsonInt(r.body, "stock"), 6);
    r = admin.Send("PATCH", stock, R"({"operation":"set","quantity":0})", Admin());
    EXPECT_EQ(JsonInt(r.body, "stock"), 0);
    ExpectError(admin.Send("PATCH", stock, R"({"operation":"decrease","quantity":1})", Admin()),
                409, "P004");
    ExpectError(admin.Send("PATCH", stock, R"({"operation":"double","quantity":1})", Admin()), 400,
                "V001");
    ExpectError(admin.Send("PATCH", stock, R"({"operation":"increase","quantity":0})", Admin()),
                400, "V001");
    ExpectError(admin.Send("PATCH", "/api/admin/product-options/999999/stock",
                           R"({"operation":"increase","quantity":1})", Admin()),
                404, "P002");
    ExpectError(admin.Send("GET", "/api/admin/product-options/999999/audit", {}, Admin()), 404,
                "P002");
    auto a = Audit(options[0]);
    EXPECT_EQ(a["initialStock"].GetInt64(), 5);
    EXPECT_EQ(a["addedStock"].GetInt64(), -5);
    ExpectIdentities(options[0]);
}

TEST_F(OrdersContract, CartBelongsToItsOwner) {
    HttpClient alice(port()), bob(port()), anonymous(port());
    const auto a = SignUp(alice);
    SignUp(bob);
    const std::string cart = "/api/users/" + std::to_string(a) + "/cart";
    ExpectError(anonymous.Get(cart), 401, "A001");
    ExpectError(bob.Get(cart), 403, "A002");
    ExpectError(bob.Post(cart, R"({"productOptionId":1,"quantity":1})"), 403, "A002");
    ExpectError(bob.Send("DELETE", cart + "/1"), 403, "A002");
    ExpectError(bob.Get("/api/users/999999/cart"), 403, "A002");  // no existence leak

    auto r = alice.Post(cart, R"({"productOptionId":2,"quantity":3})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = alice.Post(cart, R"({"productOptionId":2,"quantity":1})");  // sets, does not add
    auto d = Parse(r.body);
    ASSERT_EQ(d["items"].Size(), 1u);
    EXPECT_EQ(d["items"][0]["quantity"].GetInt64(), 1);
    EXPECT_EQ(d["items"][0]["price"].GetInt64(), 19000);
    ExpectError(alice.Post(cart, R"({"productOptionId":999999,"quantity":1})"), 404, "P002");
    ExpectError(alice.Post(cart, R"({"productOptionId":2,"quantity":0})"), 400, "V001");
    ExpectError(alice.Post(cart, R"({"productOptionId":2,"quantity":101})"), 400, "V001");
    r = alice.Send("DELETE", cart + "/2");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Parse(r.body)["items"].Size(), 0u);
    EXPECT_EQ(alice.Send("DELETE", cart + "/2").status, 200);  // idempotent
}

TEST_F(OrdersContract, OrderValidationAndRefusalsReserveNothing) {
    HttpClient buyer(port()), anonymous(port());
    SignUp(buyer);
    const auto options = CreateProduct({{1000, 2}, {500, 10}});
    ExpectError(anonymous.Post("/api/orders", Items({{options[0], 1}})), 401, "A001");
    for (const std::string& bad : {
             std::string(R"({"items":[]})"),
             std::string(R"({})"),
             Items({{options[0], 0}}),
             Items({{options[0], 101}}),
             Items({{options[0], 1}, {options[0], 1}}),
             std::string(R"({"items":[{"productOptionId":1}]})"),
             std::string(R"({"items":[{"productOptionId":1,"quantity":1}],"couponId":0})"),
             std::string(R"({"items":[{"productOptionId":1,"quantity":1}],"note":"x"})"),
         }) {
        ExpectError(buyer.Post("/api/orders", bad), 400, "V001");
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> many;
    for (int i = 1; i <= 21; ++i) many.emplace_back(i, 1);
    ExpectError(buyer.Post("/api/orders", Items(many)), 400, "V001");
    ExpectError(buyer.Post("/api/orders", Items({{999999, 1}})), 404, "P002");
    // The second line cannot be served: the whole order is refused and nothing stays reserved.
    ExpectError(buyer.Post("/api/orders", Items({{options[1], 1}, {options[0], 3}})), 409, "P003");
    EXPECT_EQ(Audit(options[0])["reserved"].GetInt64(), 0);
    EXPECT_EQ(Audit(options[1])["reserved"].GetInt64(), 0);
    // Coupons: unknown, not held.
    auto r =
        buyer.Post("/api/orders", R"({"items":[{"productOptionId":)" + std::to_string(options[0]) +
                                      R"(,"quantity":1}],"couponId":999999})");
    ExpectError(r, 404, "C006");
    HttpClient admin(port());
    auto coupon = admin.Send("POST", "/api/admin/coupons",
                             R"({"name":"ORD","discountRate":10,"totalQuantity":5,)"
                             R"("expiredAt":"2030-01-01T00:00:00Z"})",
                             Admin());
    ASSERT_EQ(coupon.status, 201) << coupon.body;
    r = buyer.Post("/api/orders", R"({"items":[{"productOptionId":)" + std::to_string(options[0]) +
                                      R"(,"quantity":1}],"couponId":)" +
                                      std::to_string(JsonInt(coupon.body, "couponId")) + "}");
    ExpectError(r, 409, "C007");
    ExpectIdentities(options[0]);
}

TEST_F(OrdersContract, OrderAndPaymentWithACoupon) {
    HttpClient buyer(port()), other(port()), admin(port());
    const auto user = SignUp(buyer);
    SignUp(other);
    Charge(buyer, user, 100'000);
    const auto options = CreateProduct({{10'000, 5}, {3'333, 5}});
    auto coupon = admin.Send("POST", "/api/admin/coupons",
                             R"({"name":"PAY","discountRate":15,"totalQuantity":5,)"
                             R"("expiredAt":"2030-01-01T00:00:00Z"})",
                             Admin());
    const auto coupon_id = JsonInt(coupon.body, "couponId");
    ASSERT_EQ(buyer.Post("/api/coupons/" + std::to_string(coupon_id) + "/issue").status, 201);

    // Lines in descending option order come back ascending.
    auto r = buyer.Post("/api/orders",
                        R"({"items":[{"productOptionId":)" + std::to_string(options[1]) +
                            R"(,"quantity":3},{"productOptionId":)" + std::to_string(options[0]) +
                            R"(,"quantity":2}],"couponId":)" + std::to_string(coupon_id) + "}");
    ASSERT_EQ(r.status, 201) << r.body;
    auto order = Parse(r.body);
    const auto order_id = order["orderId"].GetInt64();
    EXPECT_STREQ(order["status"].GetString(), "PENDING");
    EXPECT_EQ(order["items"][0]["productOptionId"].GetInt64(), options[0]);
    EXPECT_EQ(order["totalAmount"].GetInt64(), 2 * 10'000 + 3 * 3'333);                  // 29,999
    EXPECT_EQ(order["discountAmount"].GetInt64(), (2 * 10'000 + 3 * 3'333) * 15 / 100);  // 4,499
    EXPECT_EQ(order["finalAmount"].GetInt64(), 29'999 - 4'499);
    EXPECT_TRUE(order["paidAt"].IsNull());
    EXPECT_EQ(Audit(options[0])["reserved"].GetInt64(), 2);

    const std::string target = "/api/orders/" + std::to_string(order_id);
    EXPECT_EQ(buyer.Get(target).status, 200);
    ExpectError(other.Get(target), 404, "O001");  // another user's order looks missing
    ExpectError(other.Post(target + "/payment"), 404, "O001");
    ExpectError(buyer.Get("/api/orders/999999"), 404, "O001");
    ExpectError(buyer.Send("POST", target + "/payment", "{}", {{"Idempotency-Key", ""}}), 400,
                "V001");

    r = buyer.Send("POST", target + "/payment", {}, {{"Idempotency-Key", "pay-1"}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto paid = Parse(r.body);
    EXPECT_STREQ(paid["status"].GetString(), "PAID");
    EXPECT_EQ(paid["balance"].GetInt64(), 100'000 - 25'500);
    EXPECT_TRUE(paid["paidAt"].IsString());
    // Same key: the same answer, paid once. No key: already paid.
    auto replay = buyer.Send("POST", target + "/payment", {}, {{"Idempotency-Key", "pay-1"}});
    EXPECT_EQ(replay.status, 200);
    EXPECT_EQ(Parse(replay.body)["balance"].GetInt64(), 100'000 - 25'500);
    ExpectError(buyer.Post(target + "/payment"), 409, "O002");
    // The key names this order's payment: reused for a charge it is a different request.
    ExpectError(buyer.Send("PATCH", "/api/users/" + std::to_string(user) + "/balance",
                           R"({"amount":1})", {{"Idempotency-Key", "pay-1"}}),
                422, "B002");

    auto balance = Parse(buyer.Get("/api/users/" + std::to_string(user) + "/balance").body);
    EXPECT_EQ(balance["balance"].GetInt64(), 74'500);
    auto logs = Parse(buyer.Get("/api/users/" + std::to_string(user) + "/balance/logs").body);
    EXPECT_STREQ(logs["logs"][0]["code"].GetString(), "PAYMENT");
    EXPECT_EQ(logs["logs"][0]["amount"].GetInt64(), -25'500);
    auto audit = Parse(
        admin
            .Send("GET", "/api/admin/users/" + std::to_string(user) + "/balance-audit", {}, Admin())
            .body);
    EXPECT_EQ(audit["charged"].GetInt64() - audit["paid"].GetInt64(), audit["balance"].GetInt64());
    EXPECT_EQ(Audit(options[0])["soldUnits"].GetInt64(), 2);
    EXPECT_EQ(Audit(options[0])["stock"].GetInt64(), 3);
    ExpectIdentities(options[0]);
    ExpectIdentities(options[1]);
    auto coupons = buyer.Get("/api/users/" + std::to_string(user) + "/coupons");
    EXPECT_NE(coupons.body.find("\"usedAt\":\"20"), std::string::npos) << coupons.body;

    // The coupon is used: a new order naming it is refused.
    r = buyer.Post("/api/orders", R"({"items":[{"productOptionId":)" + std::to_string(options[0]) +
                                      R"(,"quantity":1}],"couponId":)" + std::to_string(coupon_id) +
                                      "}");
    ExpectError(r, 409, "C008");
}

TEST_F(OrdersContract, PaymentRefusalsRollEverythingBack) {
    HttpClient buyer(port());
    const auto user = SignUp(buyer);
    Charge(buyer, user, 1'000);
    const auto options = CreateProduct({{5'000, 3}});
    auto r = buyer.Post("/api/orders", Items({{options[0], 1}}));
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string pay =
        "/api/orders/" + std::to_string(JsonInt(r.body, "orderId")) + "/payment";
    ExpectError(buyer.Post(pay), 409, "B004");
    // A refusal with a key is stored and replayed, as for charges.
    ExpectError(buyer.Send("POST", pay, {}, {{"Idempotency-Key", "low"}}), 409, "B004");
    Charge(buyer, user, 10'000);
    ExpectError(buyer.Send("POST", pay, {}, {{"Idempotency-Key", "low"}}), 409, "B004");
    auto a = Audit(options[0]);
    EXPECT_EQ(a["reserved"].GetInt64(), 1);
    EXPECT_EQ(a["soldUnits"].GetInt64(), 0);
    // With money and a new key it pays.
    r = buyer.Send("POST", pay, {}, {{"Idempotency-Key", "enough"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(JsonInt(r.body, "balance"), 11'000 - 5'000);
    ExpectIdentities(options[0]);
}

TEST_F(OrdersContract, OrdersListNewestFirstForTheirOwnerOnly) {
    HttpClient buyer(port()), other(port());
    const auto user = SignUp(buyer);
    SignUp(other);
    const auto options = CreateProduct({{100, 50}});
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) {
        auto r = buyer.Post("/api/orders", Items({{options[0], 1}}));
        ASSERT_EQ(r.status, 201) << r.body;
        ids.push_back(JsonInt(r.body, "orderId"));
    }
    const std::string list = "/api/users/" + std::to_string(user) + "/orders";
    ExpectError(other.Get(list), 403, "A002");
    auto page = Parse(buyer.Get(list + "?limit=2").body);
    ASSERT_EQ(page["orders"].Size(), 2u);
    EXPECT_EQ(page["orders"][0]["orderId"].GetInt64(), ids[2]);
    EXPECT_EQ(page["orders"][1]["orderId"].GetInt64(), ids[1]);
    const std::string cursor = page["nextCursor"].GetString();
    auto last = Parse(buyer.Get(list + "?limit=2&cursor=" + cursor).body);
    ASSERT_EQ(last["orders"].Size(), 1u);
    EXPECT_EQ(last["orders"][0]["orderId"].GetInt64(), ids[0]);
    EXPECT_TRUE(last["nextCursor"].IsNull());
    ExpectError(buyer.Get(list + "?limit=0"), 400, "V001");
}

TEST_F(OrdersContract, ConcurrentOrdersNeverOversellAndEveryPaymentIsCounted) {
    const auto options = CreateProduct({{1'000, 10}});
    constexpr int kBuyers = 30;
    std::atomic<int> placed{0}, sold_out{0}, paid{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kBuyers; ++i) {
        threads.emplace_back([&] {
            HttpClient client(port());
            const auto user = SignUp(client);
            Charge(client, user, 5'000);
            auto r = client.Post("/api/orders", Items({{options[0], 1}}));
            if (r.status == 201) {
                ++placed;
                auto p = client.Post("/api/orders/" + std::to_string(JsonInt(r.body, "orderId")) +
                                     "/payment");
                (p.status == 200 ? paid : other)++;
            } else if (JsonField(r.body, "errorCode") == "P003") {
                ++sold_out;
            } else {
                ++other;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(placed.load(), 10);
    EXPECT_EQ(sold_out.load(), kBuyers - 10);
    EXPECT_EQ(paid.load(), 10);
    EXPECT_EQ(other.load(), 0);
    auto a = Audit(options[0]);
    EXPECT_EQ(a["soldUnits"].GetInt64(), 10);
    EXPECT_EQ(a["stock"].GetInt64(), 0);
    ExpectIdentities(options[0]);
}

TEST_F(OrdersContract, PaidOrdersReachTheBestSellers) {
    HttpClient buyer(port());
    const auto user = SignUp(buyer);
    Charge(buyer, user, 100'000);
    std::int64_t hot_product = 0, cold_product = 0;
    const auto hot = CreateProduct({{100, 50}}, &hot_product).at(0);
    const auto cold = CreateProduct({{100, 50}}, &cold_product).at(0);
    for (const auto& [option, quantity] :
         std::vector<std::pair<std::int64_t, std::int64_t>>{{hot, 3}, {cold, 1}, {hot, 2}}) {
        auto r = buyer.Post("/api/orders", Items({{option, quantity}}));
        ASSERT_EQ(r.status, 201) << r.body;
        auto p =
            buyer.Post("/api/orders/" + std::to_string(JsonInt(r.body, "orderId")) + "/payment");
        ASSERT_EQ(p.status, 200) << p.body;
    }
    HttpClient anonymous(port());
    ASSERT_NE(hot_product, 0);
    ASSERT_NE(cold_product, 0);
    // The ranking is a projection fed through the outbox and a stream: poll, with a deadline
    // generous for a loaded machine (the payment wakes the relay).
    std::int64_t hot_units = 0, cold_units = 0, hot_rank = 0, cold_rank = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = anonymous.Get("/api/products/top?count=50&days=1");
        ASSERT_EQ(r.status, 200) << r.body;
        auto d = Parse(r.body);
        EXPECT_EQ(d["days"].GetInt64(), 1);
        for (const auto& p : d["products"].GetArray()) {
            if (p["productId"].GetInt64() == hot_product) {
                hot_units = p["soldUnits"].GetInt64();
                hot_rank = p["rank"].GetInt64();
            }
            if (p["productId"].GetInt64() == cold_product) {
                cold_units = p["soldUnits"].GetInt64();
                cold_rank = p["rank"].GetInt64();
            }
        }
        if (hot_units == 5 && cold_units == 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(hot_units, 5);
    EXPECT_EQ(cold_units, 1);
    EXPECT_LT(hot_rank, cold_rank);
    ExpectError(anonymous.Get("/api/products/top?count=0"), 400, "V001");
    ExpectError(anonymous.Get("/api/products/top?count=51"), 400, "V001");
    ExpectError(anonymous.Get("/api/products/top?days=31"), 400, "V001");
    EXPECT_EQ(anonymous.Get("/api/products/top").status, 200);
}

TEST_F(OrdersContract, MethodsAndRoutes) {
    HttpClient client(port());
    ExpectError(client.Send("DELETE", "/api/orders/1"), 405, "V405");
    ExpectError(client.Send("PUT", "/api/products"), 405, "V405");
    ExpectError(client.Send("GET", "/api/orders/1/payment"), 405, "V405");
    ExpectError(client.Send("POST", "/api/orders", "x", {{"Content-Type", "text/plain"}}), 415,
                "V003");
    ExpectError(client.Get("/api/orders/abc"), 400, "V001");
}

}  // namespace
}  // namespace hhplus::testing
