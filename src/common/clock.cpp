#include "common/clock.hpp"

#include <charconv>
#include <cstdio>

namespace hhplus {
namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm, proleptic Gregorian); written
// out because std::chrono's calendar (year_month_day) is not complete in g++ 12's libstdc++.
constexpr std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(std::int64_t y, unsigned m) {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool ReadDigits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    out = value;
    return true;
}

}  // namespace

std::string FormatIsoMillis(std::int64_t epoch_ms) {
    std::int64_t days = epoch_ms / 86'400'000;
    std::int64_t rem = epoch_ms % 86'400'000;
    if (rem < 0) {
        rem += 86'400'000;
        --days;
    }
    std::int64_t y;
    unsigned m, d;
    CivilFromDays(days, y, m, d);
    const auto ms = static_cast<int>(rem % 1000);
    const auto secs = static_cast<int>(rem / 1000);
    char buf[64];  // room for any int64 year: the format cannot truncate
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, secs / 3600, (secs / 60) % 60, secs % 60, ms);
    return buf;
}

std::int64_t ToEpochMillis(std::chrono::system_clock::time_point tp) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

std::string FormatIsoMillis(std::chrono::system_clock::time_point tp) {
    return FormatIsoMillis(ToEpochMillis(tp));
}

bool ParseIso8601(std::string_view t, std::int64_t& epoch_ms) {
    int year, month, day, hour, minute, second;
    if (t.size() < 20) return false;
    if (!ReadDigits(t, 0, 4, year) || t[4] != '-' || !ReadDigits(t, 5, 2, month) || t[7] != '-' ||
        !ReadDigits(t, 8, 2, day) || t[10] != 'T' || !ReadDigits(t, 11, 2, hour) || t[13] != ':' ||
        !ReadDigits(t, 14, 2, minute) || t[16] != ':' || !ReadDigits(t, 17, 2, second)) {
        return false;
    }
    std::size_t pos = 19;
    int millis = 0;
    if (pos < t.size() && t[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
        const std::size_t n = pos - start;
        if (n == 0 || n > 9) return false;
        int frac = 0;
        ReadDigits(t, start, n < 3 ? n : 3, frac);
        for (std::size_t i = n; i < 3; ++i) frac *= 10;
        millis = frac;
    }
    std::int64_t offset_minutes = 0;
    if (pos < t.size() && t[pos] == 'Z') {
        ++pos;
    } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
        const int sign = t[pos] == '+' ? 1 : -1;
        int oh, om;
        if (!ReadDigits(t, pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
            !ReadDigits(t, pos + 4, 2, om) || oh > 23 || om > 59) {
            return false;
        }
        offset_minutes = sign * (std::int64_t{oh} * 60 + om);
        pos += 6;
    } else {
        return false;
    }
    if (pos != t.size()) return false;
    if (month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month)) || hour > 23 ||
        minute > 59 || second > 59) {
        return false;
    }
    const std::int64_t days =
        DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t secs = days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 +
                              second - offset_minutes * 60;
    epoch_ms = secs * 1000 + millis;
    return true;
}

}  // namespace hhplus
