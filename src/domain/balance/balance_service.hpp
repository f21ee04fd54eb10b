#pragma once
// BalanceService: balance reads, charges (with optional idempotency keys) and the log pages.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "domain/balance/balance_store.hpp"

namespace hhplus::balance {

class BalanceService {
public:
    BalanceService(BalanceStore& store, const Clock& clock) : store_(store), clock_(clock) {}

    boost::asio::awaitable<Result<std::int64_t>> Get(std::int64_t user_id);
    // New balance. With `idempotency_key`: the same key and amount replays the first answer
    // (success or business error) without charging again; another amount → B002; while the
    // first is in flight → B003. A 5xx frees the key so the client may retry.
    boost::asio::awaitable<Result<std::int64_t>> Charge(std::int64_t user_id, std::int64_t amount,
                                                        std::optional<std::string> idempotency_key);
    boost::asio::awaitable<Result<std::vector<BalanceLog>>> Logs(std::int64_t user_id, int limit,
                                                                 std::int64_t before_id);

private:
    BalanceStore& store_;
    const Clock& clock_;
};

// Idempotency-Key header rule (api.md): 1–64 visible ASCII characters.
bool IsValidIdempotencyKey(std::string_view key);

}  // namespace hhplus::balance
