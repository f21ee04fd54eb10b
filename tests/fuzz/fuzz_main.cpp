// hhplus-fuzz: the fuzzer's command line (see --help).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_engine.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace {

// Inputs longer than these add nothing: the HTTP limits are 8 KiB + 8 KiB + 16 KiB, so 40 KiB
// reaches past each of them (and into a second pipelined request); bodies over 16 KiB are
// refused before any JSON is read, and 4 KiB holds every field of every body with room to spare.
constexpr std::size_t kHttpMaxLen = 40 * 1024;
constexpr std::size_t kJsonMaxLen = 4 * 1024;

constexpr const char* kUsage = R"(usage: hhplus-fuzz --target http|json [options] [--replay FILE...]

Coverage-guided mutation fuzzer for the HTTP request path and JSON body validation, in-process
(no sockets). Build it with HHPLUS_SANITIZE=ON (ASan+UBSan) for memory and UB errors to abort.

  --target http|json   what to fuzz (required)
  --seconds N          time budget (default 30)
  --runs N             stop after N mutated executions instead (0: use --seconds)
  --seed S             random seed (default 1; the same seed and corpus give the same run)
  --corpus DIR         seed inputs (repeatable; default: the source tree's tests/fuzz/corpus/<target>)
  --dict FILE          AFL-style dictionary (default: the source tree's tests/fuzz/http_json.dict)
  --crashes DIR        where last-input.bin and crash-<pid>.bin go (default: ./fuzz-crashes)
  --save-corpus DIR    write inputs that found new coverage there
  --max-len N          longest input (default http 40960, json 4096)
  --replay FILE...     run the given inputs once each (reproduce a crash) and exit

Prints executions, exec/s, corpus size, edges and crashes, then one JSON line. Exit status:
0 when the budget ran out without a crash; a crash aborts the process (non-zero) after saving
the input under --crashes.
)";

[[noreturn]] void Usage(int status) {
    std::fputs(kUsage, status == 0 ? stdout : stderr);
    std::exit(status);
}

}  // namespace

int main(int argc, char** argv) {
    hhplus::fuzz::Options options;
    options.crashes_dir = "fuzz-crashes";
    std::string target_name;
    std::string dict_path;
    std::size_t max_len = 0;
    std::vector<std::string> replay;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) Usage(2);
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") Usage(0);
        if (arg == "--target") {
            target_name = value();
        } else if (arg == "--seconds") {
            options.seconds = std::stod(value());
        } else if (arg == "--runs") {
            options.max_runs = std::stoull(value());
        } else if (arg == "--seed") {
            options.seed = std::stoull(value());
        } else if (arg == "--corpus") {
            options.corpus_dirs.push_back(value());
        } else if (arg == "--dict") {
            dict_path = value();
        } else if (arg == "--crashes") {
            options.crashes_dir = value();
        } else if (arg == "--save-corpus") {
            options.save_corpus_dir = value();
        } else if (arg == "--max-len") {
            max_len = std::stoull(value());
        } else if (arg == "--replay") {
            while (i + 1 < argc) replay.emplace_back(argv[++i]);
        } else {
            std::fprintf(stderr, "hhplus-fuzz: unknown argument %s\n", arg.c_str());
            Usage(2);
        }
    }
    hhplus::fuzz::Target target = nullptr;
    if (target_name == "http") {
        target = hhplus::fuzz::RunHttp;
        options.max_len = kHttpMaxLen;
    } else if (target_name == "json") {
        target = hhplus::fuzz::RunJson;
        options.max_len = kJsonMaxLen;
    } else {
        Usage(2);
    }
    if (max_len != 0) options.max_len = max_len;

    if (!replay.empty()) {
        const std::size_t n = hhplus::fuzz::Replay(target, replay, options.crashes_dir);
        std::printf("replayed %zu inputs, no crash\n", n);
        return 0;
    }

    const std::string source_dir = HHPLUS_FUZZ_SOURCE_DIR;  // tests/fuzz in the source tree
    if (options.corpus_dirs.empty())
        options.corpus_dirs.push_back(source_dir + "/corpus/" + target_name);
    if (dict_path.empty()) dict_path = source_dir + "/http_json.dict";
    if (!hhplus::fuzz::LoadDictionary(dict_path, options.dictionary)) {
        std::fprintf(stderr, "hhplus-fuzz: cannot read dictionary %s\n", dict_path.c_str());
        return 2;
    }

    const hhplus::fuzz::Stats stats = hhplus::fuzz::Fuzz(target, options);
    const double rate =
        stats.seconds > 0 ? static_cast<double>(stats.executions) / stats.seconds : 0;
    std::printf(
        "target=%s executions=%llu seconds=%.1f exec/s=%.0f corpus=%zu edges=%zu crashes=%llu\n",
        target_name.c_str(), static_cast<unsigned long long>(stats.executions), stats.seconds, rate,
        stats.corpus_size, stats.edges, static_cast<unsigned long long>(stats.crashes));
    std::printf(
        "{\"target\":\"%s\",\"executions\":%llu,\"seconds\":%.1f,\"execPerSecond\":%.0f,"
        "\"corpus\":%zu,\"edges\":%zu,\"crashes\":%llu,\"seed\":%llu}\n",
        target_name.c_str(), static_cast<unsigned long long>(stats.executions), stats.seconds, rate,
        stats.corpus_size, stats.edges, static_cast<unsigned long long>(stats.crashes),
        static_cast<unsigned long long>(options.seed));
    return 0;
}
