#include "tests/fuzz/fuzz_engine.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

namespace {

// 64 Ki slots (AFL's map size): with a few thousand instrumented blocks under test, collisions
// of hashed edges are rare, and scanning the map after a run costs ~8 Ki word reads.
constexpr std::size_t kMapSize = 1 << 16;
alignas(64) std::uint8_t g_map[kMapSize];
std::uintptr_t g_previous = 0;
bool g_tracing = false;

}  // namespace

// Called by every instrumented basic block. Kept tiny and free of sanitizer checks (it runs
// hundreds of times per input).
extern "C" __attribute__((no_sanitize("address", "undefined"))) void __sanitizer_cov_trace_pc() {
    if (!g_tracing) return;
    auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
    pc = (pc ^ (pc >> 15)) * 0x9E3779B97F4A7C15ull;
    const std::uintptr_t block = pc >> 48;  // 16 bits
    ++g_map[(block ^ g_previous) & (kMapSize - 1)];
    g_previous = block >> 1;  // A→B and B→A land in different slots
}

// ASan/UBSan call this just before they abort (declared by <sanitizer/common_interface_defs.h>,
// which we avoid to keep the build free of sanitizer headers when they are off).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace hhplus::fuzz {
namespace {

// ---- the last input, kept on disk --------------------------------------------------------------

struct LastInput {
    char* map = nullptr;  // [8-byte length][bytes]
    std::size_t capacity = 0;
    std::string crash_prefix;  // "<dir>/crash-"
};
LastInput g_last;

void OpenLastInput(const std::string& dir, std::size_t max_len) {
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/last-input.bin";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        std::perror(path.c_str());
        std::exit(2);
    }
    const std::size_t size = max_len + 8;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) std::exit(2);
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) std::exit(2);
    g_last.map = static_cast<char*>(p);
    g_last.capacity = max_len;
    g_last.crash_prefix = dir + "/crash-";
}

void RememberInput(std::string_view input) {
    if (g_last.map == nullptr) return;
    const std::uint64_t n = std::min(input.size(), g_last.capacity);
    std::memcpy(g_last.map + 8, input.data(), n);
    std::memcpy(g_last.map, &n, 8);
}

// Async-signal-safe: open/write/close only. The file name carries the pid, so two crashing
// runs never overwrite each other.
void DumpCrash() {
    if (g_last.map == nullptr) return;
    static bool done = false;
    if (done) return;
    done = true;
    char path[4096];
    const std::size_t prefix = std::min(g_last.crash_prefix.size(), sizeof path - 32);
    std::memcpy(path, g_last.crash_prefix.data(), prefix);
    char digits[24];
    int d = 0;
    for (long pid = ::getpid(); pid > 0 && d < 20; pid /= 10) digits[d++] = char('0' + pid % 10);
    std::size_t at = prefix;
    while (d > 0) path[at++] = digits[--d];
    std::memcpy(path + at, ".bin", 5);
    std::uint64_t n = 0;
    std::memcpy(&n, g_last.map, 8);
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t ignored = ::write(fd, g_last.map + 8, n);
        (void)ignored;
        ::close(fd);
        constexpr char kMsg[] = "\nhhplus-fuzz: CRASH, input saved to ";
        ignored = ::write(2, kMsg, sizeof kMsg - 1);
        ignored = ::write(2, path, std::strlen(path));
        ignored = ::write(2, "\n", 1);
    }
}

