// db::Migrate against a real mariadbd: once, twice, incrementally, from ten pools at once,
// behind a lock held elsewhere, and with a failing migration.
#include "db/migrations.hpp"

#include <gtest/gtest.h>

#include <boost/asio/detached.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "tests/integration/db/db_test_util.hpp"
#include "tests/support/mariadb_server.hpp"

namespace hhplus::db {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::RunTask;
using test::RunUntil;
using test::WaitFor;

// One server for the suite; every test migrates its own empty database.
class MigrateTest : public test::SharedServerTest {
  protected:
    void SetUp() override {
        database_ =
            std::string("m_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        server_->Sql("CREATE DATABASE " + database_);
    }

    DbUrl Url() const {
        DbUrl url = test::UrlOf(server_->Url());
        url.database = database_;
        return url;
    }

    std::string Sql(const std::string& statement) const {
        return server_->Sql("USE " + database_ + "; " + statement);
    }

    std::string database_;
};

asio::awaitable<void> MigrateInto(Pool* pool, std::vector<Migration> migrations,
                                  std::optional<DbResult<int>>* out) {
    out->emplace(co_await Migrate(*pool, migrations));
}

int MustMigrate(asio::io_context& io, Pool& pool, const std::vector<Migration>& migrations) {
    std::optional<DbResult<int>> result;
    RunTask(io, MigrateInto(&pool, migrations, &result));
    if (!result.has_value()) {
        ADD_FAILURE() << "Migrate did not finish";
        return -1;
    }
    if (!*result) {
        ADD_FAILURE() << "Migrate failed: " << ErrcName(result->error().code) << " "
                      << result->error().detail;
        return -1;
    }
    return result->value();
}

TEST_F(MigrateTest, EmbeddedSchemaAppliesOnceThenNothing) {
    Pool pool(io_.get_executor(), Url(), PoolOptions{});
    const auto& embedded = EmbeddedMigrations();
    EXPECT_EQ(MustMigrate(io_, pool, embedded), static_cast<int>(embedded.size()));
    EXPECT_EQ(MustMigrate(io_, pool, embedded), 0);
    EXPECT_EQ(Sql("SELECT version, name, applied_at IS NOT NULL FROM schema_migrations "
                  "ORDER BY version LIMIT 1"),
              "1\tinit\t1\n");
    EXPECT_EQ(Sql("SELECT COUNT(*) FROM schema_migrations"),
              std::to_string(embedded.size()) + "\n");
    const std::string tables = Sql("SHOW TABLES");
    for (const char* table :
         {"users", "balance_logs", "coupons", "user_coupons", "idempotency_keys"}) {
        EXPECT_NE(tables.find(std::string(table) + "\n"), std::string::npos) << table;
    }
    EXPECT_EQ(Sql("SELECT IS_FREE_LOCK('hhplus_migrations')"), "1\n");
    EXPECT_EQ(pool.Busy(), 0u);
}

std::vector<Migration> FirstTwo() {
    // Given out of order on purpose: 2 depends on 1.
    return {
        {2, "child",
         "-- a child table; it needs the parent\n"
         "CREATE TABLE child (\n"
         "  id INT PRIMARY KEY,\n"
         "  parent_id INT NOT NULL,\n"
         "  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)\n"
         ") ENGINE=InnoDB;\n"},
        {1, "parent",
         "CREATE TABLE parent (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL);\n"
         "# seed rows; note the semicolons inside the literals\n"
         "INSERT INTO parent VALUES (1, 'a;b'), (2, 'it''s;');\n"
         "/* trailing comment */\n"},
    };
}

TEST_F(MigrateTest, AppliesOnlyMissingVersionsInOrder) {
    Pool pool(io_.get_executor(), Url(), PoolOptions{});
    auto migrations = FirstTwo();
    EXPECT_EQ(MustMigrate(io_, pool, migrations), 2);
    EXPECT_EQ(Sql("SELECT note FROM parent ORDER BY id"), "a;b\nit's;\n");

    migrations.push_back(
        {3, "child_note", "ALTER TABLE child ADD COLUMN note VARCHAR(10) NOT NULL DEFAULT 'x;y';"});
    EXPECT_EQ(MustMigrate(io_, pool, migrations), 1);
    EXPECT_EQ(MustMigrate(io_, pool, migrations), 0);
    EXPECT_EQ(Sql("SELECT version, name FROM schema_migrations ORDER BY version"),
              "1\tparent\n2\tchild\n3\tchild_note\n");
    EXPECT_EQ(Sql("INSERT INTO child (id, parent_id) VALUES (1, 2); SELECT note FROM child"),
              "x;y\n");
}

TEST_F(MigrateTest, TenInstancesAtOnceApplyEachVersionOnce) {
    constexpr int kInstances = 10;
    const auto& embedded = EmbeddedMigrations();
    std::vector<std::unique_ptr<Pool>> pools;
    std::vector<std::optional<DbResult<int>>> results(kInstances);
    PoolOptions options;
    options.size = 2;
    for (int i = 0; i < kInstances; ++i) {
        pools.push_back(std::make_unique<Pool>(io_.get_executor(), Url(), options));
    }
    for (int i = 0; i < kInstances; ++i) {
        asio::co_spawn(io_, MigrateInto(pools[i].get(), embedded, &results[i]), asio::detached);
    }
    ASSERT_TRUE(RunUntil(io_, [&] {
        for (const auto& r : results) {
            if (!r.has_value()) return false;
        }
        return true;
    }));
    int applied = 0;
    for (const auto& r : results) {
        ASSERT_TRUE(r->ok()) << ErrcName(r->error().code) << " " << r->error().detail;
        applied += r->value();
    }
    EXPECT_EQ(applied, static_cast<int>(embedded.size()));
    EXPECT_EQ(Sql("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations"),
              std::to_string(embedded.size()) + "\t" + std::to_string(embedded.size()) + "\n");
    EXPECT_NE(Sql("SHOW TABLES").find("user_coupons\n"), std::string::npos);
}

struct LockHolder {
    bool locked = false;
    bool release = false;
    bool done = false;
};

// Holds the migration lock on its own connection until told to let go.
asio::awaitable<void> HoldMigrationLock(Pool* pool, LockHolder* holder) {
    auto conn = co_await pool->Acquire();
    CO_ASSERT_OK(conn);
    auto r = co_await conn->Query("SELECT GET_LOCK('hhplus_migrations', 0)");
    CO_ASSERT_OK(r);
    CO_ASSERT_TRUE(r->rows[0].Int(0) == 1);
    holder->locked = true;
    co_await WaitFor([holder] { return holder->release; }, 60000ms);
    r = co_await conn->Query("SELECT RELEASE_LOCK('hhplus_migrations')");
    CO_ASSERT_OK(r);
    holder->done = true;
}

TEST_F(MigrateTest, WaitsForTheLockHeldByAnotherInstance) {
    Pool other(io_.get_executor(), Url(), PoolOptions{});
    Pool pool(io_.get_executor(), Url(), PoolOptions{});
    LockHolder holder;
    asio::co_spawn(io_, HoldMigrationLock(&other, &holder), asio::detached);
    ASSERT_TRUE(RunUntil(io_, [&] { return holder.locked; }));

    std::optional<DbResult<int>> result;
    asio::co_spawn(io_, MigrateInto(&pool, FirstTwo(), &result), asio::detached);
    // Wait until our GET_LOCK is really waiting on the server, then check it did not proceed.
    ASSERT_TRUE(RunUntil(io_, [&] {
        return server_->Sql(
                   "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
                   "INFO LIKE 'SELECT GET_LOCK(''hhplus_migrations'', 60)%'") == "1\n";
    }));
    EXPECT_FALSE(result.has_value());
    EXPECT_EQ(Sql("SHOW TABLES LIKE 'parent'"), "");

    holder.release = true;
    ASSERT_TRUE(RunUntil(io_, [&] { return result.has_value() && holder.done; }));
    ASSERT_TRUE(result->ok()) << result->error().detail;
    EXPECT_EQ(result->value(), 2);
}

TEST_F(MigrateTest, FailingMigrationIsReportedUnrecordedAndReleasesTheLock) {
    Pool pool(io_.get_executor(), Url(), PoolOptions{});
    std::vector<Migration> migrations = {
        {1, "good", "CREATE TABLE good (id INT PRIMARY KEY);"},
        {2, "broken", "CREATE TABLE half (id INT PRIMARY KEY);\nTHIS IS NOT SQL;\n"},
        {3, "never", "CREATE TABLE never (id INT PRIMARY KEY);"},
    };
    std::optional<DbResult<int>> result;
    RunTask(io_, MigrateInto(&pool, migrations, &result));
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->ok());
    EXPECT_EQ(result->error().code, Errc::kQueryFailed);
    EXPECT_EQ(result->error().server_errno, 1064u);
    EXPECT_NE(result->error().detail.find("0002_broken"), std::string::npos)
        << result->error().detail;
    EXPECT_NE(result->error().detail.find("statement 2 of 2"), std::string::npos)
        << result->error().detail;
    EXPECT_EQ(Sql("SELECT version FROM schema_migrations"), "1\n");
    EXPECT_EQ(Sql("SHOW TABLES LIKE 'never'"), "");
    EXPECT_EQ(Sql("SELECT IS_FREE_LOCK('hhplus_migrations')"), "1\n");
}

TEST_F(MigrateTest, RejectsDuplicateVersions) {
    Pool pool(io_.get_executor(), Url(), PoolOptions{});
    std::vector<Migration> migrations = {{1, "a", "SELECT 1"}, {1, "b", "SELECT 2"}};
    std::optional<DbResult<int>> result;
    RunTask(io_, MigrateInto(&pool, migrations, &result));
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->ok());
    EXPECT_EQ(result->error().code, Errc::kQueryFailed);
    EXPECT_EQ(Sql("SHOW TABLES"), "");  // nothing touched, not even schema_migrations
}

}  // namespace
}  // namespace hhplus::db
