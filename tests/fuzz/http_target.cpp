// Raw connection bytes through the server's request path, without sockets: the same
// RequestParser with the server's limits, fed in pieces the way reads deliver them, then what
// src/http/server.cpp does before calling a handler (Prepare, in an anonymous namespace there,
// mirrored here), the accessors handlers call, and the serialized answer.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/beast/http/error.hpp>
#include <optional>
#include <string>

#include "app/routes.hpp"
#include "domain/auth/auth_rules.hpp"
#include "http/error_table.hpp"
#include "http/request_id.hpp"
#include "http/request_parser.hpp"
#include "http/response_writer.hpp"
#include "http/router.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace hhplus::fuzz {
namespace {

namespace beast_http = boost::beast::http;
using http::BodyKind;
using http::Method;

// More requests than this on one input add nothing the first ones did not cover.
constexpr int kMaxPipelined = 64;
// Read sizes the pieces are cut to, chosen by the input's length: whole (the server's 4 KiB
// reads see most requests at once) and small pieces (a slow or fragmenting client).
constexpr std::size_t kPieceSizes[] = {4096, 1, 2, 3, 7, 64, 1 << 20};
// Beast re-scans an unfinished header on every call, so tiny pieces of a long input cost
// O(n²): beyond this size inputs are cut into 4 KiB pieces (the server's read size) instead.
constexpr std::size_t kSmallPiecesUpTo = 2048;

boost::asio::awaitable<http::Response> NeverCalled(http::Request) { co_return http::NoContent(); }

// The app's own route table (src/app/routes.hpp: patterns, methods and body kinds) with the
// admin routes, as served with a configured admin token; handlers are not run.
const http::Router& Routes() {
    static const http::Router router = [] {
        http::Router r;
        for (const app::RouteSpec& route : app::kRoutes)
            r.Add(route.method, std::string(route.pattern), NeverCalled, route.body);
        return r;
    }();
    return router;
}

// Serializes `response` as the server would and checks the head is well-formed: one status
// line, no header injection, the declared body length.
void Answer(http::Response response, const http::Request& request, bool close) {
    // Echo a request header into the response, as a handler could by mistake: the writer must
    // drop it when it holds CR/LF/NUL.
    if (auto echo = request.Header("x-echo"))
        response.headers.emplace_back("X-Echo", std::string(*echo));
    const auto id = request.Header("x-request-id");
    const std::string request_id =
        id && http::IsSaneRequestId(*id) ? std::string(*id) : std::string("fuzz-generated-id");
    std::string head;
    const std::string date = http::FormatHttpDate(0);  // HeadFields holds views: keep it alive
    const http::HeadFields fields{request_id, "fuzz:0", date,
                                  close,      false,    request.method == Method::kHead};
    const http::HeadResult written = http::SerializeHead(response, fields, head);
    FUZZ_CHECK(head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0);
    // Exactly one blank line: the head ends once, so no injected header split it.
    FUZZ_CHECK(head.find("\r\n\r\n") == head.size() - 4);
    for (std::size_t i = 0; i + 1 < head.size(); ++i) {
        FUZZ_CHECK(head[i] != '\0');
        FUZZ_CHECK(head[i] != '\n' || (i > 0 && head[i - 1] == '\r'));
        FUZZ_CHECK(head[i] != '\r' || head[i + 1] == '\n');
    }
    FUZZ_CHECK(written.body_bytes <= response.body.size());
}

// src/http/server.cpp Prepare(): origin-form target, path decoding, route, 415; then what the
// handlers read from the request.
void Handle(http::RequestParser& parser) {
    const std::string target(parser.target());
    http::Request req = parser.TakeRequest();
    const bool close = !parser.keep_alive();
    if (target.empty() || target[0] != '/') {
        Answer(http::ErrorResponse(ErrorCode::kInvalidRequest, 0), req, close);
        return;
    }
    const auto question = target.find('?');
    const std::string_view raw_path = std::string_view(target).substr(0, question);
    if (question != std::string::npos) req.query = target.substr(question + 1);
    if (raw_path.find('%') == std::string_view::npos) {
        req.path = raw_path;
    } else {
        auto decoded = http::PercentDecode(raw_path, false);
        if (!decoded || decoded->find('\0') != std::string::npos) {
            Answer(http::ErrorResponse(ErrorCode::kInvalidRequest, 0), req, close);
            return;
        }
        req.path = std::move(*decoded);
    }
    http::Router::Match match = Routes().Find(req.method, req.path);
    using Kind = http::Router::Match::Kind;
    if (match.kind != Kind::kFound) {
        FUZZ_CHECK(match.handler == nullptr);
        const ErrorCode code = match.kind == Kind::kNotFound ? ErrorCode::kRouteNotFound
                               : match.kind == Kind::kMethodNotAllowed
                                   ? ErrorCode::kMethodNotAllowed
                                   : ErrorCode::kInvalidRequest;
        http::Response response = http::ErrorResponse(code, 0);
        if (match.kind == Kind::kMethodNotAllowed) {
            FUZZ_CHECK(!match.allow.empty());
            response.headers.emplace_back("Allow", match.allow);
        }
        Answer(std::move(response), req, close);
        return;
    }
    FUZZ_CHECK(match.handler != nullptr && !match.route.empty());
    req.route = match.route;
    req.path_ids = std::move(match.path_ids);
    for (const auto& [name, id] : req.path_ids) {
        FUZZ_CHECK(id >= 1);
        FUZZ_CHECK(req.PathId(name) == id);
    }
    // What handlers read: session cookie, query parameters, headers.
    if (auto sid = req.Cookie("sid")) (void)auth::IsWellFormedSessionId(*sid);
    (void)req.QueryParam("limit");
    (void)req.QueryParam("cursor");
    (void)req.Header("idempotency-key");
    (void)req.Header("authorization");
    if (match.body == BodyKind::kJson) ValidateBody(req.route, req.body);
    Answer(http::Json(200, "{}"), req, close);
}

}  // namespace

