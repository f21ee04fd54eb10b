#include "loadgen/summary.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "loadgen/js_number.hpp"

namespace hhplus::loadgen {
namespace {

// One metric as summary.js sees it: name, type, unit and its values by key.
struct ReportMetric {
    std::string name;
    MetricType type = MetricType::kCounter;
    ValueType contains = ValueType::kDefault;
    std::vector<std::pair<std::string, double>> values;

    std::optional<double> Get(std::string_view key) const {
        for (const auto& [k, v] : values) {
            if (k == key) return v;
        }
        return std::nullopt;
    }
};

// summary.js's ANSIFormatter.
class Formatter {
  public:
    explicit Formatter(bool colors) : colors_(colors) {}
    std::string Decorate(const std::string& text, std::string_view color,
                         std::string_view style = {}) const {
        if (!colors_) return text;
        std::string codes =
            style.empty() ? std::string(color) : std::string(style) + ";" + std::string(color);
        return "\x1b[" + codes + "m" + text + "\x1b[0m";
    }
    std::string Bold(const std::string& text) const {
        if (!colors_) return text;
        return "\x1b[1m" + text + "\x1b[0m";
    }

  private:
    bool colors_;
};

constexpr std::string_view kWhite = "37";
constexpr std::string_view kCyan = "36";
constexpr std::string_view kGreen = "32";
constexpr std::string_view kRed = "31";
constexpr std::string_view kFaint = "2";

constexpr std::string_view kTitlePrefix = "\xE2\x96\x88";     // █
constexpr std::string_view kSubtitlePrefix = "\xE2\x86\xB3";  // ↳
constexpr std::string_view kSuccessMark = "\xE2\x9C\x93";     // ✓
constexpr std::string_view kFailMark = "\xE2\x9C\x97";        // ✗

// RenderContext.indentLevel(): two spaces per level, counted from the context's base.
std::string Indent(int base, int level = 1) {
    return std::string(static_cast<std::size_t>((base + level) * 2), ' ');
}

std::string DisplayName(const std::string& name) {
    std::size_t pos = name.find('{');
    if (pos == std::string::npos) return name;
    return "  { " + name.substr(pos + 1, name.size() - pos - 2) + " }";
}

std::string ParentName(const std::string& name) { return name.substr(0, name.find('{')); }

std::vector<std::string> SortByName(std::vector<std::string> names) {
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        const std::string pa = ParentName(a);
        const std::string pb = ParentName(b);
        int c = CollateCompare(pa, pb);
        if (c != 0) return c < 0;
        return CollateCompare(std::string_view(a).substr(pa.size()),
                              std::string_view(b).substr(pb.size())) < 0;
    });
    return names;
}

struct SummaryInfo {
    std::size_t max_name_width = 0;
    std::map<std::string, std::string> non_trend_values;
    std::map<std::string, std::vector<std::string>> non_trend_extras;
    std::map<std::string, std::vector<std::string>> trend_cols;
    std::map<std::string, std::map<std::string, std::string>> trend_keys;
    std::vector<std::size_t> trend_col_max_lens;
    std::size_t max_non_trend_value_len = 0;
    std::vector<std::size_t> non_trend_extra_max_lens;
};

struct RenderOptions {
    std::vector<std::string> trend_stats;
    std::string time_unit;
};

std::string Humanize(double v, const ReportMetric& m, const RenderOptions& o) {
    return HumanizeValue(v, m.type, m.contains, o.time_unit);
}

std::string RenderTrendValue(double v, const std::string& stat, const ReportMetric& m,
                             const RenderOptions& o) {
    if (stat == "count") return JsNumberToString(v);
    return Humanize(v, m, o);
}

std::vector<std::string> NonTrendValues(const ReportMetric& m, const RenderOptions& o) {
    auto get = [&m](std::string_view key) { return m.Get(key).value_or(0); };
    switch (m.type) {
        case MetricType::kCounter:
            return {Humanize(get("count"), m, o), Humanize(get("rate"), m, o) + "/s"};
        case MetricType::kGauge:
            return {Humanize(get("value"), m, o), "min=" + Humanize(get("min"), m, o),
                    "max=" + Humanize(get("max"), m, o)};
        case MetricType::kRate:
            return {Humanize(get("rate"), m, o),
                    JsNumberToString(get("passes")) + " out of " +
                        JsNumberToString(get("passes") + get("fails"))};
        case MetricType::kTrend:
            break;
    }
    return {"[no data]"};
}

