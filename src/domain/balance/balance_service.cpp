#include "domain/balance/balance_service.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <vector>

#include "domain/crypto.hpp"

namespace hhplus::balance {

namespace asio = boost::asio;

bool IsValidIdempotencyKey(std::string_view key) {
    return !key.empty() && key.size() <= 64 &&
           std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

asio::awaitable<Result<std::int64_t>> BalanceService::Get(std::int64_t user_id) {
    co_return co_await store_.GetBalance(user_id);
}

asio::awaitable<Result<std::int64_t>> BalanceService::Charge(
    std::int64_t user_id, std::int64_t amount, std::optional<std::string> idempotency_key) {
    ChargeRequest request;
    request.amount = amount;
    request.now_ms = ToEpochMillis(clock_.Now());
    if (idempotency_key) {
        // The request's identity is its amount (the only field of the body).
        request.key = IdempotencyKey{std::move(*idempotency_key),
                                     domain::Sha256Hex("charge:" + std::to_string(amount))};
    }
    auto& queue = queues_[user_id];
    if (queue.live >= kMaxQueuedCharges) {
        co_return MakeError(ErrorCode::kBusy, "charge queue of the user is full");
    }
    auto ex = co_await asio::this_coro::executor;
    auto waiter = std::make_shared<Waiter>(ex, std::move(request));
    queue.waiting.push_back(waiter);
    ++queue.live;
    if (!queue.running) {
        queue.running = true;  // the first arrival runs at once: a charge alone waits for nothing
        waiter->run = true;
    } else {
        waiter->wake.expires_after(wait_budget_);
        while (!waiter->answer && !waiter->run) {
            boost::system::error_code ec;
            co_await waiter->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec || waiter->answer || waiter->run) continue;  // woken (or about to be)
            if (waiter->taken) {  // its batch is in flight: the runner answers, whatever it takes
                waiter->wake.expires_at(asio::steady_timer::time_point::max());
                continue;
            }
            // Still in no batch: give up, nothing was applied. The runner drops it from the deque.
            waiter->abandoned = true;
            --queues_.at(user_id).live;
            co_return MakeError(ErrorCode::kBusy, "charge waited past its budget");
        }
    }
    if (waiter->run) co_await RunQueue(user_id);
    co_return std::move(*waiter->answer);
}

asio::awaitable<void> BalanceService::RunQueue(std::int64_t user_id) {
    // The batch: the oldest charges still waiting, the caller first (it is the head).
    std::vector<WaiterPtr> batch;
    std::vector<ChargeRequest> requests;
    {
        auto& queue = queues_.at(user_id);
        while (!queue.waiting.empty() && batch.size() < max_batch_) {
            WaiterPtr next = std::move(queue.waiting.front());
            queue.waiting.pop_front();
            if (next->abandoned) continue;
            --queue.live;
            next->taken = true;
            requests.push_back(next->request);
            batch.push_back(std::move(next));
        }
    }
    std::optional<Result<std::vector<Result<std::int64_t>>>> answers;
    ++batches_;
    try {
        answers.emplace(co_await store_.ChargeBatch(user_id, std::move(requests)));
    } catch (const std::exception& e) {
        // Unknown outcome, as a failed COMMIT; the queue must go on serving.
        answers.emplace(MakeError(ErrorCode::kInternal, std::string("charge batch: ") + e.what()));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (answers->ok()) {
            batch[i]->answer.emplace(std::move(answers->value()[i]));
        } else {
            // The same failure for all, the answer each would have got serially: nothing applied,
            // or for a failed COMMIT an unknown outcome, never a mix.
            batch[i]->answer.emplace(answers->error());
        }
        Wake(*batch[i]);
    }
    // Hand the runner's role to the oldest charge still waiting, or end the queue.
    auto& queue = queues_.at(user_id);
    while (!queue.waiting.empty() && queue.waiting.front()->abandoned) queue.waiting.pop_front();
    if (queue.waiting.empty()) {
        queues_.erase(user_id);
        co_return;
    }
    queue.waiting.front()->run = true;
    Wake(*queue.waiting.front());
}

void BalanceService::Wake(Waiter& waiter) { waiter.wake.cancel(); }

asio::awaitable<Result<std::vector<BalanceLog>>> BalanceService::Logs(std::int64_t user_id,
                                                                      int limit,
                                                                      std::int64_t before_id) {
    co_return co_await store_.Logs(user_id, limit, before_id);
}

}  // namespace hhplus::balance
