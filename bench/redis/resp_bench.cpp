// Reply parsing and command formatting throughput (hiredis reader + conversion to Reply), the
// per-reply CPU cost every Redis call pays on the event loop.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "redis/resp.hpp"

namespace hhplus::redis {
namespace {

// `count` copies of `one` back to back, as a pipelined burst arrives.
std::string Repeat(const std::string& one, int count) {
    std::string out;
    out.reserve(one.size() * static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) out += one;
    return out;
}

// A pipelined burst: 1000 replies, as 1000 concurrent callers get them back.
constexpr int kRepliesPerBurst = 1000;

// Feeds `burst` in pieces of `segment` bytes, taking every complete reply after each piece, as
// the connection's reader does after each read.
void ParseInSegments(benchmark::State& state, const std::string& burst, std::size_t segment) {
    for (auto _ : state) {
        ReplyParser parser;
        int n = 0;
        for (std::size_t at = 0; at < burst.size(); at += segment) {
            const std::size_t len = std::min(segment, burst.size() - at);
            if (!parser.Feed(burst.data() + at, len).ok()) state.SkipWithError("feed");
            for (;;) {
                auto next = parser.Next();
                if (!next.ok() || !next->has_value()) break;
                benchmark::DoNotOptimize(**next);
                ++n;
            }
        }
        if (n != kRepliesPerBurst) state.SkipWithError("short parse");
    }
    state.SetItemsProcessed(state.iterations() * kRepliesPerBurst);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(burst.size()));
}

void ParseBurst(benchmark::State& state, const std::string& one) {
    const std::string burst = Repeat(one, kRepliesPerBurst);
    ParseInSegments(state, burst, burst.size());
}

void BM_ParseStatus(benchmark::State& state) { ParseBurst(state, "+OK\r\n"); }
void BM_ParseInteger(benchmark::State& state) { ParseBurst(state, ":123456\r\n"); }
void BM_ParseBulk64(benchmark::State& state) {
    ParseBurst(state, "$64\r\n" + std::string(64, 'v') + "\r\n");
}
void BM_ParseBulk4K(benchmark::State& state) {
    ParseBurst(state, "$4096\r\n" + std::string(4096, 'v') + "\r\n");
}
// An HGETALL-like reply: 10 field/value pairs.
void BM_ParseArray20(benchmark::State& state) {
    std::string one = "*20\r\n";
    for (int i = 0; i < 20; ++i) one += "$8\r\nfield-" + std::to_string(10 + i) + "\r\n";
    ParseBurst(state, one);
}

// The same bytes fed in 1460-byte pieces (one TCP segment each), as the reader sees them.
void BM_ParseBulk64Segmented(benchmark::State& state) {
    constexpr std::size_t kSegment = 1460;
    ParseInSegments(state, Repeat("$64\r\n" + std::string(64, 'v') + "\r\n", kRepliesPerBurst),
                    kSegment);
}

void BM_FormatSet(benchmark::State& state) {
    const std::vector<std::string> args{"SET", "session:0123456789abcdef", std::string(64, 'v'),
                                        "PX", "1800000"};
    std::string out;
    for (auto _ : state) {
        out.clear();
        AppendCommand(out, args);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ParseStatus);
BENCHMARK(BM_ParseInteger);
BENCHMARK(BM_ParseBulk64);
BENCHMARK(BM_ParseBulk4K);
BENCHMARK(BM_ParseArray20);
BENCHMARK(BM_ParseBulk64Segmented);
BENCHMARK(BM_FormatSet);

}  // namespace
}  // namespace hhplus::redis

BENCHMARK_MAIN();
