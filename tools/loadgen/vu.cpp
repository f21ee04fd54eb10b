#include "loadgen/vu.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hhplus::loadgen {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

double Millis(Nanos d) { return static_cast<double>(d) / static_cast<double>(kMillisecond); }

// Distinct request outcomes (method × name × status × error) a VU keeps tags for; a scenario has
// a handful of requests and a few statuses each, so 64 covers it with room. Past that, tags are
// built per request (correct, only slower).
constexpr std::size_t kTagCacheEntries = 64;
// Distinct (X-Instance, errorCode) pairs a VU keeps metadata for: instances × outcome codes.
constexpr std::size_t kMetaCacheEntries = 64;

}  // namespace

std::string ErrorCodeOf(std::string_view body) {
    constexpr std::string_view kKey = "\"errorCode\"";
    std::size_t pos = body.find(kKey);
    if (pos == std::string_view::npos) return "";
    pos += kKey.size();
    while (pos < body.size() &&
           (body[pos] == ' ' || body[pos] == '\t' || body[pos] == '\n' || body[pos] == '\r'))
        ++pos;
    if (pos >= body.size() || body[pos] != ':') return "";
    ++pos;
    while (pos < body.size() &&
           (body[pos] == ' ' || body[pos] == '\t' || body[pos] == '\n' || body[pos] == '\r'))
        ++pos;
    if (pos >= body.size() || body[pos] != '"') return "";
    const std::size_t end = body.find('"', pos + 1);
    if (end == std::string_view::npos) return "";
    return std::string(body.substr(pos + 1, end - pos - 1));
}

Vu::Vu(VuEnvironment* env, int id, std::string scenario, bool record,
       const std::map<std::string, std::string>& tags)
    : env_(env),
      id_(id),
      scenario_(std::move(scenario)),
      record_(record),
      transport_(env->make_transport()),
      sleep_timer_(env->executor) {
    for (const auto& [k, v] : tags) SetTag(tags_, k, v);
    SetTag(tags_, "group", "");
    SetTag(tags_, "scenario", scenario_);
}

void Vu::BeginIteration(std::int64_t iteration) {
    iteration_ = iteration;
    interrupted_ = false;
    if (env_->reset_cookies) jar_.Clear();
}

void Vu::Interrupt() {
    interrupted_ = true;
    transport_->Interrupt();
    sleep_timer_.cancel();
}

std::int64_t Vu::NowUnixNanos() const {
    return env_->start_unix_nanos + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now() - env_->start_steady)
                                        .count();
}

double Vu::SecondsSinceStart(std::chrono::steady_clock::time_point t) const {
    return std::chrono::duration<double>(t - env_->start_steady).count();
}

asio::awaitable<HttpResponse> Vu::Request(
    http::verb method, std::string path, std::string body, std::string name,
    std::vector<std::pair<std::string, std::string>> headers) {
    HttpRequest req;
    req.method = method;
    req.target = env_->base.Target(path);
    if (jar_.Size() > 0)
        req.cookie = jar_.HeaderFor(env_->base.host, req.target, false, CookieJar::Clock::now());
    req.body = std::move(body);
    req.headers = std::move(headers);
    HttpResponse resp = co_await transport_->Send(std::move(req));
    if (resp.interrupted || interrupted_) {
        resp.interrupted = true;
        co_return resp;
    }
    if (!resp.set_cookies.empty()) {
        const std::string target = env_->base.Target(path);
        const auto now = CookieJar::Clock::now();
        for (const std::string& set_cookie : resp.set_cookies)
            jar_.SetFromHeader(set_cookie, env_->base.host, target, now);
    }
    bytes_sent_ += resp.trail.bytes_sent;
    bytes_received_ += resp.trail.bytes_received;
    if (record_) RecordHttp(resp, method, name, path);
    co_return resp;
}

const Vu::TagCacheEntry& Vu::TagsFor(const HttpResponse& resp, http::verb method,
                                     const std::string& name, const std::string& path) {
    for (const TagCacheEntry& e : tag_cache_) {
        if (e.method == method && e.status == resp.status && e.error_code == resp.error_code &&
            e.name == name && (!name.empty() || e.path == path) && e.proto == resp.proto) {
            return e;
        }
    }
    TagCacheEntry e;
    e.method = method;
    e.name = name;
    if (name.empty()) e.path = path;
    e.status = resp.status;
    e.error_code = resp.error_code;
    e.proto = resp.proto;
    const int status = resp.status;
    const bool expected = status >= 200 && status < 400;
    // k6: without a name tag both name and url are the URL; with one, url equals the name.
    const std::string name_tag = name.empty() ? env_->base.Url(path) : name;
    e.tags = tags_;
    SetTag(e.tags, "expected_response", expected ? "true" : "false");
    SetTag(e.tags, "method", std::string(http::to_string(method)));
    SetTag(e.tags, "name", name_tag);
    SetTag(e.tags, "url", name_tag);
    SetTag(e.tags, "status", std::to_string(status));
    if (resp.error_code != 0) {
        SetTag(e.tags, "error_code", std::to_string(resp.error_code));
        SetTag(e.tags, "error", resp.error);
    } else {
        SetTag(e.tags, "proto", resp.proto);
        if (status >= 400) SetTag(e.tags, "error_code", std::to_string(1000 + status));
    }
    if (env_->requests != nullptr) e.name_id = env_->requests->Intern(name_tag);
    if (tag_cache_.size() >= kTagCacheEntries) tag_cache_.erase(tag_cache_.begin());
    tag_cache_.push_back(std::move(e));
    return tag_cache_.back();
}

