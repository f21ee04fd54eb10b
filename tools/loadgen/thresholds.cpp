#include "loadgen/thresholds.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace hhplus::loadgen {
namespace {

std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::optional<double> ParseFloat(std::string_view text) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

}  // namespace

std::string_view AggregationName(Aggregation method) {
    switch (method) {
        case Aggregation::kValue:
            return "value";
        case Aggregation::kCount:
            return "count";
        case Aggregation::kRate:
            return "rate";
        case Aggregation::kAvg:
            return "avg";
        case Aggregation::kMin:
            return "min";
        case Aggregation::kMed:
            return "med";
        case Aggregation::kMax:
            return "max";
        case Aggregation::kPercentile:
            return "p";
    }
    return "value";
}

Result<ThresholdExpression, std::string> ParseThresholdExpression(std::string_view source) {
    const std::string quoted = "\"" + std::string(source) + "\"";
    static constexpr std::string_view kOperators[] = {"<=", "<", ">=", ">", "===", "==", "!="};
    ThresholdExpression expr;
    std::string_view left;
    std::string_view right;
    bool found = false;
    for (std::string_view op : kOperators) {
        std::size_t pos = source.find(op);
        if (pos == std::string_view::npos) continue;
        std::string_view rest = source.substr(pos + op.size());
        if (rest.empty()) continue;  // k6: strings.Cut with an empty right side does not match
        left = TrimSpaces(source.substr(0, pos));
        right = TrimSpaces(rest);
        expr.op = std::string(op);
        found = true;
        break;
    }
    if (!found)
        return "failed parsing threshold expression " + quoted +
               "; reason: malformed threshold expression";
    bool method_ok = false;
    for (Aggregation m :
         {Aggregation::kValue, Aggregation::kCount, Aggregation::kRate, Aggregation::kAvg,
          Aggregation::kMin, Aggregation::kMed, Aggregation::kMax}) {
        if (left == AggregationName(m)) {
            expr.method = m;
            method_ok = true;
        }
    }
    if (!method_ok) {
        if (left.size() >= 3 && left.substr(0, 2) == "p(" && left.back() == ')') {
            auto pct = ParseFloat(left.substr(2, left.size() - 3));
            if (!pct) {
                return "failed parsing threshold expression's " + quoted +
                       " left hand side; reason: malformed percentile value";
            }
            expr.method = Aggregation::kPercentile;
            expr.percentile = *pct;
        } else {
            return "failed parsing threshold expression's " + quoted +
                   " left hand side; reason: failed parsing method from expression";
        }
    }
    auto value = ParseFloat(right);
    if (!value) return "failed parsing threshold expresion's " + quoted + " right hand side";
    expr.value = *value;
    return expr;
}

bool SupportsAggregation(MetricType type, Aggregation method) {
    switch (type) {
        case MetricType::kCounter:
            return method == Aggregation::kCount || method == Aggregation::kRate;
        case MetricType::kGauge:
            return method == Aggregation::kValue;
        case MetricType::kRate:
            return method == Aggregation::kRate;
        case MetricType::kTrend:
            return method == Aggregation::kAvg || method == Aggregation::kMin ||
                   method == Aggregation::kMax || method == Aggregation::kMed ||
                   method == Aggregation::kPercentile;
    }
    return false;
}

std::vector<std::string> ThresholdEngine::Setup(const std::vector<MetricThresholds>& config,
                                                Registry& registry) {
    std::vector<std::string> errors;
    for (const MetricThresholds& mt : config) {
        std::vector<Threshold> parsed;
        bool ok = true;
        for (const ThresholdConfig& tc : mt.thresholds) {
            auto expr = ParseThresholdExpression(tc.source);
            if (!expr) {
                errors.push_back(std::move(expr).error());
                ok = false;
                continue;
            }
            parsed.push_back(Threshold{tc, expr.value(), false});
        }
        auto metric = registry.GetOrAddSubmetric(mt.metric);
        if (!metric) {
            errors.push_back("invalid threshold defined on " + mt.metric +
                             "; reason: " + std::move(metric).error());
            continue;
        }
        if (!ok) continue;
        Metric* m = metric.value();
        for (const Threshold& t : parsed) {
            if (!SupportsAggregation(m->type, t.expr.method)) {
                errors.push_back("invalid threshold \"" + t.config.source +
                                 "\" applied on metric " + mt.metric +
                                 "; reason: unsupported aggregation method " +
                                 std::string(AggregationName(t.expr.method)) +
                                 " on metric of type " + std::string(MetricTypeName(m->type)));
                ok = false;
            }
        }
        if (!ok) continue;
        // Named metrics (and a sub-metric's parent) show in the summary even without samples.
        m->observed = true;
        if (m->parent != nullptr) m->parent->observed = true;
        sets_.push_back(MetricThresholdSet{m, std::move(parsed)});
    }
    return errors;
}

ThresholdOutcome ThresholdEngine::Evaluate(bool ignore_empty, Nanos elapsed) {
    ThresholdOutcome outcome;
    for (MetricThresholdSet& set : sets_) {
        const Sink& sink = set.metric->sink;
        if (set.thresholds.empty() || (ignore_empty && sink.IsEmpty())) continue;
        bool succeeded = true;
        for (Threshold& t : set.thresholds) {
            std::optional<double> lhs;
            switch (set.metric->type) {
                case MetricType::kCounter:
                    if (t.expr.method == Aggregation::kCount) {
                        lhs = sink.counter;
                    } else {
                        lhs = sink.counter /
                              (static_cast<double>(elapsed) / static_cast<double>(kSecond));
                    }
                    break;
                case MetricType::kGauge:
                    lhs = sink.gauge;
                    break;
                case MetricType::kRate:
                    // k6 leaves "rate" out of an empty rate sink: the threshold passes.
                    if (sink.total > 0)
                        lhs = static_cast<double>(sink.trues) / static_cast<double>(sink.total);
                    break;
                case MetricType::kTrend:
                    switch (t.expr.method) {
                        case Aggregation::kMin:
                            lhs = sink.trend.Min();
                            break;
                        case Aggregation::kMax:
                            lhs = sink.trend.Max();
                            break;
                        case Aggregation::kAvg:
                            lhs = sink.trend.Avg();
                            break;
                        case Aggregation::kMed:
                            lhs = sink.trend.P(0.5);
                            break;
                        case Aggregation::kPercentile:
                            lhs = sink.trend.P(t.expr.percentile / 100);
                            break;
                        default:
                            break;
                    }
                    break;
            }
            bool passes = true;
            if (lhs) {
                const double v = t.expr.value;
                const std::string& op = t.expr.op;
                if (op == ">") {
                    passes = *lhs > v;
                } else if (op == ">=") {
                    passes = *lhs >= v;
                } else if (op == "<=") {
                    passes = *lhs <= v;
                } else if (op == "<") {
                    passes = *lhs < v;
                } else if (op == "==" || op == "===") {
                    passes = *lhs == v;
                } else {
                    passes = *lhs != v;
                }
            }
            t.last_failed = !passes;
            if (!passes) {
                succeeded = false;
                if (t.config.abort_on_fail) {
                    const bool delay_over =
                        !t.config.delay_abort_eval || *t.config.delay_abort_eval < elapsed;
                    if (delay_over) outcome.should_abort = true;
                }
            }
        }
        if (!succeeded) outcome.breached.push_back(set.metric->name);
    }
    std::sort(outcome.breached.begin(), outcome.breached.end());
    return outcome;
}

}  // namespace hhplus::loadgen
