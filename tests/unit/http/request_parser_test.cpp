#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>
#include <string>

namespace hhplus::http {
namespace {

struct Parsed {
    ParseFailure failure = ParseFailure::kNone;
    bool done = false;
    bool need_more = false;
};

// Feeds `text` in pieces of `step` bytes, as a socket might deliver it.
Parsed Parse(RequestParser& p, std::string_view text, std::size_t step = 1 << 20) {
    Parsed out;
    std::string pending;
    for (std::size_t pos = 0; pos < text.size(); pos += step) {
        pending.append(text.substr(pos, step));
        for (;;) {
            boost::beast::error_code ec;
            const std::size_t used = p.Feed(pending, ec);
            pending.erase(0, used);
            if (ec == boost::beast::http::error::need_more) break;
            if (ec) {
                out.failure = p.Classify(ec);
                return out;
            }
            if (p.is_done()) {
                out.done = true;
                return out;
            }
            if (used == 0) break;
        }
    }
    out.need_more = true;
    return out;
}

TEST(RequestParser, ParsesATypicalRequest) {
    RequestParser p(ParserLimits{});
    const auto r = Parse(p,
                         "PATCH /api/users/1/balance?x=1 HTTP/1.1\r\nHost: a\r\n"
                         "Content-Type: application/json\r\nX-Request-Id: abc\r\n"
                         "Content-Length: 15\r\n\r\n{\"amount\":5000}");
    ASSERT_TRUE(r.done);
    EXPECT_EQ(p.method(), Method::kPatch);
    EXPECT_EQ(p.target(), "/api/users/1/balance?x=1");
    EXPECT_EQ(p.version(), 11);
    EXPECT_TRUE(p.keep_alive());
    const Request req = p.TakeRequest();
    EXPECT_EQ(req.body, "{\"amount\":5000}");
    EXPECT_EQ(req.Header("content-type"), "application/json");
    EXPECT_EQ(req.Header("x-request-id"), "abc");
    EXPECT_EQ(req.Header("host"), "a");
}

TEST(RequestParser, ByteByByteAndChunked) {
    RequestParser p(ParserLimits{});
    const auto r = Parse(p,
                         "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                         1);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(p.TakeRequest().body, "abcde");
}

// Found by hhplus-fuzz: a chunked body made of the last chunk only, "0\r\n" arriving alone
// and then one byte at a time, tripped an assertion inside Beast 1.74 (abort in debug builds).
TEST(RequestParser, LastChunkFirstArrivingByteByByte) {
    const std::string head = "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const std::string body : {"0\r\n\r\n", "0\r\nX-T: 1\r\n\r\n"}) {
        for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
            RequestParser p(ParserLimits{});
            // The head and "0\r\n" in one read, the rest in `step`-byte reads.
            boost::beast::error_code ec;
            std::string pending = head + "0\r\n";
            pending.erase(0, p.Feed(pending, ec));
            ASSERT_TRUE(!ec || ec == boost::beast::http::error::need_more) << ec.message();
            const std::string rest = body.substr(3);
            bool done = p.is_done();
            for (std::size_t pos = 0; pos < rest.size() && !done; pos += step) {
                pending += rest.substr(pos, step);
                ec = {};
                pending.erase(0, p.Feed(pending, ec));
                ASSERT_TRUE(!ec || ec == boost::beast::http::error::need_more) << ec.message();
                done = p.is_done();
            }
            EXPECT_TRUE(done) << "step " << step;
            EXPECT_EQ(p.TakeRequest().body, "");
        }
        // The byte-by-byte path of the other tests, too.
        RequestParser q(ParserLimits{});
        EXPECT_TRUE(Parse(q, head + body, 1).done);
    }
}

TEST(RequestParser, HttpTen) {
    RequestParser p(ParserLimits{});
    ASSERT_TRUE(Parse(p, "GET / HTTP/1.0\r\n\r\n").done);
    EXPECT_FALSE(p.keep_alive());
    RequestParser q(ParserLimits{});
    ASSERT_TRUE(Parse(q, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").done);
    EXPECT_TRUE(q.keep_alive());
    EXPECT_EQ(q.version(), 10);
}

TEST(RequestParser, ExpectContinue) {
    RequestParser p(ParserLimits{});
    const auto r =
        Parse(p, "POST /e HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n");
    EXPECT_TRUE(r.need_more);
    EXPECT_TRUE(p.is_header_done());
    EXPECT_TRUE(p.expects_continue());
}

TEST(RequestParser, RequestLineLimit) {
    const std::string ok_target = "/" + std::string(8 * 1024 - 14, 'a');  // line = 8 KiB exactly
    RequestParser ok(ParserLimits{});
    EXPECT_TRUE(Parse(ok, "GET " + ok_target + " HTTP/1.1\r\n\r\n").done);

    RequestParser over(ParserLimits{});
    EXPECT_EQ(Parse(over, "GET " + ok_target + "a HTTP/1.1\r\n\r\n").failure,
              ParseFailure::kRequestLineTooLong);

    // So long that Beast gives up before the line ends (no CRLF within its limit).
    RequestParser huge(ParserLimits{});
    EXPECT_EQ(Parse(huge, "GET /" + std::string(std::size_t{40} * 1024, 'a'), 1000).failure,
              ParseFailure::kRequestLineTooLong);
}

TEST(RequestParser, HeaderLimit) {
    // 9 fields of ~1 KiB: over 8 KiB in total, each one fine.
    std::string many = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 9; ++i) {
        many += "X-F" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
    }
    many += "\r\n";
    RequestParser p(ParserLimits{});
    EXPECT_EQ(Parse(p, many).failure, ParseFailure::kHeadersTooLarge);
    RequestParser bytewise(ParserLimits{});
    EXPECT_EQ(Parse(bytewise, many, 7).failure, ParseFailure::kHeadersTooLarge);

    // One field far beyond every limit, never terminated.
    RequestParser one(ParserLimits{});
    EXPECT_EQ(
        Parse(one, "GET / HTTP/1.1\r\nX-Big: " + std::string(std::size_t{40} * 1024, 'v'), 4096)
            .failure,
        ParseFailure::kHeadersTooLarge);

    // Just under the limit passes.
    std::string fits = "GET / HTTP/1.1\r\n";
    fits += "X-A: " + std::string(8 * 1024 - 7 - 4, 'v') + "\r\n\r\n";  // name+value+4 = 8 KiB-4
    RequestParser under(ParserLimits{});
    EXPECT_TRUE(Parse(under, fits).done);
}

TEST(RequestParser, BodyLimit) {
    RequestParser announced(ParserLimits{});
    EXPECT_EQ(Parse(announced, "POST /e HTTP/1.1\r\nContent-Length: 16385\r\n\r\n").failure,
              ParseFailure::kBodyTooLarge);

    RequestParser exact(ParserLimits{});
    EXPECT_TRUE(
        Parse(exact, "POST /e HTTP/1.1\r\nContent-Length: 16384\r\n\r\n" + std::string(16384, 'b'))
            .done);

    std::string chunked = "POST /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) chunked += "1000\r\n" + std::string(4096, 'c') + "\r\n";
    chunked += "0\r\n\r\n";
    RequestParser c(ParserLimits{});
    EXPECT_EQ(Parse(c, chunked, 1500).failure, ParseFailure::kBodyTooLarge);
}

TEST(RequestParser, Malformed) {
    for (const char* bad : {"GARBAGE\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
                            "GET / HTTP/1.1\r\nBad Header\r\n\r\n", "GET /\x01 HTTP/1.1\r\n\r\n",
                            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                            "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
        RequestParser p(ParserLimits{});
        EXPECT_EQ(Parse(p, bad).failure, ParseFailure::kMalformed) << bad;
    }
}

}  // namespace
}  // namespace hhplus::http
