#include "loadgen/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "loadgen/humanize.hpp"

namespace hhplus::loadgen {
namespace {

// Chart geometry in SVG user units.
constexpr double kChartWidth = 860;
constexpr double kChartHeight = 240;
constexpr double kMarginLeft = 60;
constexpr double kMarginBottom = 30;
constexpr double kMarginTop = 20;

std::string Num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

double Percentile(std::vector<float>& values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    if (values.size() == 1) return values[0];
    const double i = p * static_cast<double>(values.size() - 1);
    const double lo = values[static_cast<std::size_t>(std::floor(i))];
    const double hi = values[static_cast<std::size_t>(std::ceil(i))];
    return lo + (hi - lo) * (i - std::floor(i));
}

struct Series {
    std::string name;
    std::string color;
    std::vector<double> values;
};

std::string LineChart(const std::string& title, const std::vector<Series>& series,
                      const std::string& unit) {
    std::size_t n = 0;
    double max_v = 0;
    for (const Series& s : series) {
        n = std::max(n, s.values.size());
        for (double v : s.values) max_v = std::max(max_v, v);
    }
    if (max_v <= 0) max_v = 1;
    const double plot_w = kChartWidth - kMarginLeft - 10;
    const double plot_h = kChartHeight - kMarginTop - kMarginBottom;
    auto x = [&](std::size_t i) {
        return kMarginLeft +
               (n <= 1 ? 0 : plot_w * static_cast<double>(i) / static_cast<double>(n - 1));
    };
    auto y = [&](double v) { return kMarginTop + plot_h - plot_h * v / max_v; };
    std::string svg = "<figure><figcaption>" + HtmlEscape(title) +
                      "</figcaption><svg viewBox=\"0 0 " + Num(kChartWidth) + " " +
                      Num(kChartHeight) + "\" role=\"img\">";
    for (int g = 0; g <= 4; ++g) {
        const double v = max_v * g / 4;
        svg += "<line class=\"grid\" x1=\"" + Num(kMarginLeft) + "\" x2=\"" +
               Num(kChartWidth - 10) + "\" y1=\"" + Num(y(v)) + "\" y2=\"" + Num(y(v)) +
               "\"/><text class=\"axis\" x=\"" + Num(kMarginLeft - 6) + "\" y=\"" + Num(y(v) + 4) +
               "\" text-anchor=\"end\">" +
               HtmlEscape(unit == "ms" ? HumanizeDuration(v, "") : Num(v)) + "</text>";
    }
    for (std::size_t i = 0; i < n; i += std::max<std::size_t>(1, n / 10)) {
        svg += "<text class=\"axis\" x=\"" + Num(x(i)) + "\" y=\"" + Num(kChartHeight - 8) +
               "\" text-anchor=\"middle\">" + std::to_string(i) + "s</text>";
    }
    double legend_x = kMarginLeft;
    for (const Series& s : series) {
        std::string points;
        for (std::size_t i = 0; i < s.values.size(); ++i)
            points += Num(x(i)) + "," + Num(y(s.values[i])) + " ";
        svg += "<polyline fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\" points=\"" +
               points + "\"/>";
        svg += "<text x=\"" + Num(legend_x) + "\" y=\"12\" fill=\"" + s.color + "\">" +
               HtmlEscape(s.name) + "</text>";
        legend_x += 12 + 8 * static_cast<double>(s.name.size());
    }
    return svg + "</svg></figure>";
}

std::string BarChart(const std::string& title,
                     const std::vector<std::pair<std::string, std::size_t>>& bars) {
    if (bars.empty()) return "";
    std::size_t max_v = 1;
    for (const auto& [label, v] : bars) max_v = std::max(max_v, v);
    const double row = 24;
    const double label_w = 260;
    const double height = row * static_cast<double>(bars.size()) + 10;
    std::string svg = "<figure><figcaption>" + HtmlEscape(title) +
                      "</figcaption><svg viewBox=\"0 0 " + Num(kChartWidth) + " " + Num(height) +
                      "\" role=\"img\">";
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const double y = 5 + row * static_cast<double>(i);
        const double w = (kChartWidth - label_w - 90) * static_cast<double>(bars[i].second) /
                         static_cast<double>(max_v);
        svg += "<text x=\"" + Num(label_w - 8) + "\" y=\"" + Num(y + 15) +
               "\" text-anchor=\"end\">" + HtmlEscape(bars[i].first) +
               "</text><rect class=\"bar\" x=\"" + Num(label_w) + "\" y=\"" + Num(y + 3) +
               "\" width=\"" + Num(std::max(w, 1.0)) + "\" height=\"16\"/><text x=\"" +
               Num(label_w + w + 6) + "\" y=\"" + Num(y + 15) + "\">" +
               std::to_string(bars[i].second) + "</text>";
    }
    return svg + "</svg></figure>";
}

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:920px;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
svg{width:100%;height:auto;font-size:11px}
.grid{stroke:#ddd}.axis{fill:#666}.bar{fill:#4a7bd0}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}
table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #eee}
.ok{color:#1a7f37}.fail{color:#c62828}
)";

}  // namespace

std::string HtmlEscape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::vector<SecondBucket> PerSecondSeries(const RequestLog& log) {
    std::vector<std::vector<float>> durations;
    for (const RequestRecord& r : log.Records()) {
        const auto second = static_cast<std::size_t>(std::max(0.0f, r.offset_s));
        if (durations.size() <= second) durations.resize(second + 1);
        durations[second].push_back(r.duration_ms);
    }
    std::vector<SecondBucket> out(durations.size());
    for (std::size_t i = 0; i < durations.size(); ++i) {
        out[i].requests = durations[i].size();
        out[i].p50 = Percentile(durations[i], 0.50);
        out[i].p95 = Percentile(durations[i], 0.95);
        out[i].p99 = Percentile(durations[i], 0.99);
    }
    return out;
}

std::string RenderHtmlReport(const RunReport& report) {
    const std::vector<SecondBucket> buckets = PerSecondSeries(report.requests);
    Series rps{"requests/s", "#4a7bd0", {}};
    Series p50{"p50", "#1a7f37", {}};
    Series p95{"p95", "#e39b00", {}};
    Series p99{"p99", "#c62828", {}};
    for (const SecondBucket& b : buckets) {
        rps.values.push_back(static_cast<double>(b.requests));
        p50.values.push_back(b.p50);
        p95.values.push_back(b.p95);
        p99.values.push_back(b.p99);
    }
    const StringTable& strings = report.requests.Strings();
    std::map<std::string, std::size_t> outcomes;
    std::map<std::string, std::size_t> instances;
    for (const RequestRecord& r : report.requests.Records()) {
        std::string label = r.status == 0 ? "no response" : std::to_string(r.status);
        if (!strings.Text(r.error_code).empty()) label += " " + strings.Text(r.error_code);
        ++outcomes[label];
        ++instances[strings.Text(r.instance).empty() ? "(no X-Instance)"
                                                     : strings.Text(r.instance)];
    }

    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>hhplus-load: " +
        HtmlEscape(report.scenario) + "</title><style>" + std::string(kStyle) +
        "</style></head><body>";
    html += "<h1>hhplus-load: " + HtmlEscape(report.scenario) + "</h1>";
    html += "<p>Target " + HtmlEscape(report.target_url) + " &middot; run " +
            HtmlEscape(HumanizeDuration(ToMillis(report.run_duration), "")) + " &middot; " +
            std::to_string(report.requests.Records().size()) + " requests &middot; k6 " +
            HtmlEscape(report.k6_version) + " semantics</p>";
    html += "<h2>Over time</h2>";
    html += LineChart("Requests per second (by completion time)", {rps}, "");
    html += LineChart("http_req_duration per second: p50 / p95 / p99", {p50, p95, p99}, "ms");
    html += "<h2>Responses</h2>";
    html += BarChart("Status and errorCode", std::vector<std::pair<std::string, std::size_t>>(
                                                 outcomes.begin(), outcomes.end()));
    html += BarChart(
        "Requests per instance (X-Instance)",
        std::vector<std::pair<std::string, std::size_t>>(instances.begin(), instances.end()));
    // Per request name (signup, issue, order, payment, ...): the contended requests side by side.
    std::map<std::string, std::vector<float>> by_name;
    for (const RequestRecord& r : report.requests.Records())
        by_name[strings.Text(r.name).empty() ? "(unnamed)" : strings.Text(r.name)].push_back(
            r.duration_ms);
    if (!by_name.empty()) {
        html +=
            "<h2>Per request name</h2><table><tr><th>name</th><th>requests</th><th>p50 ms</th>"
            "<th>p95 ms</th><th>p99 ms</th></tr>";
        for (auto& [name, durations] : by_name) {
            char cells[128];
            std::snprintf(cells, sizeof cells, "<td>%.2f</td><td>%.2f</td><td>%.2f</td>",
                          Percentile(durations, 0.50), Percentile(durations, 0.95),
                          Percentile(durations, 0.99));
            html += "<tr><td>" + HtmlEscape(name) + "</td><td>" + std::to_string(durations.size()) +
                    "</td>" + cells + "</tr>";
        }
        html += "</table>";
    }
    if (!report.thresholds.empty()) {
        html += "<h2>Thresholds</h2><table>";
        for (const auto& [text, ok] : report.thresholds) {
            html += std::string("<tr><td class=\"") + (ok ? "ok\">&#10003;" : "fail\">&#10007;") +
                    "</td><td>" + HtmlEscape(text) + "</td></tr>";
        }
        html += "</table>";
    }
    if (!report.invariants.empty()) {
        html += "<h2>Invariants</h2><table>";
        for (const InvariantReport& inv : report.invariants) {
            std::string details;
            for (const std::string& d : inv.details) details += "<br>" + HtmlEscape(d);
            html += std::string("<tr><td class=\"") +
                    (inv.ok ? "ok\">&#10003;" : "fail\">&#10007;") + "</td><td>" +
                    HtmlEscape(inv.title) + details + "</td></tr>";
        }
        html += "</table>";
    }
    html += "<h2>Summary</h2><pre>" + HtmlEscape(report.summary_text) + "</pre>";
    html += "<h2>Beyond k6</h2><pre>" + HtmlEscape(RenderBeyondK6(report, false)) + "</pre>";
    html += "</body></html>\n";
    return html;
}

}  // namespace hhplus::loadgen
