#pragma once
// Schema migrations: the SQL files in migrations/NNNN_name.sql, embedded into the binary at
// build time, applied in version order and recorded in schema_migrations.
//
// Contract: Migrate suspends; it holds the server-side lock GET_LOCK('hhplus_migrations') while
// it works, so any number of instances may start at once: one applies, the others wait and then
// find nothing left to do. Migrations are not transactional (MariaDB commits DDL implicitly): a
// migration that fails half-way is not recorded, its error names the version and statement,
// and it must be repaired by hand before the next start.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"

namespace hhplus::db {

struct Migration {
    int version;
    std::string name;
    std::string sql;
};

// Generated at build time from migrations/NNNN_name.sql (src/db/embed_migrations.cmake), in
// version order.
const std::vector<Migration>& EmbeddedMigrations();

// Applies every migration whose version is not yet in schema_migrations, in version order.
// Returns how many were applied now (0 when the schema is current). `migrations` is copied when
// Migrate is called, so it may be a temporary; `pool` must outlive the awaitable. Errors: those
// of Acquire/Query; kTimeout when another instance held the lock for 60 s; kQueryFailed for a
// failing migration (detail: version, name, statement number, server message) or a list with a
// duplicate version.
boost::asio::awaitable<DbResult<int>> Migrate(Pool& pool, const std::vector<Migration>& migrations);

// Splits a migration file into statements at each ';' outside quotes and comments. Comments
// (-- …, # …, /* … */) stay in the statement text; pieces holding nothing but comments and
// blanks are dropped. Pure.
std::vector<std::string> SplitSqlStatements(std::string_view script);

}  // namespace hhplus::db
