// Combined charges (BalanceService + BalanceStore::ChargeBatch) against a real MariaDB: many
// concurrent charges on one user share transactions, and every request still gets exactly the
// answer the serial path would have given it: balances to the won, one log row per applied
// charge, idempotency keys applied once, a refusal in the middle of a batch refused alone, a
// failed transaction answered for each of its charges alike and never half-applied.
#include <utility>

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <set>
#include <sstream>

#include "domain/balance/balance_service.hpp"
#include "tests/integration/domain/domain_fixture.hpp"

namespace hhplus {
namespace {

namespace asio = boost::asio;
using balance::kMaxBalance;

class BalanceCombining : public DomainFixture {
  protected:
    void SetUp() override {
        // The tests assert exact outcomes, not capacity: waits long enough that a busy machine
        // never turns a slow answer into S001 / S002 (the fixture's pool waits 120 s too).
        run_bound_ = std::chrono::seconds(180);
        DomainFixture::SetUp();
        store_ = std::make_unique<balance::BalanceStore>(*pool_);
        store_->SetRetryWindow(std::chrono::seconds(60));
        service_ = std::make_unique<balance::BalanceService>(*store_, clock_);
        service_->SetChargeWaitBudget(std::chrono::seconds(120));
    }

    struct Charge {
        std::int64_t amount;
        std::optional<std::string> key;
    };
    // Spawns every charge before the loop runs (so they all queue together behind the first,
    // in this order), runs them all, returns the answers in the same order.
    std::vector<Result<std::int64_t>> ChargeAll(std::int64_t user,
                                                const std::vector<Charge>& charges) {
        std::vector<std::optional<Result<std::int64_t>>> answers(charges.size());
        std::size_t done = 0;
        auto one = [&](std::size_t i) -> asio::awaitable<void> {
            std::optional<std::string> key = charges[i].key;
            answers[i].emplace(co_await service_->Charge(user, charges[i].amount, std::move(key)));
            ++done;
        };
        for (std::size_t i = 0; i < charges.size(); ++i)
            asio::co_spawn(io_, one(i), asio::detached);
        RunUntil([&] { return done == charges.size(); });
        std::vector<Result<std::int64_t>> out;
        for (auto& a : answers)
            out.push_back(a ? std::move(*a)
                            : Result<std::int64_t>(MakeError(ErrorCode::kInternal, "no answer")));
        return out;
    }

    struct LogLine {
        std::int64_t amount, before, after;
    };
    std::vector<LogLine> LogsInOrder(std::int64_t user) {
        std::istringstream in(db_.Sql(
            "SELECT amount, before_amount, after_amount FROM balance_logs WHERE user_id = " +
            std::to_string(user) + " ORDER BY id"));
        std::vector<LogLine> logs;
        LogLine l{};
        while (in >> l.amount >> l.before >> l.after) logs.push_back(l);
        return logs;
    }
    // Through the server's own protocol, one statement whole (the command-line client would
    // split a trigger body at its semicolons).
    void Exec(std::string sql) {
        auto run = [&]() -> asio::awaitable<bool> {
            auto conn = co_await pool_->Acquire();
            if (!conn.ok()) co_return false;
            auto r = co_await conn->Query(sql);
            co_return r.ok();
        };
        ASSERT_TRUE(Run(run())) << sql;
    }
    std::int64_t BalanceOf(std::int64_t user) {
        return std::stoll(db_.Sql("SELECT balance FROM users WHERE id = " + std::to_string(user)));
    }

