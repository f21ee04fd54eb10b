#include "domain/balance/balance_service.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include "domain/crypto.hpp"

namespace hhplus::balance {

namespace asio = boost::asio;

bool IsValidIdempotencyKey(std::string_view key) {
    return !key.empty() && key.size() <= 64 &&
           std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<std::optional<std::string>> IdempotencyKeyOf(const http::Request& request) {
    auto header = request.Header("idempotency-key");
    if (!header) return std::optional<std::string>();
    if (!IsValidIdempotencyKey(*header)) {
        return MakeError(ErrorCode::kInvalidRequest, "bad Idempotency-Key");
    }
    return std::optional<std::string>(std::string(*header));
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
    co_return co_await queues_.Submit(user_id, std::move(request), wait_budget_, kMaxQueuedCharges,
                                      "charge queue of the user is full",
                                      "charge waited past its budget");
}

asio::awaitable<void> BalanceService::ServeNext(std::int64_t user_id, Queues::Queue& queue) {
    // The batch: the oldest charges still waiting.
    auto batch = Queues::TakeBatch(queue, max_batch_);
    std::vector<ChargeRequest> requests;
    requests.reserve(batch.size());
    for (const auto& waiter : batch) requests.push_back(waiter->request);
    std::optional<Result<std::vector<Result<std::int64_t>>>> answers;
    ++batches_;
    try {
        answers.emplace(co_await store_.ChargeBatch(user_id, std::move(requests)));
    } catch (const std::exception& e) {
        // Unknown outcome, as a failed COMMIT; the queue must go on serving.
        answers.emplace(MakeError(ErrorCode::kInternal, std::string("charge batch: ") + e.what()));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        // On failure the same answer for all, the one each would have got serially: nothing
        // applied, or for a failed COMMIT an unknown outcome, never a mix.
        Queues::Answer(*batch[i], answers->ok() ? std::move(answers->value()[i])
                                                : Result<std::int64_t>(answers->error()));
    }
}

asio::awaitable<Result<std::vector<BalanceLog>>> BalanceService::Logs(std::int64_t user_id,
                                                                      int limit,
                                                                      std::int64_t before_id) {
    co_return co_await store_.Logs(user_id, limit, before_id);
}

asio::awaitable<Result<BalanceAudit>> BalanceService::Audit(std::int64_t user_id) {
    co_return co_await store_.Audit(user_id);
}

}  // namespace hhplus::balance
