#pragma once
// What we measure beyond k6, printed under the k6-style summary and drawn in the HTML report:
// one compact record per request (for per-second series, status/errorCode breakdown and the
// X-Instance distribution), the arrival-rate schedule lag, Redis command deltas, invariant
// checks, and where the test ran.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loadgen/duration.hpp"
#include "loadgen/metrics.hpp"

namespace hhplus::loadgen {

// Interns short strings (request names, instances, error codes) as 16-bit ids.
class StringTable {
  public:
    std::uint16_t Id(std::string_view text);
    const std::string& Text(std::uint16_t id) const { return texts_[id]; }
    std::size_t Size() const { return texts_.size(); }

  private:
    std::vector<std::string> texts_{""};  // id 0 is the empty string
    std::unordered_map<std::string, std::uint16_t> ids_{{"", 0}};
};

struct RequestRecord {
    float offset_s = 0;     // request end, seconds since the run started
    float duration_ms = 0;  // http_req_duration
    std::uint16_t status = 0;
    std::uint16_t name = 0;        // StringTable ids
    std::uint16_t instance = 0;    // X-Instance ("" when absent)
    std::uint16_t error_code = 0;  // the body's errorCode, or a k6 transport code as text
};

class RequestLog {
  public:
    void Add(double offset_s, double duration_ms, int status, std::string_view name,
             std::string_view instance, std::string_view error_code);
    // The same with ids from Intern(): the hot path interns once per distinct value, not per
    // request.
    void AddInterned(double offset_s, double duration_ms, int status, std::uint16_t name,
                     std::uint16_t instance, std::uint16_t error_code);
    std::uint16_t Intern(std::string_view text) { return strings_.Id(text); }
    const std::vector<RequestRecord>& Records() const { return records_; }
    const StringTable& Strings() const { return strings_; }

  private:
    std::vector<RequestRecord> records_;
    StringTable strings_;
};

struct RedisRoleReport {
    std::string role;
    std::size_t instances = 0;
    std::map<std::string, std::int64_t> calls_delta;  // per command, summed over instances
    std::int64_t total_delta = 0;
    std::string error;  // non-empty when an instance could not be read
};

struct InvariantReport {
    std::string title;  // "coupon 7 invariant", "balance identity"
    bool ok = true;
    std::vector<std::string> details;
};

struct HostReport {
    unsigned cores_online = 0;
    unsigned cores_usable = 0;  // CPU affinity of this process
    std::string loadavg_before;
    std::string loadavg_after;
    std::string virtualization;  // "none", "kvm", "docker", ... or "unknown"
    bool virtual_machine = false;
    std::string target_location;  // "same machine (loopback)" / "another machine"
};

struct RunReport {
    std::string scenario;
    std::string target_url;
    std::string k6_version = "v1.8.1";
    Nanos run_duration = 0;
    RequestLog requests;
    bool arrival_rate = false;
    TrendSink schedule_lag_ms;      // start − due, per started iteration
    TrendSink latency_from_due_ms;  // end − due, per completed iteration
    std::optional<Nanos> setup_duration;
    std::int64_t setup_items = 0;
    std::string setup_what;  // "sessions"
    std::vector<RedisRoleReport> redis;
    std::optional<std::int64_t> successful_issues;
    std::vector<InvariantReport> invariants;
    std::vector<std::string> notes;  // e.g. why an invariant was not checked
    HostReport host;
    std::vector<std::pair<std::string, bool>> thresholds;  // "metric: source", passed
    std::string summary_text;                              // the k6-style summary, without colours
};

// The "beyond k6" block printed after the summary.
std::string RenderBeyondK6(const RunReport& report, bool colors);

}  // namespace hhplus::loadgen
