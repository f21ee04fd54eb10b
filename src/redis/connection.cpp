#include "redis/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>

#include "common/log.hpp"
#include "common/resolve.hpp"

namespace hhplus::redis::detail {
namespace asio = boost::asio;
using boost::system::error_code;

Connection::Connection(asio::any_io_executor ex, std::string name)
    : socket_(ex), wake_(ex), deadline_(ex), name_(std::move(name)) {}

Connection::~Connection() = default;

asio::awaitable<RedisResult<Ok>> Connection::Open(std::shared_ptr<Connection> self,
                                                  Endpoint endpoint,
                                                  std::chrono::milliseconds timeout,
                                                  std::vector<std::vector<std::string>> handshake) {
    Connection& c = *self;
    error_code ec;
    // A host name is looked up again on every attempt (each reconnect is a new Open): a service
    // restarted at a new address (Compose, Kubernetes) is found without restarting the app. The
    // lookup shares the attempt's time budget; an IP literal costs nothing here.
    const auto open_deadline = std::chrono::steady_clock::now() + timeout;
    auto resolved = co_await ResolveHost(c.socket_.get_executor(), endpoint.host, open_deadline);
    if (c.closed_) co_return c.close_reason_;
    asio::ip::address address;
    if (resolved.ok()) address = asio::ip::make_address(resolved.address, ec);
    if (!resolved.ok() || ec) {
        Error error{Errc::kUnavailable, resolved.ok() ? "invalid address '" + resolved.address + "'"
                                                      : std::move(resolved.error)};
        c.Close(error);
        co_return error;
    }

    // The deadline closes the socket, which aborts whichever step Open is in.
    c.deadline_.expires_at(open_deadline);
    c.deadline_.async_wait([weak = std::weak_ptr<Connection>(self)](error_code wait_ec) {
        if (wait_ec) return;
        const auto conn = weak.lock();
        if (!conn || conn->opened_ || conn->closed_) return;
        conn->open_timed_out_ = true;
        error_code ignored;
        conn->socket_.close(ignored);
    });

    co_await c.socket_.async_connect(asio::ip::tcp::endpoint(address, endpoint.port),
                                     asio::redirect_error(asio::use_awaitable, ec));
    // Small commands must leave at once, not wait for Nagle to coalesce them: the writer already
    // batches everything that is ready.
    if (!ec) c.socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    if (!ec) c.socket_.set_option(asio::socket_base::keep_alive(true), ec);

    std::optional<Error> refused;
    if (!ec && !handshake.empty()) {
        std::string out;
        for (const auto& command : handshake) AppendCommand(out, command);
        co_await asio::async_write(c.socket_, asio::buffer(out),
                                   asio::redirect_error(asio::use_awaitable, ec));
        std::vector<char> buf(kReadChunkBytes);
        std::size_t answered = 0;
        // Bounded by the deadline: it closes the socket, which ends the read with an error.
        while (!ec && !refused && answered < handshake.size()) {
            const std::size_t n = co_await c.socket_.async_read_some(
                asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            if (auto fed = c.parser_.Feed(buf.data(), n); !fed) {
                refused = std::move(fed).error();
                break;
            }
            while (answered < handshake.size()) {
                auto next = c.parser_.Next();
                if (!next) {
                    refused = std::move(next).error();
                    break;
                }
                if (!next->has_value()) break;
                if ((*next)->IsError()) {
                    refused = Error{Errc::kProtocol,
                                    "handshake " + handshake[answered][0] + ": " + (*next)->str};
                    break;
                }
                ++answered;
            }
        }
    }

    if (c.closed_) co_return c.close_reason_;
    std::optional<Error> failure = std::move(refused);
    if (!failure && c.open_timed_out_) {
        failure = Error{Errc::kTimeout,
                        "connect + handshake exceeded " + std::to_string(timeout.count()) + " ms"};
    } else if (!failure && ec) {
        failure = Error{Errc::kUnavailable, "connect: " + ec.message()};
    }
    if (failure) {
        c.Close(*failure);
        co_return *std::move(failure);
    }
    c.opened_ = true;
    c.deadline_.cancel();
    co_return Ok{};
}

void Connection::Run(ConnectionListener* listener) {
    listener_ = listener;
    SpawnDetached(socket_.get_executor(), ReadLoop(shared_from_this()), "redis reader");
    SpawnDetached(socket_.get_executor(), WriteLoop(shared_from_this()), "redis writer");
}

void Connection::Send(const std::vector<std::string>& args) {
    AppendCommand(pending_, args);
    ++pending_commands_;
    // Cancelling a timer nobody waits on is a no-op, but not free (it takes the timer queue's
    // lock); a busy writer finds the bytes when its current write completes.
    if (writer_idle_) wake_.cancel();
}

void Connection::Close(Error why) {
    if (closed_) return;
    closed_ = true;
    close_reason_ = std::move(why);
    error_code ignored;
    socket_.close(ignored);
    wake_.cancel();
    deadline_.cancel();
    pending_.clear();
    pending_commands_ = 0;
    if (auto* listener = std::exchange(listener_, nullptr)) listener->OnClosed(close_reason_);
}

asio::awaitable<void> Connection::ReadLoop(std::shared_ptr<Connection> self) {
    Connection& c = *self;
    std::vector<char> buf(kReadChunkBytes);
    // Runs until the connection closes: a read error or Close() (which cancels the read) ends it.
    while (!c.closed_) {
        error_code ec;
        const std::size_t n = co_await c.socket_.async_read_some(
            asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (c.closed_) co_return;
        if (ec) {
            c.Close(Error{Errc::kUnavailable, ec == asio::error::eof
                                                  ? std::string("server closed the connection")
                                                  : "read: " + ec.message()});
            co_return;
        }
        if (auto fed = c.parser_.Feed(buf.data(), n); !fed) {
            c.Close(std::move(fed).error());
            co_return;
        }
        // Bounded: every reply consumes at least 3 of the n bytes just fed ("+\r\n").
        while (!c.closed_) {
            auto next = c.parser_.Next();
            if (!next) {
                c.Close(std::move(next).error());
                co_return;
            }
            if (!next->has_value()) break;
            c.listener_->OnReply(std::move(**next));
        }
    }
}

asio::awaitable<void> Connection::WriteLoop(std::shared_ptr<Connection> self) {
    Connection& c = *self;
    while (!c.closed_) {
        if (c.pending_.empty()) {
            c.wake_.expires_at(asio::steady_timer::time_point::max());
            c.writer_idle_ = true;
            error_code ignored;
            co_await c.wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            c.writer_idle_ = false;
            continue;
        }
        // Everything queued while the previous write was in flight goes out in this one write:
        // that is the automatic pipelining.
        c.writing_.swap(c.pending_);
        const std::size_t commands = std::exchange(c.pending_commands_, 0);
        error_code ec;
        co_await asio::async_write(c.socket_, asio::buffer(c.writing_),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (c.closed_) co_return;
        if (ec) {
            c.Close(Error{Errc::kUnavailable, "write: " + ec.message()});
            co_return;
        }
        c.writing_.clear();
        if (c.writing_.capacity() > kRetainedWriteBufferBytes) std::string().swap(c.writing_);
        c.listener_->OnSent(commands);
    }
}

void SpawnDetached(asio::any_io_executor ex, asio::awaitable<void> work, const char* what) {
    asio::co_spawn(ex, std::move(work), [what](const std::exception_ptr& error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            log::Error(std::string("redis: bug: exception escaped the ") + what + ": " + e.what());
        } catch (...) {
            log::Error(std::string("redis: bug: unknown exception escaped the ") + what);
        }
        std::rethrow_exception(error);
    });
}

bool CommandIs(const std::string& name, std::string_view upper) {
    if (name.size() != upper.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char ch = name[i];
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        if (ch != upper[i]) return false;
    }
    return true;
}

}  // namespace hhplus::redis::detail
