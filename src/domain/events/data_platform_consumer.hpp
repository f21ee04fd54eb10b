#pragma once
// DataPlatformPoster: the `data-platform` group's handler. POSTs each paid order's payload (the
// outbox JSON, unchanged) to DATA_PLATFORM_URL and lets the entry be acknowledged only after a
// 2xx answer, so every paid order reaches the platform at least once; the platform dedupes by
// orderId (tools/sink does, for the tests).
//
// One keep-alive connection, one request at a time (the consumer handles entries in order), on
// the process's io_context with Beast. A request that fails on a reused connection (the peer
// closed it while idle) is sent once more on a fresh one; a delivery that happened anyway is a
// duplicate the platform dedupes.
//
// Contract: runs on the executor's single thread; Handle suspends for at most
// kDataPlatformTimeout per attempt (two attempts at most); the poster must outlive the consumer
// that calls it.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "common/urls.hpp"
#include "domain/events/stream_consumer.hpp"

namespace hhplus::events {

// Per attempt, for name lookup + connect + write + the whole answer. A healthy sink answers in
// milliseconds; 5 s rides out a GC pause or a slow disk on its side, and bounds how long one
// stuck sink can hold the consumer (and its Stop at shutdown): ≤ 2 attempts × 5 s = 10 s.
inline constexpr std::chrono::milliseconds kDataPlatformTimeout{5000};
// The platform's answer is only checked for its status: its body is read (to keep the
// connection usable) up to 64 KiB, beyond which the connection is dropped.
inline constexpr std::size_t kDataPlatformMaxResponseBody = 64 * 1024;

class DataPlatformPoster {
  public:
    DataPlatformPoster(boost::asio::any_io_executor ex, HttpUrl url);
    ~DataPlatformPoster();
    DataPlatformPoster(const DataPlatformPoster&) = delete;
    DataPlatformPoster& operator=(const DataPlatformPoster&) = delete;

    // kDone after a 2xx; kRetry for anything else (transport error, timeout, non-2xx); kPoison
    // for an entry without a payload.
    boost::asio::awaitable<Handled> Handle(StreamEntry entry);

    // The HTTP status of one POST of `body`, or 0 when no answer came (logged).
    boost::asio::awaitable<int> Post(std::string body);

    // Metrics hook: "delivered", "rejected" (non-2xx), "unreachable", "poison".
    void SetObserver(std::function<void(const char* outcome)> observer) {
        observe_ = std::move(observer);
    }

    EntryHandler AsHandler() {
        return [this](StreamEntry e) { return Handle(std::move(e)); };
    }

  private:
    void Close();
    void Observe(const char* outcome) {
        if (observe_) observe_(outcome);
    }

    boost::asio::any_io_executor ex_;
    HttpUrl url_;
    std::string host_header_;
    std::optional<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::function<void(const char*)> observe_;
};

}  // namespace hhplus::events
