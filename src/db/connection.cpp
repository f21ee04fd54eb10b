#include "db/connection.hpp"

#include <errmsg.h>
#include <fcntl.h>
#include <mysql.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <mutex>
#include <type_traits>
#include <variant>

#include "common/log.hpp"
#include "common/resolve.hpp"

namespace hhplus::db::detail {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Run on every new connection. The charset is also chosen in the handshake
// (MYSQL_SET_CHARSET_NAME); SET NAMES makes the session's view explicit. Times are stored in UTC.
// READ COMMITTED: our transactions are short and rely on conditional updates and unique keys, not
// on repeatable snapshots, and it takes no gap locks (fewer deadlocks under the coupon rush).
//
// idle_transaction_timeout (MariaDB ≥ 10.3; the /*M!100300 … */ comment runs only there, MySQL
// reads it as a comment): the server ends the session of a transaction left idle between two
// statements for 3 s and rolls it back. Our transactions pause between statements only for the
// app's own work (milliseconds), so an idle transaction belongs to a stalled process (SIGSTOP, a
// VM pause) whose row locks would otherwise block every other writer of those rows for as long
// as the stall lasts — the next holder of a coupon's lock included. 3 s is the lock's default
// lease (LOCK_TTL_MS): when the lease of a stalled holder runs out, so does its transaction.
constexpr const char* kSessionSetup[] = {
    "SET NAMES utf8mb4",
    "SET /*M!100300 SESSION idle_transaction_timeout = 3, */ time_zone = '+00:00'",
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
};

// Resuming the connector with MYSQL_WAIT_TIMEOUT makes its pending socket call fail; it then
// unwinds the operation in one or two more steps (connect: TCP then handshake). 16 leaves a wide
// margin and still bounds the loop.
constexpr int kAbandonSteps = 16;

// A CALL returns its result sets plus one status result; more than this many means something
// is wrong with the statement, and the connection is dropped rather than read forever.
constexpr int kMaxExtraResults = 1000;

// Bytes of each result cell fetched in the first pass of a prepared statement's row. Our cells
// are ids, amounts and epoch milliseconds (≤ 20 digits), short names and keys; 64 holds them
// all, so a row costs no second call. A longer cell (an outbox payload) is read again at its
// full length with mysql_stmt_fetch_column, from memory.
constexpr unsigned long kCellBytes = 64;

void InitLibraryOnce() {
    // mysql_library_init is not thread-safe; mysql_init would call it lazily, maybe from two
    // threads of a test at once.
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

long long MillisecondsOf(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<milliseconds>(d).count();
}

}  // namespace

ParamWire WireOf(const Param& param) {
    ParamWire wire;
    std::visit(
        [&wire](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                wire.type = MYSQL_TYPE_NULL;
            } else if constexpr (std::is_same_v<T, std::string>) {
                wire.type = MYSQL_TYPE_STRING;
                wire.data = value.data();
                wire.length = value.size();
            } else {
                static_assert(std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t> ||
                              std::is_same_v<T, double>);
                wire.type = std::is_same_v<T, double> ? MYSQL_TYPE_DOUBLE : MYSQL_TYPE_LONGLONG;
                wire.is_unsigned = std::is_same_v<T, std::uint64_t>;
                wire.data = &value;
                wire.length = sizeof value;
            }
        },
        param);
    return wire;
}

bool BreaksConnection(unsigned server_errno) {
    // Client-side errors (CR_*, 2000-2999) and Connector/C 3 extensions (5000-5999): network
    // failures, protocol desync ("commands out of sync"): the connection cannot be trusted.
    if (server_errno >= CR_MIN_ERROR && server_errno <= CR_MAX_ERROR) return true;
    if (server_errno >= 5000 && server_errno <= 5999) return true;
    switch (server_errno) {
        case 1040:  // ER_CON_COUNT_ERROR: too many connections
        case 1043:  // ER_HANDSHAKE_ERROR
        case 1045:  // ER_ACCESS_DENIED_ERROR
        case 1053:  // ER_SERVER_SHUTDOWN: shutdown in progress
        case 1152:  // ER_ABORTING_CONNECTION
        case 1184:  // ER_NEW_ABORTING_CONNECTION
        case 1927:  // ER_CONNECTION_KILLED
        case 4031:  // client idle timeout (sent by MySQL 8 before it closes the connection)
            return true;
        default:
            return false;
    }
}

