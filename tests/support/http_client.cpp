#include "tests/support/http_client.hpp"

#include <utility>

#include <rapidjson/document.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace hhplus::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpClient::Impl {
    asio::io_context io;
    std::optional<asio::ip::tcp::socket> socket;
    beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::uint16_t port) : impl_(new Impl), port_(port) {}

HttpClient::~HttpClient() { delete impl_; }

std::string HttpResponse::Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpClient::Send(const std::string& method, const std::string& target,
                              const std::string& body,
                              const std::map<std::string, std::string>& headers) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    bool has_type = false, has_cookie = false;
    for (const auto& [k, v] : headers) {
        req.insert(k, v);
        std::string lower = k;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        has_type |= lower == "content-type";
        has_cookie |= lower == "cookie";
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    if (session && !has_cookie) req.set(http::field::cookie, "sid=" + *session);
    req.body() = body;
    req.prepare_payload();

    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            if (!impl_->socket) {
                impl_->socket.emplace(impl_->io);
                impl_->socket->connect({asio::ip::make_address("127.0.0.1"), port_});
                impl_->buffer.clear();
            }
            http::write(*impl_->socket, req);
            http::response_parser<http::string_body> parser;
            parser.body_limit(std::uint64_t{64} * 1024 * 1024);
            http::read(*impl_->socket, impl_->buffer, parser);
            auto res = parser.release();
            HttpResponse out;
            out.status = static_cast<int>(res.result_int());
            for (const auto& f : res) {
                std::string name(f.name_string());
                for (auto& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                out.headers[name] = std::string(f.value());
                if (name == "set-cookie") {
                    out.set_cookies.emplace_back(f.value());
                    const std::string v(f.value());
                    if (v.rfind("sid=", 0) == 0) {
                        const auto end = v.find(';');
                        std::string sid =
                            v.substr(4, end == std::string::npos ? std::string::npos : end - 4);
                        if (sid.empty() || v.find("Max-Age=0") != std::string::npos) {
                            session.reset();
                        } else {
                            session = sid;
                        }
                    }
                }
            }
            out.body = std::move(res.body());
            if (!res.keep_alive()) impl_->socket.reset();
            return out;
        } catch (const std::exception&) {
            // A keep-alive connection the server closed in the meantime: reconnect once.
            impl_->socket.reset();
            if (attempt == 1) throw;
        }
    }
    throw std::runtime_error("unreachable");
}

std::string JsonField(const std::string& json, const std::string& name) {
    rapidjson::Document d;
    d.Parse(json.c_str(), json.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember(name.c_str())) return {};
    const auto& v = d[name.c_str()];
    if (v.IsString()) return v.GetString();
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    if (v.IsNull()) return "null";
    return {};
}

std::int64_t JsonInt(const std::string& json, const std::string& name) {
    const auto s = JsonField(json, name);
    return s.empty() ? -1 : std::stoll(s);
}

}  // namespace hhplus::testing