SummaryInfo ComputeSummaryInfo(const std::vector<ReportMetric>& metrics, int base,
                               const RenderOptions& o) {
    SummaryInfo info;
    info.trend_col_max_lens.assign(o.trend_stats.size(), 0);
    for (const ReportMetric& m : metrics) {
        info.max_name_width =
            std::max(info.max_name_width, StrWidth(Indent(base) + DisplayName(m.name)));
        if (m.type == MetricType::kTrend) {
            std::map<std::string, std::string> keys;
            for (const auto& [k, v] : m.values) {
                if (std::find(o.trend_stats.begin(), o.trend_stats.end(), k) ==
                    o.trend_stats.end()) {
                    keys[k] = RenderTrendValue(v, k, m, o);
                }
            }
            std::vector<std::string> cols;
            for (std::size_t i = 0; i < o.trend_stats.size(); ++i) {
                cols.push_back(
                    RenderTrendValue(m.Get(o.trend_stats[i]).value_or(0), o.trend_stats[i], m, o));
                info.trend_col_max_lens[i] =
                    std::max(info.trend_col_max_lens[i], StrWidth(cols.back()));
            }
            info.trend_cols[m.name] = std::move(cols);
            info.trend_keys[m.name] = std::move(keys);
        } else {
            std::vector<std::string> values = NonTrendValues(m, o);
            info.non_trend_values[m.name] = values[0];
            info.max_non_trend_value_len =
                std::max(info.max_non_trend_value_len, StrWidth(values[0]));
            std::vector<std::string> extras(values.begin() + 1, values.end());
            for (std::size_t i = 0; i < extras.size(); ++i) {
                if (info.non_trend_extra_max_lens.size() <= i)
                    info.non_trend_extra_max_lens.push_back(0);
                info.non_trend_extra_max_lens[i] =
                    std::max(info.non_trend_extra_max_lens[i], StrWidth(extras[i]));
            }
            info.non_trend_extras[m.name] = std::move(extras);
        }
    }
    return info;
}

std::string Pad(std::size_t width, std::size_t used) {
    return std::string(width > used ? width - used : 0, ' ');
}

std::string RenderTrendData(const std::string& name, const SummaryInfo& info,
                            const RenderOptions& o, const Formatter& f) {
    const auto& cols = info.trend_cols.at(name);
    std::string out;
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (i > 0) out += ' ';
        out += o.trend_stats[i] + "=" + f.Decorate(cols[i], kCyan) +
               Pad(info.trend_col_max_lens[i], StrWidth(cols[i]));
    }
    return out;
}

std::string RenderNonTrendData(const std::string& name, const SummaryInfo& info,
                               const Formatter& f) {
    const std::string& value = info.non_trend_values.at(name);
    const auto& extras = info.non_trend_extras.at(name);
    std::string out = f.Decorate(value, kCyan) + Pad(info.max_non_trend_value_len, StrWidth(value));
    if (extras.size() == 1) {
        out += " " + f.Decorate(extras[0], kCyan, kFaint);
    } else if (extras.size() > 1) {
        out += ' ';
        for (std::size_t i = 0; i < extras.size(); ++i) {
            if (i > 0) out += ' ';
            out += f.Decorate(extras[i], kCyan, kFaint) +
                   Pad(info.non_trend_extra_max_lens[i], StrWidth(extras[i]));
        }
    }
    return out;
}

std::string RenderMetricLine(const ReportMetric& m, const SummaryInfo& info, int base,
                             const RenderOptions& o, const Formatter& f) {
    const std::string displayed = DisplayName(m.name);
    const std::string indent = Indent(base);
    const std::size_t current = StrWidth(displayed) + StrWidth(indent);
    // The longest name gets exactly three dots.
    const long dots =
        std::max(3L, static_cast<long>(info.max_name_width) - static_cast<long>(current) + 3);
    const std::string dotted =
        displayed +
        f.Decorate(std::string(static_cast<std::size_t>(dots), '.') + ":", kWhite, kFaint);
    const std::string data = m.type == MetricType::kTrend ? RenderTrendData(m.name, info, o, f)
                                                          : RenderNonTrendData(m.name, info, f);
    return indent + dotted + " " + data;
}

// The marker for an empty line in summary.js's section content.
const std::string kNewline = "\n";

bool HasPrefixOf(const std::string& name, std::initializer_list<std::string_view> prefixes) {
    for (std::string_view p : prefixes) {
        if (std::string_view(name).substr(0, p.size()) == p) return true;
    }
    return false;
}

enum class Section { kSkip, kCustom, kHttp, kExecution, kNetwork };

