#pragma once
// BalanceStore: users.balance, balance_logs and idempotency_keys. Charges are applied in batches
// (one or more concurrent charges on one user, combined by BalanceService), each batch ONE
// transaction: the user's row locked, every charge decided in arrival order (charge_plan.hpp),
// the balance written once, one log row per applied charge and, for keyed requests, the key
// with its answer, all committed together, so a key can never hide an applied charge and a
// charge is never applied twice.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/pool.hpp"
#include "domain/balance/balance_ports.hpp"
#include "domain/balance/charge_plan.hpp"

namespace hhplus::balance {

// The races a retry settles (a deadlock, a key another server inserted meanwhile) are reported
// by the statement that hit them, within milliseconds; an attempt that failed later than this
// is not tried again. So one batch lasts at most 1 s + one full attempt (one pool wait 2 s + 8
// statements × 5 s = 42 s: BEGIN, lock, keys read, replaced keys, balance, logs, keys, COMMIT)
// = 43 s.
inline constexpr std::chrono::milliseconds kDefaultRetryWindow{1000};

struct BalanceLog {
    std::int64_t id = 0;
    std::int64_t amount = 0;
    std::int64_t before_amount = 0;
    std::int64_t after_amount = 0;
    std::string code;
    std::int64_t created_at_ms = 0;
};

// The balance identity of api.md's audit: charged − paid == balance, from the log.
struct BalanceAudit {
    std::int64_t user_id = 0;
    std::int64_t balance = 0;
    std::int64_t charged = 0;  // Σ amount of CHARGE rows
    std::int64_t paid = 0;     // −Σ amount of PAYMENT rows
};

class BalanceStore final : public BalanceStoreApi {
  public:
    explicit BalanceStore(db::Pool& pool) : pool_(pool) {}

    // A failed attempt is retried only if it failed within this window (see balance_store.cpp
    // for the bound it keeps). Tests on a deliberately slow machine widen it.
    void SetRetryWindow(std::chrono::milliseconds window) { retry_window_ = window; }

    boost::asio::awaitable<Result<std::int64_t>> GetBalance(std::int64_t user_id) override;  // U001
    // One transaction for the whole batch. The inner results are each charge's answer (the new
    // balance, or B001 / U001 / B002 / B003 / a replayed answer), exactly what the charges would
    // have got one after another in this order. The outer error means nothing of the batch was
    // applied (or, for a failed COMMIT, that the outcome is unknown, as for a serial charge):
    // every charge of the batch gets that same answer. A deadlock or a key inserted meanwhile
    // by another server is retried once, with a fresh read.
    boost::asio::awaitable<Result<std::vector<Result<std::int64_t>>>> ChargeBatch(
        std::int64_t user_id, std::vector<ChargeRequest> charges) override;
    // A batch of one.
    boost::asio::awaitable<Result<std::int64_t>> Charge(std::int64_t user_id, std::int64_t amount,
                                                        std::optional<IdempotencyKey> key,
                                                        std::int64_t now_ms);
    // Newest first, ids below `before_id` (0: from the newest), at most `limit` rows.
    boost::asio::awaitable<Result<std::vector<BalanceLog>>> Logs(std::int64_t user_id, int limit,
                                                                 std::int64_t before_id) override;
    // One statement, so one consistent read. U001 when missing.
    boost::asio::awaitable<Result<BalanceAudit>> Audit(std::int64_t user_id) override;

  private:
    // One attempt; `retryable` is set when it failed before COMMIT on a race a fresh read
    // settles (deadlock, duplicate key), i.e. nothing was applied and trying again is safe.
    boost::asio::awaitable<Result<std::vector<Result<std::int64_t>>>> ChargeBatchOnce(
        std::int64_t user_id, const std::vector<ChargeRequest>& charges, bool& retryable);

    db::Pool& pool_;
    std::chrono::milliseconds retry_window_ = kDefaultRetryWindow;
};

}  // namespace hhplus::balance
