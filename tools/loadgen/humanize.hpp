#pragma once
// The value formatting and ordering of k6 v1.x's end-of-test summary (internal/js/summary.js),
// reproduced function by function so our lines read exactly like k6's.
#include <optional>
#include <string>
#include <string_view>

namespace hhplus::loadgen {

enum class MetricType { kCounter, kGauge, kRate, kTrend };
enum class ValueType { kDefault, kTime, kData };

std::string_view MetricTypeName(MetricType type);  // "counter", "gauge", "rate", "trend"
std::string_view ValueTypeName(ValueType type);    // "default", "time", "data"

// parseFloat(val.toFixed(prec)).toString()
std::string ToFixedNoTrailingZeros(double value, int prec);
// "10 kB", "1.3 MB", "7 B" (decimal units, as k6).
std::string HumanizeBytes(double bytes);
// Milliseconds to "0s", "850ns", "12.34µs", "1.5ms", "2.45s", "1m30s", "1h2m3s" (truncated, not
// rounded).
std::string HumanizeGenericDuration(double ms);
// With --summary-time-unit s|ms|us a fixed unit ("12.35ms"); otherwise the generic form.
std::string HumanizeDuration(double ms, std::string_view time_unit);
// humanizeValue(): rates as "99.99%" (truncated), data as bytes, times as durations, else a number.
std::string HumanizeValue(double value, MetricType type, ValueType contains,
                          std::string_view time_unit);

// Display width of `text` in a terminal: code points outside ANSI escape sequences (k6's strWidth).
std::size_t StrWidth(std::string_view text);

// String.prototype.localeCompare as k6's JS runtime evaluates it (Unicode root collation): for the
// ASCII names metrics use, punctuation < digits < letters, letters case-insensitive first with
// lower case before upper case on a tie. Returns <0, 0, >0.
int CollateCompare(std::string_view a, std::string_view b);

}  // namespace hhplus::loadgen
