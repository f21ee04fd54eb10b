#pragma once
// The two fuzz targets. Both run the project's own code in-process (no sockets) and check
// properties that must hold for every input; a broken property aborts (FUZZ_CHECK), which
// libFuzzer records as a crash and saves the input, as it does for ASan/UBSan reports.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                        \
        }                                                                                        \
    } while (false)

namespace hhplus::fuzz {

// Raw bytes as one connection would send them: requests parsed one after another (a pipeline)
// with the server's limits, each taken through the server's pre-handler checks (origin-form,
// percent-decoding, route match, 415), the request accessors handlers use (cookies, query,
// headers), the body validator of the matched route, and a serialized error response.
void RunHttp(std::string_view input);

// One JSON request body through every body validator (signup/login, charge, issue, cart, order,
// the admin coupon, product and stock bodies, a catch-all field set), with a render-and-reparse
// round trip of what was accepted.
void RunJson(std::string_view input);

// The validation a handler does on the body of `route` (the pattern), as in src/domain/*.
void ValidateBody(std::string_view route, std::string_view body);

}  // namespace hhplus::fuzz
