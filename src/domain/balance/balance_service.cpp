#include "domain/balance/balance_service.hpp"

#include <algorithm>
#include <charconv>

#include "domain/crypto.hpp"

namespace hhplus::balance {

namespace asio = boost::asio;

namespace {

bool IsServerSide(ErrorCode code) {
    return code == ErrorCode::kBusy || code == ErrorCode::kDependencyUnavailable ||
           code == ErrorCode::kInternal;
}

// Turns a stored answer back into the outcome it was.
Result<std::int64_t> Replay(const KeyClaim& claim) {
    std::int64_t value = 0;
    std::from_chars(claim.answer.data(), claim.answer.data() + claim.answer.size(), value);
    if (claim.status == 200) return value;
    if (value < 0 || value >= kErrorCodeCount) {
        return MakeError(ErrorCode::kInternal, "unreadable stored idempotent answer");
    }
    return MakeError(static_cast<ErrorCode>(value), "replayed idempotent answer");
}

}  // namespace

bool IsValidIdempotencyKey(std::string_view key) {
    return !key.empty() && key.size() <= 64 &&
           std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

asio::awaitable<Result<std::int64_t>> BalanceService::Get(std::int64_t user_id) {
    co_return co_await store_.GetBalance(user_id);
}

asio::awaitable<Result<std::int64_t>> BalanceService::Charge(std::int64_t user_id, std::int64_t amount,
                                                             std::optional<std::string> idempotency_key) {
    const std::int64_t now_ms = ToEpochMillis(clock_.Now());
    if (!idempotency_key) co_return co_await store_.Charge(user_id, amount, std::nullopt, now_ms);

    // The request's identity is its amount (the only field of the body).
    IdempotencyKey key{*idempotency_key, domain::Sha256Hex("charge:" + std::to_string(amount))};
    auto claim = co_await store_.ClaimKey(user_id, key, now_ms);
    if (!claim.ok()) co_return std::move(claim).error();
    switch (claim->kind) {
        case KeyClaim::Kind::kMismatch:
            co_return MakeError(ErrorCode::kIdempotencyKeyMismatch, "key reused with another amount");
        case KeyClaim::Kind::kInFlight:
            co_return MakeError(ErrorCode::kIdempotencyKeyInFlight, "first request still in flight");
        case KeyClaim::Kind::kReplay:
            co_return Replay(claim.value());
        case KeyClaim::Kind::kClaimed:
            break;
    }
    auto charged = co_await store_.Charge(user_id, amount, key, now_ms);
    if (!charged.ok() && IsServerSide(charged.error().code)) {
        co_await store_.ReleaseKey(user_id, key.key);
    }
    co_return charged;
}

asio::awaitable<Result<std::vector<BalanceLog>>> BalanceService::Logs(std::int64_t user_id, int limit,
                                                                      std::int64_t before_id) {
    co_return co_await store_.Logs(user_id, limit, before_id);
}

}  // namespace hhplus::balance
