#include "domain/coupon/coupon_service.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace hhplus::coupon {

namespace asio = boost::asio;

namespace {

class LockManagerLease final : public IssueLease {
  public:
    explicit LockManagerLease(std::shared_ptr<lock::Lease> lease) : lease_(std::move(lease)) {}
    bool Lost() const override { return lease_->Lost(); }
    asio::awaitable<void> Release() override { return lease_->Release(); }

  private:
    std::shared_ptr<lock::Lease> lease_;
};

}  // namespace

asio::awaitable<Result<std::unique_ptr<IssueLease>, lock::LockErrc>> LockManagerIssueLock::Acquire(
    std::string key, std::chrono::milliseconds wait_budget) {
    auto acquired = co_await locks_.Acquire(std::move(key), wait_budget);
    if (!acquired.ok()) co_return acquired.error();
    std::unique_ptr<IssueLease> lease =
        std::make_unique<LockManagerLease>(std::move(acquired).value());
    co_return std::move(lease);
}

void CouponService::UseLock(lock::LockManager* locks) {
    owned_lock_.reset();
    if (locks != nullptr) owned_lock_ = std::make_unique<LockManagerIssueLock>(*locks);
    lock_ = owned_lock_.get();
}

asio::awaitable<void> CouponService::Remember(const Coupon& coupon) {
    const bool sold_out = coupon.issued_quantity >= coupon.total_quantity;
    auto merged = co_await cache_.Merge(coupon, sold_out);
    if (merged.ok()) co_return;
    // The count could not be merged: drop the entry so no reader serves an older count. If even
    // that fails, Redis is unreachable and readers fall back to the database anyway.
    log::Warn("coupon cache merge failed (" + merged.error().detail + "), forgetting coupon " +
              std::to_string(coupon.id));
    (void)co_await cache_.Forget(coupon.id);
}

asio::awaitable<Result<Coupon>> CouponService::Get(std::int64_t coupon_id) {
    auto cached = co_await cache_.Get(coupon_id);
    if (cached.ok() && cached->coupon) co_return *cached->coupon;
    auto found = co_await store_.Find(coupon_id);
    if (!found.ok()) co_return std::move(found).error();
    if (!found.value()) co_return MakeError(ErrorCode::kCouponNotFound, "no such coupon");
    if (cached.ok()) co_await Remember(*found.value());
    co_return *found.value();
}

asio::awaitable<Result<IssuedCoupon>> CouponService::Issue(std::int64_t user_id,
                                                           std::int64_t coupon_id) {
    auto result = co_await IssueUncounted(user_id, coupon_id);
    if (observe_) {
        if (result.ok()) {
            observe_(OutcomeLabel(std::nullopt));
        } else {
            observe_(OutcomeLabel(result.error().code, result.error().detail));
        }
    }
    co_return result;
}

asio::awaitable<Result<IssuedCoupon>> CouponService::IssueUncounted(std::int64_t user_id,
                                                                    std::int64_t coupon_id) {
    const std::int64_t now_ms = ToEpochMillis(clock_.Now());
    auto cached = co_await cache_.Get(coupon_id);
    if (cached.ok() && cached->has_meta) {
        const bool expired = IsExpired(cached->meta.expired_at_ms, now_ms);
        if (expired || cached->sold_out) {
            // Fast path: the outcome is a refusal, and only "does this user hold it" is open.
            auto holds = co_await store_.Holds(user_id, coupon_id);
            if (!holds.ok()) co_return std::move(holds).error();
            const auto refusal = RefusalFor(true, holds.value(), expired, cached->sold_out);
            co_return MakeError(*refusal, "refused from the cache's sold-out/expiry state");
        }
    }
    co_return co_await queues_.Submit(coupon_id, user_id, wait_budget_, kMaxQueuedPerCoupon,
                                      "issue queue of the coupon full",
                                      "wait budget exhausted before a batch took the request");
}

asio::awaitable<void> CouponService::ServeNext(std::int64_t coupon_id, Queues::Queue& queue) {
    std::unique_ptr<IssueLease> lease;
    if (lock_ != nullptr) {
        // Wait for the lock as long as the oldest request may still wait; the batch is taken
        // only once the lock is held, so it includes everything that arrived meanwhile.
        const auto now = std::chrono::steady_clock::now();
        const auto budget = std::max(
            std::chrono::milliseconds(1),
            std::chrono::ceil<std::chrono::milliseconds>(queue.waiting.front()->deadline - now));
        std::string key = "coupon:" + std::to_string(coupon_id);
        auto acquired = co_await lock_->Acquire(std::move(key), budget);
        if (!acquired.ok()) {
            const auto code = acquired.error();
            const auto at = std::chrono::steady_clock::now();
            // No quorum: everyone queued gets S002 now (as each would alone). Otherwise only
            // those whose budget has passed are refused; the rest wait for the next try.
            Queues::AnswerWaiting(queue, [&](const Queues::Waiter& waiter) {
                std::optional<Result<IssuedCoupon>> answer;
                if (code == lock::LockErrc::kUnavailable) {
                    answer.emplace(MakeError(ErrorCode::kDependencyUnavailable,
                                             "lock: no quorum of lock masters"));
                } else if (waiter.deadline <= at || code == lock::LockErrc::kCancelled) {
                    answer.emplace(MakeError(ErrorCode::kBusy,
                                             "lock: " + std::string(lock::LockErrcName(code))));
                }
                return answer;
            });
            co_return;
        }
        lease = std::move(acquired).value();
    }
    auto batch = Queues::TakeBatch(queue, kMaxIssueBatch);
    if (!batch.empty()) co_await ServeBatch(coupon_id, std::move(batch), lease.get(), queue);
    if (lease) co_await lease->Release();
}

