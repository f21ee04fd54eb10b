#pragma once
// `--out json=FILE.ndjson`: k6's JSON output, one object per line: a "Metric" line the first time
// a metric gets a sample (name, type, contains, thresholds, submetrics), then one "Point" line per
// sample (time RFC 3339 with nanoseconds, value, tags, optional metadata). Extra per-request data
// that k6 has no tag for (X-Instance, the body's errorCode) travels as Point metadata, which is
// part of k6's format, so the file stays readable by k6 tooling and by `hhplus-load report`.
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "http/json.hpp"
#include "loadgen/metrics.hpp"
#include "loadgen/options.hpp"

namespace hhplus::loadgen {

class NdjsonWriter final : public SampleObserver {
  public:
    static Result<std::unique_ptr<NdjsonWriter>, std::string> Open(const std::string& path);
    ~NdjsonWriter() override;
    NdjsonWriter(const NdjsonWriter&) = delete;
    NdjsonWriter& operator=(const NdjsonWriter&) = delete;

    // Thresholds as configured, keyed by the metric name they were written for.
    void SetThresholds(const std::vector<MetricThresholds>& thresholds);
    void OnSample(const Metric& metric, double value, const TagSet& tags, std::int64_t unix_nanos,
                  const TagSet* metadata) override;
    // Flushes and closes; returns false when a write failed.
    bool Close();

  private:
    explicit NdjsonWriter(std::FILE* file) : file_(file) {}
    void Flush();

    std::FILE* file_ = nullptr;
    std::string buffer_;
    http::JsonWriter line_;  // one line at a time, appended to buffer_
    std::map<std::string, std::vector<ThresholdConfig>> thresholds_;
    std::map<std::string, bool> seen_;
    bool failed_ = false;
};

// RFC 3339 with up to nine fraction digits, trailing zeros trimmed, UTC ("...T10:00:00.123Z"), as
// Go's time.Time marshals.
std::string FormatRfc3339Nano(std::int64_t unix_nanos);
std::optional<std::int64_t> ParseRfc3339(std::string_view text);

// A sample read back from an NDJSON file.
struct ReadPoint {
    std::string metric;
    double value = 0;
    std::int64_t unix_nanos = 0;
    TagSet tags;
    TagSet metadata;
};

struct ReadMetric {
    std::string name;
    MetricType type = MetricType::kCounter;
    ValueType contains = ValueType::kDefault;
    std::vector<ThresholdConfig> thresholds;
    std::vector<std::string> submetrics;  // full names
};

struct NdjsonContent {
    std::vector<ReadMetric> metrics;
    std::vector<ReadPoint> points;  // in file order
};

// Reads a file written by k6 or by us; lines of other types are skipped. Errors name the line.
Result<NdjsonContent, std::string> ReadNdjson(const std::string& path);

}  // namespace hhplus::loadgen
