#pragma once
// BalanceStore: users.balance, balance_logs and idempotency_keys. A charge is one transaction:
// conditional update, log row and (with an idempotency key) the stored answer commit together,
// so a key can never hide an applied charge and a charge is never applied twice.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/pool.hpp"

namespace hhplus::balance {

// Upper bound of a balance (api.md: above 10^13 − 1 → B001).
inline constexpr std::int64_t kMaxBalance = 9'999'999'999'999;

struct BalanceLog {
    std::int64_t id = 0;
    std::int64_t amount = 0;
    std::int64_t before_amount = 0;
    std::int64_t after_amount = 0;
    std::string code;
    std::int64_t created_at_ms = 0;
};

// What a request with an idempotency key finds.
struct KeyClaim {
    enum class Kind { kClaimed, kReplay, kMismatch, kInFlight } kind = Kind::kClaimed;
    int status = 0;       // kReplay: the stored HTTP status
    std::string answer;   // kReplay: the stored answer (balance, or the error enumerator)
};

struct IdempotencyKey {
    std::string key;
    std::string request_hash;
};

class BalanceStore {
public:
    explicit BalanceStore(db::Pool& pool) : pool_(pool) {}

    boost::asio::awaitable<Result<std::int64_t>> GetBalance(std::int64_t user_id);  // U001
    // The new balance. B001 / U001 are returned as errors; with a key, those business answers
    // are stored in the same transaction.
    boost::asio::awaitable<Result<std::int64_t>> Charge(std::int64_t user_id, std::int64_t amount,
                                                        std::optional<IdempotencyKey> key,
                                                        std::int64_t now_ms);
    // Newest first, ids below `before_id` (0: from the newest), at most `limit` rows.
    boost::asio::awaitable<Result<std::vector<BalanceLog>>> Logs(std::int64_t user_id, int limit,
                                                                 std::int64_t before_id);

    boost::asio::awaitable<Result<KeyClaim>> ClaimKey(std::int64_t user_id, IdempotencyKey key,
                                                      std::int64_t now_ms);
    // Frees a claim after a 5xx, so the client may retry with the same key.
    boost::asio::awaitable<void> ReleaseKey(std::int64_t user_id, std::string key);

private:
    db::Pool& pool_;
};

}  // namespace hhplus::balance
