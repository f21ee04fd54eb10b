#include "db/pool.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <deque>

#include "common/log.hpp"
#include "db/connection.hpp"

namespace hhplus::db {
namespace asio = boost::asio;

const char* ErrcName(Errc code) {
    switch (code) {
        case Errc::kUnavailable:
            return "Unavailable";
        case Errc::kTimeout:
            return "Timeout";
        case Errc::kPoolExhausted:
            return "PoolExhausted";
        case Errc::kDuplicateKey:
            return "DuplicateKey";
        case Errc::kDeadlock:
            return "Deadlock";
        case Errc::kQueryFailed:
            return "QueryFailed";
        case Errc::kCancelled:
            return "Cancelled";
    }
    return "?";
}

// ---- Row --------------------------------------------------------------------------------------

bool Row::IsNull(std::size_t i) const { return i >= cells.size() || !cells[i].has_value(); }

namespace {
template <class T>
T ParseCell(const Row& row, std::size_t i) {
    if (row.IsNull(i)) return 0;
    const std::string& text = *row.cells[i];
    T value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return (ec == std::errc() && end == text.data() + text.size()) ? value : 0;
}
}  // namespace

std::int64_t Row::Int(std::size_t i) const { return ParseCell<std::int64_t>(*this, i); }
std::uint64_t Row::UInt(std::size_t i) const { return ParseCell<std::uint64_t>(*this, i); }

const std::string& Row::Str(std::size_t i) const {
    static const std::string kEmpty;
    return IsNull(i) ? kEmpty : *cells[i];
}

// ---- Pool state -------------------------------------------------------------------------------
//
// Capacity: idle + busy + opening <= options.size at every instant.
//   idle     open connections in the pool (most recently used last: reused first, warm)
//   busy     lent out: alive handles, plus connections handed to a waiter not yet resumed
//   opening  connects in flight, plus slots granted to a waiter not yet resumed
// While anyone waits, idle is empty and capacity is full: every connection or slot that frees
// up goes straight to the oldest waiter (FIFO), so a newcomer never overtakes the queue.

namespace detail {

struct Waiter;

struct PoolCore {
    PoolCore(asio::any_io_executor executor, DbUrl db_url, PoolOptions pool_options)
        : ex(std::move(executor)), url(std::move(db_url)), options(pool_options) {}

    std::size_t Total() const { return idle.size() + busy + opening; }
    // PooledConnection's constructor is private to it and us.
    static PooledConnection Lend(std::shared_ptr<PoolCore> core, std::unique_ptr<Connection> conn) {
        return PooledConnection(std::move(core), std::move(conn));
    }
    void GiveBack(std::unique_ptr<Connection> conn);  // from a handle (was busy)
    void Reuse(std::unique_ptr<Connection> conn);     // healthy, counted nowhere
    void SlotFreed();                                 // a connection closed or a connect failed
    void Forget(Waiter* waiter);
    void CloseAll();

    asio::any_io_executor ex;
    DbUrl url;
    PoolOptions options;
    std::vector<std::unique_ptr<Connection>> idle;
    std::size_t busy = 0;
    std::size_t opening = 0;
    std::deque<Waiter*> waiters;
    bool closed = false;
    std::function<void(double)> wait_observer;
};

// Lives in the frame of a waiting Acquire. The pool wakes it by cancelling its timer (set to
// expire at the acquire deadline) after recording what it was given.
struct Waiter {
    enum class State { kWaiting, kGrantedConnection, kGrantedSlot, kCancelled, kDone };

    Waiter(PoolCore* pool_core, const asio::any_io_executor& ex) : core(pool_core), timer(ex) {}
    Waiter(const Waiter&) = delete;
    Waiter& operator=(const Waiter&) = delete;
    // Normal paths set kDone first. Anything else means the coroutine frame was destroyed while
    // suspended (io_context torn down): give back what was granted so the counts stay exact.
    ~Waiter() {
        switch (state) {
            case State::kWaiting:
                core->Forget(this);
                break;
            case State::kGrantedConnection:
                --core->busy;
                if (core->closed) {
                    conn->Close();
                } else {
                    core->Reuse(std::move(conn));
                }
                break;
            case State::kGrantedSlot:
                --core->opening;
                core->SlotFreed();
                break;
            case State::kCancelled:
            case State::kDone:
                break;
        }
    }

