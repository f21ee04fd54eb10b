#include "loadgen/duration.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace hhplus::loadgen {
namespace {

// Go's unit table for time.ParseDuration (both micro signs are accepted, as in Go).
std::optional<Nanos> UnitScale(std::string_view unit) {
    if (unit == "ns") return 1;
    if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return kMicrosecond;
    if (unit == "ms") return kMillisecond;
    if (unit == "s") return kSecond;
    if (unit == "m") return kMinute;
    if (unit == "h") return kHour;
    return std::nullopt;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go's time.ParseDuration, including its overflow checks (exact integer arithmetic for the
// integer part, the fraction scaled with a double as Go does).
std::optional<Nanos> ParseGoDuration(std::string_view s) {
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return 0;
    if (s.empty()) return std::nullopt;
    unsigned __int128 total = 0;
    while (!s.empty()) {
        std::size_t i = 0;
        unsigned __int128 whole = 0;
        bool any_digit = false;
        while (i < s.size() && IsDigit(s[i])) {
            whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
            if (whole > static_cast<unsigned __int128>(INT64_MAX)) return std::nullopt;
            any_digit = true;
            ++i;
        }
        double fraction = 0;
        if (i < s.size() && s[i] == '.') {
            ++i;
            double scale = 1;
            while (i < s.size() && IsDigit(s[i])) {
                scale /= 10;
                fraction += scale * (s[i] - '0');
                any_digit = true;
                ++i;
            }
        }
        if (!any_digit) return std::nullopt;
        std::size_t unit_end = i;
        while (unit_end < s.size() && s[unit_end] != '.' && !IsDigit(s[unit_end])) ++unit_end;
        auto scale = UnitScale(s.substr(i, unit_end - i));
        if (!scale) return std::nullopt;
        unsigned __int128 value = whole * static_cast<unsigned __int128>(*scale);
        value += static_cast<unsigned __int128>(fraction * static_cast<double>(*scale));
        total += value;
        if (total > static_cast<unsigned __int128>(INT64_MAX)) return std::nullopt;
        s.remove_prefix(unit_end);
    }
    auto result = static_cast<Nanos>(total);
    return negative ? -result : result;
}

// Appends `v / 10^digits` with up to `digits` fraction digits, trailing zeros trimmed (Go's fmtFrac
// followed by fmtInt).
void AppendScaled(std::string& out, std::uint64_t v, int digits) {
    std::uint64_t pow10 = 1;
    for (int i = 0; i < digits; ++i) pow10 *= 10;
    out += std::to_string(v / pow10);
    std::uint64_t frac = v % pow10;
    if (frac == 0) return;
    std::string frac_text(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i) {
        frac_text[static_cast<std::size_t>(i)] = static_cast<char>('0' + frac % 10);
        frac /= 10;
    }
    while (!frac_text.empty() && frac_text.back() == '0') frac_text.pop_back();
    out += '.';
    out += frac_text;
}

// Go's Duration.Round: halfway values round away from zero.
Nanos RoundTo(Nanos d, Nanos m) {
    Nanos r = d % m;
    if (d < 0) {
        r = -r;
        if (r + r < m) return d + r;
        return d - m + r;
    }
    if (r + r < m) return d - r;
    return d + m - r;
}

}  // namespace

std::optional<Nanos> ParseDuration(std::string_view text) {
    // k6: a plain number is a count of milliseconds ("1500" or "1.5e3").
    if (!text.empty()) {
        double ms = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
        if (ec == std::errc() && end == text.data() + text.size()) {
            double ns = ms * static_cast<double>(kMillisecond);
            if (!std::isfinite(ns) || std::fabs(ns) >= 9.2e18) return std::nullopt;
            return static_cast<Nanos>(ns);
        }
    }
    std::size_t d_pos = text.find('d');
    if (d_pos == std::string_view::npos) return ParseGoDuration(text);
    Nanos hours = 0;
    if (d_pos + 1 < text.size()) {
        auto rest = ParseGoDuration(text.substr(d_pos + 1));
        if (!rest || *rest < 0) return std::nullopt;
        hours = *rest;
    }
    std::int64_t days = 0;
    std::string_view day_text = text.substr(0, d_pos);
    auto [end, ec] = std::from_chars(day_text.data(), day_text.data() + day_text.size(), days);
    if (ec != std::errc() || end != day_text.data() + day_text.size()) return std::nullopt;
    if (days > INT64_MAX / (24 * kHour) || days < INT64_MIN / (24 * kHour)) return std::nullopt;
    return days * 24 * kHour + hours;
}

std::string FormatGoDuration(Nanos d) {
    if (d == 0) return "0s";
    std::string out;
    std::uint64_t u =
        d < 0 ? static_cast<std::uint64_t>(-(d + 1)) + 1 : static_cast<std::uint64_t>(d);
    if (d < 0) out += '-';
    if (u < static_cast<std::uint64_t>(kSecond)) {
        if (u < static_cast<std::uint64_t>(kMicrosecond)) {
            out += std::to_string(u) + "ns";
        } else if (u < static_cast<std::uint64_t>(kMillisecond)) {
            AppendScaled(out, u, 3);
            out += "\xC2\xB5s";
        } else {
            AppendScaled(out, u, 6);
            out += "ms";
        }
        return out;
    }
    std::uint64_t seconds = u / static_cast<std::uint64_t>(kSecond);
    std::uint64_t nanos = u % static_cast<std::uint64_t>(kSecond);
    std::string text;
    AppendScaled(text, (seconds % 60) * static_cast<std::uint64_t>(kSecond) + nanos, 9);
    text += 's';
    std::uint64_t minutes = seconds / 60;
    if (minutes > 0) {
        text = std::to_string(minutes % 60) + "m" + text;
        std::uint64_t hours = minutes / 60;
        if (hours > 0) text = std::to_string(hours) + "h" + text;
    }
    return out + text;
}

std::string FormatFixedLengthDuration(Nanos d, Nanos max) {
    constexpr Nanos kRounding = 100 * kMillisecond;
    if (d < 0) d = -d;
    if (max < 0) max = -max;
    if (max < d) max = d;
    max = RoundTo(max, kRounding);
    // Positions as in k6: "000000d00h00m00.0s".
    char buf[18] = {'0', '0', '0', '0', '0', '0', 'd', '0', '0',
                    'h', '0', '0', 'm', '0', '0', '.', '0', 's'};
    auto tail = [&buf](int from) { return std::string(buf + from, buf + 18); };
    std::int64_t u = RoundTo(d, kRounding) / kRounding;
    buf[16] = static_cast<char>('0' + u % 10);
    u /= 10;
    buf[14] = static_cast<char>('0' + u % 10);
    u /= 10;
    if (max < 10 * kSecond) return tail(14);
    buf[13] = static_cast<char>('0' + u % 6);
    u /= 6;
    if (max < kMinute) return tail(13);
    buf[11] = static_cast<char>('0' + u % 10);
    u /= 10;
    if (max < 10 * kMinute) return tail(11);
    buf[10] = static_cast<char>('0' + u % 6);
    u /= 6;
    if (max < kHour) return tail(10);
    std::int64_t h = u % 24;
    u /= 24;
    buf[7] = static_cast<char>('0' + h / 10);
    buf[8] = static_cast<char>('0' + h % 10);
    if (max < 10 * kHour) return tail(8);
    if (max < 24 * kHour) return tail(7);
    buf[5] = static_cast<char>('0' + u % 10);
    u /= 10;
    Nanos rem_day_powers = max / (240 * kHour);
    int i = 5;
    while (rem_day_powers > 0 && i > 0) {
        --i;
        buf[i] = static_cast<char>('0' + u % 10);
        u /= 10;
        rem_day_powers /= 10;
    }
    return tail(i);
}

}  // namespace hhplus::loadgen
