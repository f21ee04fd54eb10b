#pragma once
// Number formatting exactly as the runtimes behind k6's output do it: the summary is rendered by
// JavaScript (Number.prototype.toString / toFixed), the NDJSON output by Go (strconv 'g',
// shortest). Matching them digit for digit is what makes our summary lines comparable with k6's.
// All three are libdouble-conversion (V8's own number formatting); strings go through
// http::JsonWriter, the one JSON writer.
#include <string>

namespace hhplus::loadgen {

// ECMAScript Number::toString(10): shortest round-trip digits, "1e+21" / "1e-7" exponent forms
// outside [1e-6, 1e21), "NaN", "Infinity", "-0" printed as "0".
std::string JsNumberToString(double value);

// ECMAScript Number.prototype.toFixed(digits) (0..100): rounds the exact binary value, ties away
// from zero; values >= 1e21 fall back to toString.
std::string JsToFixed(double value, int digits);

// Go's strconv.FormatFloat(v, 'g', -1, 64), as easyjson writes float64 values into k6's JSON
// output ("1.5e+06", "0.000123", "12.34").
std::string GoFormatFloat(double value);

}  // namespace hhplus::loadgen