    PoolCore* core;
    asio::steady_timer timer;
    State state = State::kWaiting;
    std::unique_ptr<Connection> conn;
};

void PoolCore::Forget(Waiter* waiter) {
    auto it = std::find(waiters.begin(), waiters.end(), waiter);
    if (it != waiters.end()) waiters.erase(it);
}

void PoolCore::Reuse(std::unique_ptr<Connection> conn) {
    if (!waiters.empty()) {
        Waiter* next = waiters.front();
        waiters.pop_front();
        next->conn = std::move(conn);
        next->state = Waiter::State::kGrantedConnection;
        ++busy;
        next->timer.cancel();
        return;
    }
    idle.push_back(std::move(conn));
}

void PoolCore::SlotFreed() {
    if (closed || waiters.empty()) return;
    Waiter* next = waiters.front();
    waiters.pop_front();
    next->state = Waiter::State::kGrantedSlot;
    ++opening;
    next->timer.cancel();
}

void PoolCore::GiveBack(std::unique_ptr<Connection> conn) {
    --busy;
    if (!closed && conn->reusable() && conn->InTransaction()) {
        // Reusing it would hand the next caller someone else's open transaction; closing it
        // makes the server roll it back.
        log::Warn("db: connection given back inside an open transaction; closing it");
        conn->MarkBroken();
    }
    if (closed || !conn->reusable()) {
        conn->Close();
        conn.reset();
        SlotFreed();
        return;
    }
    Reuse(std::move(conn));
}

void PoolCore::CloseAll() {
    closed = true;
    std::deque<Waiter*> waiting;
    waiting.swap(waiters);
    for (Waiter* waiter : waiting) {
        waiter->state = Waiter::State::kCancelled;
        waiter->timer.cancel();
    }
    for (auto& conn : idle) conn->Close();
    idle.clear();
}

}  // namespace detail

// ---- PooledConnection -------------------------------------------------------------------------

PooledConnection::PooledConnection() = default;

PooledConnection::PooledConnection(std::shared_ptr<detail::PoolCore> core,
                                   std::unique_ptr<detail::Connection> conn)
    : core_(std::move(core)), conn_(std::move(conn)) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : core_(std::move(other.core_)), conn_(std::move(other.conn_)) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
    if (this != &other) {
        GiveBack();
        core_ = std::move(other.core_);
        conn_ = std::move(other.conn_);
    }
    return *this;
}

PooledConnection::~PooledConnection() { GiveBack(); }

void PooledConnection::GiveBack() {
    if (conn_ != nullptr && core_ != nullptr) core_->GiveBack(std::move(conn_));
    conn_.reset();
    core_.reset();
}

namespace {
asio::awaitable<DbResult<QueryResult>> NoConnection() {
    co_return Error{Errc::kUnavailable, 0, "empty PooledConnection"};
}
}  // namespace

asio::awaitable<DbResult<QueryResult>> PooledConnection::Query(std::string sql) {
    const auto timeout = core_ ? core_->options.query_timeout : std::chrono::milliseconds(0);
    return Query(std::move(sql), timeout);
}

asio::awaitable<DbResult<QueryResult>> PooledConnection::Query(std::string sql,
                                                               std::chrono::milliseconds timeout) {
    // The awaitable refers to the Connection object, which stays put even if this handle moves.
    if (conn_ == nullptr) return NoConnection();
    return conn_->Query(std::move(sql), timeout);
}

asio::awaitable<DbResult<QueryResult>> PooledConnection::Execute(std::string sql, Params params) {
    const auto timeout = core_ ? core_->options.query_timeout : std::chrono::milliseconds(0);
    return Execute(std::move(sql), std::move(params), timeout);
}

asio::awaitable<DbResult<QueryResult>> PooledConnection::Execute(
    std::string sql, Params params, std::chrono::milliseconds timeout) {
    // As Query: the awaitable refers to the Connection, which stays put if this handle moves.
    if (conn_ == nullptr) return NoConnection();
    return conn_->Execute(std::move(sql), std::move(params), timeout, true);
}

asio::awaitable<DbResult<QueryResult>> PooledConnection::ExecuteOnce(std::string sql,
                                                                     Params params) {
    if (conn_ == nullptr) return NoConnection();
    return conn_->Execute(std::move(sql), std::move(params), core_->options.query_timeout, false);
}

std::size_t PooledConnection::CachedStatements() const {
    return conn_ ? conn_->CachedStatements() : 0;
}

void PooledConnection::MarkBroken() {
    if (conn_) conn_->MarkBroken();
}

// ---- Pool -------------------------------------------------------------------------------------

