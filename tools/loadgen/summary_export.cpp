#include "loadgen/summary_export.hpp"

#include <algorithm>
#include <map>

#include "common/digest.hpp"
#include "loadgen/js_number.hpp"
#include "loadgen/summary.hpp"

namespace hhplus::loadgen {
namespace {

// A JSON object whose members are already-rendered values; rendered with JSON.stringify's
// four-space layout ("{}" when empty).
struct JsonObject {
    std::vector<std::pair<std::string, std::string>>
        members;  // key, rendered value (may be multi-line)

    void Add(const std::string& key, std::string value) {
        members.emplace_back(key, std::move(value));
    }
    void AddNumber(const std::string& key, double value) { Add(key, JsNumberToString(value)); }

    std::string Render(int depth) const {
        if (members.empty()) return "{}";
        const std::string pad(static_cast<std::size_t>((depth + 1) * 4), ' ');
        std::string out = "{\n";
        for (std::size_t i = 0; i < members.size(); ++i) {
            out += pad;
            AppendJsonString(out, members[i].first);
            out += ": " + members[i].second;
            out += i + 1 < members.size() ? ",\n" : "\n";
        }
        return out + std::string(static_cast<std::size_t>(depth * 4), ' ') + "}";
    }
};

std::string Quoted(const std::string& text) {
    std::string out;
    AppendJsonString(out, text);
    return out;
}

}  // namespace

std::string RenderSummaryExport(const Registry& registry, const ThresholdEngine* thresholds,
                                const CheckBook* checks, Nanos run_duration,
                                const std::vector<std::string>& trend_stats) {
    JsonObject checks_obj;
    if (checks != nullptr) {
        for (const CheckResult& c : checks->Ordered()) {
            const std::string path = "::" + c.name;
            JsonObject check;
            check.Add("name", Quoted(c.name));
            check.Add("path", Quoted(path));
            check.Add("id", Quoted(Md5Hex(path)));
            check.AddNumber("passes", static_cast<double>(c.passes));
            check.AddNumber("fails", static_cast<double>(c.fails));
            checks_obj.Add(c.name, check.Render(3));
        }
    }
    JsonObject root;
    root.Add("name", "\"\"");
    root.Add("path", "\"\"");
    root.Add("id", Quoted(Md5Hex("")));
    root.Add("groups", "{}");
    root.Add("checks", checks_obj.Render(2));

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
    JsonObject metrics_obj;
    for (const Metric* m : metrics) {
        JsonObject values;
        std::optional<double> rate_value;
        for (const auto& [key, value] : MetricSummaryValues(*m, run_duration, trend_stats)) {
            if (m->type == MetricType::kRate && key == "rate") {
                rate_value = value;  // the legacy shape renames a Rate's "rate" to "value", last
                continue;
            }
            values.AddNumber(key, value);
        }
        if (auto it = by_metric.find(m->name);
            it != by_metric.end() && !it->second->thresholds.empty()) {
            JsonObject th;
            for (const Threshold& t : it->second->thresholds)
                th.Add(t.config.source, t.last_failed ? "true" : "false");
            values.Add("thresholds", th.Render(3));
        }
        if (rate_value) values.AddNumber("value", *rate_value);
        metrics_obj.Add(m->name, values.Render(2));
    }
    JsonObject doc;
    doc.Add("root_group", root.Render(1));
    doc.Add("metrics", metrics_obj.Render(1));
    return doc.Render(0);
}

}  // namespace hhplus::loadgen
