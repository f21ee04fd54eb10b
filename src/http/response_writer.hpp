#pragma once
// Renders a Response's status line and header block into a reused buffer. The body is sent
// after it as a second buffer (one writev), never copied.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace hhplus::http {

// What the connection adds to every response.
struct HeadFields {
    std::string_view request_id;
    std::string_view instance;
    std::string_view date;       // IMF-fixdate (FormatHttpDate); omitted when empty
    bool close = false;          // `Connection: close`
    bool keep_alive_10 = false;  // `Connection: keep-alive` for an HTTP/1.0 client that asked
    bool head_request = false;   // HEAD: the header of the would-be body, no body
};

struct HeadResult {
    std::size_t body_bytes = 0;       // how much of response.body to send after the head
    std::size_t dropped_headers = 0;  // extra headers refused (CR, LF or NUL: header injection)
};

// Appends "HTTP/1.1 <status> <reason>" and the headers, through the blank line, to `out`.
// 1xx, 204 and 304 get neither body nor Content-Length.
HeadResult SerializeHead(const Response& response, const HeadFields& fields, std::string& out);

std::string_view ReasonPhrase(int status);

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate) for seconds since the Unix epoch.
std::string FormatHttpDate(std::int64_t epoch_seconds);

}  // namespace hhplus::http
