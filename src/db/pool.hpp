#pragma once
// Asynchronous MariaDB access: a bounded pool of non-blocking Connector/C connections driven by
// the process's single io_context.
//
// Contract (read before using):
// - Everything here runs on the one thread that runs the io_context; nothing is thread-safe.
// - Calls returning `awaitable` suspend the calling coroutine; nothing ever blocks the loop.
// - Errors are values (`DbResult`), never exceptions. `Errc` says what the caller can do:
//     kUnavailable   the server is unreachable or the connection died (→ S002 / 503). The
//                    connection is broken and the pool replaces it on the next Acquire.
//     kTimeout       the query did not finish within query_timeout; the connection is broken
//                    (whatever the server did with the statement is unknown: it may commit).
//     kPoolExhausted no connection within acquire_timeout, or the wait queue is full (→ S001).
//     kDuplicateKey  1062: the unique key the caller relies on said no (e.g. "already issued").
//     kDeadlock      1213/1205: InnoDB rolled the statement (1205) or transaction (1213) back;
//                    retry the whole transaction.
//     kQueryFailed   any other server error (SQL bug, constraint): `detail` has the message.
//     kCancelled     the pool was closed.
// - Ownership: Acquire lends a connection as a move-only PooledConnection; destroying it gives
//   the connection back. A connection given back inside an open transaction is closed (the
//   server rolls it back), never reused. PooledConnection and pending Acquire calls may outlive
//   the Pool object safely (they keep its shared state alive).
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/urls.hpp"
#include "db/params.hpp"

namespace hhplus::db {

enum class Errc {
    kUnavailable,
    kTimeout,
    kPoolExhausted,
    kDuplicateKey,
    kDeadlock,
    kQueryFailed,
    kCancelled
};

// Name of the enumerator without the k ("Unavailable"), for logs.
const char* ErrcName(Errc code);

struct Error {
    Errc code;
    unsigned server_errno = 0;  // MariaDB/Connector error number; 0 for the pool's own errors
    std::string detail;         // for the log only
};

template <class T>
using DbResult = hhplus::Result<T, Error>;

// One result row: every cell is the value as text (the server's text for Query, the connector's
// conversion of the binary value for Execute, which reads the same), or nullopt for NULL.
struct Row {
    std::vector<std::optional<std::string>> cells;

    std::size_t size() const { return cells.size(); }
    bool IsNull(std::size_t i) const;
    std::int64_t Int(std::size_t i) const;        // parses the text cell; 0 for NULL or non-numbers
    std::uint64_t UInt(std::size_t i) const;      // for BIGINT UNSIGNED; 0 for NULL or non-numbers
    const std::string& Str(std::size_t i) const;  // "" for NULL
};

struct QueryResult {
    std::vector<Row> rows;
    // Rows changed by INSERT/UPDATE/DELETE (changed, not merely matched: an UPDATE that writes
    // the values a row already has counts 0); rows returned by a SELECT.
    std::uint64_t affected_rows = 0;
    std::uint64_t insert_id = 0;  // AUTO_INCREMENT id of the first row inserted, else 0
};

// DATABASE_URL, parsed by common/urls.hpp (one parser for every URL the server takes). A host
// name is resolved off the loop before each connect (Compose service names).
using DbUrl = ::hhplus::DatabaseUrl;
using ::hhplus::ParseDatabaseUrl;

struct PoolOptions {
    // Connections.
    std::size_t size = 8;
    // Coroutines waiting for a connection; beyond → kPoolExhausted at once.
    std::size_t wait_queue_limit = 1024;
    // Longest wait for a free connection → kPoolExhausted (caller maps to 503).
    std::chrono::milliseconds acquire_timeout{2000};
    // Longest connect + session setup → kUnavailable.
    std::chrono::milliseconds connect_timeout{2000};
    // Longest Query → kTimeout (the connection is then closed).
    std::chrono::milliseconds query_timeout{5000};
};

namespace detail {
class Connection;
struct PoolCore;
}  // namespace detail

// A connection lent by the pool. Move-only; returns the connection when destroyed. One query at
// a time: don't start a Query while another on the same handle is suspended.
class PooledConnection {
  public:
    PooledConnection();  // empty: Query fails with kUnavailable
    PooledConnection(PooledConnection&& other) noexcept;
    PooledConnection& operator=(PooledConnection&& other) noexcept;
    PooledConnection(const PooledConnection&) = delete;
    PooledConnection& operator=(const PooledConnection&) = delete;
    ~PooledConnection();