asio::awaitable<void> CouponService::ServeBatch(std::int64_t coupon_id,
                                                std::vector<WaiterPtr> batch, IssueLease* lease,
                                                Queues::Queue& queue) {
    // Distinct users in arrival order; a user's later requests in the same batch get what a
    // serial run would give them: C005 after the first was issued, else the first's refusal.
    std::vector<std::int64_t> users;
    std::vector<std::size_t> slot(batch.size());
    std::unordered_map<std::int64_t, std::size_t> first_of;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto [it, fresh] = first_of.emplace(batch[i]->request, users.size());
        if (fresh) users.push_back(batch[i]->request);
        slot[i] = it->second;
    }
    const std::int64_t now_ms = ToEpochMillis(clock_.Now());
    Result<std::vector<Result<IssuedCoupon>>> served =
        MakeError(ErrorCode::kBusy, std::string(kLeaseLostDetail));
    std::optional<std::uint64_t> fence;
    if (lease != nullptr) {
        // The fence: the version as of now, under the lock. The batch's update is a
        // compare-and-set on it.
        auto version = co_await store_.ReadVersion(coupon_id);
        if (!version.ok()) {
            served = std::move(version).error();
        } else if (!version.value()) {
            served = MakeError(ErrorCode::kCouponNotFound, "no such coupon");
        } else {
            fence = *version.value();
        }
    }
    if (lease == nullptr || (fence && !lease->Lost())) {
        served = co_await store_.IssueBatch(users, coupon_id, now_ms, fence);
        if (!served.ok() && served.error().code == ErrorCode::kDependencyUnavailable &&
            lease != nullptr && lease->Lost()) {
            // A stalled holder's transaction is ended by the database (idle_transaction_timeout,
            // db/connection.cpp) and rolled back: nothing of the batch was written, and the
            // next holder serves it. (Were it the COMMIT that failed, the re-served users who got
            // their coupon would be answered C005 — true, they hold it — and never twice.)
            served = MakeError(ErrorCode::kBusy, std::string(kLeaseLostDetail));
        }
    }
    if (!served.ok() && served.error().code == ErrorCode::kBusy &&
        (served.error().detail == kFencedDetail || served.error().detail == kLeaseLostDetail)) {
        // This holder's lease ran out (a stall): nothing was written. The whole batch goes back to
        // the front of the queue, in order, for the next holder — unless it was refused this way
        // too often (something keeps moving the version: answer, don't loop).
        if (observe_batch_)
            observe_batch_(served.error().detail == kFencedDetail ? "fenced" : "lease_lost",
                           batch.size());
        std::vector<WaiterPtr> again;
        for (auto& waiter : batch) {
            if (++waiter->refused_batches < kMaxRefusedBatches) {
                again.push_back(waiter);
            } else {
                Queues::Answer(*waiter, served.error());
            }
        }
        Queues::PutBack(queue, again);
        co_return;
    }
    if (observe_batch_) observe_batch_("served", batch.size());
    if (!served.ok()) {
        for (auto& waiter : batch) Queues::Answer(*waiter, served.error());
        co_return;
    }
    auto& answers = served.value();
    // Before answering: GET must already show the new count, and a sold-out coupon's flag must
    // send later requests down the fast path. One cache merge per batch.
    const Coupon* after = nullptr;
    bool sold_out = false;
    for (const auto& answer : answers) {
        if (answer.ok()) {
            after = &answer->coupon;
        } else if (answer.error().code == ErrorCode::kCouponSoldOut) {
            sold_out = true;
        }
    }
    if (after != nullptr) {
        co_await Remember(*after);
    } else if (sold_out) {
        auto found = co_await store_.Find(coupon_id);
        if (found.ok() && found.value()) co_await Remember(*found.value());
    }
    std::vector<bool> answered(users.size(), false);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& mine = answers[slot[i]];
        if (!answered[slot[i]]) {
            answered[slot[i]] = true;
            Queues::Answer(*batch[i], mine);
        } else if (mine.ok()) {
            Queues::Answer(*batch[i], MakeError(ErrorCode::kCouponAlreadyIssued,
                                                "user already holds the coupon"));
        } else {
            Queues::Answer(*batch[i], mine.error());
        }
    }
}

asio::awaitable<Result<std::vector<UserCoupon>>> CouponService::ListForUser(std::int64_t user_id) {
    co_return co_await store_.ListForUser(user_id);
}

asio::awaitable<Result<Coupon>> CouponService::Create(std::string name, int discount_rate,
                                                      std::int64_t total_quantity,
                                                      std::int64_t expired_at_ms) {
    co_return co_await store_.Create(std::move(name), discount_rate, total_quantity, expired_at_ms);
}

asio::awaitable<Result<CouponAudit>> CouponService::Audit(std::int64_t coupon_id) {
    auto audit = co_await store_.Audit(coupon_id);
    if (!audit.ok()) co_return std::move(audit).error();
    if (!audit.value()) co_return MakeError(ErrorCode::kCouponNotFound, "no such coupon");
    co_return *audit.value();
}

}  // namespace hhplus::coupon
