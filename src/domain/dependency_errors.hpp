#pragma once
// How infrastructure failures become API outcomes, in one place:
//   unreachable / timed out            → S002 (a dependency is unavailable)
//   pool or queue full (load shedding) → S001 (busy, Retry-After)
//   anything else                      → S500 (a bug or an unexpected server answer)
// `detail` keeps the infrastructure's text for the log; it is never rendered to clients.
#include "common/result.hpp"
#include "db/pool.hpp"
#include "redis/client.hpp"

namespace hhplus::domain {

inline AppError DbFailure(const db::Error& e) {
    switch (e.code) {
        case db::Errc::kUnavailable:
        case db::Errc::kTimeout:
        case db::Errc::kCancelled:
            return MakeError(ErrorCode::kDependencyUnavailable, "db: " + e.detail);
        case db::Errc::kPoolExhausted:
        case db::Errc::kDeadlock:
            return MakeError(ErrorCode::kBusy, "db: " + e.detail);
        case db::Errc::kDuplicateKey:
        case db::Errc::kQueryFailed:
            break;
    }
    return MakeError(ErrorCode::kInternal, "db: " + e.detail);
}

inline AppError RedisFailure(const redis::Error& e) {
    switch (e.code) {
        case redis::Errc::kUnavailable:
        case redis::Errc::kTimeout:
        case redis::Errc::kCancelled:
            return MakeError(ErrorCode::kDependencyUnavailable, "redis: " + e.detail);
        case redis::Errc::kQueueFull:
            return MakeError(ErrorCode::kBusy, "redis: " + e.detail);
        case redis::Errc::kProtocol:
            break;
    }
    return MakeError(ErrorCode::kInternal, "redis: " + e.detail);
}

// A Redis error reply (e.g. -OOM, -READONLY) where a value was expected.
inline AppError RedisReplyFailure(const redis::Reply& r) {
    return MakeError(ErrorCode::kDependencyUnavailable, "redis reply: " + r.str);
}

}  // namespace hhplus::domain
