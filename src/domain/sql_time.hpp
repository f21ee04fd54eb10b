#pragma once
// Epoch milliseconds <-> DATETIME(3) in SQL, by plain arithmetic from the epoch: independent of
// the session time zone and valid for every DATETIME (UNIX_TIMESTAMP()/FROM_UNIXTIME() stop at
// 2038 on MariaDB 10.11, and admins may create coupons that expire later).
#include <cstdint>
#include <string>
#include <string_view>

namespace hhplus::domain {

inline std::string SqlTime(std::int64_t epoch_ms) {
    return "TIMESTAMPADD(MICROSECOND, " + std::to_string(epoch_ms * 1000) +
           ", '1970-01-01 00:00:00.000')";
}

// The parameter of a prepared statement's
// "TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000')" (SqlTime's arithmetic, bound).
inline std::int64_t SqlTimeParam(std::int64_t epoch_ms) { return epoch_ms * 1000; }

inline std::string SqlEpochMs(std::string_view column) {
    return "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', " + std::string(column) +
           ") DIV 1000)";
}

}  // namespace hhplus::domain
