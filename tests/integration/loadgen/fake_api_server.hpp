#pragma once
// A tiny in-process HTTP/1.1 server (Beast, its own io_context thread, 127.0.0.1 port 0) that
// answers the few routes the load generator's scenarios use, with canned JSON, a real session
// cookie and a limited coupon: enough to check iteration counts, cookies, keep-alive, the
// invariant check and exit codes without the real service.
#include <atomic>
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hhplus::loadgen::testing {

class FakeApiServer {
  public:
    struct Config {
        std::int64_t coupon_quantity = 100;
        std::string admin_token = "admin-secret";
        std::int64_t audit_extra_issued = 0;  // > 0: the audit lies (invariant violation)
        std::int64_t audit_extra_sold = 0;    // > 0: the option audit lies (order-rush)
    };

    explicit FakeApiServer(Config config) : config_(std::move(config)), acceptor_(io_) {
        namespace asio = boost::asio;
        asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(io_, Accept(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FakeApiServer() {
        io_.stop();
        thread_.join();
    }
    FakeApiServer(const FakeApiServer&) = delete;
    FakeApiServer& operator=(const FakeApiServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

    std::int64_t Count(const std::string& route) const {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = counts_.find(route);
        return it == counts_.end() ? 0 : it->second;
    }
    std::int64_t Connections() const { return connections_.load(); }
    std::int64_t Requests() const { return requests_.load(); }
    std::int64_t Issued() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return issued_;
    }
    std::int64_t SoldUnits() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return sold_;
    }

  private:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    boost::asio::awaitable<void> Accept() {
        namespace asio = boost::asio;
        for (;;) {
            boost::system::error_code ec;
            asio::ip::tcp::socket socket =
                co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            ++connections_;
            asio::co_spawn(io_, Session(std::move(socket)), asio::detached);
        }
    }

    boost::asio::awaitable<void> Session(boost::asio::ip::tcp::socket socket) {
        namespace asio = boost::asio;
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        for (;;) {
            Request req;
            boost::system::error_code ec;
            co_await http::async_read(socket, buffer, req,
                                      asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            ++requests_;
            Response res = Handle(req);
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
            if (ec || !req.keep_alive()) co_return;
        }
    }

    static std::string CookieValue(const Request& req, const std::string& name) {
        auto it = req.find(boost::beast::http::field::cookie);
        if (it == req.end()) return "";
        std::string cookies(it->value());
        std::size_t pos = cookies.find(name + "=");
        if (pos == std::string::npos) return "";
        std::size_t end = cookies.find(';', pos);
        return cookies.substr(pos + name.size() + 1, end == std::string::npos
                                                         ? std::string::npos
                                                         : end - pos - name.size() - 1);
    }

    Response Json(const Request& req, unsigned status, std::string body) {
        Response res{static_cast<boost::beast::http::status>(status), req.version()};
        res.set(boost::beast::http::field::content_type, "application/json; charset=utf-8");
        res.set("X-Instance", (requests_.load() % 2 == 0) ? "fake-app-1" : "fake-app-2");
        res.body() = std::move(body);
        return res;
    }

    Response Error(const Request& req, unsigned status, const std::string& code) {
        return Json(req, status,
                    "{\"errorCode\":\"" + code +
                        "\",\"message\":\"x\",\"timestamp\":\"2026-11-25T10:00:00.000Z\"}");
    }

    void Bump(const std::string& route) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++counts_[route];
    }

    Response Handle(const Request& req) {
        namespace http = boost::beast::http;
        const std::string target(req.target());
        if (req.method() == http::verb::get && target == "/health") {
            Bump("health");
            return Json(req, 200, R"({"status":"ok"})");
        }
        if (req.method() == http::verb::post && target == "/api/auth/signup") {
            Bump("signup");
            std::int64_t id = 0;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                id = ++users_;
                sessions_["s" + std::to_string(id)] = id;
            }
            Response res =
                Json(req, 201,
                     "{\"userId\":" + std::to_string(id) + ",\"email\":\"x@y.z\",\"balance\":0}");
            res.set(http::field::set_cookie, "sid=s" + std::to_string(id) +
                                                 "; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200");
            return res;
        }
        std::int64_t user = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = sessions_.find(CookieValue(req, "sid"));
            if (it != sessions_.end()) user = it->second;
        }
        if (req.method() == http::verb::get && target == "/api/auth/me") {
            Bump("me");
            if (user == 0) return Error(req, 401, "A001");
            return Json(req, 200, "{\"userId\":" + std::to_string(user) + ",\"email\":\"x@y.z\"}");
        }
        if (req.method() == http::verb::post && target == "/api/admin/coupons") {
            Bump("admin-create");
            if (std::string(req[http::field::authorization]) != "Bearer " + config_.admin_token)
                return Error(req, 401, "A006");
            const std::string& body = req.body();
            std::size_t pos = body.find("\"totalQuantity\":");
            if (pos != std::string::npos) {
                std::lock_guard<std::mutex> lock(mutex_);
                config_.coupon_quantity = std::atoll(body.c_str() + pos + 16);
            }
            return Json(req, 201,
                        "{\"couponId\":7,\"name\":\"LOAD\",\"discountRate\":15,\"totalQuantity\":" +
                            std::to_string(config_.coupon_quantity) + ",\"issuedQuantity\":0}");
        }
        if (req.method() == http::verb::get && target == "/api/admin/coupons/7/audit") {
            Bump("audit");
            std::lock_guard<std::mutex> lock(mutex_);
            const std::int64_t issued = issued_ + config_.audit_extra_issued;
            return Json(
                req, 200,
                "{\"couponId\":7,\"totalQuantity\":" + std::to_string(config_.coupon_quantity) +
                    ",\"issuedQuantity\":" + std::to_string(issued) +
                    ",\"holderRows\":" + std::to_string(issued) +
                    ",\"distinctHolders\":" + std::to_string(issued) + "}");
        }
        if (req.method() == http::verb::get &&
            (target == "/api/coupons/1" || target == "/api/coupons/7")) {
            Bump("coupon");
            return Json(
                req, 200,
                R"({"couponId":1,"name":"TESTCOUPON","discountRate":15,"totalQuantity":100,"issuedQuantity":0})");
        }
        if (req.method() == http::verb::post &&
            (target == "/api/coupons/1/issue" || target == "/api/coupons/7/issue")) {
            Bump("issue");
            if (user == 0) return Error(req, 401, "A001");
            if (req.body() != "{\"userId\":" + std::to_string(user) + "}")
                return Error(req, 403, "A002");
            std::lock_guard<std::mutex> lock(mutex_);
            if (holders_.count(user) > 0) return Error(req, 409, "C005");
            if (issued_ >= config_.coupon_quantity) return Error(req, 409, "C001");
            ++issued_;
            holders_[user] = true;
            return Json(req, 201,
                        "{\"userCouponId\":" + std::to_string(issued_) + ",\"couponId\":7}");
        }
        if (auto r = HandleOrders(req, target, user)) return *r;
        if (target == "/") {
            Bump("root");
            return Json(req, 200, "{}");
        }
        return Error(req, 404, "V404");
    }

    // The order routes of docs/api.md ("Products, cart, orders and payment"), enough for
    // order-rush: one product with one option (id 11), balances, orders of that option, payment
    // and the two audits. Orders never expire here.
    static std::int64_t Field(const std::string& body, const std::string& name) {
        const std::size_t pos = body.find("\"" + name + "\":");
        return pos == std::string::npos ? -1 : std::atoll(body.c_str() + pos + name.size() + 3);
    }
    static std::int64_t PathId(const std::string& target, const std::string& prefix) {
        return target.rfind(prefix, 0) == 0 ? std::atoll(target.c_str() + prefix.size()) : 0;
    }

    std::optional<Response> HandleOrders(const Request& req, const std::string& target,
                                         std::int64_t user) {
        namespace http = boost::beast::http;
        const bool admin =
            std::string(req[http::field::authorization]) == "Bearer " + config_.admin_token;
        const auto ends_with = [&target](const std::string& tail) {
            return target.size() > tail.size() &&
                   target.compare(target.size() - tail.size(), tail.size(), tail) == 0;
        };
        std::lock_guard<std::mutex> lock(mutex_);
        if (req.method() == http::verb::post && target == "/api/admin/products") {
            ++counts_["admin-product"];
            if (!admin) return Error(req, 401, "A006");
            initial_stock_ = Field(req.body(), "stock");
            price_ = Field(req.body(), "price");
            return Json(req, 201,
                        "{\"productId\":3,\"name\":\"LOAD\",\"options\":[{\"productOptionId\":"
                        "11,\"price\":" +
                            std::to_string(price_) +
                            ",\"stock\":" + std::to_string(initial_stock_) + "}]}");
        }
        if (req.method() == http::verb::patch && PathId(target, "/api/users/") > 0 &&
            ends_with("/balance")) {
            ++counts_["charge"];
            if (user == 0) return Error(req, 401, "A001");
            if (PathId(target, "/api/users/") != user) return Error(req, 403, "A002");
            balances_[user] += Field(req.body(), "amount");
            charged_[user] += Field(req.body(), "amount");
            return Json(req, 200,
                        "{\"userId\":" + std::to_string(user) +
                            ",\"balance\":" + std::to_string(balances_[user]) + "}");
        }
        if (req.method() == http::verb::post && target == "/api/orders") {
            ++counts_["order"];
            if (user == 0) return Error(req, 401, "A001");
            if (Field(req.body(), "productOptionId") != 11) return Error(req, 404, "P002");
            const std::int64_t q = Field(req.body(), "quantity");
            if (initial_stock_ - sold_ - reserved_ < q) return Error(req, 409, "P003");
            const std::int64_t coupon = Field(req.body(), "couponId");
            if (coupon > 0 && holders_.count(user) == 0) return Error(req, 409, "C007");
            reserved_ += q;
            const std::int64_t total = price_ * q;
            const std::int64_t final_amount = coupon > 0 ? total - total * 15 / 100 : total;
            const std::int64_t id = static_cast<std::int64_t>(orders_.size()) + 1;
            orders_.push_back(Order{user, q, final_amount, false});
            return Json(req, 201,
                        "{\"orderId\":" + std::to_string(id) +
                            ",\"status\":\"PENDING\","
                            "\"totalAmount\":" +
                            std::to_string(total) +
                            ",\"finalAmount\":" + std::to_string(final_amount) + "}");
        }
        if (req.method() == http::verb::post && PathId(target, "/api/orders/") > 0 &&
            ends_with("/payment")) {
            ++counts_["payment"];
            if (user == 0) return Error(req, 401, "A001");
            const std::int64_t id = PathId(target, "/api/orders/");
            if (id > static_cast<std::int64_t>(orders_.size()) || orders_[id - 1].user != user)
                return Error(req, 404, "O001");
            Order& o = orders_[id - 1];
            if (o.paid) return Error(req, 409, "O002");
            if (balances_[user] < o.final_amount) return Error(req, 409, "B004");
            balances_[user] -= o.final_amount;
            paid_[user] += o.final_amount;
            reserved_ -= o.quantity;
            sold_ += o.quantity;
            o.paid = true;
            return Json(req, 200,
                        "{\"orderId\":" + std::to_string(id) + ",\"status\":\"PAID\",\"balance\":" +
                            std::to_string(balances_[user]) + "}");
        }
        if (req.method() == http::verb::get && target == "/api/admin/product-options/11/audit") {
            ++counts_["option-audit"];
            if (!admin) return Error(req, 401, "A006");
            const std::int64_t sold = sold_ + config_.audit_extra_sold;
            return Json(
                req, 200,
                "{\"productOptionId\":11,\"initialStock\":" + std::to_string(initial_stock_) +
                    ",\"addedStock\":0,\"stock\":" + std::to_string(initial_stock_ - sold) +
                    ",\"reserved\":" + std::to_string(reserved_) + ",\"soldUnits\":" +
                    std::to_string(sold) + ",\"pendingUnits\":" + std::to_string(reserved_) + "}");
        }
        if (req.method() == http::verb::get && PathId(target, "/api/admin/users/") > 0 &&
            ends_with("/balance-audit")) {
            ++counts_["balance-audit"];
            if (!admin) return Error(req, 401, "A006");
            const std::int64_t id = PathId(target, "/api/admin/users/");
            return Json(req, 200,
                        "{\"userId\":" + std::to_string(id) +
                            ",\"balance\":" + std::to_string(balances_[id]) +
                            ",\"charged\":" + std::to_string(charged_[id]) +
                            ",\"paid\":" + std::to_string(paid_[id]) + "}");
        }
        return std::nullopt;
    }

    struct Order {
        std::int64_t user = 0;
        std::int64_t quantity = 0;
        std::int64_t final_amount = 0;
        bool paid = false;
    };

    Config config_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::map<std::string, std::int64_t> counts_;
    std::map<std::string, std::int64_t> sessions_;
    std::map<std::int64_t, bool> holders_;
    std::int64_t users_ = 0;
    std::int64_t issued_ = 0;
    std::int64_t initial_stock_ = 0;
    std::int64_t price_ = 0;
    std::int64_t reserved_ = 0;
    std::int64_t sold_ = 0;
    std::vector<Order> orders_;
    std::map<std::int64_t, std::int64_t> balances_;
    std::map<std::int64_t, std::int64_t> charged_;
    std::map<std::int64_t, std::int64_t> paid_;
    std::atomic<std::int64_t> connections_{0};
    std::atomic<std::int64_t> requests_{0};
};

}  // namespace hhplus::loadgen::testing
