#include "loadgen/redis_stats.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace hhplus::loadgen {
namespace {

struct RedisUrl {
    std::string host;
    std::string port = "6379";
    std::string password;
};

Result<RedisUrl, std::string> ParseRedisUrl(std::string_view url) {
    constexpr std::string_view kScheme = "redis://";
    if (url.substr(0, kScheme.size()) != kScheme) return "not a redis:// URL: " + std::string(url);
    std::string_view rest = url.substr(kScheme.size());
    if (std::size_t slash = rest.find('/'); slash != std::string_view::npos)
        rest = rest.substr(0, slash);
    RedisUrl out;
    if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view auth = rest.substr(0, at);
        std::size_t colon = auth.find(':');
        out.password = std::string(colon == std::string_view::npos ? auth : auth.substr(colon + 1));
        rest = rest.substr(at + 1);
    }
    std::size_t colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(rest.substr(colon + 1));
    if (out.host.empty()) return "no host in " + std::string(url);
    return out;
}

// A connected socket with every wait bounded by the timeout; closed on destruction.
class Connection {
  public:
    ~Connection() {
        if (fd_ >= 0) ::close(fd_);
    }
    std::string Open(const RedisUrl& url, int timeout_ms) {
        timeout_ms_ = timeout_ms;
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &res); rc != 0)
            return ::gai_strerror(rc);
        std::string error = "no address";
        for (addrinfo* ai = res; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
            int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                              ai->ai_protocol);
            if (fd < 0) continue;
            if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
                error = std::strerror(errno);
                ::close(fd);
                continue;
            }
            pollfd pfd{fd, POLLOUT, 0};
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (::poll(&pfd, 1, timeout_ms_) != 1 ||
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
                error = soerr != 0 ? std::strerror(soerr) : "connect timed out";
                ::close(fd);
                continue;
            }
            fd_ = fd;
        }
        ::freeaddrinfo(res);
        return fd_ >= 0 ? "" : error;
    }
    bool Send(const std::string& data) {
        std::size_t off = 0;
        while (off < data.size()) {
            pollfd pfd{fd_, POLLOUT, 0};
            if (::poll(&pfd, 1, timeout_ms_) != 1) return false;
            ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += static_cast<std::size_t>(n);
        }
        return true;
    }
    // Reads until `buffer_` holds `need` bytes; false on timeout or close.
    bool Fill(std::size_t need) {
        char chunk[16384];
        while (buffer_.size() < need) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, timeout_ms_) != 1) return false;
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return false;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
        return true;
    }
    std::optional<std::string> Line() {
        for (;;) {
            std::size_t eol = buffer_.find("\r\n");
            if (eol != std::string::npos) {
                std::string line = buffer_.substr(0, eol);
                buffer_.erase(0, eol + 2);
                return line;
            }
            if (!Fill(buffer_.size() + 1)) return std::nullopt;
        }
    }
    struct Reply {
        bool ok = false;
        std::string text;  // the payload, or what went wrong
    };
    // One RESP2 reply: simple strings, integers and bulk payloads as text; errors as not ok.
    Reply Read() {
        auto line = Line();
        if (!line || line->empty()) return {false, "no reply (timeout or connection closed)"};
        const char kind = (*line)[0];
        if (kind == '-') return {false, "redis error: " + line->substr(1)};
        if (kind == '+' || kind == ':') return {true, line->substr(1)};
        if (kind == '$') {
            long long len = -1;
            std::from_chars(line->data() + 1, line->data() + line->size(), len);
            if (len < 0) return {true, ""};
            if (!Fill(static_cast<std::size_t>(len) + 2)) return {false, "truncated bulk reply"};
            std::string payload = buffer_.substr(0, static_cast<std::size_t>(len));
            buffer_.erase(0, static_cast<std::size_t>(len) + 2);
            return {true, std::move(payload)};
        }
        return {false, "unexpected reply type '" + std::string(1, kind) + "'"};
    }

  private:
    int fd_ = -1;
    int timeout_ms_ = 1000;
    std::string buffer_;
};

std::string Command(std::initializer_list<std::string_view> args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (std::string_view a : args)
        out += "$" + std::to_string(a.size()) + "\r\n" + std::string(a) + "\r\n";
    return out;
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
            auto parsed = ParseRedisUrl(url);
            if (!parsed) return std::move(parsed).error();
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
    auto parsed = ParseRedisUrl(url);
    if (!parsed) return std::move(parsed).error();
    Connection conn;
    if (std::string err = conn.Open(parsed.value(), static_cast<int>(timeout.count()));
        !err.empty()) {
        return url + ": " + err;
    }
    if (!parsed->password.empty()) {
        if (!conn.Send(Command({"AUTH", parsed->password}))) return url + ": send failed";
        auto auth = conn.Read();
        if (!auth.ok) return url + ": " + auth.text;
    }
    if (!conn.Send(Command({"INFO", "commandstats"}))) return url + ": send failed";
    auto reply = conn.Read();
    if (!reply.ok) return url + ": " + reply.text;
    return ParseCommandStats(reply.text);
}

}  // namespace hhplus::loadgen
