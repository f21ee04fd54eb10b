// BalanceService's combining of charges on a fake store (balance_ports.hpp): a lone charge is a
// batch of one; charges that arrive while a batch is in flight ride the next one, in arrival
// order, each answered with its own result; a failed batch gives every charge in it the same
// answer; a full queue and a passed wait budget are busy, and such a charge is never applied.
// No database: the fake applies charges to one in-memory balance and can hold a batch until the
// test lets it go.
#include "domain/balance/balance_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

namespace hhplus::balance {
namespace {

namespace asio = boost::asio;

constexpr std::int64_t kUser = 7;
// How long a test may wait for an answer that needs real time to pass (the wait budget test):
// the budget is 50 ms; 10 s covers a machine loaded far beyond anything seen.
constexpr auto kPatience = std::chrono::seconds(10);

class FakeStore final : public BalanceStoreApi {
  public:
    explicit FakeStore(asio::io_context& io) : gate_(io) {}

    std::int64_t balance = 0;
    bool hold = false;                      // the next batch waits until Release()
    std::optional<std::size_t> fail_batch;  // this batch (0-based) fails whole, nothing applied
    AppError failure = MakeError(ErrorCode::kDependencyUnavailable, "fake outage");
    std::vector<std::vector<std::int64_t>> batches;  // the amounts of each batch, as received

    void Release() {
        hold = false;
        gate_.cancel();
    }

    asio::awaitable<Result<std::int64_t>> GetBalance(std::int64_t) override { co_return balance; }
    asio::awaitable<Result<std::vector<Result<std::int64_t>>>> ChargeBatch(
        std::int64_t, std::vector<ChargeRequest> charges) override {
        std::vector<std::int64_t> amounts;
        for (const ChargeRequest& c : charges) amounts.push_back(c.amount);
        batches.push_back(amounts);
        if (hold) {
            gate_.expires_at(std::chrono::steady_clock::time_point::max());
            boost::system::error_code ec;  // operation_aborted: released
            co_await gate_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        if (fail_batch == batches.size() - 1) {
            Result<std::vector<Result<std::int64_t>>> failed = failure;
            co_return failed;
        }
        std::vector<Result<std::int64_t>> answers;
        for (const std::int64_t amount : amounts) {
            balance += amount;
            answers.emplace_back(balance);
        }
        co_return answers;
    }
    asio::awaitable<Result<std::vector<BalanceLog>>> Logs(std::int64_t, int,
                                                          std::int64_t) override {
        co_return std::vector<BalanceLog>{};
    }
    asio::awaitable<Result<BalanceAudit>> Audit(std::int64_t) override { co_return BalanceAudit{}; }

  private:
    asio::steady_timer gate_;
};

class BalanceServiceTest : public ::testing::Test {
  protected:
    // Starts a charge; its answer lands in the returned slot when it comes.
    std::shared_ptr<std::optional<Result<std::int64_t>>> Charge(std::int64_t amount) {
        auto slot = std::make_shared<std::optional<Result<std::int64_t>>>();
        asio::co_spawn(
            io_,
            [this, amount, slot]() -> asio::awaitable<void> {
                auto answer = co_await service_.Charge(kUser, amount, std::nullopt);
                slot->emplace(std::move(answer));
            },
            [](const std::exception_ptr& e) {
                if (e) std::rethrow_exception(e);
            });
        io_.poll();  // it runs until it waits: in a batch, or in the queue
        return slot;
    }
    // Runs what is ready (no real time passes).
    void Settle() {
        io_.restart();
        io_.poll();
    }

