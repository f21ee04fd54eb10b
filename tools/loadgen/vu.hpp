#pragma once
// A virtual user: its own transport (one keep-alive connection), its own cookie jar (emptied at
// the start of each iteration, as k6 does by default), its tags, and the k6 bookkeeping of every
// request it makes (http_* samples, checks, custom metrics, X-Instance, data counters).
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "loadgen/cookie_jar.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/metrics.hpp"
#include "loadgen/run_report.hpp"
#include "loadgen/url.hpp"

namespace hhplus::loadgen {

// Shared by every VU of a run; owned by the runner (or a test).
struct VuEnvironment {
    boost::asio::any_io_executor executor;
    Registry* registry = nullptr;
    BuiltinMetrics builtin;
    CheckBook* checks = nullptr;
    RequestLog* requests = nullptr;  // may be null
    BaseUrl base;
    std::function<std::unique_ptr<Transport>()> make_transport;
    bool reset_cookies = true;  // !noCookiesReset
    // Wall-clock and monotonic time of the run start: sample times are start + monotonic offset.
    std::int64_t start_unix_nanos = 0;
    std::chrono::steady_clock::time_point start_steady{};
};

class Vu {
  public:
    // `record` false: a setup/admin VU whose requests leave no trace in the metrics. `tags`: the
    // scenario's `tags` option, added to every sample of this VU (k6's scenario tags).
    Vu(VuEnvironment* env, int id, std::string scenario, bool record,
       const std::map<std::string, std::string>& tags = {});

    int Id() const { return id_; }
    const std::string& Scenario() const { return scenario_; }
    std::int64_t Iteration() const { return iteration_; }
    CookieJar& Jar() { return jar_; }
    const TagSet& Tags() const { return tags_; }

    // Starts an iteration: clears the jar (unless noCookiesReset) and the interrupted flag.
    void BeginIteration(std::int64_t iteration);
    void Interrupt();
    bool Interrupted() const { return interrupted_; }

    // Sends one request to base URL + path. `name` becomes the name tag (k6's tags.name); empty:
    // the URL. Records k6's HTTP samples unless the request was interrupted.
    boost::asio::awaitable<HttpResponse> Request(
        boost::beast::http::verb method, std::string path, std::string body, std::string name,
        std::vector<std::pair<std::string, std::string>> headers = {});
    // k6's check(): a `checks` sample tagged with the check name; returns `passed`.
    bool Check(std::string_view name, bool passed);
    // Adds a sample to a custom metric with this VU's tags.
    void Add(Metric* metric, double value);
    // Cancellable sleep (k6's sleep()).
    boost::asio::awaitable<void> Sleep(Nanos duration);

    // Bytes moved since the last call (k6 emits data_sent/data_received once per iteration).
    std::pair<std::int64_t, std::int64_t> TakeDataCounters();
    std::int64_t NowUnixNanos() const;
    double SecondsSinceStart(std::chrono::steady_clock::time_point t) const;

  private:
    // Tags of a request outcome, built once per distinct (method, name, status, error) and reused:
    // building a TagSet allocates, and a VU sees the same few outcomes over and over.
    struct TagCacheEntry {
        boost::beast::http::verb method;
        std::string name;  // as passed to Request
        std::string path;  // only when name is empty (the URL becomes the name)
        int status = 0;
        int error_code = 0;
        std::string proto;
        TagSet tags;
        std::uint16_t name_id = 0;
    };
    struct MetaCacheEntry {
        std::string instance;
        std::string code;
        TagSet metadata;
        std::uint16_t instance_id = 0;
        std::uint16_t code_id = 0;
    };
    const TagCacheEntry& TagsFor(const HttpResponse& resp, boost::beast::http::verb method,
                                 const std::string& name, const std::string& path);
    const MetaCacheEntry& MetadataFor(const std::string& instance, const std::string& code);
    void RecordHttp(const HttpResponse& resp, boost::beast::http::verb method,
                    const std::string& name, const std::string& path);

    VuEnvironment* env_;
    int id_;
    std::string scenario_;
    bool record_;
    TagSet tags_;  // group, scenario
    std::unique_ptr<Transport> transport_;
    CookieJar jar_;
    boost::asio::steady_timer sleep_timer_;
    std::int64_t iteration_ = 0;
    bool interrupted_ = false;
    std::int64_t bytes_sent_ = 0;
    std::int64_t bytes_received_ = 0;
    std::vector<TagCacheEntry> tag_cache_;
    std::vector<MetaCacheEntry> meta_cache_;
};

// The "errorCode" of an API error body ({"errorCode":"C001",...}); empty when absent.
std::string ErrorCodeOf(std::string_view body);

}  // namespace hhplus::loadgen