void RunHttp(std::string_view input) {
    std::size_t piece = kPieceSizes[input.size() % std::size(kPieceSizes)];
    if (piece < 4096 && input.size() > kSmallPiecesUpTo) piece = 4096;
    std::size_t offset = 0;  // of the input delivered so far
    std::string buffer;      // delivered, not yet consumed by a parser (the server's flat_buffer)
    const auto deliver = [&]() {
        if (offset >= input.size()) return false;
        const std::size_t n = std::min(piece, input.size() - offset);
        buffer.append(input.data() + offset, n);
        offset += n;
        return true;
    };
    const http::ParserLimits
        limits;  // the server's defaults: 8 KiB line, 8 KiB headers, 16 KiB body
    for (int served = 0; served < kMaxPipelined; ++served) {
        if (buffer.empty() && !deliver()) return;  // the connection idles, then closes
        http::RequestParser parser(limits);
        // Bounded: every turn consumes input or delivers more of it.
        for (;;) {
            boost::beast::error_code ec;
            const std::size_t used = parser.Feed(buffer, ec);
            FUZZ_CHECK(used <= buffer.size());
            buffer.erase(0, used);
            if (ec == beast_http::error::need_more || (!ec && !parser.is_done() && used == 0)) {
                if (!deliver()) return;  // the client stopped mid-request: the server times out
                continue;
            }
            if (ec) {
                const http::ParseFailure failure = parser.Classify(ec);
                FUZZ_CHECK(failure != http::ParseFailure::kNone);
                // Refused: answered, then the connection closes (nothing more is parsed).
                Answer(http::ErrorResponse(http::ErrorCodeOf(failure), 0), parser.request(), true);
                return;
            }
            if (parser.is_done()) break;
        }
        FUZZ_CHECK(parser.request().body.size() <= limits.body);
        const bool keep_alive = parser.keep_alive();
        Handle(parser);
        if (!keep_alive) return;
    }
}

}  // namespace hhplus::fuzz
