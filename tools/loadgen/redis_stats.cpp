#include "loadgen/redis_stats.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>
#include <memory>

#include "common/urls.hpp"

namespace hhplus::loadgen {
namespace {

struct ContextDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// One command's reply: status and bulk payloads into `text`. Returns what went wrong (an error
// reply, or a failed round trip: timeout, closed connection), empty on success.
std::string TextOf(redisContext* c, Reply reply, std::string& text) {
    if (reply == nullptr) {
        std::string error = c->errstr;
        if (error.empty()) error = "no reply (timeout or connection closed)";
        return error;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        std::string error = "redis error: ";
        error.append(reply->str, reply->len);
        return error;
    }
    text.clear();
    if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
        text.assign(reply->str, reply->len);
    }
    return {};
}

Reply Command(redisContext* c, const char* format, auto... args) {
    return Reply(static_cast<redisReply*>(redisCommand(c, format, args...)));
}

}  // namespace

Result<RedisRole, std::string> ParseRedisRole(std::string_view spec) {
    std::size_t eq = spec.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return "expected ROLE=redis://host:port[,redis://...], got '" + std::string(spec) + "'";
    RedisRole role;
    role.role = std::string(spec.substr(0, eq));
    std::string_view urls = spec.substr(eq + 1);
    std::size_t start = 0;
    while (start <= urls.size()) {
        std::size_t comma = urls.find(',', start);
        if (comma == std::string_view::npos) comma = urls.size();
        std::string_view url = urls.substr(start, comma - start);
        if (!url.empty()) {
            UrlError error = UrlError::kSyntax;
            RedisCredentials credentials;
            if (!ParseRedisUrl(url, &error, &credentials)) {
                std::string message = "invalid redis URL (";
                message += UrlErrorText(error);
                message += "): '";
                message += url;
                message += '\'';
                return message;
            }
            role.urls.emplace_back(url);
        }
        start = comma + 1;
    }
    if (role.urls.empty()) return "no URL for redis role '" + role.role + "'";
    return role;
}

CommandCounts ParseCommandStats(std::string_view info) {
    CommandCounts counts;
    std::size_t pos = 0;
    while (pos < info.size()) {
        std::size_t eol = info.find('\n', pos);
        if (eol == std::string_view::npos) eol = info.size();
        std::string_view line = info.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        constexpr std::string_view kPrefix = "cmdstat_";
        if (line.substr(0, kPrefix.size()) != kPrefix) continue;
        std::size_t colon = line.find(':');
        std::size_t calls = line.find("calls=");
        if (colon == std::string_view::npos || calls == std::string_view::npos) continue;
        std::int64_t n = 0;
        const char* begin = line.data() + calls + 6;
        std::from_chars(begin, line.data() + line.size(), n);
        counts[std::string(line.substr(kPrefix.size(), colon - kPrefix.size()))] += n;
    }
    return counts;
}

Result<CommandCounts, std::string> FetchCommandStats(const std::string& url,
                                                     std::chrono::milliseconds timeout) {
    UrlError url_error = UrlError::kSyntax;
    RedisCredentials credentials;
    auto parsed = ParseRedisUrl(url, &url_error, &credentials);
    if (!parsed) return url + ": " + std::string(UrlErrorText(url_error));
    // hiredis's blocking API: this runs before the executors start and after they stop, never
    // while load is generated, so blocking is harmless; the timeout bounds connect and each reply.
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    Context c(redisConnectWithTimeout(parsed->host.c_str(), parsed->port, tv));
    if (c == nullptr) return url + ": out of memory";
    if (c->err != 0) return url + ": " + c->errstr;
    if (redisSetTimeout(c.get(), tv) != REDIS_OK) return url + ": " + c->errstr;
    if (!credentials.password.empty() || !credentials.user.empty()) {
        Reply auth;
        if (credentials.user.empty()) {
            auth = Command(c.get(), "AUTH %b", credentials.password.data(),
                           credentials.password.size());
        } else {
            auth = Command(c.get(), "AUTH %b %b", credentials.user.data(), credentials.user.size(),
                           credentials.password.data(), credentials.password.size());
        }
        std::string ignored;
        if (std::string error = TextOf(c.get(), std::move(auth), ignored); !error.empty()) {
            return url + ": " + error;
        }
    }
    std::string info;
    if (std::string error = TextOf(c.get(), Command(c.get(), "INFO commandstats"), info);
        !error.empty()) {
        return url + ": " + error;
    }
    return ParseCommandStats(info);
}

}  // namespace hhplus::loadgen
