#pragma once
// Internal to db/: one MariaDB connection driven by the Connector/C non-blocking API
// (MYSQL_OPT_NONBLOCK, *_start/*_cont) on an Asio descriptor. The connector tells us what to
// wait for (MYSQL_WAIT_READ/WRITE/TIMEOUT); we wait for it on the loop and resume it.
//
// Not thread-safe; one operation at a time. Every operation has a deadline: when it passes, the
// connector is resumed with MYSQL_WAIT_TIMEOUT until it gives up (so it frees its own socket and
// state), and the connection is broken. A broken connection fails every later Query with
// kUnavailable and is closed by its owner.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "db/pool.hpp"

struct st_mysql;       // MYSQL, kept out of this header so no caller sees <mysql.h>
struct st_mysql_stmt;  // MYSQL_STMT

namespace hhplus::db::detail {

// How a server/client error number maps to what the caller can do (see pool.hpp).
Errc ClassifyErrno(unsigned server_errno);
// True when the error leaves the connection unusable (client-side errors, server going away).
bool BreaksConnection(unsigned server_errno);

// How one parameter goes on the wire (MYSQL_BIND): a MYSQL_TYPE_* code, its signedness, and
// its bytes, which point into `param` (keep it alive and unmoved until the statement ran).
// Kept free of <mysql.h> types so unit tests can check it without the connector's headers.
struct ParamWire {
    int type = 0;  // enum_field_types
    bool is_unsigned = false;
    const void* data = nullptr;
    unsigned long length = 0;  // bytes at `data` (strings may hold NUL)
};
ParamWire WireOf(const Param& param);

// Prepared statements one connection keeps (per connection, so the pool holds up to 8× this).
// The stores use 54 fixed texts, plus 13 list shapes (IN lists, CASE arms, OR-ed key pairs) of
// up to 10 padded lengths each (db/params.hpp), of which a workload uses a few at a time:
// 54 + 13 × 5 = 119 < 128. On the server: 8 connections × 128 = 1,024 statements per process,
// so 16 processes stay within max_prepared_stmt_count's default of 16,382. Past the bound the
// least recently used one is closed (COM_STMT_CLOSE, no reply) and prepared again when needed.
constexpr std::size_t kStatementCacheLimit = 128;

class Connection {
  public:
    explicit Connection(boost::asio::any_io_executor ex);
    ~Connection();  // closes; never blocks (see Close)
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Suspends. Resolves a host name if needed, connects and runs the session setup (utf8mb4,
    // UTC, READ COMMITTED), all within `timeout`. Every failure is kUnavailable and leaves the
    // connection broken.
    boost::asio::awaitable<DbResult<Ok>> Open(DbUrl url, std::chrono::milliseconds timeout);

    // Suspends. One statement, all its rows, within `timeout`.
    boost::asio::awaitable<DbResult<QueryResult>> Query(std::string sql,
                                                        std::chrono::milliseconds timeout);

    // Suspends. One prepared statement (PooledConnection::Execute): prepared on first use and
    // cached by its text when `cache`, else closed afterwards. Deadline and errors as Query.
    boost::asio::awaitable<DbResult<QueryResult>> Execute(std::string sql, Params params,
                                                          std::chrono::milliseconds timeout,
                                                          bool cache);
    std::size_t CachedStatements() const { return statements_.size(); }

    // Don't reuse: the owner closes it when done. Queries still run (the session may be fine,
    // only its state is unwanted, e.g. a changed sql_mode or an unknown transaction state).
    void MarkBroken() { discard_ = true; }
    // The connection failed (connection error, timeout): every later Query fails at once.
    bool broken() const { return broken_ || mysql_ == nullptr; }
    bool reusable() const { return !broken() && !discard_; }
    // The last reply said a transaction is open (START TRANSACTION without COMMIT/ROLLBACK).
    bool InTransaction() const;
    // For an idle connection: false when the server has sent anything since (an idle
    // connection receives nothing but the server's goodbye: shutdown, kill, wait_timeout) or the
    // peer closed. One poll(2) with timeout 0; no protocol traffic.
    bool LooksAlive() const;

    // Releases the descriptor from Asio and closes the connection. Never blocks: a healthy
    // connection sends COM_QUIT into an empty socket buffer; a broken one is shut down first.
    void Close();

  private:
    // Sentinels returned by WaitForEvents besides MYSQL_WAIT_* flags.
    static constexpr int kDeadlinePassed = 0;
    static constexpr int kWaitFailed = -1;
    enum class Outcome { kDone, kTimedOut, kWaitFailed };
    using Clock = std::chrono::steady_clock;

    boost::asio::awaitable<DbResult<QueryResult>> QueryUntil(std::string sql,
                                                             Clock::time_point deadline);
    // Drives a started operation (`status` from *_start) to completion with `cont`.
    boost::asio::awaitable<Outcome> Finish(int status, Clock::time_point deadline,
                                           std::function<int(int)> cont);
    boost::asio::awaitable<int> WaitForEvents(int status, Clock::time_point deadline);
    // Resumes the connector with MYSQL_WAIT_TIMEOUT until it gives up the operation.
    void Abandon(int status, const std::function<int(int)>& cont);
    boost::asio::awaitable<DbResult<QueryResult>> ExecuteUntil(std::string sql, Params params,
                                                               Clock::time_point deadline,
                                                               bool cache);
    // Binds, executes and reads all rows of a prepared statement.
    boost::asio::awaitable<DbResult<QueryResult>> RunPrepared(st_mysql_stmt* stmt, Params params,
                                                              Clock::time_point deadline);
    // The cached statement for `sql`, else a newly prepared one (cached when `cache`, evicting
    // the least recently used beyond kStatementCacheLimit). nullptr with `error` set on failure.
    boost::asio::awaitable<st_mysql_stmt*> Prepare(const std::string& sql, bool cache,
                                                   Clock::time_point deadline, Error& error);
    // Sends COM_STMT_CLOSE (no reply) and frees the statement. Suspends only if the socket
    // buffer is full.
    boost::asio::awaitable<void> CloseStatement(st_mysql_stmt* stmt, Clock::time_point deadline);
    // Frees every statement's memory without I/O; for after mysql_close (the server drops a
    // connection's statements with it).
    void ForgetStatements();
    Error FailFromStatement(st_mysql_stmt* stmt);
    Error FailedWithResultPending(st_mysql_stmt* stmt);
    bool AttachSocket();
    void DetachSocket();
    Error FailFromConnector(Errc fallback_for_server_errors);

    // Shared with pending timer handlers so a late handler can tell it is stale (the generation
    // moved on) or that the connection is gone (weak_ptr expired).
    struct WaitState {
        boost::asio::posix::stream_descriptor* socket = nullptr;
        unsigned long generation = 0;
        bool fired = false;
    };

    boost::asio::any_io_executor ex_;
    st_mysql* mysql_ = nullptr;
    boost::asio::posix::stream_descriptor socket_;
    int attached_fd_ = -1;
    boost::asio::steady_timer timer_;
    std::shared_ptr<WaitState> wait_state_;
    bool broken_ = false;
    bool discard_ = false;
    // Cached statements, most recently used first; the map's keys view the list's own texts.
    struct CachedStatement {
        std::string sql;
        st_mysql_stmt* stmt = nullptr;
    };
    std::list<CachedStatement> lru_;
    // Statements that could not be closed because the connection broke; freed (without I/O)
    // after mysql_close.
    std::vector<st_mysql_stmt*> orphans_;
    std::unordered_map<std::string_view, std::list<CachedStatement>::iterator> statements_;
};

}  // namespace hhplus::db::detail