Section Classify(const std::string& name, bool full_mode) {
    // k6 matches these by prefix, so sub-metrics follow their parent.
    if (HasPrefixOf(name, {"checks", "group_duration"})) return Section::kSkip;
    if (!full_mode &&
        HasPrefixOf(name, {"http_req_blocked", "http_req_connecting", "http_req_receiving",
                           "http_req_sending", "http_req_tls_handshaking", "http_req_waiting"})) {
        return Section::kSkip;
    }
    if (HasPrefixOf(name, {"http_reqs", "http_req_failed", "http_req_duration", "http_req_blocked",
                           "http_req_connecting", "http_req_tls_handshaking", "http_req_sending",
                           "http_req_waiting", "http_req_receiving"})) {
        return Section::kHttp;
    }
    if (HasPrefixOf(name,
                    {"vus", "vus_max", "iterations", "iteration_duration", "dropped_iterations"})) {
        return Section::kExecution;
    }
    if (HasPrefixOf(name, {"data_sent", "data_received"})) return Section::kNetwork;
    return Section::kCustom;
}

ReportMetric ToReport(const Metric& m, Nanos run, const std::vector<std::string>& stats) {
    return ReportMetric{m.name, m.type, m.contains, MetricSummaryValues(m, run, stats)};
}

// "p(95)<3000" → "p(95)" when the source is a percentile threshold (k6's regex
// ^p\((\d+(?:\.\d+)?)\)\s*([<>=])).
std::optional<std::pair<std::string, double>> PercentileOfSource(std::string_view source) {
    while (!source.empty() && source.front() == ' ') source.remove_prefix(1);
    if (source.substr(0, 2) != "p(") return std::nullopt;
    std::size_t i = 2;
    std::size_t digits_start = i;
    while (i < source.size() && source[i] >= '0' && source[i] <= '9') ++i;
    if (i == digits_start) return std::nullopt;
    if (i < source.size() && source[i] == '.') {
        std::size_t frac_start = ++i;
        while (i < source.size() && source[i] >= '0' && source[i] <= '9') ++i;
        if (i == frac_start) return std::nullopt;
    }
    std::string_view number = source.substr(digits_start, i - digits_start);
    if (i >= source.size() || source[i] != ')') return std::nullopt;
    ++i;
    while (i < source.size() && (source[i] == ' ' || source[i] == '\t')) ++i;
    if (i >= source.size() || (source[i] != '<' && source[i] != '>' && source[i] != '='))
        return std::nullopt;
    double pct = 0;
    std::from_chars(number.data(), number.data() + number.size(), pct);
    return std::make_pair("p(" + std::string(number) + ")", pct);
}

std::string ThresholdValueText(const ReportMetric& m, const std::string& source,
                               const SummaryInfo& info, const RenderOptions& o,
                               const Formatter& f) {
    std::string agg = source.substr(0, source.find_first_of("=><"));
    while (!agg.empty() && agg.back() == ' ') agg.pop_back();
    while (!agg.empty() && agg.front() == ' ') agg.erase(agg.begin());
    std::string value;
    switch (m.type) {
        case MetricType::kTrend: {
            auto it = std::find(o.trend_stats.begin(), o.trend_stats.end(), agg);
            if (it != o.trend_stats.end()) {
                value = info.trend_cols.at(
                    m.name)[static_cast<std::size_t>(it - o.trend_stats.begin())];
            } else if (auto key = info.trend_keys.at(m.name).find(agg);
                       key != info.trend_keys.at(m.name).end()) {
                value = key->second;
            } else {
                // k6 prints "undefined" for avg/min/med/max missing from summaryTrendStats; we
                // print the value (a documented deviation).
                if (auto v = m.Get(agg)) value = Humanize(*v, m, o);
            }
            break;
        }
        case MetricType::kCounter:
            value = agg == "count" ? info.non_trend_values.at(m.name)
                                   : info.non_trend_extras.at(m.name)[0];
            break;
        default:
            value = info.non_trend_values.at(m.name);
            break;
    }
    return f.Decorate(agg, kWhite) + "=" + f.Decorate(value, kCyan);
}

