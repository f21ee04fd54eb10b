#include "redis/link.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"

namespace hhplus::redis::detail {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Ticks (the Subscriber's keep-alive PING) come once per command_timeout but at most 10 times a
// second, whatever tiny timeout a test or a caller configures.
constexpr std::chrono::milliseconds kMinTickInterval{100};

// CLIENT SETNAME accepts printable ASCII without spaces only.
std::string ClientName(const std::string& kind, const std::string& role) {
    std::string name = "hhplus-" + kind + "-" + role;
    for (char& ch : name) {
        if (ch <= ' ' || ch > '~') ch = '_';
    }
    return name;
}

}  // namespace

Link::Link(asio::any_io_executor ex, Endpoint endpoint, ClientOptions options,
           const std::string& kind)
    : ex_(ex),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      name_("redis kind=" + kind + " role=" + (options_.role.empty() ? "-" : options_.role) +
            " endpoint=" + ToString(endpoint_)),
      backoff_timer_(ex),
      down_signal_(ex),
      backoff_(options_.reconnect_backoff_min),
      jitter_(static_cast<std::uint_fast32_t>(
          std::chrono::steady_clock::now().time_since_epoch().count() ^
          reinterpret_cast<std::uintptr_t>(this))) {
    if (!options_.role.empty()) name_role_ = ClientName(kind, options_.role);
}

Link::~Link() {
    // Only reached with a connection when the io_context tears down suspended coroutines; the
    // subclass is already gone, so close without calling back.
    if (conn_) {
        conn_->Detach();
        conn_->Close(Error{Errc::kCancelled, "destroyed"});
    }
}

void Link::Start() {
    if (running_) return;
    running_ = true;
    stopped_ = false;
    ++run_;
    backoff_ = options_.reconnect_backoff_min;
    SpawnDetached(ex_, Supervise(shared_from_this(), run_), "redis supervisor");
}

void Link::Stop() {
    if (!running_) return;
    running_ = false;
    stopped_ = true;
    ++run_;
    backoff_timer_.cancel();
    down_signal_.cancel();
    if (auto conn = std::move(conn_)) conn->Close(Error{Errc::kCancelled, "stopped"});
    connected_ = false;
}

bool Link::DropIfWedged(std::chrono::steady_clock::time_point oldest) {
    if (!connected_) return false;
    const auto limit = kWedgedAfterTimeouts * options_.command_timeout;
    const auto age = std::chrono::steady_clock::now() - oldest;
    if (age < limit) return false;
    const auto age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(age).count();
    conn_->Close(Error{Errc::kUnavailable, "connection wedged: oldest reply overdue " +
                                               std::to_string(age_ms) + " ms"});
    return true;
}

std::vector<std::vector<std::string>> Link::Handshake() const {
    std::vector<std::vector<std::string>> commands;
    if (endpoint_.db != 0) commands.push_back({"SELECT", std::to_string(endpoint_.db)});
    if (!name_role_.empty()) commands.push_back({"CLIENT", "SETNAME", name_role_});
    // Always one round trip: a TCP handshake alone succeeds even against a SIGSTOPped server
    // (the kernel accepts), so only a reply proves the server is serving.
    commands.push_back({"PING"});
    return commands;
}

void Link::OnClosed(const Error& why) {
    connected_ = false;
    if (!stopped_) log::Warn(name_ + " event=disconnected reason=\"" + why.detail + "\"");
    OnDown(why);
    down_signal_.cancel();
}

void Link::OnSent(std::size_t commands) {
    if (options_.on_commands_sent && !stopped_) options_.on_commands_sent(commands);
}

std::chrono::milliseconds Link::NextBackoff() {
    const auto current = backoff_;
    backoff_ = std::min(backoff_ * 2, options_.reconnect_backoff_max);
    // Drawn from [current/2, current]: instances that lost the same Redis at the same moment
    // do not all come back in the same millisecond.
    const auto half = current.count() / 2;
    std::uniform_int_distribution<long long> pick(half, std::max<long long>(half, current.count()));
    return std::chrono::milliseconds(pick(jitter_));
}

asio::awaitable<void> Link::Supervise(std::shared_ptr<Link> self, std::uint64_t run) {
    Link& link = *self;
    bool had_connection = false;
    std::uint64_t failures = 0;
    // Loops until Stop (or a later Start) changes run_; every wait in it is woken by Stop.
    while (link.run_ == run) {
        auto conn = std::make_shared<Connection>(link.ex_, link.name_);
        link.conn_ = conn;
        auto opened = co_await Connection::Open(conn, link.endpoint_, link.options_.connect_timeout,
                                                link.Handshake());
        if (link.run_ != run) co_return;
        if (opened) {
            log::Info(link.name_ + " event=connected failed_attempts=" + std::to_string(failures));
            failures = 0;
            link.backoff_ = link.options_.reconnect_backoff_min;
            link.connected_ = true;
            conn->Run(&link);
            link.OnUp(had_connection);
            had_connection = true;
            // Until the connection drops (OnClosed cancels the signal) or Stop.
            while (link.run_ == run && conn->IsOpen()) {
                if (link.WantsTicks()) {
                    link.down_signal_.expires_after(
                        std::max(link.options_.command_timeout, kMinTickInterval));
                } else {
                    link.down_signal_.expires_at(asio::steady_timer::time_point::max());
                }
                error_code ec;
                co_await link.down_signal_.async_wait(
                    asio::redirect_error(asio::use_awaitable, ec));
                if (!ec && link.run_ == run && conn->IsOpen()) link.OnTick();
            }
            if (link.run_ != run) co_return;
        } else {
            // The first failure of a streak is a warning; the rest (every backoff step while
            // Redis stays down) only at debug level, so an outage does not flood the log.
            const std::string line = link.name_ +
                                     " event=connect_failed attempt=" + std::to_string(++failures) +
                                     " reason=\"" + opened.error().detail + "\"";
            if (failures == 1) {
                log::Warn(line);
            } else {
                log::Debug(line);
            }
        }
        link.conn_.reset();
        link.backoff_timer_.expires_after(link.NextBackoff());
        error_code ignored;
        co_await link.backoff_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
}

}  // namespace hhplus::redis::detail
