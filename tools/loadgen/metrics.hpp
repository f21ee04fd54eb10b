#pragma once
// k6's metric model: named metrics of four types (Counter, Gauge, Rate, Trend) holding every
// sample's aggregate in a sink, tagged samples, and sub-metrics ("http_req_duration{name:issue}")
// that receive the parent's samples whose tags match. Trends keep all samples, so percentiles are
// exact (k6's interpolation: i = p·(n−1), linear between the neighbours).
//
// Single-threaded by design: the whole runner lives on one io_context thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "loadgen/humanize.hpp"

namespace hhplus::loadgen {

// Tags of a sample, sorted by key, keys unique. Small (under ten entries), so a vector beats a map.
using TagSet = std::vector<std::pair<std::string, std::string>>;

// Sets key=value keeping the set sorted.
void SetTag(TagSet& tags, std::string_view key, std::string_view value);
const std::string* FindTag(const TagSet& tags, std::string_view key);

class TrendSink {
  public:
    void Add(double value);
    std::uint64_t Count() const { return values_.size(); }
    double Min() const { return min_; }
    double Max() const { return max_; }
    double Sum() const { return sum_; }
    double Avg() const { return values_.empty() ? 0 : sum_ / static_cast<double>(values_.size()); }
    // k6's TrendSink.P: 0 without samples, the sample itself with one, else linear interpolation
    // between the sorted neighbours of rank p·(n−1).
    double P(double pct) const;
    const std::vector<double>& Sorted() const;

  private:
    mutable std::vector<double> values_;
    mutable bool sorted_ = true;
    double min_ = 0;
    double max_ = 0;
    double sum_ = 0;
};

struct Sink {
    MetricType type = MetricType::kCounter;
    // Counter
    double counter = 0;
    bool counter_touched = false;
    // Gauge (k6 starts Max at 0, Min at the first sample)
    double gauge = 0;
    double gauge_min = 0;
    double gauge_max = 0;
    bool gauge_touched = false;
    // Rate
    std::int64_t trues = 0;
    std::int64_t total = 0;
    // Trend
    TrendSink trend;

    void Add(double value);
    bool IsEmpty() const;
};

struct Metric {
    std::string name;
    MetricType type = MetricType::kCounter;
    ValueType contains = ValueType::kDefault;
    Sink sink;
    // Shown in the summary: it has samples, or a threshold names it (k6's "observed").
    bool observed = false;
    // Sub-metric only: the parent and the tags a sample must carry.
    Metric* parent = nullptr;
    std::string suffix;  // "name:issue" as written
    TagSet filter;
    std::vector<Metric*> submetrics;

    bool IsSubmetric() const { return parent != nullptr; }
};

// Receives every sample as it is added (the NDJSON output).
class SampleObserver {
  public:
    virtual ~SampleObserver() = default;
    virtual void OnSample(const Metric& metric, double value, const TagSet& tags,
                          std::int64_t unix_nanos, const TagSet* metadata) = 0;
};

class Registry {
  public:
    // Defines a metric; defining an existing name with the same type returns it.
    Result<Metric*, std::string> Define(std::string name, MetricType type, ValueType contains);
    Metric* Find(std::string_view name) const;
    // "parent{key:value,...}" → the sub-metric (created on first use, k6's AddSubmetric parsing).
    Result<Metric*, std::string> GetOrAddSubmetric(std::string_view full_name);
    // Adds a sample to the metric and the sub-metrics it matches. `unix_nanos` is the wall-clock
    // time of the sample (for outputs only); `metadata` is non-indexed data (k6 Point metadata).
    void Add(Metric& metric, double value, const TagSet& tags, std::int64_t unix_nanos,
             const TagSet* metadata = nullptr);
    void SetObserver(SampleObserver* observer) { observer_ = observer; }
    bool HasObserver() const { return observer_ != nullptr; }

    // Every metric and sub-metric, in definition order.
    std::vector<const Metric*> All() const;

  private:
    std::vector<std::unique_ptr<Metric>> metrics_;
    std::unordered_map<std::string, Metric*> by_name_;
    SampleObserver* observer_ = nullptr;
};

// Parses "name{k:v,k2:v2}" into ("name", {"k:v", "k2:v2"}) with k6's brace checks.
Result<std::pair<std::string, std::string>, std::string> SplitMetricName(
    std::string_view full_name);

// The built-in metrics k6 defines for HTTP tests, with k6's names, types and units.
struct BuiltinMetrics {
    Metric* http_reqs = nullptr;
    Metric* http_req_failed = nullptr;
    Metric* http_req_duration = nullptr;
    Metric* http_req_blocked = nullptr;
    Metric* http_req_connecting = nullptr;
    Metric* http_req_tls_handshaking = nullptr;
    Metric* http_req_sending = nullptr;
    Metric* http_req_waiting = nullptr;
    Metric* http_req_receiving = nullptr;
    Metric* iterations = nullptr;
    Metric* iteration_duration = nullptr;
    Metric* vus = nullptr;
    Metric* vus_max = nullptr;
    Metric* dropped_iterations = nullptr;
    Metric* data_sent = nullptr;
    Metric* data_received = nullptr;
    Metric* checks = nullptr;
};

BuiltinMetrics DefineBuiltinMetrics(Registry& registry);

// Ordered check results, as k6 keeps them for the summary (first use order).
struct CheckResult {
    std::string name;
    std::int64_t passes = 0;
    std::int64_t fails = 0;
};

class CheckBook {
  public:
    void Record(std::string_view name, bool passed);
    const std::vector<CheckResult>& Ordered() const { return checks_; }

  private:
    std::vector<CheckResult> checks_;
    std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace hhplus::loadgen
