// ToString(Endpoint), ErrcName: the pure helpers declared in client.hpp (the URL parser is
// common/urls.hpp).
#include "redis/client.hpp"

namespace hhplus::redis {

std::string_view ErrcName(Errc code) {
    switch (code) {
        case Errc::kUnavailable:
            return "unavailable";
        case Errc::kTimeout:
            return "timeout";
        case Errc::kProtocol:
            return "protocol";
        case Errc::kCancelled:
            return "cancelled";
        case Errc::kQueueFull:
            return "queue_full";
    }
    return "unknown";
}

std::string ToString(const Endpoint& endpoint) {
    const bool v6 = endpoint.host.find(':') != std::string::npos;
    std::string out = v6 ? "[" + endpoint.host + "]" : endpoint.host;
    out += ':';
    out += std::to_string(endpoint.port);
    out += '/';
    out += std::to_string(endpoint.db);
    return out;
}

}  // namespace hhplus::redis
