// Hot path of one request: parse (our Beast-based parser, and Beast's stock parser for
// comparison), route, validate a JSON body, render a JSON answer, an error, a response head.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <benchmark/benchmark.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

#include "http/error_table.hpp"
#include "http/json.hpp"
#include "http/request_parser.hpp"
#include "http/response_writer.hpp"
#include "http/router.hpp"

namespace hhplus::http {
namespace {

// What nginx forwards for a balance charge from a browser-like client.
const std::string kRequest =
    "PATCH /api/users/12345/balance HTTP/1.1\r\n"
    "Host: 127.0.0.1:3000\r\n"
    "X-Request-Id: 7f3c9a1e2b4d5c6f\r\n"
    "X-Real-IP: 10.0.0.17\r\n"
    "X-Forwarded-For: 10.0.0.17\r\n"
    "Connection: keep-alive\r\n"
    "Content-Type: application/json\r\n"
    "User-Agent: k6/0.47.0 (https://k6.io/)\r\n"
    "Accept: */*\r\n"
    "Cookie: sid=Q2xhdWRlIHdhcyBoZXJlIGFuZCBzbyB3ZXJlIHlvdSBtYXRl\r\n"
    "Idempotency-Key: 3b1f0c2e-charge-0001\r\n"
    "Content-Length: 15\r\n"
    "\r\n"
    "{\"amount\":5000}";

void BM_ParseRequest(benchmark::State& state) {
    for (auto _ : state) {
        RequestParser parser(ParserLimits{});
        boost::beast::error_code ec;
        const std::size_t used = parser.Feed(kRequest, ec);
        benchmark::DoNotOptimize(used);
        if (ec || !parser.is_done()) state.SkipWithError("parse failed");
        Request req = parser.TakeRequest();
        benchmark::DoNotOptimize(req.body.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRequest.size()));
}
BENCHMARK(BM_ParseRequest);

void BM_ParseRequestBeastStock(benchmark::State& state) {
    for (auto _ : state) {
        boost::beast::http::request_parser<boost::beast::http::string_body> parser;
        parser.eager(true);
        boost::beast::error_code ec;
        parser.put(boost::asio::buffer(kRequest), ec);
        if (ec || !parser.is_done()) state.SkipWithError("parse failed");
        auto msg = parser.release();
        benchmark::DoNotOptimize(msg.body().data());
    }
}
BENCHMARK(BM_ParseRequestBeastStock);

boost::asio::awaitable<Response> Nop(Request) { co_return Json(200, "{}"); }

Router MakeRouter() {
    Router r;
    r.Add(Method::kGet, "/health", Nop);
    r.Add(Method::kGet, "/health/ready", Nop);
    r.Add(Method::kGet, "/metrics", Nop);
    r.Add(Method::kPost, "/api/auth/signup", Nop, BodyKind::kJson);
    r.Add(Method::kPost, "/api/auth/login", Nop, BodyKind::kJson);
    r.Add(Method::kPost, "/api/auth/logout", Nop);
    r.Add(Method::kGet, "/api/auth/me", Nop);
    r.Add(Method::kGet, "/api/users/{userId}/balance", Nop);
    r.Add(Method::kPatch, "/api/users/{userId}/balance", Nop, BodyKind::kJson);
    r.Add(Method::kGet, "/api/users/{userId}/balance/logs", Nop);
    r.Add(Method::kGet, "/api/users/{userId}/coupons", Nop);
    r.Add(Method::kGet, "/api/coupons/{couponId}", Nop);
    r.Add(Method::kPost, "/api/coupons/{couponId}/issue", Nop, BodyKind::kJson);
    r.Add(Method::kPost, "/api/admin/coupons", Nop, BodyKind::kJson);
    r.Add(Method::kGet, "/api/admin/coupons/{couponId}/audit", Nop);
    return r;
}

void BM_RouteFind(benchmark::State& state) {
    const Router router = MakeRouter();
    for (auto _ : state) {
        auto m = router.Find(Method::kPost, "/api/coupons/1/issue");
        benchmark::DoNotOptimize(m.handler);
    }
}
BENCHMARK(BM_RouteFind);

void BM_RouteNotFound(benchmark::State& state) {
    const Router router = MakeRouter();
    for (auto _ : state) {
        auto m = router.Find(Method::kGet, "/api/users/1/nothing");
        benchmark::DoNotOptimize(m.kind);
    }
}
BENCHMARK(BM_RouteNotFound);

void BM_ParseObject(benchmark::State& state) {
    static constexpr Field kFields[] = {{"email", kString, kRequired, 3, 254},
                                        {"password", kString, kRequired, 4, 128}};
    const std::string body = R"({"email":"user123@example.com","password":"correct horse"})";
    for (auto _ : state) {
        auto parsed = ParseObject(body, kFields);
        benchmark::DoNotOptimize(parsed.ok());
    }
}
BENCHMARK(BM_ParseObject);

void BM_JsonWriter(benchmark::State& state) {
    for (auto _ : state) {
        JsonWriter w;
        w.StartObject()
            .Key("userCouponId")
            .Int(42)
            .Key("couponId")
            .Int(1)
            .Key("couponName")
            .String("TESTCOUPON")
            .Key("discountRate")
            .Int(15)
            .Key("issuedAt")
            .String("2026-11-25T10:00:00.123Z")
            .Key("expiredAt")
            .String("2029-12-31T23:59:59.000Z")
            .EndObject();
        std::string out = w.Finish();
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_JsonWriter);

void BM_ErrorResponse(benchmark::State& state) {
    std::int64_t now = 1'795'600'800'123;
    for (auto _ : state) {
        Response r = ErrorResponse(ErrorCode::kCouponSoldOut, ++now);
        benchmark::DoNotOptimize(r.body.data());
    }
}
BENCHMARK(BM_ErrorResponse);

void BM_SerializeHead(benchmark::State& state) {
    const Response response = Json(200, R"({"userId":12345,"balance":20000})");
    std::string head;
    head.reserve(512);
    const HeadFields fields{"7f3c9a1e2b4d5c6f",
                            "hhplus-e-commerce-app-3",
                            "Wed, 25 Nov 2026 10:00:00 GMT",
                            false,
                            false,
                            false};
    for (auto _ : state) {
        head.clear();
        const HeadResult r = SerializeHead(response, fields, head);
        benchmark::DoNotOptimize(r.body_bytes);
        benchmark::DoNotOptimize(head.data());
    }
}
BENCHMARK(BM_SerializeHead);

}  // namespace
}  // namespace hhplus::http