    std::unique_ptr<balance::BalanceStore> store_;
    std::unique_ptr<balance::BalanceService> service_;
};

TEST_F(BalanceCombining, FiveHundredConcurrentChargesOnOneUserAreExactAndCombined) {
    const auto user = NewUser("hot@test.co");
    constexpr int kCharges = 500;
    std::vector<Charge> charges;
    std::int64_t sum = 0;
    for (int i = 0; i < kCharges; ++i) {
        charges.push_back(
            Charge{i + 1, std::nullopt});  // distinct amounts: each answer is traceable
        sum += i + 1;
    }
    const auto batches_before = service_->ChargeBatches();
    const auto answers = ChargeAll(user, charges);
    const auto batches = service_->ChargeBatches() - batches_before;

    EXPECT_EQ(BalanceOf(user), sum);
    const auto logs = LogsInOrder(user);
    ASSERT_EQ(logs.size(), static_cast<std::size_t>(kCharges));
    // One unbroken chain: the account really went through each `after`, in id order.
    std::int64_t running = 0;
    std::map<std::int64_t, std::int64_t> after_of_amount;
    for (const auto& log : logs) {
        EXPECT_EQ(log.before, running);
        EXPECT_EQ(log.after, log.before + log.amount);
        running = log.after;
        after_of_amount[log.amount] = log.after;
    }
    EXPECT_EQ(running, sum);
    // Each request's answer is the balance right after its own charge.
    std::int64_t highest = 0;
    for (int i = 0; i < kCharges; ++i) {
        ASSERT_TRUE(answers[i].ok()) << i << ": " << answers[i].error().detail;
        EXPECT_EQ(answers[i].value(), after_of_amount.at(i + 1)) << "charge of " << i + 1;
        highest = std::max(highest, answers[i].value());
    }
    EXPECT_EQ(highest, sum);
    // Combined: all 500 were queued before the first transaction could finish.
    EXPECT_LT(batches, static_cast<std::uint64_t>(kCharges));
    EXPECT_GE(batches, 1u);
    // Arrival order is kept: the first spawned charge is the first log row.
    EXPECT_EQ(logs.front().amount, 1);
}

TEST_F(BalanceCombining, TheSameKeyFiftyTimesAtOnceIsAppliedOnceAndAnsweredAlike) {
    const auto user = NewUser("retry@test.co");
    std::vector<Charge> charges(50, Charge{300, std::string("pay-1")});
    const auto answers = ChargeAll(user, charges);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_TRUE(answers[i].ok()) << i << ": " << answers[i].error().detail;
        EXPECT_EQ(answers[i].value(), 300) << i;
    }
    EXPECT_EQ(BalanceOf(user), 300);
    EXPECT_EQ(LogsInOrder(user).size(), 1u);
    EXPECT_EQ(db_.Sql("SELECT status_code, response_body FROM idempotency_keys WHERE user_id = " +
                      std::to_string(user)),
              "200\t300\n");
}

TEST_F(BalanceCombining, MixedKeysInOneBatchGetTheSerialAnswers) {
    const auto user = NewUser("mixed@test.co");
    // A key answered before the batch: replayed, not charged again.
    auto pre = Run(service_->Charge(user, 5, std::string("pre")));
    ASSERT_TRUE(pre.ok());
    ASSERT_EQ(pre.value(), 5);
    const std::vector<Charge> charges = {
        {10, "k1"},         // 15
        {1, std::nullopt},  // 16
        {20, "k2"},         // 36
        {10, "k1"},         // replay: 15
        {11, "k1"},         // another amount: B002
        {5, "pre"},         // stored before: 5
        {2, std::nullopt},  // 38
        {20, "k2"},         // replay: 36
        {6, "pre"},         // B002
    };
    const auto answers = ChargeAll(user, charges);
    const std::vector<std::int64_t> expected_ok = {15, 16, 36, 15, -1, 5, 38, 36, -1};
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (expected_ok[i] < 0) {
            ASSERT_FALSE(answers[i].ok()) << i;
            EXPECT_EQ(answers[i].error().code, ErrorCode::kIdempotencyKeyMismatch) << i;
        } else {
            ASSERT_TRUE(answers[i].ok()) << i << ": " << answers[i].error().detail;
            EXPECT_EQ(answers[i].value(), expected_ok[i]) << i;
        }
    }
    EXPECT_EQ(BalanceOf(user), 38);
    EXPECT_EQ(LogsInOrder(user).size(), 5u);  // pre, k1, 1, k2, 2
    EXPECT_EQ(
        db_.Sql(
            "SELECT idem_key, status_code, response_body FROM idempotency_keys WHERE user_id = " +
            std::to_string(user) + " ORDER BY idem_key"),
        "k1\t200\t15\nk2\t200\t36\npre\t200\t5\n");
}

TEST_F(BalanceCombining, AChargeThatWouldPassTheCapMidBatchIsRefusedAlone) {
    const auto user = NewUser("cap@test.co");
    const std::int64_t start = kMaxBalance - 100;
    db_.Sql("UPDATE users SET balance = " + std::to_string(start) +
            " WHERE id = " + std::to_string(user));
    const std::vector<Charge> charges = {
        {40, std::nullopt},  // start + 40
        {50, std::nullopt},  // start + 90
        {30, "over"},        // would be start + 120 > cap: B001, stored
        {10, std::nullopt},  // start + 100 = the cap exactly
        {30, "over"},        // replay of the stored refusal
        {1, std::nullopt},   // B001
    };
    const auto answers = ChargeAll(user, charges);
    ASSERT_TRUE(answers[0].ok());
    EXPECT_EQ(answers[0].value(), start + 40);
    ASSERT_TRUE(answers[1].ok());
    EXPECT_EQ(answers[1].value(), start + 90);
    ASSERT_FALSE(answers[2].ok());
    EXPECT_EQ(answers[2].error().code, ErrorCode::kBalanceLimitExceeded);
    ASSERT_TRUE(answers[3].ok());
    EXPECT_EQ(answers[3].value(), kMaxBalance);
    ASSERT_FALSE(answers[4].ok());
    EXPECT_EQ(answers[4].error().code, ErrorCode::kBalanceLimitExceeded);
    ASSERT_FALSE(answers[5].ok());
    EXPECT_EQ(answers[5].error().code, ErrorCode::kBalanceLimitExceeded);
    EXPECT_EQ(BalanceOf(user), kMaxBalance);
    EXPECT_EQ(LogsInOrder(user).size(), 3u);
    EXPECT_EQ(db_.Sql("SELECT status_code FROM idempotency_keys WHERE user_id = " +
                      std::to_string(user) + " AND idem_key = 'over'"),
              "409\n");
}

