#include "domain/events/data_platform_consumer.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "common/log.hpp"
#include "common/resolve.hpp"

namespace hhplus::events {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

DataPlatformPoster::DataPlatformPoster(asio::any_io_executor ex, HttpUrl url)
    : ex_(ex), url_(std::move(url)) {
    host_header_ = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    if (url_.port != 80) host_header_ += ":" + std::to_string(url_.port);
}

DataPlatformPoster::~DataPlatformPoster() { Close(); }

void DataPlatformPoster::Close() {
    if (!stream_) return;
    beast::error_code ignored;
    stream_->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_->socket().close(ignored);
    stream_.reset();
    buffer_.clear();
}

asio::awaitable<int> DataPlatformPoster::Post(std::string body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool reused = stream_.has_value();
        if (!reused) {
            const auto deadline = std::chrono::steady_clock::now() + kDataPlatformTimeout;
            std::string host = url_.host;
            const Resolved address = co_await ResolveHost(ex_, std::move(host), deadline);
            if (!address.ok()) {
                log::Warn("data platform: " + address.error);
                co_return 0;
            }
            beast::error_code ec;
            const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address.address, ec),
                                                   url_.port);
            if (ec) co_return 0;
            stream_.emplace(ex_);
            stream_->expires_after(kDataPlatformTimeout);
            co_await stream_->async_connect(endpoint,
                                            asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                log::Warn("data platform: connect to " + address.address + ":" +
                          std::to_string(url_.port) + ": " + ec.message());
                Close();
                co_return 0;
            }
        }
        bhttp::request<bhttp::string_body> request{bhttp::verb::post, url_.target, 11};
        request.set(bhttp::field::host, host_header_);
        request.set(bhttp::field::content_type, "application/json");
        request.keep_alive(true);
        request.body() = body;
        request.prepare_payload();
        stream_->expires_after(kDataPlatformTimeout);
        beast::error_code ec;
        co_await bhttp::async_write(*stream_, request,
                                    asio::redirect_error(asio::use_awaitable, ec));
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(kDataPlatformMaxResponseBody);
        if (!ec) {
            co_await bhttp::async_read(*stream_, buffer_, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
        }
        if (ec) {
            Close();
            if (reused) continue;  // an idle keep-alive connection the sink had closed
            log::Warn("data platform: POST " + url_.target + ": " + ec.message());
            co_return 0;
        }
        stream_->expires_never();
        const auto& response = parser.get();
        if (!response.keep_alive()) Close();
        co_return static_cast<int>(response.result_int());
    }
    co_return 0;
}

asio::awaitable<Handled> DataPlatformPoster::Handle(StreamEntry entry) {
    const auto payload = entry.Field("payload");
    if (!payload) {
        Observe("poison");
        co_return Handled::kPoison;
    }
    std::string body(*payload);
    const int status = co_await Post(std::move(body));
    if (status >= 200 && status < 300) {
        Observe("delivered");
        co_return Handled::kDone;
    }
    Observe(status == 0 ? "unreachable" : "rejected");
    co_return Handled::kRetry;
}

}  // namespace hhplus::events