Errc ClassifyErrno(unsigned server_errno) {
    switch (server_errno) {
        case 1022:  // ER_DUP_KEY
        case 1062:  // ER_DUP_ENTRY
        case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
            return Errc::kDuplicateKey;
        case 1205:  // ER_LOCK_WAIT_TIMEOUT: the statement was rolled back
        case 1213:  // ER_LOCK_DEADLOCK: the transaction was rolled back
            return Errc::kDeadlock;
        case 1969:  // ER_STATEMENT_TIMEOUT (max_statement_time): the connection stays usable
            return Errc::kTimeout;
        default:
            break;
    }
    return BreaksConnection(server_errno) ? Errc::kUnavailable : Errc::kQueryFailed;
}

Connection::Connection(asio::any_io_executor ex)
    : ex_(ex), socket_(ex), timer_(ex), wait_state_(std::make_shared<WaitState>()) {
    InitLibraryOnce();
    wait_state_->socket = &socket_;
}

Connection::~Connection() {
    Close();
    wait_state_->socket = nullptr;
}

bool Connection::InTransaction() const {
    return mysql_ != nullptr && (mysql_->server_status & SERVER_STATUS_IN_TRANS) != 0;
}

bool Connection::LooksAlive() const {
    if (broken() || attached_fd_ < 0) return false;
    pollfd p{};
    p.fd = attached_fd_;
    p.events = POLLIN | POLLRDHUP;
    const int ready = ::poll(&p, 1, 0);
    if (ready < 0) return errno == EINTR;
    return ready == 0;
}

bool Connection::AttachSocket() {
    const int fd = mysql_get_socket(mysql_);
    if (fd < 0) {
        DetachSocket();
        return false;
    }
    if (fd == attached_fd_) return true;
    DetachSocket();
    // Processes we fork (tests start servers and clients) must not inherit database sockets.
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    boost::system::error_code ec;
    socket_.assign(fd, ec);
    if (ec) return false;
    attached_fd_ = fd;
    return true;
}

void Connection::DetachSocket() {
    // The connector owns the socket: Asio only watches it, and must forget it (release, not
    // close) before the connector closes it or after it already has.
    if (attached_fd_ >= 0) {
        socket_.release();
        attached_fd_ = -1;
    }
}

void Connection::Close() {
    if (mysql_ == nullptr) return;
    if (broken_ && attached_fd_ >= 0) {
        // A broken peer may not read: make COM_QUIT fail at once instead of waiting on it.
        ::shutdown(attached_fd_, SHUT_RDWR);
    }
    DetachSocket();
    mysql_close(mysql_);
    mysql_ = nullptr;
    broken_ = true;
    ForgetStatements();
}

void Connection::ForgetStatements() {
    // mysql_close has detached every statement from the connection (stmt->mysql = NULL), so
    // mysql_stmt_close only frees memory; the server dropped them with the session.
    for (auto& cached : lru_) mysql_stmt_close(cached.stmt);
    for (MYSQL_STMT* stmt : orphans_) mysql_stmt_close(stmt);
    statements_.clear();
    lru_.clear();
    orphans_.clear();
}

Error Connection::FailFromConnector(Errc fallback_for_server_errors) {
    const unsigned no = mysql_errno(mysql_);
    Error error{ClassifyErrno(no), no, mysql_error(mysql_)};
    if (error.code == Errc::kQueryFailed) error.code = fallback_for_server_errors;
    if (no == 0 || BreaksConnection(no)) {
        // The connector may have closed its socket already (end_server): forget it now.
        DetachSocket();
        broken_ = true;
        if (no == 0) {
            error.code = Errc::kUnavailable;
            error.detail = "connector failed without an error number";
        }
    }
    return error;
}

Error Connection::FailFromStatement(MYSQL_STMT* stmt) {
    const unsigned no = mysql_stmt_errno(stmt);
    // Errors of the connection itself (lost, killed) are copied into the statement; an error
    // number only on the connection falls back to it.
    if (no == 0) return FailFromConnector(Errc::kQueryFailed);
    Error error{ClassifyErrno(no), no, mysql_stmt_error(stmt)};
    if (BreaksConnection(no)) {
        DetachSocket();
        broken_ = true;
    }
    return error;
}