void OnFatalSignal(int sig) {
    DumpCrash();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void InstallCrashHandlers() {
    if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(DumpCrash);
    // ASan owns SIGSEGV/SIGBUS/SIGFPE (and reaches DumpCrash through the death callback); abort()
    // (assert, std::terminate, our FUZZ_CHECK) and the rest come here.
    for (int sig : {SIGABRT, SIGILL, SIGSEGV, SIGBUS, SIGFPE}) {
        struct sigaction current {};
        sigaction(sig, nullptr, &current);
        if (current.sa_handler == SIG_DFL) std::signal(sig, OnFatalSignal);
    }
}

// ---- coverage bookkeeping ----------------------------------------------------------------------

// AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ → one bit each.
std::uint8_t Bucket(std::uint8_t count) {
    if (count <= 3) return static_cast<std::uint8_t>(1u << (count - 1));
    if (count < 8) return 8;
    if (count < 16) return 16;
    if (count < 32) return 32;
    if (count < 128) return 64;
    return 128;
}

std::array<std::uint8_t, kMapSize> g_seen{};  // bucket bits ever seen per slot

// Folds this run's map into g_seen; true when something new showed up. Clears the map.
bool CollectCoverage(std::size_t& edges) {
    bool fresh = false;
    const auto* words = reinterpret_cast<const std::uint64_t*>(g_map);
    for (std::size_t w = 0; w < kMapSize / 8; ++w) {
        if (words[w] == 0) continue;
        for (std::size_t i = w * 8; i < w * 8 + 8; ++i) {
            if (g_map[i] == 0) continue;
            const std::uint8_t bit = Bucket(g_map[i]);
            if ((g_seen[i] & bit) == 0) {
                if (g_seen[i] == 0) ++edges;
                g_seen[i] |= bit;
                fresh = true;
            }
        }
    }
    std::memset(g_map, 0, sizeof g_map);
    return fresh;
}

void RunOne(Target target, std::string_view input) {
    RememberInput(input);
    g_previous = 0;
    g_tracing = true;
    target(input);
    g_tracing = false;
}

// ---- mutations ---------------------------------------------------------------------------------

class Mutator {
  public:
    Mutator(std::uint64_t seed, const std::vector<std::string>& dictionary, std::size_t max_len)
        : rng_(seed), dictionary_(dictionary), max_len_(max_len) {}

    std::size_t Below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

    void Mutate(std::string& data, const std::vector<std::string>& corpus) {
        const std::size_t stack = 1 + Below(8);
        for (std::size_t i = 0; i < stack; ++i) MutateOnce(data, corpus);
        if (data.size() > max_len_) data.resize(max_len_);
    }

  private:
    static constexpr std::array<const char*, 18> kInterestingNumbers = {"0",
                                                                        "-1",
                                                                        "1",
                                                                        "-0",
                                                                        "9223372036854775807",
                                                                        "9223372036854775808",
                                                                        "-9223372036854775808",
                                                                        "18446744073709551616",
                                                                        "4294967296",
                                                                        "2147483648",
                                                                        "1000000000",
                                                                        "1000000001",
                                                                        "16384",
                                                                        "16385",
                                                                        "8192",
                                                                        "8193",
                                                                        "1e3",
                                                                        "1.0"};
    static constexpr std::array<char, 16> kInterestingBytes = {
        '\0', '\r', '\n', ' ', '\t', ':', ';', '%', '"', '\\', '{', '}', '/', '?', '=', '\x7f'};

    void MutateOnce(std::string& data, const std::vector<std::string>& corpus) {
        switch (Below(12)) {
            case 0:  // flip one bit
                if (!data.empty()) data[Below(data.size())] ^= static_cast<char>(1u << Below(8));
                break;
            case 1:  // random byte
                if (!data.empty()) data[Below(data.size())] = static_cast<char>(rng_());
                break;
            case 2:  // interesting byte
                if (!data.empty()) {
                    data[Below(data.size())] = kInterestingBytes[Below(kInterestingBytes.size())];
                }
                break;
            case 3:  // insert random bytes
                data.insert(Below(data.size() + 1), RandomBytes(1 + Below(8)));
                break;
            case 4:  // erase a range
                if (!data.empty()) {
                    const std::size_t at = Below(data.size());
                    data.erase(at, 1 + Below(std::min<std::size_t>(data.size() - at, 32)));
                }
                break;
            case 5:  // duplicate a range in place
                if (!data.empty()) {
                    const std::size_t at = Below(data.size());
                    const std::size_t len = 1 + Below(std::min<std::size_t>(data.size() - at, 64));
                    data.insert(Below(data.size() + 1), data.substr(at, len));
                }
                break;
            case 6:  // repeat a range many times: long headers, big bodies, request pipelines
                if (!data.empty()) {
                    const std::size_t at = Below(data.size());
                    const std::size_t len = 1 + Below(std::min<std::size_t>(data.size() - at, 256));
                    const std::string piece = data.substr(at, len);
                    const std::size_t times = 2 + Below(max_len_ / len / 2 + 1);
                    std::string repeated;
                    for (std::size_t t = 0; t < times && repeated.size() < max_len_; ++t) {
                        repeated += piece;
                    }
                    data.insert(at, repeated);
                }
                break;
            case 7:  // insert a dictionary token
            case 8:  // overwrite with a dictionary token
                if (!dictionary_.empty()) {
                    const std::string& token = dictionary_[Below(dictionary_.size())];
                    const std::size_t at = Below(data.size() + 1);
                    if (Below(2) == 0 || at + token.size() > data.size()) {
                        data.insert(at, token);
                    } else {
                        data.replace(at, token.size(), token);
                    }
                }
                break;
            case 9:  // replace a run of digits with an interesting number
                ReplaceNumber(data);
                break;
            case 10:  // splice: our head, another input's tail
                if (!corpus.empty()) {
                    const std::string& other = corpus[Below(corpus.size())];
                    data = data.substr(0, Below(data.size() + 1)) +
                           other.substr(Below(other.size() + 1));
                }
                break;
            default:  // swap two bytes
                if (data.size() > 1) std::swap(data[Below(data.size())], data[Below(data.size())]);
                break;
        }
    }

    void ReplaceNumber(std::string& data) {
        if (data.empty()) return;
        std::size_t at = Below(data.size());
        while (at < data.size() && (data[at] < '0' || data[at] > '9')) ++at;
        if (at == data.size()) return;
        std::size_t end = at;
        while (end < data.size() && data[end] >= '0' && data[end] <= '9') ++end;
        data.replace(at, end - at, kInterestingNumbers[Below(kInterestingNumbers.size())]);
    }

    std::string RandomBytes(std::size_t n) {
        std::string out(n, '\0');
        for (char& c : out) c = static_cast<char>(rng_());
        return out;
    }

    std::mt19937_64 rng_;
    const std::vector<std::string>& dictionary_;
    std::size_t max_len_;
};

std::vector<std::string> ReadCorpus(const std::vector<std::string>& dirs, std::size_t max_len) {
    std::vector<std::string> out;
    for (const std::string& dir : dirs) {
        std::error_code ec;
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
        if (ec) std::fprintf(stderr, "hhplus-fuzz: cannot read corpus %s\n", dir.c_str());
        std::sort(files.begin(), files.end());  // same order, same run for a given seed
        for (const auto& file : files) {
            std::ifstream in(file, std::ios::binary);
            std::string data((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            if (data.size() > max_len) data.resize(max_len);
            out.push_back(std::move(data));
        }
    }
    return out;
}

std::string HexName(std::string_view data) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
    char name[32];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
    return name;
}

}  // namespace

bool LoadDictionary(const std::string& path, std::vector<std::string>& out) {
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
        const auto open = line.find('"');
        const auto close = line.rfind('"');
        if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
        std::string token;
        for (std::size_t i = open + 1; i < close; ++i) {
            if (line[i] != '\\' || i + 1 >= close) {
                token += line[i];
                continue;
            }
            const char next = line[++i];
            if (next == 'x' && i + 2 < close) {
                token += static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else {
                token += next;
            }
        }
        if (!token.empty()) out.push_back(std::move(token));
    }
    return true;
}

Stats Fuzz(Target target, const Options& options) {
    using Clock = std::chrono::steady_clock;
    OpenLastInput(options.crashes_dir, options.max_len);
    InstallCrashHandlers();
    if (!options.save_corpus_dir.empty()) {
        std::filesystem::create_directories(options.save_corpus_dir);
    }

    Stats stats;
    std::vector<std::string> corpus = ReadCorpus(options.corpus_dirs, options.max_len);
    if (corpus.empty()) corpus.emplace_back();
    // Every seed runs once first; it stays in the corpus whether or not it found something new.
    for (const std::string& seed : corpus) {
        RunOne(target, seed);
        ++stats.executions;
        (void)CollectCoverage(stats.edges);
    }

    Mutator mutator(options.seed, options.dictionary, options.max_len);
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.seconds));
    auto next_report = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.report_every_seconds));
    std::string input;
    for (std::uint64_t run = 0;; ++run) {
        if (options.max_runs != 0 && run >= options.max_runs) break;
        if ((run & 63) == 0) {  // reading the clock every run would cost more than some inputs
            const auto now = Clock::now();
            if (options.max_runs == 0 && now >= deadline) break;
            if (now >= next_report) {
                const double t = std::chrono::duration<double>(now - start).count();
                std::fprintf(
                    stderr, "hhplus-fuzz: %.0fs executions=%llu exec/s=%.0f corpus=%zu edges=%zu\n",
                    t, static_cast<unsigned long long>(stats.executions),
                    static_cast<double>(stats.executions) / t, corpus.size(), stats.edges);
                next_report =
                    now + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(options.report_every_seconds));
            }
        }
        input = corpus[mutator.Below(corpus.size())];
        mutator.Mutate(input, corpus);
        RunOne(target, input);
        ++stats.executions;
        if (CollectCoverage(stats.edges)) {
            if (!options.save_corpus_dir.empty()) {
                std::ofstream(options.save_corpus_dir + "/" + HexName(input), std::ios::binary)
                    << input;
            }
            corpus.push_back(input);
        }
    }
    stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    stats.corpus_size = corpus.size();
    return stats;
}

std::size_t Replay(Target target, const std::vector<std::string>& files,
                   const std::string& crashes_dir) {
    std::size_t longest = 1;
    std::vector<std::string> inputs;
    for (const std::string& file : files) {
        std::ifstream in(file, std::ios::binary);
        inputs.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        longest = std::max(longest, inputs.back().size());
    }
    OpenLastInput(crashes_dir, longest);
    InstallCrashHandlers();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        std::fprintf(stderr, "hhplus-fuzz: replaying %s (%zu bytes)\n", files[i].c_str(),
                     inputs[i].size());
        RunOne(target, inputs[i]);
    }
    return inputs.size();
}

}  // namespace hhplus::fuzz
