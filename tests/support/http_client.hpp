#pragma once
// A small blocking HTTP/1.1 client for end-to-end tests (Beast, synchronous): one keep-alive
// connection to 127.0.0.1:port, reopened when the server closed it, and a one-cookie jar for
// the session cookie `sid` (like a browser for our purposes).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hhplus::testing {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names; last value wins
    std::vector<std::string> set_cookies;
    std::string body;
    std::string Header(const std::string& lower_name) const;
};

class HttpClient {
  public:
    explicit HttpClient(std::uint16_t port);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends one request. `headers` are added as given; Content-Type application/json is added
    // when a body is given and no Content-Type header is. The session cookie, when the jar holds
    // one, is sent unless `headers` has a Cookie. Throws std::runtime_error on transport failure.
    HttpResponse Send(const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::map<std::string, std::string>& headers = {});
    HttpResponse Get(const std::string& target) { return Send("GET", target); }
    HttpResponse Post(const std::string& target, const std::string& body = {}) {
        return Send("POST", target, body);
    }

    std::optional<std::string> session;  // the jar: value of `sid`

  private:
    struct Impl;
    Impl* impl_;
    std::uint16_t port_;
};

// Pulls a top-level field from a JSON object text (tests only): number as text, or string.
std::string JsonField(const std::string& json, const std::string& name);
std::int64_t JsonInt(const std::string& json, const std::string& name);

}  // namespace hhplus::testing