Error Connection::FailedWithResultPending(MYSQL_STMT* stmt) {
    // A failure while reading a result (rare: out of memory, a protocol error) may leave rows
    // unread and the statement in an unknown state: the connection is not reused.
    discard_ = true;
    return FailFromStatement(stmt);
}

asio::awaitable<int> Connection::WaitForEvents(int status, Clock::time_point deadline) {
    const auto now = Clock::now();
    if (now >= deadline) co_return kDeadlinePassed;
    auto wait_until = deadline;
    bool connector_timeout = false;
    if ((status & MYSQL_WAIT_TIMEOUT) != 0) {
        const auto connector_deadline = now + milliseconds(mysql_get_timeout_value_ms(mysql_));
        if (connector_deadline < wait_until) {
            wait_until = connector_deadline;
            connector_timeout = true;
        }
    }
    timer_.expires_at(wait_until);
    const int socket_events = status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT);
    boost::system::error_code ec;
    if (socket_events == 0) {
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        co_return connector_timeout ? MYSQL_WAIT_TIMEOUT : kDeadlinePassed;
    }
    if (!AttachSocket()) co_return kWaitFailed;

    // Read wins when both are asked for (only TLS does that): waiting for write there would spin
    // while the socket is writable and the connector still has nothing to read.
    const bool want_read = (socket_events & (MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT)) != 0;
    const auto wait_type = want_read ? asio::posix::stream_descriptor::wait_read
                                     : asio::posix::stream_descriptor::wait_write;
    const unsigned long generation = ++wait_state_->generation;
    wait_state_->fired = false;
    timer_.async_wait([state = std::weak_ptr<WaitState>(wait_state_),
                       generation](const boost::system::error_code& timer_ec) {
        if (timer_ec) return;
        auto s = state.lock();
        // A completion queued before the wait ended belongs to an older generation.
        if (!s || s->generation != generation || s->socket == nullptr) return;
        s->fired = true;
        boost::system::error_code ignored;
        s->socket->cancel(ignored);
    });
    co_await socket_.async_wait(wait_type, asio::redirect_error(asio::use_awaitable, ec));
    const bool fired = wait_state_->fired;
    ++wait_state_->generation;
    timer_.cancel();
    if (!ec) co_return want_read ? MYSQL_WAIT_READ : MYSQL_WAIT_WRITE;
    if (fired) co_return connector_timeout ? MYSQL_WAIT_TIMEOUT : kDeadlinePassed;
    co_return kWaitFailed;
}

void Connection::Abandon(int status, const std::function<int(int)>& cont) {
    broken_ = true;
    for (int step = 0; status != 0 && step < kAbandonSteps; ++step)
        status = cont(MYSQL_WAIT_TIMEOUT);
    if (status != 0) log::Warn("db: connector did not give up an abandoned operation");
    // The connector has closed its socket (or will be closed without I/O): forget it.
    DetachSocket();
}

asio::awaitable<Connection::Outcome> Connection::Finish(int status, Clock::time_point deadline,
                                                        std::function<int(int)> cont) {
    // Bounded by `deadline`: every iteration waits in WaitForEvents, which checks it.
    while (status != 0) {
        const int events = co_await WaitForEvents(status, deadline);
        if (events == kDeadlinePassed || events == kWaitFailed) {
            Abandon(status, cont);
            co_return events == kDeadlinePassed ? Outcome::kTimedOut : Outcome::kWaitFailed;
        }
        status = cont(events);
    }
    co_return Outcome::kDone;
}