namespace {
using detail::PoolCore;
using detail::Waiter;

// Opens a connection for a slot already counted in core->opening.
asio::awaitable<DbResult<PooledConnection>> OpenNew(std::shared_ptr<PoolCore> core) {
    auto conn = std::make_unique<detail::Connection>(core->ex);
    auto opened = co_await conn->Open(core->url, core->options.connect_timeout);
    --core->opening;
    if (core->closed) {
        conn->Close();
        co_return Error{Errc::kCancelled, 0, "pool closed"};
    }
    if (!opened) {
        conn->Close();
        core->SlotFreed();
        co_return std::move(opened).error();
    }
    ++core->busy;
    co_return PoolCore::Lend(core, std::move(conn));
}

asio::awaitable<DbResult<PooledConnection>> AcquireSlot(std::shared_ptr<PoolCore> core) {
    if (core->closed) co_return Error{Errc::kCancelled, 0, "pool closed"};
    if (core->waiters.empty()) {
        // Bounded by the pool size: each turn removes one idle connection.
        while (!core->idle.empty()) {
            auto conn = std::move(core->idle.back());
            core->idle.pop_back();
            if (conn->LooksAlive()) {
                ++core->busy;
                co_return PoolCore::Lend(core, std::move(conn));
            }
            conn->Close();  // the server closed it while idle (restart, kill): reopen below
        }
        if (core->Total() < core->options.size) {
            ++core->opening;
            co_return co_await OpenNew(core);
        }
    }
    if (core->waiters.size() >= core->options.wait_queue_limit) {
        co_return Error{Errc::kPoolExhausted, 0,
                        "wait queue full (" + std::to_string(core->waiters.size()) + " waiting)"};
    }

    Waiter waiter(core.get(), core->ex);
    waiter.timer.expires_after(core->options.acquire_timeout);
    core->waiters.push_back(&waiter);
    boost::system::error_code ec;
    co_await waiter.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));

    const Waiter::State state = waiter.state;
    waiter.state = Waiter::State::kDone;
    switch (state) {
        case Waiter::State::kGrantedConnection: {
            auto conn = std::move(waiter.conn);
            if (core->closed) {
                --core->busy;
                conn->Close();
                co_return Error{Errc::kCancelled, 0, "pool closed"};
            }
            if (conn->LooksAlive()) co_return PoolCore::Lend(core, std::move(conn));
            conn->Close();
            --core->busy;
            ++core->opening;
            co_return co_await OpenNew(core);
        }
        case Waiter::State::kGrantedSlot:
            if (core->closed) {
                --core->opening;
                co_return Error{Errc::kCancelled, 0, "pool closed"};
            }
            co_return co_await OpenNew(core);
        case Waiter::State::kCancelled:
            co_return Error{Errc::kCancelled, 0, "pool closed while waiting"};
        case Waiter::State::kWaiting:
        case Waiter::State::kDone:
            break;
    }
    core->Forget(&waiter);
    co_return Error{
        Errc::kPoolExhausted, 0,
        "no connection within " + std::to_string(core->options.acquire_timeout.count()) + " ms"};
}

asio::awaitable<DbResult<PooledConnection>> AcquireTimed(std::shared_ptr<PoolCore> core) {
    const auto started = std::chrono::steady_clock::now();
    auto result = co_await AcquireSlot(core);
    if (core->wait_observer) {
        core->wait_observer(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    co_return std::move(result);
}

asio::awaitable<void> CloseCore(std::shared_ptr<PoolCore> core) {
    core->CloseAll();
    co_return;
}

}  // namespace

Pool::Pool(asio::any_io_executor ex, DbUrl url, PoolOptions options)
    : core_(std::make_shared<PoolCore>(std::move(ex), std::move(url), options)) {}

Pool::~Pool() { core_->CloseAll(); }

asio::awaitable<DbResult<PooledConnection>> Pool::Acquire() { return AcquireTimed(core_); }

asio::awaitable<void> Pool::Close() { return CloseCore(core_); }

std::size_t Pool::Idle() const { return core_->idle.size(); }
std::size_t Pool::Busy() const { return core_->busy; }
std::size_t Pool::Waiting() const { return core_->waiters.size(); }

void Pool::SetWaitObserver(std::function<void(double seconds)> observer) {
    core_->wait_observer = std::move(observer);
}

// ---- Statements -------------------------------------------------------------------------------

namespace {
asio::awaitable<DbResult<QueryResult>> RunRows(PooledConnection* c, std::string sql, Params params,
                                               std::size_t rows) {
    if (rows == 1) co_return co_await c->Execute(std::move(sql), std::move(params));
    co_return co_await c->ExecuteOnce(std::move(sql), std::move(params));
}
}  // namespace

asio::awaitable<DbResult<QueryResult>> ExecuteRows(PooledConnection& c, std::string sql,
                                                   Params params, std::size_t rows) {
    return RunRows(&c, std::move(sql), std::move(params), rows);
}

// ---- Transactions -----------------------------------------------------------------------------

namespace {
asio::awaitable<DbResult<Ok>> RunCommand(PooledConnection* c, std::string sql) {
    auto done = co_await c->Query(std::move(sql));
    if (!done) co_return std::move(done).error();
    co_return Ok{};
}

asio::awaitable<void> RunRollback(PooledConnection* c) {
    auto done = co_await c->Query("ROLLBACK");
    // Unknown state: closing the connection makes the server roll back for us.
    if (!done) c->MarkBroken();
}
}  // namespace

asio::awaitable<DbResult<Ok>> Begin(PooledConnection& c) {
    return RunCommand(&c, "START TRANSACTION");
}

asio::awaitable<DbResult<Ok>> Commit(PooledConnection& c) { return RunCommand(&c, "COMMIT"); }

asio::awaitable<void> Rollback(PooledConnection& c) { return RunRollback(&c); }

}  // namespace hhplus::db
