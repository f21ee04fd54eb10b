#include "http/response_writer.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace hhplus::http {
namespace {

bool IsSafeHeaderText(std::string_view text) {
    for (const char c : text) {
        if (c == '\r' || c == '\n' || c == '\0') return false;
    }
    return true;
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

}  // namespace

std::string_view ReasonPhrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

HeadResult SerializeHead(const Response& response, const HeadFields& fields, std::string& out) {
    HeadResult result;
    // A status outside 100..999 would make an invalid status line: that is a handler bug.
    const int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
    const bool bodiless = status < 200 || status == 204 || status == 304;

    char num[24];
    out += "HTTP/1.1 ";
    out.append(num, std::to_chars(num, num + sizeof num, status).ptr);
    out += ' ';
    out += ReasonPhrase(status);
    out += "\r\n";
    if (!bodiless) {
        if (!response.content_type.empty() && IsSafeHeaderText(response.content_type)) {
            AppendHeader(out, "Content-Type", response.content_type);
        }
        out += "Content-Length: ";
        out.append(num, std::to_chars(num, num + sizeof num, response.body.size()).ptr);
        out += "\r\n";
        result.body_bytes = fields.head_request ? 0 : response.body.size();
    }
    if (!fields.date.empty()) AppendHeader(out, "Date", fields.date);
    AppendHeader(out, "X-Request-Id", fields.request_id);
    AppendHeader(out, "X-Instance", fields.instance);
    for (const auto& [name, value] : response.headers) {
        if (name.empty() || !IsSafeHeaderText(name) || !IsSafeHeaderText(value)) {
            ++result.dropped_headers;
            continue;
        }
        AppendHeader(out, name, value);
    }
    if (fields.close) {
        out += "Connection: close\r\n";
    } else if (fields.keep_alive_10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    return result;
}

std::string FormatHttpDate(std::int64_t epoch_seconds) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

}  // namespace hhplus::http