    // Suspends. Sends exactly one statement (no multi-statements) and reads all its rows.
    // Bounded by the pool's query_timeout, or by `timeout` for the rare long statement (DDL,
    // GET_LOCK). The handle must stay alive until the awaitable completes.
    boost::asio::awaitable<DbResult<QueryResult>> Query(std::string sql);
    boost::asio::awaitable<DbResult<QueryResult>> Query(std::string sql,
                                                        std::chrono::milliseconds timeout);

    // Suspends. One statement with `?` placeholders, prepared on this connection (db/params.hpp
    // for the parameters), and all its rows, in the same QueryResult shape as Query: each cell is
    // the value as text (numbers in decimal, DATETIME as 'YYYY-MM-DD hh:mm:ss[.ffffff]'), or
    // nullopt for NULL. The prepared statement is kept for the next Execute of the same text on
    // this connection (a bounded cache, db/connection.hpp); a new connection prepares again.
    // Same deadlines (query_timeout, or `timeout`) and errors as Query; a parameter count that
    // does not match the placeholders is kQueryFailed and sends nothing.
    // Use it for every statement with values that vary; fixed statements may stay on Query.
    boost::asio::awaitable<DbResult<QueryResult>> Execute(std::string sql, Params params);
    boost::asio::awaitable<DbResult<QueryResult>> Execute(std::string sql, Params params,
                                                          std::chrono::milliseconds timeout);
    // As Execute, but the statement is closed afterwards instead of cached: for texts whose
    // shape varies too much to reuse (a multi-row INSERT of n rows), which would otherwise push
    // the reused statements out of the cache. One more round trip than Execute on a cache hit.
    boost::asio::awaitable<DbResult<QueryResult>> ExecuteOnce(std::string sql, Params params);

    // Prepared statements this connection holds (0 for an empty handle). For tests and metrics.
    std::size_t CachedStatements() const;

    // Close instead of reuse when given back (e.g. after a timeout mid-transaction, or after
    // changing session state). Later queries on this handle still run.
    void MarkBroken();

    bool valid() const { return conn_ != nullptr; }

  private:
    friend struct detail::PoolCore;
    PooledConnection(std::shared_ptr<detail::PoolCore> core,
                     std::unique_ptr<detail::Connection> conn);
    void GiveBack();

    std::shared_ptr<detail::PoolCore> core_;
    std::unique_ptr<detail::Connection> conn_;
};

class Pool {
  public:
    // Connects lazily: no connection is opened before the first Acquire. `url.host` is an IP
    // literal, or a host name resolved off the loop (within connect_timeout) before each
    // connect. Destroy the Pool before its io_context.
    Pool(boost::asio::any_io_executor ex, DbUrl url, PoolOptions options);
    ~Pool();  // as Close(), without suspending
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Suspends. An idle connection (checked for a server-side close first), else a new one if
    // fewer than `size` exist, else a FIFO wait of at most acquire_timeout. Errors:
    // kPoolExhausted (queue full or waited too long), kUnavailable (connect failed or took longer
    // than connect_timeout), kCancelled (closed). Worst case duration: acquire_timeout +
    // connect_timeout.
    boost::asio::awaitable<DbResult<PooledConnection>> Acquire();

    // Fails every waiter with kCancelled and closes the idle connections; lent ones are closed
    // when given back. Acquire fails with kCancelled afterwards.
    boost::asio::awaitable<void> Close();

    // Open connections waiting in the pool (one the server closed meanwhile counts until an
    // Acquire finds and drops it).
    std::size_t Idle() const;
    std::size_t Busy() const;     // connections lent out (handles alive or handed to a waiter)
    std::size_t Waiting() const;  // Acquire calls queued for a connection

    // Called once per Acquire with the seconds it took, whatever the outcome (metrics
    // histogram). Immediate acquisitions report ~0.
    void SetWaitObserver(std::function<void(double seconds)> observer);

  private:
    std::shared_ptr<detail::PoolCore> core_;
};

// A multi-row INSERT of `rows` rows (`sql` holds one group of placeholders per row): Execute
// for one row (one text, reused), ExecuteOnce for more (one text per row count: caching them
// would push the reused statements out). `c` must outlive the call.
boost::asio::awaitable<DbResult<QueryResult>> ExecuteRows(PooledConnection& c, std::string sql,
                                                          Params params, std::size_t rows);

// Convenience: runs "START TRANSACTION" / "COMMIT" / "ROLLBACK". `c` must outlive the call.
boost::asio::awaitable<DbResult<Ok>> Begin(PooledConnection& c);
boost::asio::awaitable<DbResult<Ok>> Commit(PooledConnection& c);
boost::asio::awaitable<void> Rollback(PooledConnection& c);  // best effort; marks broken on failure

}  // namespace hhplus::db
