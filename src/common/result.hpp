#pragma once
// Result<T, E>: a value or an error, returned (never thrown) across the event loop.
// g++ 12 has no std::expected, so this is the small subset we need. Business outcomes such as
// "coupon sold out" are the hot path and must cost no more than a return.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "common/error_code.hpp"

namespace hhplus {

// AppError: what the HTTP layer renders. `detail` is for the log only, never for the client.
struct AppError {
    ErrorCode code = ErrorCode::kInternal;
    std::string detail;
};

struct Ok {};  // the value of a Result<void>-like outcome

template <class T, class E = AppError>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }

    const E& error() const& {
        assert(!ok());
        return std::get<1>(v_);
    }
    E&& error() && {
        assert(!ok());
        return std::get<1>(std::move(v_));
    }

  private:
    std::variant<T, E> v_;
};

using Status = Result<Ok>;

inline AppError MakeError(ErrorCode code, std::string detail = {}) {
    return AppError{code, std::move(detail)};
}

}  // namespace hhplus
