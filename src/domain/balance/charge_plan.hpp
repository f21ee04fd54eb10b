#pragma once
// The decisions of a combined charge transaction, as a pure function: given what the database
// holds when the batch has locked the user's row (the balance, the stored idempotency keys the
// batch names), decide every charge in arrival order exactly as the serial path would have
// decided it one transaction at a time, and say what to write. No I/O: unit-tested on its own
// (tests/unit/domain/charge_plan_test.cpp); the store runs the statements
// (balance_store.cpp, where PlanCharges is defined: one library source per use case file).
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

namespace hhplus::balance {

// Upper bound of a balance (api.md: above 10^13 − 1 → B001).
inline constexpr std::int64_t kMaxBalance = 9'999'999'999'999;
// Keys are kept 24 h (api.md); after that the same key starts a new request.
inline constexpr std::int64_t kKeyLifetimeMs = 24LL * 60 * 60 * 1000;
// A stored claim with no answer is in flight for 60 s, then presumed dead and taken over
// (api.md). Since charges are combined, this process never commits a claim without its answer
// (the key row is written with the answer, in the charge's transaction); such rows come from
// a server of the previous release (claim first, charge second) during a rolling update, or
// from a hand-written row, and are honoured the same way.
inline constexpr std::int64_t kAbandonedClaimMs = 60'000;

struct IdempotencyKey {
    std::string key;
    std::string request_hash;  // SHA-256 of the request's identity (its amount)
};

// One charge request as it waits in a batch.
struct ChargeRequest {
    std::int64_t amount = 0;
    std::optional<IdempotencyKey> key;
    std::int64_t now_ms =
        0;  // the request's arrival: its log row's and key's time, its expiry clock
};

// An idempotency_keys row as read inside the batch's transaction.
struct StoredKey {
    std::string request_hash;
    std::optional<int> status;  // NULL: a claim without an answer yet
    std::string answer;
    std::int64_t created_ms = 0;
};

struct PlanInput {
    bool user_exists = false;
    std::int64_t balance = 0;                                // as locked (FOR UPDATE)
    std::unordered_map<std::string, StoredKey> stored_keys;  // by idem_key, this user's only
};

struct LogRow {
    std::int64_t amount = 0;
    std::int64_t before = 0;
    std::int64_t after = 0;
    std::int64_t created_ms = 0;
};

struct KeyRow {
    std::string key;
    std::string request_hash;
    int status = 0;
    std::string answer;  // 200: the new balance; else the ErrorCode's number
    std::int64_t created_ms = 0;
};

// A stored row the plan replaces (expired, or a claim abandoned by a dead request): deleted,
// compared on created_at, before the new rows are inserted.
struct ReplacedKey {
    std::string key;
    std::int64_t created_ms = 0;
};

struct ChargePlan {
    std::vector<Result<std::int64_t>> answers;  // one per charge, in order
    std::int64_t final_balance = 0;             // == input balance when nothing is applied
    std::vector<LogRow> logs;                   // in arrival order: ids ascend with it
    std::vector<KeyRow> new_keys;
    std::vector<ReplacedKey> replaced_keys;
};

ChargePlan PlanCharges(const PlanInput& input, const std::vector<ChargeRequest>& charges);

// Turns a stored answer back into the outcome it was (a replay).
Result<std::int64_t> ReplayAnswer(int status, const std::string& answer);

}  // namespace hhplus::balance
