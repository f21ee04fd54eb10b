// libFuzzer entry of fuzz-http: each input is the bytes of one client connection (RunHttp).
#include "tests/fuzz/fuzz_targets.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hhplus::fuzz::RunHttp(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;  // libFuzzer reserves other values
}