asio::awaitable<DbResult<Ok>> Connection::Open(DbUrl url, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Close();
    // Connector/C would call getaddrinfo on the loop; resolve off it, then pass the literal.
    auto resolved = co_await ResolveHost(ex_, url.host, deadline);
    if (!resolved.ok()) co_return Error{Errc::kUnavailable, 0, std::move(resolved.error)};
    const std::string host = std::move(resolved.address);
    mysql_ = mysql_init(nullptr);
    if (mysql_ == nullptr) co_return Error{Errc::kUnavailable, 0, "mysql_init: out of memory"};
    broken_ = false;
    discard_ = false;
    unsigned int protocol = MYSQL_PROTOCOL_TCP;
    unsigned int local_infile = 0;  // the server must never be able to ask us for a local file
    if (mysql_options(mysql_, MYSQL_OPT_NONBLOCK, nullptr) != 0 ||
        mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4") != 0 ||
        mysql_options(mysql_, MYSQL_OPT_PROTOCOL, &protocol) != 0 ||
        mysql_options(mysql_, MYSQL_OPT_LOCAL_INFILE, &local_infile) != 0) {
        Error error{Errc::kUnavailable, mysql_errno(mysql_),
                    std::string("mysql_options: ") + mysql_error(mysql_)};
        Close();
        co_return error;
    }

    MYSQL* connected = nullptr;
    const int status = mysql_real_connect_start(
        &connected, mysql_, host.c_str(), url.user.c_str(), url.password.c_str(),
        url.database.empty() ? nullptr : url.database.c_str(), url.port, nullptr,
        CLIENT_MULTI_RESULTS);
    const Outcome outcome = co_await Finish(status, deadline, [this, &connected](int events) {
        return mysql_real_connect_cont(&connected, mysql_, events);
    });
    if (outcome != Outcome::kDone) {
        Close();
        co_return Error{Errc::kUnavailable, 0,
                        outcome == Outcome::kTimedOut
                            ? "connect to " + host + ":" + std::to_string(url.port) +
                                  " timed out after " + std::to_string(timeout.count()) + " ms"
                            : std::string("socket wait failed during connect")};
    }
    if (connected == nullptr) {
        // The connector has closed its socket on failure.
        DetachSocket();
        Error error{
            Errc::kUnavailable, mysql_errno(mysql_),
            "connect to " + host + ":" + std::to_string(url.port) + ": " + mysql_error(mysql_)};
        Close();
        co_return error;
    }
    for (const char* sql : kSessionSetup) {
        auto done = co_await QueryUntil(sql, deadline);
        if (!done) {
            Error error = std::move(done).error();
            error.code = Errc::kUnavailable;
            error.detail = std::string("session setup (") + sql + "): " + error.detail;
            broken_ = true;
            Close();
            co_return error;
        }
    }
    co_return Ok{};
}

asio::awaitable<DbResult<QueryResult>> Connection::Query(std::string sql, milliseconds timeout) {
    return QueryUntil(std::move(sql), Clock::now() + timeout);
}

namespace {

void CopyRows(MYSQL_RES* result, std::vector<Row>& rows) {
    const unsigned int fields = mysql_num_fields(result);
    rows.reserve(rows.size() + mysql_num_rows(result));
    // A stored result is in memory: fetching does no I/O.
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
        const unsigned long* lengths = mysql_fetch_lengths(result);
        Row& out = rows.emplace_back();
        out.cells.reserve(fields);
        for (unsigned int i = 0; i < fields; ++i) {
            if (row[i] == nullptr) {
                out.cells.emplace_back(std::nullopt);
            } else {
                out.cells.emplace_back(std::in_place, row[i], lengths[i]);
            }
        }
    }
}

}  // namespace