std::vector<std::string> RenderThresholds(const SummaryInput& in, const RenderOptions& o,
                                          const Formatter& f) {
    // summaryThresholds: each thresholded metric with its summary values plus the percentiles its
    // thresholds name.
    std::vector<ReportMetric> metrics;
    std::map<std::string, const MetricThresholdSet*> sets;
    for (const MetricThresholdSet& set : in.thresholds->Sets()) {
        ReportMetric rm = ToReport(*set.metric, in.run_duration, in.trend_stats);
        if (set.metric->type == MetricType::kTrend) {
            for (const Threshold& t : set.thresholds) {
                if (auto p = PercentileOfSource(t.config.source)) {
                    const double v = set.metric->sink.trend.P(p->second / 100);
                    bool replaced = false;
                    for (auto& [k, existing] : rm.values) {
                        if (k == p->first) {
                            existing = v;
                            replaced = true;
                        }
                    }
                    if (!replaced) rm.values.emplace_back(p->first, v);
                }
            }
        }
        sets[set.metric->name] = &set;
        metrics.push_back(std::move(rm));
    }
    const int base = 1;
    const SummaryInfo info = ComputeSummaryInfo(metrics, base, o);
    std::vector<std::string> names;
    names.reserve(metrics.size());
    for (const ReportMetric& m : metrics) names.push_back(m.name);
    std::vector<std::string> lines;
    for (const std::string& name : SortByName(names)) {
        const std::string parent = ParentName(name);
        const bool is_sub = name.size() > parent.size();
        const bool parent_exists = sets.count(parent) > 0;
        const int inner = (is_sub && parent_exists) ? base + 1 : base;
        lines.push_back(Indent(inner) +
                        ((!is_sub || !parent_exists) ? name : name.substr(parent.size())));
        const ReportMetric& m =
            *std::find_if(metrics.begin(), metrics.end(),
                          [&name](const ReportMetric& r) { return r.name == name; });
        const MetricThresholdSet& set = *sets.at(name);
        if (set.thresholds.empty()) continue;
        for (const Threshold& t : set.thresholds) {
            std::string status = t.last_failed ? f.Decorate(std::string(kFailMark), kRed)
                                               : f.Decorate(std::string(kSuccessMark), kGreen);
            std::string source = t.config.source;
            while (!source.empty() && source.front() == ' ') source.erase(source.begin());
            while (!source.empty() && source.back() == ' ') source.pop_back();
            lines.push_back(Indent(inner) + status + " " + f.Decorate("'" + source + "'", kWhite) +
                            " " + ThresholdValueText(m, t.config.source, info, o, f));
        }
        lines.push_back(kNewline);
    }
    return lines;
}

std::vector<std::string> RenderChecks(const SummaryInput& in, const RenderOptions& o,
                                      const Formatter& f) {
    const Metric* checks = in.registry->Find("checks");
    if (checks == nullptr || checks->sink.IsEmpty()) return {};
    const double total = static_cast<double>(checks->sink.total);
    const double success = static_cast<double>(checks->sink.trues);
    const double seconds = static_cast<double>(in.run_duration) / static_cast<double>(kSecond);
    std::vector<ReportMetric> metrics = {
        ReportMetric{"checks_total",
                     MetricType::kCounter,
                     ValueType::kDefault,
                     {{"count", total}, {"rate", in.run_duration == 0 ? 0 : total / seconds}}},
        ReportMetric{"checks_succeeded",
                     MetricType::kRate,
                     ValueType::kDefault,
                     {{"rate", total > 0 ? success / total : 0},
                      {"passes", success},
                      {"fails", total - success}}},
        ReportMetric{"checks_failed",
                     MetricType::kRate,
                     ValueType::kDefault,
                     {{"passes", total - success},
                      {"fails", success},
                      {"rate", total > 0 ? (total - success) / total : 0}}},
    };
    const int base = 1;
    const SummaryInfo info = ComputeSummaryInfo(metrics, base, o);
    std::vector<std::string> lines;
    lines.reserve(metrics.size() + 1);
    for (const ReportMetric& m : metrics) lines.push_back(RenderMetricLine(m, info, base, o, f));
    lines.push_back(kNewline);
    if (in.checks != nullptr) {
        for (const CheckResult& c : in.checks->Ordered()) {
            if (c.fails == 0) {
                lines.push_back(Indent(base) +
                                f.Decorate(std::string(kSuccessMark) + " " + c.name, kGreen));
                continue;
            }
            const long long pct = (100 * c.passes) / (c.passes + c.fails);
            std::string head = f.Decorate(std::string(kFailMark) + " " + c.name, kRed);
            std::string detail = f.Decorate(
                std::string(kSubtitlePrefix) + "  " + std::to_string(pct) + "% \xE2\x80\x94 " +
                    std::string(kSuccessMark) + " " + std::to_string(c.passes) + " / " +
                    std::string(kFailMark) + " " + std::to_string(c.fails),
                kRed);
            // summary.js indents the detail with indent(results, base + 1): level base+1 from base.
            lines.push_back(Indent(base) + head + "\n" + Indent(base, base + 1) + detail);
        }
    }
    lines.push_back(kNewline);
    return lines;
}