TEST_F(BalanceCombining, AFullQueueAnswersBusyAndAppliesNothingForThem) {
    const auto user = NewUser("flood@test.co");
    // The first arrival's batch is in flight while the rest queue; the queue holds
    // kMaxQueuedCharges; the overflow is refused at once.
    const std::size_t total = 1 + balance::kMaxQueuedCharges + 50;
    std::vector<Charge> charges(total, Charge{3, std::nullopt});
    const auto answers = ChargeAll(user, charges);
    std::size_t ok = 0, busy = 0;
    for (const auto& a : answers) {
        if (a.ok()) {
            ++ok;
        } else {
            EXPECT_EQ(a.error().code, ErrorCode::kBusy) << a.error().detail;
            ++busy;
        }
    }
    EXPECT_GE(busy, 1u);
    EXPECT_EQ(ok + busy, total);
    EXPECT_EQ(BalanceOf(user), static_cast<std::int64_t>(ok) * 3);
    EXPECT_EQ(LogsInOrder(user).size(), ok);
}

// A statement of the combined transaction fails (a trigger refuses the log row of an amount of
// 13): the whole batch is rolled back, and each of its charges gets that same failure, not
// someone else's success; every other batch is applied. Answers and database agree exactly.
TEST_F(BalanceCombining, AFailedBatchIsAnsweredForEachAndAppliesNothing) {
    const auto user = NewUser("poison@test.co");
    Exec(
        "CREATE TRIGGER poison_log BEFORE INSERT ON balance_logs FOR EACH ROW "
        "IF NEW.amount = 13 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned'; END IF");
    std::vector<Charge> charges;
    for (int i = 0; i < 200; ++i) charges.push_back(Charge{i == 100 ? 13 : 1000 + i, std::nullopt});
    const auto answers = ChargeAll(user, charges);
    db_.Sql("DROP TRIGGER poison_log");
    std::int64_t applied_sum = 0;
    std::size_t applied = 0, failed = 0;
    std::set<std::int64_t> answered_balances;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (answers[i].ok()) {
            ++applied;
            applied_sum += charges[i].amount;
            answered_balances.insert(answers[i].value());
        } else {
            ++failed;
            EXPECT_EQ(answers[i].error().code, ErrorCode::kInternal) << answers[i].error().detail;
        }
    }
    ASSERT_FALSE(answers[100].ok());  // the poisoned charge itself
    EXPECT_GE(failed, 1u);
    EXPECT_GE(applied, 1u);  // the first arrival runs alone, before the poisoned one
    EXPECT_EQ(BalanceOf(user), applied_sum);
    const auto logs = LogsInOrder(user);
    ASSERT_EQ(logs.size(), applied);
    std::int64_t running = 0;
    for (const auto& log : logs) {
        EXPECT_EQ(log.before, running);
        running = log.after;
        EXPECT_EQ(answered_balances.count(log.after), 1u) << "no request was told " << log.after;
    }
}

// The transaction fails once with a deadlock (1213, from a trigger whose counter lives in a
// non-transactional table, so it fires once however the transaction ends): the batch is tried
// again and every charge of it is applied exactly once.
TEST_F(BalanceCombining, ADeadlockedBatchIsRetriedOnceAndAppliedOnce) {
    const auto user = NewUser("deadlock@test.co");
    db_.Sql("CREATE TABLE poison_count (n INT NOT NULL) ENGINE=MEMORY");
    db_.Sql("INSERT INTO poison_count VALUES (1)");
    Exec(
        "CREATE TRIGGER poison_once BEFORE INSERT ON balance_logs FOR EACH ROW "
        "IF (SELECT n FROM poison_count) > 0 THEN UPDATE poison_count SET n = n - 1; "
        "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'fake deadlock'; END IF");
    std::vector<Charge> charges;
    std::int64_t sum = 0;
    for (int i = 0; i < 100; ++i) {
        charges.push_back(Charge{i + 1, i % 3 == 0
                                            ? std::optional<std::string>("d-" + std::to_string(i))
                                            : std::nullopt});
        sum += i + 1;
    }
    const auto answers = ChargeAll(user, charges);
    EXPECT_EQ(db_.Sql("SELECT n FROM poison_count"), "0\n");  // it did fire
    db_.Sql("DROP TRIGGER poison_once");
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_TRUE(answers[i].ok()) << i << ": " << answers[i].error().detail;
    }
    EXPECT_EQ(BalanceOf(user), sum);
    EXPECT_EQ(LogsInOrder(user).size(), charges.size());
    EXPECT_EQ(
        db_.Sql("SELECT COUNT(*) FROM idempotency_keys WHERE user_id = " + std::to_string(user)),
        "34\n");
}

}  // namespace
}  // namespace hhplus