asio::awaitable<DbResult<QueryResult>> Connection::QueryUntil(std::string sql,
                                                              Clock::time_point deadline) {
    if (broken()) co_return Error{Errc::kUnavailable, 0, "connection is broken"};
    const auto started = Clock::now();
    auto timed_out = [&](Outcome outcome) {
        if (outcome == Outcome::kTimedOut) {
            return Error{Errc::kTimeout, 0,
                         "query timed out after " +
                             std::to_string(MillisecondsOf(Clock::now() - started)) + " ms"};
        }
        return Error{Errc::kUnavailable, 0, "socket wait failed during a query"};
    };

    int query_error = 0;
    int status = mysql_real_query_start(&query_error, mysql_, sql.data(), sql.size());
    Outcome outcome = co_await Finish(status, deadline, [this, &query_error](int events) {
        return mysql_real_query_cont(&query_error, mysql_, events);
    });
    if (outcome != Outcome::kDone) co_return timed_out(outcome);
    if (query_error != 0) co_return FailFromConnector(Errc::kQueryFailed);

    QueryResult out;
    bool first = true;
    for (int results = 0;; ++results) {
        if (results > kMaxExtraResults) {
            broken_ = true;  // unread results: out of step with the server
            co_return Error{Errc::kQueryFailed, 0, "statement returned too many results"};
        }
        if (mysql_field_count(mysql_) > 0) {
            MYSQL_RES* stored = nullptr;
            status = mysql_store_result_start(&stored, mysql_);
            outcome = co_await Finish(status, deadline, [this, &stored](int events) {
                return mysql_store_result_cont(&stored, mysql_, events);
            });
            if (outcome != Outcome::kDone) co_return timed_out(outcome);
            if (stored == nullptr) co_return FailFromConnector(Errc::kQueryFailed);
            if (first) CopyRows(stored, out.rows);
            mysql_free_result(stored);  // stored in memory: freeing does no I/O
        }
        if (first) {
            out.affected_rows = mysql_affected_rows(mysql_);
            out.insert_id = mysql_insert_id(mysql_);
            first = false;
        }
        // A CALL answers with more results; read them all so the connection stays in step.
        if (!mysql_more_results(mysql_)) break;
        int next_error = 0;
        status = mysql_next_result_start(&next_error, mysql_);
        outcome = co_await Finish(status, deadline, [this, &next_error](int events) {
            return mysql_next_result_cont(&next_error, mysql_, events);
        });
        if (outcome != Outcome::kDone) co_return timed_out(outcome);
        if (next_error > 0) co_return FailFromConnector(Errc::kQueryFailed);
        if (next_error < 0) break;
    }
    co_return out;
}

// ---- prepared statements ----------------------------------------------------------------------

asio::awaitable<DbResult<QueryResult>> Connection::Execute(std::string sql, Params params,
                                                           milliseconds timeout, bool cache) {
    return ExecuteUntil(std::move(sql), std::move(params), Clock::now() + timeout, cache);
}

asio::awaitable<void> Connection::CloseStatement(MYSQL_STMT* stmt, Clock::time_point deadline) {
    if (broken()) {
        orphans_.push_back(stmt);  // no I/O on a broken connection: freed by Close
        co_return;
    }
    my_bool close_error = 0;
    const int status = mysql_stmt_close_start(&close_error, stmt);
    // Frees `stmt` when it completes, whether the COM_STMT_CLOSE went out or not (a lost
    // connection then shows on the next statement).
    co_await Finish(status, deadline, [stmt, &close_error](int events) {
        return mysql_stmt_close_cont(&close_error, stmt, events);
    });
}

asio::awaitable<MYSQL_STMT*> Connection::Prepare(const std::string& sql, bool cache,
                                                 Clock::time_point deadline, Error& error) {
    if (cache) {
        if (auto it = statements_.find(sql); it != statements_.end()) {
            lru_.splice(lru_.begin(), lru_, it->second);
            co_return it->second->stmt;
        }
    }
    MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
    if (stmt == nullptr) {
        error = Error{Errc::kQueryFailed, 0, "mysql_stmt_init: out of memory"};
        co_return nullptr;
    }
    const auto started = Clock::now();
    int prepare_error = 0;
    const int status = mysql_stmt_prepare_start(&prepare_error, stmt, sql.data(), sql.size());
    const Outcome outcome = co_await Finish(status, deadline, [stmt, &prepare_error](int events) {
        return mysql_stmt_prepare_cont(&prepare_error, stmt, events);
    });
    if (outcome != Outcome::kDone) {
        orphans_.push_back(stmt);  // the connection is broken now
        if (outcome == Outcome::kTimedOut) {
            error = Error{Errc::kTimeout, 0,
                          "prepare timed out after " +
                              std::to_string(MillisecondsOf(Clock::now() - started)) + " ms"};
        } else {
            error = Error{Errc::kUnavailable, 0, "socket wait failed during a prepare"};
        }
        co_return nullptr;
    }
    if (prepare_error != 0) {
        error = FailFromStatement(stmt);
        co_await CloseStatement(stmt, deadline);
        co_return nullptr;
    }
    if (!cache) co_return stmt;
    if (lru_.size() >= kStatementCacheLimit) {
        // The map's key views the node's text: erase it before the node goes.
        statements_.erase(std::string_view(lru_.back().sql));
        MYSQL_STMT* evicted = lru_.back().stmt;
        lru_.pop_back();
        co_await CloseStatement(evicted, deadline);
        if (broken()) {
            orphans_.push_back(stmt);
            error = Error{Errc::kUnavailable, 0, "connection lost closing a cached statement"};
            co_return nullptr;
        }
    }
    lru_.push_front(CachedStatement{sql, stmt});
    statements_.emplace(lru_.front().sql, lru_.begin());
    co_return stmt;
}

