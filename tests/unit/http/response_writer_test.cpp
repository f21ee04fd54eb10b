#include "http/response_writer.hpp"

#include <gtest/gtest.h>

namespace hhplus::http {
namespace {

TEST(SerializeHead, JsonResponse) {
    Response r = Json(200, R"({"status":"ok"})");
    std::string out;
    const HeadFields f{"rid-1", "app-3", "Sun, 06 Nov 1994 08:49:37 GMT", false, false, false};
    const HeadResult h = SerializeHead(r, f, out);
    EXPECT_EQ(out,
              "HTTP/1.1 200 OK\r\n"
              "Content-Type: application/json; charset=utf-8\r\n"
              "Content-Length: 15\r\n"
              "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "X-Request-Id: rid-1\r\n"
              "X-Instance: app-3\r\n\r\n");
    EXPECT_EQ(h.body_bytes, 15u);
    EXPECT_EQ(h.dropped_headers, 0u);
}

TEST(SerializeHead, ExtraHeadersCloseAndInjection) {
    Response r = Json(503, "{}");
    r.headers.emplace_back("Retry-After", "1");
    r.headers.emplace_back("Set-Cookie", "a=b\r\nX-Evil: 1");
    r.headers.emplace_back("X-Evil\n", "1");
    std::string out;
    const HeadResult h = SerializeHead(r, HeadFields{"r", "i", "", true, false, false}, out);
    EXPECT_EQ(out,
              "HTTP/1.1 503 Service Unavailable\r\n"
              "Content-Type: application/json; charset=utf-8\r\n"
              "Content-Length: 2\r\n"
              "X-Request-Id: r\r\n"
              "X-Instance: i\r\n"
              "Retry-After: 1\r\n"
              "Connection: close\r\n\r\n");
    EXPECT_EQ(h.dropped_headers, 2u);
}

TEST(SerializeHead, NoContentHasNoLengthNoType) {
    std::string out;
    const HeadResult h =
        SerializeHead(NoContent(), HeadFields{"r", "i", "", false, true, false}, out);
    EXPECT_EQ(out,
              "HTTP/1.1 204 No Content\r\nX-Request-Id: r\r\nX-Instance: i\r\n"
              "Connection: keep-alive\r\n\r\n");
    EXPECT_EQ(h.body_bytes, 0u);
}

TEST(SerializeHead, HeadRequestSendsLengthButNoBody) {
    std::string out;
    const HeadResult h =
        SerializeHead(Json(405, "{\"x\":1}"), HeadFields{"r", "i", "", false, false, true}, out);
    EXPECT_NE(out.find("Content-Length: 7\r\n"), std::string::npos);
    EXPECT_EQ(h.body_bytes, 0u);
}

TEST(SerializeHead, BogusStatusBecomes500) {
    Response r = Json(42, "{}");
    std::string out;
    SerializeHead(r, HeadFields{"r", "i", "", false, false, false}, out);
    EXPECT_EQ(out.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0u);
}

TEST(FormatHttpDate, Rfc9110Example) {
    EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace hhplus::http
