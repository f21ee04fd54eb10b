#include "loadgen/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace hhplus::loadgen {

void SetTag(TagSet& tags, std::string_view key, std::string_view value) {
    auto it =
        std::lower_bound(tags.begin(), tags.end(), key,
                         [](const auto& entry, std::string_view k) { return entry.first < k; });
    if (it != tags.end() && it->first == key) {
        it->second.assign(value);
        return;
    }
    tags.emplace(it, std::string(key), std::string(value));
}

const std::string* FindTag(const TagSet& tags, std::string_view key) {
    auto it =
        std::lower_bound(tags.begin(), tags.end(), key,
                         [](const auto& entry, std::string_view k) { return entry.first < k; });
    if (it != tags.end() && it->first == key) return &it->second;
    return nullptr;
}

void TrendSink::Add(double value) {
    if (values_.empty()) {
        min_ = max_ = value;
    } else {
        min_ = std::min(min_, value);
        max_ = std::max(max_, value);
    }
    if (!values_.empty() && value < values_.back()) sorted_ = false;
    values_.push_back(value);
    sum_ += value;
}

const std::vector<double>& TrendSink::Sorted() const {
    if (!sorted_) {
        std::sort(values_.begin(), values_.end());
        sorted_ = true;
    }
    return values_;
}

double TrendSink::P(double pct) const {
    switch (values_.size()) {
        case 0:
            return 0;
        case 1:
            return values_[0];
        default:
            break;
    }
    const std::vector<double>& v = Sorted();
    const double i = pct * (static_cast<double>(v.size()) - 1.0);
    const double lower = v[static_cast<std::size_t>(std::floor(i))];
    const double upper = v[static_cast<std::size_t>(std::ceil(i))];
    const double f = i - std::floor(i);
    return lower + (upper - lower) * f;
}

void Sink::Add(double value) {
    switch (type) {
        case MetricType::kCounter:
            counter += value;
            counter_touched = true;
            break;
        case MetricType::kGauge:
            gauge = value;
            if (value > gauge_max) gauge_max = value;
            if (value < gauge_min || !gauge_touched) {
                gauge_min = value;
                gauge_touched = true;
            }
            break;
        case MetricType::kRate:
            ++total;
            if (value != 0) ++trues;
            break;
        case MetricType::kTrend:
            trend.Add(value);
            break;
    }
}

bool Sink::IsEmpty() const {
    switch (type) {
        case MetricType::kCounter:
            return !counter_touched;
        case MetricType::kGauge:
            return !gauge_touched;
        case MetricType::kRate:
            return total == 0;
        case MetricType::kTrend:
            return trend.Count() == 0;
    }
    return true;
}

Result<Metric*, std::string> Registry::Define(std::string name, MetricType type,
                                              ValueType contains) {
    if (Metric* existing = Find(name)) {
        if (existing->type != type) return "metric '" + name + "' already exists with another type";
        return existing;
    }
    auto metric = std::make_unique<Metric>();
    metric->name = std::move(name);
    metric->type = type;
    metric->contains = contains;
    metric->sink.type = type;
    Metric* raw = metric.get();
    by_name_[raw->name] = raw;
    metrics_.push_back(std::move(metric));
    return raw;
}

Metric* Registry::Find(std::string_view name) const {
    auto it = by_name_.find(std::string(name));
    return it == by_name_.end() ? nullptr : it->second;
}

Result<std::pair<std::string, std::string>, std::string> SplitMetricName(std::string_view full) {
    const std::size_t open = full.find('{');
    const std::size_t close = full.rfind('}');
    const bool has_open = open != std::string_view::npos;
    const bool has_close = close != std::string_view::npos;
    if (!has_open && !has_close) return std::pair<std::string, std::string>(std::string(full), "");
    const std::string quoted = "\"" + std::string(full) + "\"";
    if (has_open != has_close)
        return "parsing metric name failed, metric " + quoted +
               " has unmatched opening/close curly brace";
    if (close < open)
        return "parsing metric name failed, metric " + quoted +
               " closing curly brace appears before opening one";
    if (close != full.size() - 1)
        return "parsing metric name failed, metric " + quoted +
               " lacks a closing curly brace in its last position";
    return std::pair<std::string, std::string>(
        std::string(full.substr(0, open)), std::string(full.substr(open + 1, close - open - 1)));
}

namespace {

std::string_view Trim(std::string_view s, std::string_view chars) {
    while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
    while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
    return s;
}

}  // namespace

