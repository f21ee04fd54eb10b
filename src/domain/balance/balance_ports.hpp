#pragma once
// What BalanceService needs of the database, as a small interface, so its combining of charges
// (queue, batches in arrival order, one answer per charge, busy when the queue is full or the
// wait budget passes) is unit-tested with a fake (tests/unit/domain/balance_service_test.cpp).
// Production: BalanceStore, which documents each call. Every awaitable suspends; errors are
// values.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <vector>

#include "common/result.hpp"
#include "domain/balance/charge_plan.hpp"

namespace hhplus::balance {

struct BalanceLog;
struct BalanceAudit;

class BalanceStoreApi {
  public:
    virtual ~BalanceStoreApi() = default;
    virtual boost::asio::awaitable<Result<std::int64_t>> GetBalance(std::int64_t user_id) = 0;
    virtual boost::asio::awaitable<Result<std::vector<Result<std::int64_t>>>> ChargeBatch(
        std::int64_t user_id, std::vector<ChargeRequest> charges) = 0;
    virtual boost::asio::awaitable<Result<std::vector<BalanceLog>>> Logs(
        std::int64_t user_id, int limit, std::int64_t before_id) = 0;
    virtual boost::asio::awaitable<Result<BalanceAudit>> Audit(std::int64_t user_id) = 0;
};

}  // namespace hhplus::balance
