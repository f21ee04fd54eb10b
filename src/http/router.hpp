#pragma once
// Route table: "METHOD /pattern" → handler. Patterns are split once at Add; Find compares path
// segments against them with no regex and no allocation beyond the Match it returns.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace hhplus::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request)>;

// kJson: a non-empty body must have Content-Type application/json (else 415 V003).
enum class BodyKind { kNone, kJson };

// A path id: 1..19 decimal digits, no sign, no leading zero, 1 ≤ value ≤ 2^63-1.
std::optional<std::int64_t> ParsePathId(std::string_view text);

class Router {
  public:
    // `pattern` like "/api/users/{userId}/balance": '/'-separated literal segments and
    // whole-segment {param}s, each a path id (ParsePathId). A malformed pattern or a second handler
    // for the same method and pattern is a wiring bug: std::invalid_argument.
    void Add(Method method, const std::string& pattern, Handler handler,
             BodyKind body = BodyKind::kNone);

    struct Match {
        enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPathId } kind = Kind::kNotFound;
        const Handler* handler = nullptr;  // kFound only; points into the Router
        BodyKind body = BodyKind::kNone;   // kFound and kBadPathId (415 is checked before 400)
        std::string route;  // the pattern for kFound / kMethodNotAllowed / kBadPathId
        std::vector<std::pair<std::string, std::int64_t>> path_ids;  // kFound only
        std::string allow;  // kMethodNotAllowed: e.g. "GET, PATCH"
    };

    // `path` is the decoded path without query. A resource is a path shape; the method is checked
    // against the shape before the ids, so DELETE /api/users/abc/balance is 405 and
    // GET /api/users/abc/balance is 400. Where shapes overlap, a literal segment beats a {param}.
    Match Find(Method method, std::string_view path) const;

  private:
    struct Segment {
        std::string text;  // literal text, or the parameter name
        bool param = false;
    };
    struct Endpoint {
        Method method;
        Handler handler;
        BodyKind body;
    };
    struct Resource {
        std::string pattern;
        std::vector<Segment> segments;
        std::vector<Endpoint> endpoints;
        std::string allow;
    };

    // At most this many segments are compared; our deepest route has 5
    // (/api/users/{userId}/balance/logs).
    static constexpr std::size_t kMaxSegments = 16;

    std::vector<Resource> resources_;  // ordered: fewer segments first, literals before params
};

}  // namespace hhplus::http
