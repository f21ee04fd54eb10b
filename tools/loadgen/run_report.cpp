#include "loadgen/run_report.hpp"

#include <algorithm>
#include <cstdio>

#include "loadgen/humanize.hpp"

namespace hhplus::loadgen {

std::uint16_t StringTable::Id(std::string_view text) {
    auto it = ids_.find(std::string(text));
    if (it != ids_.end()) return it->second;
    // Tables are tiny (request names, instances, error codes); past 65535 entries everything
    // new shares the last id rather than wrapping around.
    if (texts_.size() >= 0xFFFF) return 0xFFFF - 1;
    const auto id = static_cast<std::uint16_t>(texts_.size());
    texts_.emplace_back(text);
    ids_.emplace(std::string(text), id);
    return id;
}

void RequestLog::Add(double offset_s, double duration_ms, int status, std::string_view name,
                     std::string_view instance, std::string_view error_code) {
    AddInterned(offset_s, duration_ms, status, strings_.Id(name), strings_.Id(instance),
                strings_.Id(error_code));
}

void RequestLog::AddInterned(double offset_s, double duration_ms, int status, std::uint16_t name,
                             std::uint16_t instance, std::uint16_t error_code) {
    RequestRecord r;
    r.offset_s = static_cast<float>(offset_s);
    r.duration_ms = static_cast<float>(duration_ms);
    r.status = static_cast<std::uint16_t>(std::clamp(status, 0, 0xFFFF));
    r.name = name;
    r.instance = instance;
    r.error_code = error_code;
    records_.push_back(r);
}

namespace {

std::string Dotted(const std::string& label, std::size_t width) {
    std::string out = label;
    const std::size_t len = StrWidth(label);
    out += std::string(len + 3 < width ? width - len : 3, '.');
    return out + ":";
}

std::string TrendLine(const TrendSink& t) {
    auto d = [](double ms) { return HumanizeDuration(ms, ""); };
    return "avg=" + d(t.Avg()) + " min=" + d(t.Min()) + " med=" + d(t.P(0.5)) +
           " max=" + d(t.Max()) + " p(90)=" + d(t.P(0.9)) + " p(95)=" + d(t.P(0.95)) +
           " p(99)=" + d(t.P(0.99));
}

std::string Percent(std::size_t part, std::size_t total) {
    char buf[32];
    std::snprintf(
        buf, sizeof buf, "%.1f%%",
        total == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(total));
    return buf;
}

}  // namespace

std::string RenderBeyondK6(const RunReport& report, bool colors) {
    constexpr std::size_t kWidth = 40;  // label column, dots included
    auto mark = [colors](bool ok) {
        std::string m = ok ? "\xE2\x9C\x93" : "\xE2\x9C\x97";
        if (!colors) return m;
        return std::string(ok ? "\x1b[32m" : "\x1b[31m") + m + "\x1b[0m";
    };
    auto bold = [colors](const std::string& s) { return colors ? "\x1b[1m" + s + "\x1b[0m" : s; };
    std::string out = "  \xE2\x96\x88 " + bold("BEYOND K6 (hhplus-load)") + " \n\n";
    const std::string in = "    ";
    const std::string in2 = "      ";

    if (report.arrival_rate && report.schedule_lag_ms.Count() > 0) {
        out += in + Dotted("schedule lag (start - due)", kWidth) + " " +
               TrendLine(report.schedule_lag_ms) + "\n";
        if (report.latency_from_due_ms.Count() > 0) {
            out += in + Dotted("iteration latency from due time", kWidth) + " " +
                   TrendLine(report.latency_from_due_ms) + "\n";
        }
        out += "\n";
    }

    const auto& records = report.requests.Records();
    const StringTable& strings = report.requests.Strings();
    if (!records.empty()) {
        std::map<std::string, std::size_t> by_instance;
        std::map<std::pair<int, std::string>, std::size_t> by_outcome;
        for (const RequestRecord& r : records) {
            ++by_instance[strings.Text(r.instance).empty() ? "(no X-Instance)"
                                                           : strings.Text(r.instance)];
            ++by_outcome[{r.status, strings.Text(r.error_code)}];
        }
        out += in + "requests by instance (X-Instance)\n";
        for (const auto& [instance, n] : by_instance) {
            out += in2 + Dotted(instance, kWidth - 2) + " " + std::to_string(n) + " (" +
                   Percent(n, records.size()) + ")\n";
        }
        out += in + "responses by status and errorCode\n";
        for (const auto& [key, n] : by_outcome) {
            std::string label = key.first == 0 ? "no response" : std::to_string(key.first);
            if (!key.second.empty()) label += " " + key.second;
            out += in2 + Dotted(label, kWidth - 2) + " " + std::to_string(n) + " (" +
                   Percent(n, records.size()) + ")\n";
        }
        out += "\n";
    }

    if (!report.redis.empty()) {
        out += in + "redis commands (INFO commandstats, after - before)\n";
        for (const RedisRoleReport& role : report.redis) {
            std::string label = role.role + " (" + std::to_string(role.instances) +
                                (role.instances == 1 ? " instance)" : " instances)");
            std::string line = std::to_string(role.total_delta) + " total";
            if (report.successful_issues && *report.successful_issues > 0) {
                char buf[64];
                std::snprintf(buf, sizeof buf, ", %.2f per successful issue",
                              static_cast<double>(role.total_delta) /
                                  static_cast<double>(*report.successful_issues));
                line += buf;
            }
            std::vector<std::pair<std::string, std::int64_t>> top(role.calls_delta.begin(),
                                                                  role.calls_delta.end());
            std::sort(top.begin(), top.end(),
                      [](const auto& a, const auto& b) { return a.second > b.second; });
            if (!top.empty()) line += " -";
            constexpr std::size_t kTopCommands =
                6;  // enough to see the lock's and the cache's work
            for (std::size_t i = 0; i < top.size() && i < kTopCommands; ++i) {
                line += " " + top[i].first + "=" + std::to_string(top[i].second);
            }
            if (!role.error.empty()) line += " (" + role.error + ")";
            out += in2 + Dotted(label, kWidth - 2) + " " + line + "\n";
        }
        out += "\n";
    }

    if (!report.invariants.empty()) {
        out += in + "invariants\n";
        for (const InvariantReport& inv : report.invariants) {
            out += in2 + mark(inv.ok) + " " + inv.title + "\n";
            for (const std::string& d : inv.details) out += in2 + "  " + d + "\n";
        }
        out += "\n";
    }

    for (const std::string& note : report.notes) out += in + note + "\n";
    if (!report.notes.empty()) out += "\n";

    if (report.setup_duration) {
        out += in + Dotted("setup (untimed, not in the metrics)", kWidth) + " " +
               std::to_string(report.setup_items) + " " + report.setup_what + " in " +
               HumanizeDuration(ToMillis(*report.setup_duration), "") + "\n";
    }
    const HostReport& h = report.host;
    std::string where = std::to_string(h.cores_online) + " cores online, " +
                        std::to_string(h.cores_usable) + " usable (runner: 1 thread), load " +
                        h.loadavg_before + " -> " + h.loadavg_after + ", " +
                        (h.virtual_machine ? "virtual machine (" + h.virtualization + ")"
                                           : "virtualization: " + h.virtualization) +
                        ", target on " + h.target_location;
    out += in + Dotted("where it ran", kWidth) + " " + where + "\n";
    if (h.virtual_machine || h.target_location.find("same machine") != std::string::npos) {
        out += in + Dotted("note", kWidth) +
               " the seed guide advises isolated hardware; figures from a virtual or shared host "
               "are indicative only\n";
    }
    out += in + Dotted("k6 semantics", kWidth) + " " + report.k6_version +
           " (compact summary); deviations: tools/loadgen/README.md\n\n";
    return out;
}

}  // namespace hhplus::loadgen
