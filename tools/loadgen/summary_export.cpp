#include "loadgen/summary_export.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/digest.hpp"
#include "http/json.hpp"
#include "loadgen/js_number.hpp"
#include "loadgen/summary.hpp"

namespace hhplus::loadgen {
namespace {

// JSON.stringify writes null for NaN and ±Infinity; everything else as Number::toString.
void WriteNumber(http::JsonWriter& w, double value) {
    if (std::isfinite(value)) {
        w.Raw(JsNumberToString(value));
    } else {
        w.Null();
    }
}

}  // namespace

std::string RenderSummaryExport(const Registry& registry, const ThresholdEngine* thresholds,
                                const CheckBook* checks, Nanos run_duration,
                                const std::vector<std::string>& trend_stats) {
    // Guess: a few hundred bytes per metric, about 40 metrics in a run.
    constexpr std::size_t kReserveBytes = std::size_t{16} * 1024;
    http::JsonWriter w(kReserveBytes, http::JsonWriter::Layout::kIndent4);
    w.StartObject().Key("root_group").StartObject();
    w.Key("name").String("").Key("path").String("").Key("id").String(Md5Hex(""));
    w.Key("groups").StartObject().EndObject();
    w.Key("checks").StartObject();
    if (checks != nullptr) {
        for (const CheckResult& c : checks->Ordered()) {
            const std::string path = "::" + c.name;
            w.Key(c.name).StartObject();
            w.Key("name").String(c.name).Key("path").String(path).Key("id").String(Md5Hex(path));
            w.Key("passes");
            WriteNumber(w, static_cast<double>(c.passes));
            w.Key("fails");
            WriteNumber(w, static_cast<double>(c.fails));
            w.EndObject();
        }
    }
    w.EndObject().EndObject();

    std::map<std::string, const MetricThresholdSet*> by_metric;
    if (thresholds != nullptr) {
        for (const MetricThresholdSet& set : thresholds->Sets()) by_metric[set.metric->name] = &set;
    }
    std::vector<const Metric*> metrics;
    for (const Metric* m : registry.All()) {
        if (m->observed) metrics.push_back(m);
    }
    std::sort(metrics.begin(), metrics.end(),
              [](const Metric* a, const Metric* b) { return a->name < b->name; });
    w.Key("metrics").StartObject();
    for (const Metric* m : metrics) {
        w.Key(m->name).StartObject();
        std::optional<double> rate_value;
        for (const auto& [key, value] : MetricSummaryValues(*m, run_duration, trend_stats)) {
            if (m->type == MetricType::kRate && key == "rate") {
                rate_value = value;  // the legacy shape renames a Rate's "rate" to "value", last
                continue;
            }
            w.Key(key);
            WriteNumber(w, value);
        }
        if (auto it = by_metric.find(m->name);
            it != by_metric.end() && !it->second->thresholds.empty()) {
            w.Key("thresholds").StartObject();
            for (const Threshold& t : it->second->thresholds) {
                w.Key(t.config.source).Bool(t.last_failed);
            }
            w.EndObject();
        }
        if (rate_value) {
            w.Key("value");
            WriteNumber(w, *rate_value);
        }
        w.EndObject();
    }
    w.EndObject().EndObject();
    return w.Finish();
}

}  // namespace hhplus::loadgen