const Vu::MetaCacheEntry& Vu::MetadataFor(const std::string& instance, const std::string& code) {
    for (const MetaCacheEntry& e : meta_cache_) {
        if (e.instance == instance && e.code == code) return e;
    }
    MetaCacheEntry e;
    e.instance = instance;
    e.code = code;
    if (!instance.empty()) SetTag(e.metadata, "instance", instance);
    if (!code.empty()) SetTag(e.metadata, "errorCode", code);
    if (env_->requests != nullptr) {
        e.instance_id = env_->requests->Intern(instance);
        e.code_id = env_->requests->Intern(code);
    }
    if (meta_cache_.size() >= kMetaCacheEntries) meta_cache_.erase(meta_cache_.begin());
    meta_cache_.push_back(std::move(e));
    return meta_cache_.back();
}

void Vu::RecordHttp(const HttpResponse& resp, http::verb method, const std::string& name,
                    const std::string& path) {
    const int status = resp.status;
    const bool expected = status >= 200 && status < 400;
    const TagCacheEntry& entry = TagsFor(resp, method, name, path);
    const TagSet& tags = entry.tags;
    std::string code_text;
    if (resp.error_code != 0) {
        code_text = std::to_string(resp.error_code);
    } else if (status >= 400) {
        code_text = ErrorCodeOf(resp.body);
    }
    const MetaCacheEntry& meta = MetadataFor(resp.x_instance, code_text);
    const TagSet& metadata = meta.metadata;

    const std::int64_t unix_nanos =
        env_->start_unix_nanos +
        std::chrono::duration_cast<std::chrono::nanoseconds>(resp.trail.end - env_->start_steady)
            .count();
    Registry& r = *env_->registry;
    const BuiltinMetrics& b = env_->builtin;
    const HttpTrail& t = resp.trail;
    r.Add(*b.http_reqs, 1, tags, unix_nanos, &metadata);
    r.Add(*b.http_req_duration, Millis(t.Duration()), tags, unix_nanos, &metadata);
    r.Add(*b.http_req_blocked, Millis(t.blocked), tags, unix_nanos);
    r.Add(*b.http_req_connecting, Millis(t.connecting), tags, unix_nanos);
    r.Add(*b.http_req_tls_handshaking, 0, tags, unix_nanos);
    r.Add(*b.http_req_sending, Millis(t.sending), tags, unix_nanos);
    r.Add(*b.http_req_waiting, Millis(t.waiting), tags, unix_nanos);
    r.Add(*b.http_req_receiving, Millis(t.receiving), tags, unix_nanos);
    r.Add(*b.http_req_failed, expected ? 0 : 1, tags, unix_nanos);
    if (env_->requests != nullptr) {
        env_->requests->AddInterned(SecondsSinceStart(t.end), Millis(t.Duration()), status,
                                    entry.name_id, meta.instance_id, meta.code_id);
    }
}

bool Vu::Check(std::string_view name, bool passed) {
    if (!record_) return passed;
    TagSet tags = tags_;
    SetTag(tags, "check", name);
    env_->registry->Add(*env_->builtin.checks, passed ? 1 : 0, tags, NowUnixNanos());
    if (env_->checks != nullptr) env_->checks->Record(name, passed);
    return passed;
}

void Vu::Add(Metric* metric, double value) {
    if (!record_ || metric == nullptr) return;
    env_->registry->Add(*metric, value, tags_, NowUnixNanos());
}

asio::awaitable<void> Vu::Sleep(Nanos duration) {
    sleep_timer_.expires_after(std::chrono::nanoseconds(duration));
    boost::system::error_code ec;
    co_await sleep_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

std::pair<std::int64_t, std::int64_t> Vu::TakeDataCounters() {
    std::pair<std::int64_t, std::int64_t> out{bytes_sent_, bytes_received_};
    bytes_sent_ = bytes_received_ = 0;
    return out;
}

}  // namespace hhplus::loadgen