Result<Metric*, std::string> Registry::GetOrAddSubmetric(std::string_view full_name) {
    auto split = SplitMetricName(full_name);
    if (!split) return std::move(split).error();
    auto [parent_name, key_values] = std::move(split.value());
    Metric* parent = Find(parent_name);
    if (parent == nullptr) return "metric '" + parent_name + "' does not exist in the script";
    std::string_view criteria = Trim(key_values, " \t\n");
    if (full_name.find('{') == std::string_view::npos) return parent;
    if (criteria.empty())
        return "submetric criteria for metric '" + parent_name + "' cannot be empty";
    // k6: split on ',' then on the first ':'; keys and values trimmed of spaces and quotes.
    TagSet filter;
    std::size_t start = 0;
    while (start <= criteria.size()) {
        std::size_t comma = criteria.find(',', start);
        if (comma == std::string_view::npos) comma = criteria.size();
        std::string_view kv = criteria.substr(start, comma - start);
        start = comma + 1;
        if (kv.empty()) continue;
        std::size_t colon = kv.find(':');
        std::string_view key = Trim(Trim(kv.substr(0, colon), " \t"), "\"'");
        std::string_view value =
            colon == std::string_view::npos ? "" : Trim(Trim(kv.substr(colon + 1), " \t"), "\"'");
        SetTag(filter, key, value);
    }
    for (Metric* sub : parent->submetrics) {
        if (sub->filter == filter) return sub;
    }
    auto sub = std::make_unique<Metric>();
    sub->name = parent->name + "{" + std::string(criteria) + "}";
    sub->type = parent->type;
    sub->contains = parent->contains;
    sub->sink.type = parent->type;
    sub->parent = parent;
    sub->suffix = std::string(criteria);
    sub->filter = std::move(filter);
    Metric* raw = sub.get();
    parent->submetrics.push_back(raw);
    by_name_[raw->name] = raw;
    metrics_.push_back(std::move(sub));
    return raw;
}

void Registry::Add(Metric& metric, double value, const TagSet& tags, std::int64_t unix_nanos,
                   const TagSet* metadata) {
    metric.sink.Add(value);
    metric.observed = true;
    for (Metric* sub : metric.submetrics) {
        bool matches = true;
        for (const auto& [key, expected] : sub->filter) {
            const std::string* actual = FindTag(tags, key);
            if (actual == nullptr || *actual != expected) {
                matches = false;
                break;
            }
        }
        if (matches) {
            sub->sink.Add(value);
            sub->observed = true;
        }
    }
    if (observer_ != nullptr) observer_->OnSample(metric, value, tags, unix_nanos, metadata);
}

std::vector<const Metric*> Registry::All() const {
    std::vector<const Metric*> out;
    out.reserve(metrics_.size());
    for (const auto& m : metrics_) out.push_back(m.get());
    return out;
}

BuiltinMetrics DefineBuiltinMetrics(Registry& registry) {
    auto define = [&registry](const char* name, MetricType type, ValueType contains) {
        return registry.Define(name, type, contains).value();
    };
    BuiltinMetrics b;
    b.http_reqs = define("http_reqs", MetricType::kCounter, ValueType::kDefault);
    b.http_req_failed = define("http_req_failed", MetricType::kRate, ValueType::kDefault);
    b.http_req_duration = define("http_req_duration", MetricType::kTrend, ValueType::kTime);
    b.http_req_blocked = define("http_req_blocked", MetricType::kTrend, ValueType::kTime);
    b.http_req_connecting = define("http_req_connecting", MetricType::kTrend, ValueType::kTime);
    b.http_req_tls_handshaking =
        define("http_req_tls_handshaking", MetricType::kTrend, ValueType::kTime);
    b.http_req_sending = define("http_req_sending", MetricType::kTrend, ValueType::kTime);
    b.http_req_waiting = define("http_req_waiting", MetricType::kTrend, ValueType::kTime);
    b.http_req_receiving = define("http_req_receiving", MetricType::kTrend, ValueType::kTime);
    b.iterations = define("iterations", MetricType::kCounter, ValueType::kDefault);
    b.iteration_duration = define("iteration_duration", MetricType::kTrend, ValueType::kTime);
    b.vus = define("vus", MetricType::kGauge, ValueType::kDefault);
    b.vus_max = define("vus_max", MetricType::kGauge, ValueType::kDefault);
    b.dropped_iterations = define("dropped_iterations", MetricType::kCounter, ValueType::kDefault);
    b.data_sent = define("data_sent", MetricType::kCounter, ValueType::kData);
    b.data_received = define("data_received", MetricType::kCounter, ValueType::kData);
    b.checks = define("checks", MetricType::kRate, ValueType::kDefault);
    return b;
}

void CheckBook::Record(std::string_view name, bool passed) {
    auto it = index_.find(std::string(name));
    std::size_t i = 0;
    if (it == index_.end()) {
        i = checks_.size();
        index_.emplace(std::string(name), i);
        checks_.push_back(CheckResult{std::string(name), 0, 0});
    } else {
        i = it->second;
    }
    if (passed) {
        ++checks_[i].passes;
    } else {
        ++checks_[i].fails;
    }
}

}  // namespace hhplus::loadgen