    asio::io_context io_;
    SystemClock clock_;
    FakeStore store_{io_};
    BalanceService service_{store_, clock_};
};

TEST_F(BalanceServiceTest, ALoneChargeIsABatchOfOne) {
    auto a = Charge(100);
    Settle();
    ASSERT_TRUE(a->has_value());
    ASSERT_TRUE((*a)->ok());
    EXPECT_EQ((*a)->value(), 100);
    EXPECT_EQ(service_.ChargeBatches(), 1u);
    EXPECT_EQ(store_.batches, (std::vector<std::vector<std::int64_t>>{{100}}));
}

TEST_F(BalanceServiceTest, ChargesArrivingDuringABatchRideTheNextOneInOrder) {
    store_.hold = true;
    auto a = Charge(100);
    store_.hold = false;  // only the first batch is held
    auto b = Charge(1);
    auto c = Charge(2);
    auto d = Charge(3);
    EXPECT_EQ(store_.batches.size(), 1u);  // b, c, d wait in the queue
    EXPECT_FALSE(b->has_value());
    store_.Release();
    Settle();
    EXPECT_EQ(store_.batches, (std::vector<std::vector<std::int64_t>>{{100}, {1, 2, 3}}));
    EXPECT_EQ(service_.ChargeBatches(), 2u);
    // Each answer is that charge's own balance after it, as a serial run would give.
    EXPECT_EQ((*a)->value(), 100);
    EXPECT_EQ((*b)->value(), 101);
    EXPECT_EQ((*c)->value(), 103);
    EXPECT_EQ((*d)->value(), 106);
}

TEST_F(BalanceServiceTest, BatchesNeverExceedTheMaximum) {
    service_.SetMaxChargeBatch(2);
    store_.hold = true;
    auto first = Charge(1);
    store_.hold = false;
    std::vector<std::shared_ptr<std::optional<Result<std::int64_t>>>> rest;
    for (int i = 0; i < 5; ++i) rest.push_back(Charge(10));
    store_.Release();
    Settle();
    EXPECT_EQ(store_.batches,
              (std::vector<std::vector<std::int64_t>>{{1}, {10, 10}, {10, 10}, {10}}));
    EXPECT_EQ(rest.back()->value().value(), 51);
}

TEST_F(BalanceServiceTest, AFailedBatchGivesEveryChargeInItTheSameAnswer) {
    // Batches: 0 [100] fails; 1 [1, 2]; 2 [10]; 3 [20, 30] fails.
    store_.fail_batch = 0;
    store_.hold = true;
    auto a = Charge(100);
    store_.hold = false;
    auto b = Charge(1);
    auto c = Charge(2);
    store_.Release();
    Settle();
    ASSERT_TRUE(a->has_value());
    ASSERT_FALSE((*a)->ok());
    EXPECT_EQ((*a)->error().code, ErrorCode::kDependencyUnavailable);
    EXPECT_EQ((*b)->value(), 1);  // nothing of a's batch was applied
    EXPECT_EQ((*c)->value(), 3);

    store_.fail_batch = 3;
    store_.failure = MakeError(ErrorCode::kInternal, "fake commit failure");
    store_.hold = true;
    auto d = Charge(10);
    store_.hold = false;
    auto e = Charge(20);
    auto f = Charge(30);
    store_.Release();
    Settle();
    EXPECT_EQ(store_.batches.size(), 4u);
    EXPECT_EQ((*d)->value(), 13);
    ASSERT_FALSE((*e)->ok());
    ASSERT_FALSE((*f)->ok());
    EXPECT_EQ((*e)->error().code, ErrorCode::kInternal);  // the same answer for the whole batch
    EXPECT_EQ((*f)->error().code, ErrorCode::kInternal);
    EXPECT_EQ(store_.balance, 13);
}

TEST_F(BalanceServiceTest, AFullQueueIsBusyAtOnce) {
    store_.hold = true;
    auto in_batch = Charge(1);
    store_.hold = false;
    std::vector<std::shared_ptr<std::optional<Result<std::int64_t>>>> queued;
    for (std::size_t i = 0; i < kMaxQueuedCharges; ++i) queued.push_back(Charge(1));
    auto refused = Charge(1000);
    ASSERT_TRUE(refused->has_value());  // answered without waiting
    ASSERT_FALSE((*refused)->ok());
    EXPECT_EQ((*refused)->error().code, ErrorCode::kBusy);
    store_.Release();
    Settle();
    EXPECT_EQ(store_.balance, 1 + static_cast<std::int64_t>(kMaxQueuedCharges));  // not 1000 more
    EXPECT_TRUE(queued.back()->value().ok());
}

TEST_F(BalanceServiceTest, AChargeWhoseBudgetPassesInTheQueueIsBusyAndNeverApplied) {
    service_.SetChargeWaitBudget(std::chrono::milliseconds(50));
    store_.hold = true;
    auto in_batch = Charge(1);
    store_.hold = false;
    auto late = Charge(1000);
    // Real time passes until the queued charge gives up; the held batch cannot end meanwhile.
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!late->has_value() && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(late->has_value());
    ASSERT_FALSE((*late)->ok());
    EXPECT_EQ((*late)->error().code, ErrorCode::kBusy);
    store_.Release();
    Settle();
    EXPECT_EQ((*in_batch)->value(), 1);
    EXPECT_EQ(store_.batches, (std::vector<std::vector<std::int64_t>>{{1}}));  // 1000 never sent
    EXPECT_EQ(store_.balance, 1);
}

}  // namespace
}  // namespace hhplus::balance
