#include "loadgen/humanize.hpp"

#include <cmath>
#include <vector>

#include "loadgen/js_number.hpp"

namespace hhplus::loadgen {

std::string_view MetricTypeName(MetricType type) {
    switch (type) {
        case MetricType::kCounter:
            return "counter";
        case MetricType::kGauge:
            return "gauge";
        case MetricType::kRate:
            return "rate";
        case MetricType::kTrend:
            return "trend";
    }
    return "counter";
}

std::string_view ValueTypeName(ValueType type) {
    switch (type) {
        case ValueType::kDefault:
            return "default";
        case ValueType::kTime:
            return "time";
        case ValueType::kData:
            return "data";
    }
    return "default";
}

std::string ToFixedNoTrailingZeros(double value, int prec) {
    // parseFloat of a decimal string round-trips through the nearest double.
    return JsNumberToString(std::strtod(JsToFixed(value, prec).c_str(), nullptr));
}

namespace {

std::string ToFixedNoTrailingZerosTrunc(double value, int prec) {
    double mult = std::pow(10.0, prec);
    return ToFixedNoTrailingZeros(std::trunc(mult * value) / mult, prec);
}

}  // namespace

std::string HumanizeBytes(double bytes) {
    static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    constexpr double kBase = 1000;
    if (bytes < 10) return JsNumberToString(bytes) + " B";
    int e = static_cast<int>(std::floor(std::log(bytes) / std::log(kBase)));
    if (e < 0) e = 0;
    if (e > 8) e = 8;
    double val = std::floor((bytes / std::pow(kBase, e)) * 10 + 0.5) / 10;
    return JsToFixed(val, val < 10 ? 1 : 0) + " " + kUnits[e];
}

std::string HumanizeGenericDuration(double ms) {
    if (ms == 0) return "0s";
    if (ms < 0.001) return JsNumberToString(std::trunc(ms * 1000000)) + "ns";
    if (ms < 1) return ToFixedNoTrailingZerosTrunc(ms * 1000, 2) + "\xC2\xB5s";
    if (ms < 1000) return ToFixedNoTrailingZerosTrunc(ms, 2) + "ms";
    std::string fixed =
        ToFixedNoTrailingZerosTrunc(std::fmod(ms, 60000) / 1000, ms > 60000 ? 0 : 2) + "s";
    double rem = std::trunc(ms / 60000);
    if (rem < 1) return fixed;
    fixed = JsNumberToString(std::fmod(rem, 60)) + "m" + fixed;
    rem = std::trunc(rem / 60);
    if (rem < 1) return fixed;
    return JsNumberToString(rem) + "h" + fixed;
}

std::string HumanizeDuration(double ms, std::string_view time_unit) {
    if (time_unit == "s") return JsToFixed(ms * 0.001, 2) + "s";
    if (time_unit == "ms") return JsToFixed(ms, 2) + "ms";
    if (time_unit == "us") return JsToFixed(ms * 1000, 2) + "\xC2\xB5s";
    return HumanizeGenericDuration(ms);
}

std::string HumanizeValue(double value, MetricType type, ValueType contains,
                          std::string_view time_unit) {
    if (type == MetricType::kRate) {
        // Truncated, not rounded, to two decimals: 99.999% shows as 99.99%.
        return JsToFixed(std::trunc(value * 100 * 100) / 100, 2) + "%";
    }
    switch (contains) {
        case ValueType::kData:
            return HumanizeBytes(value);
        case ValueType::kTime:
            return HumanizeDuration(value, time_unit);
        case ValueType::kDefault:
            break;
    }
    return ToFixedNoTrailingZeros(value, 6);
}

std::size_t StrWidth(std::string_view text) {
    std::size_t width = 0;
    bool in_escape = false;
    bool in_long_escape = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b) {
            in_escape = true;
            continue;
        }
        if (in_escape && c == '[') {
            in_long_escape = true;
            continue;
        }
        if (in_escape && in_long_escape && c >= 0x40 && c <= 0x7e) {
            in_escape = in_long_escape = false;
            continue;
        }
        if (in_escape && !in_long_escape && c >= 0x40 && c <= 0x5f) {
            in_escape = false;
            continue;
        }
        // Count code points: skip UTF-8 continuation bytes.
        if (!in_escape && !in_long_escape && (c & 0xC0) != 0x80) ++width;
    }
    return width;
}

namespace {

// Primary weights of the Unicode root collation for ASCII: whitespace, then punctuation and
// symbols in CLDR root order, then digits, then letters (case folded).
int PrimaryWeight(unsigned char c) {
    static const std::vector<int> kTable = [] {
        std::vector<int> table(256, -1);
        const std::string_view order = "\t\n\v\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789";
        int weight = 1;
        for (char ch : order) table[static_cast<unsigned char>(ch)] = weight++;
        for (char ch = 'a'; ch <= 'z'; ++ch) {
            table[static_cast<unsigned char>(ch)] = weight;
            table[static_cast<unsigned char>(ch - 'a' + 'A')] = weight;
            ++weight;
        }
        for (int i = 0; i < 256; ++i) {
            if (table[static_cast<std::size_t>(i)] < 0)
                table[static_cast<std::size_t>(i)] = 1000 + i;
        }
        return table;
    }();
    return kTable[c];
}

}  // namespace

int CollateCompare(std::string_view a, std::string_view b) {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        int wa = PrimaryWeight(static_cast<unsigned char>(a[i]));
        int wb = PrimaryWeight(static_cast<unsigned char>(b[i]));
        if (wa != wb) return wa < wb ? -1 : 1;
    }
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    // Tertiary level: lower case sorts before upper case.
    for (std::size_t i = 0; i < n; ++i) {
        bool ua = a[i] >= 'A' && a[i] <= 'Z';
        bool ub = b[i] >= 'A' && b[i] <= 'Z';
        if (ua != ub) return ua ? 1 : -1;
    }
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

}  // namespace hhplus::loadgen
