#include "loadgen/url.hpp"

#include "common/urls.hpp"

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
    UrlError error = UrlError::kSyntax;
    auto parts = ParseUrl(url, &error);
    if (parts && parts->scheme == "https") {
        return "https is not supported (plain HTTP only): " + quoted;
    }
    if (!parts) {
        std::string message = "invalid target URL (";
        message += UrlErrorText(error);
        return message + "): " + quoted;
    }
    if (parts->scheme != "http") return "the target URL must start with http://: " + quoted;
    if (parts->has_user_info) return "user info is not allowed in " + quoted;
    if (parts->query) return "a query or fragment is not allowed in " + quoted;
    BaseUrl out;
    // Not ParseHttpUrl: the host stays as written ("localhost" too), as k6 sends it in Host.
    out.host = std::move(parts->host);
    out.port = parts->port.value_or(out.port);
    std::string_view prefix = parts->path;
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    out.prefix = std::string(prefix);
    return out;
}

}  // namespace hhplus::loadgen
