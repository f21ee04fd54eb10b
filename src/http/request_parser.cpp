#include "http/request_parser.hpp"

#include <boost/beast/http/error.hpp>

namespace hhplus::http {
namespace {

namespace beast_http = boost::beast::http;

// "HTTP/1.1" plus the two spaces of the request line.
constexpr std::size_t kVersionAndSpaces = 10;
// ": " and CRLF around each field.
constexpr std::size_t kFieldOverhead = 4;

Method FromVerb(beast_http::verb verb) {
    switch (verb) {
        case beast_http::verb::get:
            return Method::kGet;
        case beast_http::verb::head:
            return Method::kHead;
        case beast_http::verb::post:
            return Method::kPost;
        case beast_http::verb::put:
            return Method::kPut;
        case beast_http::verb::patch:
            return Method::kPatch;
        case beast_http::verb::delete_:
            return Method::kDelete;
        case beast_http::verb::options:
            return Method::kOptions;
        default:
            return Method::kOther;
    }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

}  // namespace

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits) {
    request_.method = Method::kOther;
    // Beast's limit bounds what it buffers for one unterminated line or field (the line, or
    // whatever of the fields is not yet parsed): our two limits plus both CRLFs.
    header_limit(static_cast<std::uint32_t>(limits.request_line + limits.headers + 4));
    body_limit(limits.body);
    eager(true);
}

ParseFailure RequestParser::Classify(const boost::beast::error_code& ec) const {
    if (!ec) return ParseFailure::kNone;
    if (failure_ != ParseFailure::kNone) return failure_;
    if (ec == beast_http::error::body_limit) return ParseFailure::kBodyTooLarge;
    if (ec == beast_http::error::header_limit) {
        return line_done_ ? ParseFailure::kHeadersTooLarge : ParseFailure::kRequestLineTooLong;
    }
    return ParseFailure::kMalformed;
}

void RequestParser::on_request_impl(beast_http::verb method, boost::beast::string_view method_str,
                                    boost::beast::string_view target, int version,
                                    boost::beast::error_code& ec) {
    line_done_ = true;
    if (method_str.size() + target.size() + kVersionAndSpaces > limits_.request_line) {
        failure_ = ParseFailure::kRequestLineTooLong;
        ec = beast_http::error::bad_target;
        return;
    }
    request_.method = FromVerb(method);
    target_.assign(target.data(), target.size());
    version_ = version;
}

void RequestParser::on_response_impl(int, boost::beast::string_view, int,
                                     boost::beast::error_code& ec) {
    ec = beast_http::error::bad_method;  // unreachable: this is a request parser
}

void RequestParser::on_field_impl(beast_http::field name, boost::beast::string_view name_string,
                                  boost::beast::string_view value, boost::beast::error_code& ec) {
    header_bytes_ += name_string.size() + value.size() + kFieldOverhead;
    if (header_bytes_ > limits_.headers) {
        failure_ = ParseFailure::kHeadersTooLarge;
        ec = beast_http::error::bad_field;
        return;
    }
    std::string lower(name_string.data(), name_string.size());
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (name == beast_http::field::expect &&
        EqualsIgnoreCase(std::string_view(value.data(), value.size()), "100-continue")) {
        expect_continue_ = true;
    }
    request_.headers.emplace_back(std::move(lower), std::string(value.data(), value.size()));
}

void RequestParser::on_header_impl(boost::beast::error_code&) {}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      boost::beast::error_code&) {
    // Beast has already refused a length above body_limit, so this reservation is bounded.
    if (content_length) request_.body.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(boost::beast::string_view body, boost::beast::error_code&) {
    request_.body.append(body.data(), body.size());
    return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                                         boost::beast::error_code&) {}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                              boost::beast::error_code&) {
    request_.body.append(body.data(), body.size());
    return body.size();
}

void RequestParser::on_finish_impl(boost::beast::error_code&) {}

ErrorCode ErrorCodeOf(ParseFailure failure) {
    switch (failure) {
        case ParseFailure::kRequestLineTooLong:
            return ErrorCode::kRequestLineTooLong;
        case ParseFailure::kHeadersTooLarge:
            return ErrorCode::kHeadersTooLarge;
        case ParseFailure::kBodyTooLarge:
            return ErrorCode::kBodyTooLarge;
        case ParseFailure::kMalformed:
        case ParseFailure::kNone:
            break;
    }
    return ErrorCode::kInvalidRequest;
}

}  // namespace hhplus::http
