#pragma once
// BalanceService: balance reads, charges (with optional idempotency keys) and the log pages.
//
// Charges on one user are combined (flat combining / group commit, domain/combining.hpp): the
// concurrent charges of this process on one user wait in that user's queue, and the user's runner
// applies up to kMaxChargeBatch of them, in arrival order, in ONE transaction
// (BalanceStore::ChargeBatch) and answers each. A charge alone is a batch of one, run at once.
// Not thread-safe: everything runs on the one io_context.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "domain/balance/balance_store.hpp"
#include "domain/combining.hpp"
#include "http/message.hpp"

namespace hhplus::balance {

// Charges per transaction. Cost of a full batch: 512 log rows + at most 512 key rows in two
// multi-row INSERTs of ≤ 512 × ~250 bytes ≈ 128 KiB (max_allowed_packet: 16 MiB), a few ms of
// InnoDB work (~10 µs per row), well inside one statement's 5 s query timeout.
inline constexpr std::size_t kMaxChargeBatch = 512;
// Charges waiting on one user (not yet in a batch); beyond → S001 (api.md: "a queue is full").
// Equal to the batch, so every waiting charge rides the very next transaction: its wait is the
// transaction in flight, and never more than the wait budget below.
inline constexpr std::size_t kMaxQueuedCharges = kMaxChargeBatch;
// Longest wait in the queue before S001 (nothing applied: a charge still waiting is in no
// batch). Only reached when the database stalls (a batch normally takes milliseconds). 15 s +
// the charge's own batch (≤ 43 s, kDefaultRetryWindow) = 58 s < nginx's 65 s proxy_read_timeout.
inline constexpr std::chrono::milliseconds kDefaultChargeWaitBudget{15'000};

class BalanceService {
  public:
    // `store`: BalanceStore in production, a fake in the unit tests (balance_ports.hpp).
    BalanceService(BalanceStoreApi& store, const Clock& clock) : store_(store), clock_(clock) {}

    // Tests that load a slow machine on purpose lengthen the queue wait; production keeps the
    // default.
    void SetChargeWaitBudget(std::chrono::milliseconds budget) { wait_budget_ = budget; }
    // 1 turns combining off (every charge its own transaction): the benchmark's "before".
    void SetMaxChargeBatch(std::size_t max_batch) { max_batch_ = max_batch == 0 ? 1 : max_batch; }

    // Transactions run for charges so far (each a batch of one or more): N charges in fewer
    // than N transactions is combining at work.
    std::uint64_t ChargeBatches() const { return batches_; }

    boost::asio::awaitable<Result<std::int64_t>> Get(std::int64_t user_id);
    // New balance. With `idempotency_key`: the same key and amount replays the first answer
    // (success or business error) without charging again, also when both arrive together
    // (the second, combined with the first or after it, gets the first's answer); another
    // amount → B002; a stored claim still without its answer → B003. A 5xx stores nothing, so
    // the client may retry with the same key.
    boost::asio::awaitable<Result<std::int64_t>> Charge(std::int64_t user_id, std::int64_t amount,
                                                        std::optional<std::string> idempotency_key);
    boost::asio::awaitable<Result<std::vector<BalanceLog>>> Logs(std::int64_t user_id, int limit,
                                                                 std::int64_t before_id);
    boost::asio::awaitable<Result<BalanceAudit>> Audit(std::int64_t user_id);

  private:
    // Combining (domain/combining.hpp): the queued requests of a user are its charges.
    using Queues = domain::CombiningQueues<ChargeRequest, Result<std::int64_t>>;

    // The runner's step: up to max_batch_ charges of the user's queue in one transaction.
    boost::asio::awaitable<void> ServeNext(std::int64_t user_id, Queues::Queue& queue);

    BalanceStoreApi& store_;
    const Clock& clock_;
    std::chrono::milliseconds wait_budget_ = kDefaultChargeWaitBudget;
    std::size_t max_batch_ = kMaxChargeBatch;
    std::uint64_t batches_ = 0;
    Queues queues_{
        [this](std::int64_t user_id, Queues::Queue& queue) { return ServeNext(user_id, queue); }};
};

// Idempotency-Key header rule (api.md): 1–64 visible ASCII characters.
bool IsValidIdempotencyKey(std::string_view key);

// The request's optional Idempotency-Key (charges and payments): nullopt without the header,
// V001 when it breaks the rule.
Result<std::optional<std::string>> IdempotencyKeyOf(const http::Request& request);

}  // namespace hhplus::balance
