#include "loadgen/url.hpp"

#include <charconv>

namespace hhplus::loadgen {

std::string BaseUrl::HostHeader() const {
    const bool v6 = host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + host + "]" : host;
    if (port != 80) h += ":" + std::to_string(port);
    return h;
}

std::string BaseUrl::Url(std::string_view path) const {
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + prefix +
           std::string(path);
}

Result<BaseUrl, std::string> ParseBaseUrl(std::string_view url) {
    const std::string quoted = "'" + std::string(url) + "'";
    constexpr std::string_view kHttp = "http://";
    if (url.substr(0, 8) == "https://")
        return "https is not supported (plain HTTP only): " + quoted;
    if (url.substr(0, kHttp.size()) != kHttp)
        return "the target URL must start with http://: " + quoted;
    std::string_view rest = url.substr(kHttp.size());
    std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    BaseUrl out;
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return "unbalanced IPv6 brackets in " + quoted;
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return "unexpected text after the IPv6 address in " + quoted;
            port_text = after.substr(1);
        }
    } else {
        std::size_t colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) return "no host in " + quoted;
    if (!port_text.empty()) {
        unsigned port = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
            port > 65535) {
            return "invalid port in " + quoted;
        }
        out.port = static_cast<std::uint16_t>(port);
    }
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (path.find_first_of("?#") != std::string_view::npos)
        return "a query or fragment is not allowed in " + quoted;
    out.prefix = std::string(path);
    return out;
}

}  // namespace hhplus::loadgen