asio::awaitable<DbResult<QueryResult>> Connection::ExecuteUntil(std::string sql, Params params,
                                                                Clock::time_point deadline,
                                                                bool cache) {
    if (broken()) co_return Error{Errc::kUnavailable, 0, "connection is broken"};
    Error prepare_failure{Errc::kQueryFailed, 0, ""};
    MYSQL_STMT* stmt = co_await Prepare(sql, cache, deadline, prepare_failure);
    if (stmt == nullptr) co_return prepare_failure;
    auto result = co_await RunPrepared(stmt, std::move(params), deadline);
    // A cached statement stays for the next call; an uncached one goes, whatever happened.
    if (!cache) co_await CloseStatement(stmt, deadline);
    co_return result;
}

asio::awaitable<DbResult<QueryResult>> Connection::RunPrepared(MYSQL_STMT* stmt, Params params,
                                                               Clock::time_point deadline) {
    const auto started = Clock::now();
    auto timed_out = [&](Outcome outcome) {
        if (outcome == Outcome::kTimedOut) {
            return Error{Errc::kTimeout, 0,
                         "statement timed out after " +
                             std::to_string(MillisecondsOf(Clock::now() - started)) + " ms"};
        }
        return Error{Errc::kUnavailable, 0, "socket wait failed during a statement"};
    };

    const unsigned long placeholders = mysql_stmt_param_count(stmt);
    if (placeholders != params.size()) {
        co_return Error{Errc::kQueryFailed, 0,
                        "statement has " + std::to_string(placeholders) + " placeholders, " +
                            std::to_string(params.size()) + " parameters given"};
    }
    // The binds point into `params`, which this frame keeps unmoved until the statement ran.
    std::vector<MYSQL_BIND> binds(params.size());
    std::vector<unsigned long> lengths(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        const ParamWire wire = WireOf(params[i]);
        MYSQL_BIND& bind = binds[i];
        bind.buffer_type = static_cast<enum_field_types>(wire.type);
        bind.buffer = const_cast<void*>(wire.data);  // only read when sending
        bind.buffer_length = wire.length;
        lengths[i] = wire.length;
        bind.length = &lengths[i];
        bind.is_unsigned = wire.is_unsigned ? 1 : 0;
    }
    if (!binds.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) {
        co_return FailFromStatement(stmt);
    }

    int execute_error = 0;
    int status = mysql_stmt_execute_start(&execute_error, stmt);
    Outcome outcome = co_await Finish(status, deadline, [stmt, &execute_error](int events) {
        return mysql_stmt_execute_cont(&execute_error, stmt, events);
    });
    if (outcome != Outcome::kDone) co_return timed_out(outcome);
    // A server error here (a duplicate key, a deadlock) leaves no result behind: the statement
    // is ready for its next execution.
    if (execute_error != 0) co_return FailFromStatement(stmt);

    QueryResult out;
    const unsigned int fields = mysql_stmt_field_count(stmt);
    if (fields == 0) {
        out.affected_rows = mysql_stmt_affected_rows(stmt);
        out.insert_id = mysql_stmt_insert_id(stmt);
    } else {
        int store_error = 0;
        status = mysql_stmt_store_result_start(&store_error, stmt);
        outcome = co_await Finish(status, deadline, [stmt, &store_error](int events) {
            return mysql_stmt_store_result_cont(&store_error, stmt, events);
        });
        if (outcome != Outcome::kDone) co_return timed_out(outcome);
        if (store_error != 0) {
            co_return FailedWithResultPending(stmt);
        }
        // Every column is fetched as text, converted by the connector, so rows read as Query's.
        std::string cells(static_cast<std::size_t>(fields) * kCellBytes, '\0');
        std::vector<MYSQL_BIND> columns(fields);
        std::vector<unsigned long> cell_lengths(fields);
        std::vector<my_bool> nulls(fields);
        std::vector<my_bool> truncated(fields);
        for (unsigned int i = 0; i < fields; ++i) {
            MYSQL_BIND& column = columns[i];
            column.buffer_type = MYSQL_TYPE_STRING;
            column.buffer = cells.data() + static_cast<std::size_t>(i) * kCellBytes;
            column.buffer_length = kCellBytes;
            column.length = &cell_lengths[i];
            column.is_null = &nulls[i];
            column.error = &truncated[i];
        }
        if (mysql_stmt_bind_result(stmt, columns.data()) != 0) {
            co_return FailedWithResultPending(stmt);
        }
        const auto stored_rows = mysql_stmt_num_rows(stmt);
        out.rows.reserve(stored_rows);
        // Bounded by the stored rows; a stored result is in memory, so fetching does no I/O.
        for (;;) {
            int fetched = 0;
            status = mysql_stmt_fetch_start(&fetched, stmt);
            outcome = co_await Finish(status, deadline, [stmt, &fetched](int events) {
                return mysql_stmt_fetch_cont(&fetched, stmt, events);
            });
            if (outcome != Outcome::kDone) co_return timed_out(outcome);
            if (fetched == MYSQL_NO_DATA) break;
            if (fetched != 0 && fetched != MYSQL_DATA_TRUNCATED) {
                co_return FailedWithResultPending(stmt);
            }
            Row& row = out.rows.emplace_back();
            row.cells.reserve(fields);
            for (unsigned int i = 0; i < fields; ++i) {
                if (nulls[i] != 0) {
                    row.cells.emplace_back(std::nullopt);
                    continue;
                }
                const unsigned long length = cell_lengths[i];
                if (length <= kCellBytes) {
                    row.cells.emplace_back(std::in_place,
                                           cells.data() + static_cast<std::size_t>(i) * kCellBytes,
                                           length);
                    continue;
                }
                std::string& cell = row.cells.emplace_back(std::in_place, length, '\0').value();
                MYSQL_BIND whole{};
                unsigned long whole_length = 0;
                whole.buffer_type = MYSQL_TYPE_STRING;
                whole.buffer = cell.data();
                whole.buffer_length = length;
                whole.length = &whole_length;
                if (mysql_stmt_fetch_column(stmt, &whole, i, 0) != 0) {
                    co_return FailedWithResultPending(stmt);
                }
            }
        }
        // As Query: a SELECT's affected_rows is its row count.
        out.affected_rows = stored_rows;
        out.insert_id = mysql_stmt_insert_id(stmt);
    }
    // A CALL answers with more results; read them all so the connection stays in step.
    for (int results = 0; mysql_stmt_more_results(stmt); ++results) {
        if (results > kMaxExtraResults) {
            broken_ = true;  // unread results: out of step with the server
            co_return Error{Errc::kQueryFailed, 0, "statement returned too many results"};
        }
        int next_error = 0;
        status = mysql_stmt_next_result_start(&next_error, stmt);
        outcome = co_await Finish(status, deadline, [stmt, &next_error](int events) {
            return mysql_stmt_next_result_cont(&next_error, stmt, events);
        });
        if (outcome != Outcome::kDone) co_return timed_out(outcome);
        if (next_error > 0) {
            co_return FailedWithResultPending(stmt);
        }
        if (next_error < 0) break;
        if (mysql_stmt_field_count(stmt) > 0) {
            int store_error = 0;
            status = mysql_stmt_store_result_start(&store_error, stmt);
            outcome = co_await Finish(status, deadline, [stmt, &store_error](int events) {
                return mysql_stmt_store_result_cont(&store_error, stmt, events);
            });
            if (outcome != Outcome::kDone) co_return timed_out(outcome);
            if (store_error != 0) co_return FailedWithResultPending(stmt);
        }
    }
    // Frees the stored rows (memory only: no cursor is open).
    my_bool free_error = 0;
    status = mysql_stmt_free_result_start(&free_error, stmt);
    outcome = co_await Finish(status, deadline, [stmt, &free_error](int events) {
        return mysql_stmt_free_result_cont(&free_error, stmt, events);
    });
    if (outcome != Outcome::kDone) co_return timed_out(outcome);
    co_return out;
}

}  // namespace hhplus::db::detail
