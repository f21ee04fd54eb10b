#include "loadgen/js_number.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hhplus::loadgen {
namespace {

// Shortest round-trip decimal digits of a finite positive double: value = 0.d1d2...dk × 10^point.
struct Digits {
    std::string digits;  // no leading or trailing zeros
    int point = 0;       // position of the decimal point relative to the first digit
};

Digits ShortestDigits(double value) {
    char buf[64];
    auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string_view text(buf, static_cast<std::size_t>(result.ptr - buf));
    std::size_t e_pos = text.find('e');
    Digits d;
    for (char c : text.substr(0, e_pos)) {
        if (c != '.') d.digits += c;
    }
    int exponent = std::atoi(std::string(text.substr(e_pos + 1)).c_str());
    while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
    d.point = exponent + 1;
    return d;
}

std::string ExponentText(int e, bool at_least_two_digits) {
    std::string out = e < 0 ? "-" : "+";
    int magnitude = std::abs(e);
    if (at_least_two_digits && magnitude < 10) out += '0';
    out += std::to_string(magnitude);
    return out;
}

}  // namespace

std::string JsNumberToString(double value) {
    if (std::isnan(value)) return "NaN";
    if (value == 0) return "0";
    if (value < 0) return "-" + JsNumberToString(-value);
    if (std::isinf(value)) return "Infinity";
    Digits d = ShortestDigits(value);
    const int k = static_cast<int>(d.digits.size());
    const int n = d.point;
    if (k <= n && n <= 21) return d.digits + std::string(static_cast<std::size_t>(n - k), '0');
    if (0 < n && n <= 21) {
        return d.digits.substr(0, static_cast<std::size_t>(n)) + "." +
               d.digits.substr(static_cast<std::size_t>(n));
    }
    if (-6 < n && n <= 0) return "0." + std::string(static_cast<std::size_t>(-n), '0') + d.digits;
    std::string out = d.digits.substr(0, 1);
    if (k > 1) out += "." + d.digits.substr(1);
    return out + "e" + ExponentText(n - 1, false);
}

std::string JsToFixed(double value, int digits) {
    if (std::isnan(value)) return "NaN";
    if (std::fabs(value) >= 1e21) return JsNumberToString(value);
    // glibc prints the exact binary value; 80 extra digits decide every tie for the magnitudes a
    // summary shows (a double >= 2^-20 has at most 72 fraction digits).
    constexpr int kGuardDigits = 80;
    char buf[320];
    std::snprintf(buf, sizeof buf, "%.*f", digits + kGuardDigits, std::fabs(value));
    std::string text(buf);
    std::size_t dot = text.find('.');
    std::string number =
        text.substr(0, dot) + text.substr(dot + 1, static_cast<std::size_t>(digits));
    const bool round_up = text[dot + 1 + static_cast<std::size_t>(digits)] >= '5';
    if (round_up) {
        std::size_t i = number.size();
        while (i > 0) {
            --i;
            if (number[i] == '9') {
                number[i] = '0';
            } else {
                ++number[i];
                break;
            }
            if (i == 0) number.insert(number.begin(), '1');
        }
    }
    std::string out = value < 0 ? "-" : "";
    const std::size_t int_len = number.size() - static_cast<std::size_t>(digits);
    out += number.substr(0, int_len);
    if (digits > 0) out += "." + number.substr(int_len);
    return out;
}

std::string GoFormatFloat(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == 0) return std::signbit(value) ? "-0" : "0";
    std::string sign = value < 0 ? "-" : "";
    Digits d = ShortestDigits(std::fabs(value));
    const int nd = static_cast<int>(d.digits.size());
    const int dp = d.point;
    const int exp = dp - 1;
    // Shortest 'g': exponent form when exp < -4 or exp >= 6 (Go uses precision 6 for the choice).
    if (exp < -4 || exp >= 6) {
        std::string out = sign + d.digits.substr(0, 1);
        if (nd > 1) out += "." + d.digits.substr(1);
        return out + "e" + ExponentText(exp, true);
    }
    std::string out = sign;
    if (dp > 0) {
        for (int i = 0; i < dp; ++i) out += i < nd ? d.digits[static_cast<std::size_t>(i)] : '0';
    } else {
        out += '0';
    }
    const int frac_digits = nd - dp > 0 ? nd - dp : 0;
    if (frac_digits > 0) {
        out += '.';
        for (int i = 1; i <= frac_digits; ++i) {
            int j = dp + i - 1;
            out += (j >= 0 && j < nd) ? d.digits[static_cast<std::size_t>(j)] : '0';
        }
    }
    return out;
}

void AppendJsonString(std::string& out, std::string_view text) {
    out += '"';
    for (char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

}  // namespace hhplus::loadgen