std::vector<std::string> RenderTotalMetrics(const SummaryInput& in, const RenderOptions& o,
                                            const Formatter& f) {
    std::vector<ReportMetric> all;
    std::map<Section, std::vector<std::string>> by_section;
    for (const Metric* m : in.registry->All()) {
        if (!m->observed) continue;
        Section s = Classify(m->name, in.full_mode);
        if (s == Section::kSkip) continue;
        all.push_back(ToReport(*m, in.run_duration, in.trend_stats));
        by_section[s].push_back(m->name);
    }
    const int base = 1;
    const SummaryInfo info = ComputeSummaryInfo(all, base, o);
    std::vector<std::string> lines;
    const std::pair<Section, const char*> kOrder[] = {{Section::kCustom, "CUSTOM"},
                                                      {Section::kHttp, "HTTP"},
                                                      {Section::kExecution, "EXECUTION"},
                                                      {Section::kNetwork, "NETWORK"}};
    for (const auto& [section, title] : kOrder) {
        auto it = by_section.find(section);
        if (it == by_section.end() || it->second.empty()) continue;
        lines.push_back(Indent(base) + f.Bold(title));
        for (const std::string& name : SortByName(it->second)) {
            const ReportMetric& m = *std::find_if(
                all.begin(), all.end(), [&name](const ReportMetric& r) { return r.name == name; });
            lines.push_back(RenderMetricLine(m, info, base, o, f));
        }
        lines.push_back(kNewline);
    }
    return lines;
}

std::string RenderTitle(const std::string& title, const Formatter& f) {
    return Indent(0) + std::string(kTitlePrefix) + " " + f.Bold(title) + " \n";
}

}  // namespace

double TrendStat(const TrendSink& trend, std::string_view stat) {
    if (stat == "avg") return trend.Avg();
    if (stat == "min") return trend.Min();
    if (stat == "med") return trend.P(0.5);
    if (stat == "max") return trend.Max();
    if (stat == "count") return static_cast<double>(trend.Count());
    if (stat.size() > 3 && stat.substr(0, 2) == "p(") {
        double p = 0;
        std::string_view n = stat.substr(2, stat.size() - 3);
        std::from_chars(n.data(), n.data() + n.size(), p);
        return trend.P(p / 100);
    }
    return 0;
}

std::vector<std::pair<std::string, double>> MetricSummaryValues(
    const Metric& metric, Nanos run, const std::vector<std::string>& trend_stats) {
    const Sink& s = metric.sink;
    const double seconds = static_cast<double>(run) / static_cast<double>(kSecond);
    switch (metric.type) {
        case MetricType::kCounter:
            return {{"count", s.counter}, {"rate", run == 0 ? 0 : s.counter / seconds}};
        case MetricType::kGauge:
            return {{"value", s.gauge}, {"min", s.gauge_min}, {"max", s.gauge_max}};
        case MetricType::kRate:
            return {{"rate",
                     s.total > 0 ? static_cast<double>(s.trues) / static_cast<double>(s.total) : 0},
                    {"passes", static_cast<double>(s.trues)},
                    {"fails", static_cast<double>(s.total - s.trues)}};
        case MetricType::kTrend: {
            std::vector<std::pair<std::string, double>> out;
            out.reserve(trend_stats.size());
            for (const std::string& stat : trend_stats)
                out.emplace_back(stat, TrendStat(s.trend, stat));
            return out;
        }
    }
    return {};
}

std::string RenderTextSummary(const SummaryInput& in) {
    const Formatter f(in.colors);
    const RenderOptions o{in.trend_stats, in.time_unit};
    struct SectionItems {
        std::string title;
        std::vector<std::string> content;
    };
    std::vector<SectionItems> sections;
    if (in.thresholds != nullptr && !in.thresholds->Empty())
        sections.push_back({"THRESHOLDS", RenderThresholds(in, o, f)});
    SectionItems total{"TOTAL RESULTS", RenderChecks(in, o, f)};
    for (std::string& line : RenderTotalMetrics(in, o, f)) total.content.push_back(std::move(line));
    sections.push_back(std::move(total));
    // ReportBuilder.build(): every item starts on a new line; a bare "\n" item adds an empty line.
    std::string text;
    for (const SectionItems& section : sections) {
        text += "\n" + RenderTitle(section.title, f);
        for (const std::string& item : section.content)
            text += item == kNewline ? "\n" : "\n" + item;
        text += "\n";
    }
    return "\n" + text + "\n\n";
}

}  // namespace hhplus::loadgen
