#pragma once
// A small coverage-guided mutation fuzzer (the libFuzzer/AFL idea, in-process, one thread).
//
// Coverage: the code under test is compiled with g++'s -fsanitize-coverage=trace-pc, which calls
// __sanitizer_cov_trace_pc() at the start of every basic block. (g++ 12 has no trace-pc-guard;
// that is clang's.) Our callback hashes (previous block, this block) into a 64 KiB map of hit
// counters, as AFL does; an input that lights a new (edge, hit-count bucket) pair joins the
// corpus. This file and fuzz_engine.cpp are built WITHOUT the coverage flag.
//
// Crashes: the last input lives in a memory-mapped file `<crashes>/last-input` (no system call
// per execution), so a hard crash leaves it on disk; a SIGABRT/SIGSEGV/… handler and ASan's death
// callback also copy it to `<crashes>/crash-<n>` before the process dies.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hhplus::fuzz {

// Runs one input through the code under test. Must not keep state between calls.
using Target = void (*)(std::string_view input);

struct Options {
    double seconds = 30;
    std::uint64_t max_runs = 0;  // 0: until `seconds` have passed
    std::uint64_t seed = 1;
    std::size_t max_len = 4096;
    std::vector<std::string> corpus_dirs;  // seeds (every regular file)
    std::string crashes_dir = ".";
    std::string save_corpus_dir;  // empty: keep new inputs in memory only
    std::vector<std::string> dictionary;
    double report_every_seconds = 5;
};

struct Stats {
    std::uint64_t executions = 0;
    double seconds = 0;
    std::size_t corpus_size = 0;
    std::size_t edges = 0;      // distinct map slots ever hit
    std::uint64_t crashes = 0;  // a crash ends the process, so a finished run reports 0
};

// Reads an AFL-style dictionary: lines `name="value"` or `"value"` with \xNN, \\ and \" escapes;
// '#' comments. Returns false when the file cannot be read.
bool LoadDictionary(const std::string& path, std::vector<std::string>& out);

// Fuzzes `target` until the time or run budget is spent. Never returns on a crash.
Stats Fuzz(Target target, const Options& options);

// Runs each file once (reproducing a crash); returns how many files were run.
std::size_t Replay(Target target, const std::vector<std::string>& files,
                   const std::string& crashes_dir);

}  // namespace hhplus::fuzz
