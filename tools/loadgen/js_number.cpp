#include "loadgen/js_number.hpp"

#include <double-conversion/double-to-string.h>

#include <cmath>

namespace hhplus::loadgen {
namespace {

namespace dc = double_conversion;

// Longest text of ToShortest / ToFixed: sign, 60 integer digits (kMaxFixedDigitsBeforePoint),
// point, 100 fraction digits (kMaxFixedDigitsAfterPoint) = 162; 200 leaves room.
constexpr int kBufferSize = 200;

// Go's strconv 'g' with the shortest precision: exponent form below 1e-4 and from 1e6 on
// (Go decides with precision 6), at least two exponent digits, the sign always written, "-0" kept.
const dc::DoubleToStringConverter& GoShortestConverter() {
    static const dc::DoubleToStringConverter converter(
        dc::DoubleToStringConverter::EMIT_POSITIVE_EXPONENT_SIGN, "Inf", "NaN", 'e',
        /*decimal_in_shortest_low=*/-4, /*decimal_in_shortest_high=*/6,
        /*max_leading_padding_zeroes_in_precision_mode=*/0,
        /*max_trailing_padding_zeroes_in_precision_mode=*/0, /*min_exponent_width=*/2);
    return converter;
}

}  // namespace

std::string JsNumberToString(double value) {
    char buf[kBufferSize];
    dc::StringBuilder builder(buf, kBufferSize);
    dc::DoubleToStringConverter::EcmaScriptConverter().ToShortest(value, &builder);
    return builder.Finalize();
}

std::string JsToFixed(double value, int digits) {
    // ECMAScript: from 1e21 on toFixed is toString; double-conversion refuses those anyway.
    if (std::isnan(value) || std::fabs(value) >= 1e21) return JsNumberToString(value);
    char buf[kBufferSize];
    dc::StringBuilder builder(buf, kBufferSize);
    dc::DoubleToStringConverter::EcmaScriptConverter().ToFixed(value, digits, &builder);
    return builder.Finalize();
}

std::string GoFormatFloat(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";  // the converter has one symbol
    char buf[kBufferSize];
    dc::StringBuilder builder(buf, kBufferSize);
    GoShortestConverter().ToShortest(value, &builder);
    return builder.Finalize();
}

}  // namespace hhplus::loadgen
