#pragma once
// RequestParser: Beast's HTTP/1.1 parser (boost::beast::http::basic_parser) filling our Request
// directly, with lower-cased header names, and enforcing api.md's three transport limits with the
// right answer for each: a long request line (414), large headers (431), a large body (413).
//
// Beast has a single header_limit covering the request line and the fields together, so it is
// set to the sum of ours (a backstop for an unterminated line or field) and the precise limits
// are counted here as the line and each field arrive.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/error_code.hpp"
#include "http/message.hpp"

namespace hhplus::http {

struct ParserLimits {
    std::size_t request_line = 8 * 1024;  // method SP target SP version, CRLF excluded
    std::size_t headers = 8 * 1024;       // Σ over fields of name ": " value CRLF
    std::size_t body = 16 * 1024;         // decoded body bytes (chunked or not)
};

// Why a request was not accepted by the parser.
enum class ParseFailure {
    kNone,
    kRequestLineTooLong,  // 414 V015
    kHeadersTooLarge,     // 431 V014
    kBodyTooLarge,        // 413 V013: announced by Content-Length, or chunks adding up
    kMalformed,           // 400 V001
};

// The error-table code a parse failure is answered with (the status comes from error_table.cpp).
ErrorCode ErrorCodeOf(ParseFailure failure);

class RequestParser final : public boost::beast::http::basic_parser<true> {
  public:
    explicit RequestParser(const ParserLimits& limits);
    // Beast's parser is neither copyable nor reusable: make a new one per request.
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    // Feeds bytes; returns how many were consumed (keep the rest for the next call).
    // `ec` is clear, http::error::need_more, or a failure to pass to Classify.
    std::size_t Feed(std::string_view data, boost::beast::error_code& ec) {
        // Beast 1.74 asserts (an abort in debug and sanitizer builds) when a chunked body's
        // first chunk is the last one, "0\r\n" was all it had, and the next call brings 4 bytes
        // (parse_chunk_header: n >= 5); found by hhplus-fuzz. A chunked body always ends with
        // at least 5 unconsumed bytes ("0\r\n\r\n"), so holding back smaller remainders
        // never stalls a complete request: it only waits for the next read.
        if (is_header_done() && chunked() && !is_done() && data.size() < kMinChunkedFeed) {
            ec = boost::beast::http::error::need_more;
            return 0;
        }
        return put(boost::asio::const_buffer(data.data(), data.size()), ec);
    }
    ParseFailure Classify(const boost::beast::error_code& ec) const;

    // kOther until the request line has been parsed.
    Method method() const { return request_.method; }
    std::string_view target() const { return target_; }
    int version() const { return version_; }
    bool expects_continue() const { return expect_continue_; }
    const Request& request() const { return request_; }
    // Moves out method, headers and body (the other fields are left for the server to fill).
    Request TakeRequest() { return std::move(request_); }

  private:
    static constexpr std::size_t kMinChunkedFeed = 5;  // "0\r\n\r\n", see Feed

    void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_str,
                         boost::beast::string_view target, int version,
                         boost::beast::error_code& ec) override;
    void on_response_impl(int, boost::beast::string_view, int,
                          boost::beast::error_code& ec) override;
    void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                       boost::beast::string_view value, boost::beast::error_code& ec) override;
    void on_header_impl(boost::beast::error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           boost::beast::error_code& ec) override;
    std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                              boost::beast::error_code& ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                                   boost::beast::error_code& ec) override;
    void on_finish_impl(boost::beast::error_code& ec) override;

    ParserLimits limits_;
    Request request_;
    std::string target_;
    std::size_t header_bytes_ = 0;
    int version_ = 11;
    bool line_done_ = false;
    bool expect_continue_ = false;
    ParseFailure failure_ = ParseFailure::kNone;
};

}  // namespace hhplus::http
