#pragma once
// StreamConsumer: one member of a Redis Streams consumer group, generic over what it does with
// an entry (the ranking and the data platform each run one per instance).
//
//   XGROUP CREATE <stream> <group> 0 MKSTREAM          once (BUSYGROUP: already there)
//   XREADGROUP GROUP <group> <consumer> COUNT 100 BLOCK 1000 STREAMS <stream> >
//   handler(entry) for each entry in order; XACK the handled ones (one command per batch)
//   every reclaim interval: XAUTOCLAIM <stream> <group> <consumer> <min-idle 30 s> 0-0 COUNT 100
//
// The group starts at 0, not $: entries the relay added before the group existed (first deploy,
// a group added later) are delivered too.
//
// Failure handling. A handler answers kDone (acked), kPoison (the entry can never succeed, e.g. a
// payload that does not parse: logged at error and acked, so it cannot block the group), or
// kRetry (a dependency failed: the entry stays pending). After a kRetry the rest of the batch is
// left pending too (the next one would most likely fail the same way), the consumer waits
// retry_delay and then re-reads its own pending entries (XREADGROUP … 0) before new ones, so a
// dependency that comes back gets the backlog in order. Entries left pending by a consumer that
// crashed (or was stopped for good: instance names change with the port) are taken over by any
// member of the group once idle for min_idle (XAUTOCLAIM). A handler may therefore see an entry
// more than once (at-least-once): handlers must be idempotent.
//
// Why a dedicated connection, with BLOCK. redis::Client pipelines every caller on one connection
// and matches replies in FIFO order, so a blocking XREADGROUP on a shared client would hold every
// session lookup and cache read queued behind it for up to the whole BLOCK. Non-blocking polls
// on the shared client (XREADGROUP without BLOCK every N ms) would cost either latency (an event
// waits up to N ms) or idle traffic (10 instances × 2 groups × 1000/N polls a second). So each
// consumer owns one more connection (2 per instance, 20 on the stage: nothing for Redis) and
// blocks on it for at most kConsumerBlock; the handlers' own commands go to the shared client.
// BLOCK 0 (forever) is never used: the command timeout must bound every call, and a bounded
// block lets the loop run the periodic reclaim.
//
// Contract: runs on the executor's single thread; Start returns at once; Stop cancels the
// blocking read at once, waits for the handler in progress (bounded by its own timeouts) and
// must complete before the consumer is destroyed.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/client.hpp"

namespace hhplus::events {

// Longest XREADGROUP BLOCK: an idle consumer issues one read a second (2 per instance: no load)
// and notices the reclaim schedule within a second. An entry added meanwhile wakes it at once.
inline constexpr std::chrono::milliseconds kConsumerBlock{1000};
// The dedicated client's command timeout is the block plus this slack (a loaded loopback Redis
// answers within milliseconds; the slack only keeps a timed-out read from racing its reply).
inline constexpr std::chrono::milliseconds kConsumerBlockSlack{1000};
// Entries per read / per XAUTOCLAIM: 100 × ~350 B = ~35 KB a reply; one XACK per batch.
inline constexpr std::size_t kConsumerBatch = 100;
// An entry pending this long belongs to a consumer presumed dead. Well above the longest a live
// consumer holds an entry (a handler's own timeouts: the data platform's POST is 5 s, a Redis
// command 1 s, so one batch of 100 handled normally takes ≪ 30 s unless its dependency hangs,
// in which case the new owner would not do better).
inline constexpr std::chrono::milliseconds kDefaultMinIdle{30'000};
// How often each consumer runs XAUTOCLAIM: 10 instances × 2 groups / 5 s = 4 cheap commands a
// second; a dead consumer's entries are taken over ≤ min_idle + 5 s after its last read.
inline constexpr std::chrono::milliseconds kDefaultReclaimEvery{5'000};
// Pause after a failure (handler kRetry, Redis unreachable) before the next attempt: one retry
// a second is enough to notice a recovered dependency and light on one that is struggling.
inline constexpr std::chrono::milliseconds kDefaultRetryDelay{1'000};
// XAUTOCLAIM rounds per reclaim (each ≤ 100 entries): at most 1,000 entries taken over per
// reclaim, so one reclaim never keeps the consumer from its own new entries for long.
inline constexpr int kMaxReclaimRounds = 10;

struct StreamEntry {
    std::string id;  // "1733479200123-0"
    std::vector<std::pair<std::string, std::string>> fields;

    // The first field of that name; nullopt when absent.
    std::optional<std::string_view> Field(std::string_view name) const;
};

enum class Handled { kDone, kRetry, kPoison };

using EntryHandler = std::function<boost::asio::awaitable<Handled>(StreamEntry)>;

struct StreamConsumerOptions {
    std::string stream;
    std::string group;
    std::string consumer;  // unique within the group: the instance name
    std::size_t count = kConsumerBatch;
    std::chrono::milliseconds block = kConsumerBlock;
    std::chrono::milliseconds min_idle = kDefaultMinIdle;
    std::chrono::milliseconds reclaim_every = kDefaultReclaimEvery;
    std::chrono::milliseconds retry_delay = kDefaultRetryDelay;
};

// ---- reply parsing (pure, unit-tested) ------------------------------------------------------

// The entries of an XREADGROUP reply for one stream (nil: none). An entry whose fields are nil
// (deleted or trimmed from the stream while pending) is returned with no fields and
// `deleted` set, so the caller can acknowledge it.
struct ParsedEntries {
    std::vector<StreamEntry> entries;
    std::vector<std::string> deleted;  // ids without content
    bool ok = true;                    // false: the reply had an unexpected shape
};
ParsedEntries ParseReadGroupReply(const redis::Reply& reply);
// XAUTOCLAIM's reply: [next cursor, [entries…], [deleted ids…] (Redis ≥ 7)].
struct ParsedClaim {
    std::string cursor;  // "0-0": the whole pending list was scanned
    ParsedEntries claimed;
};
ParsedClaim ParseAutoClaimReply(const redis::Reply& reply);

class StreamConsumer {
  public:
    // `client_options` configure the consumer's own connection (role, metrics hook); its
    // command timeout is set here from the block.
    StreamConsumer(boost::asio::any_io_executor ex, redis::Endpoint endpoint,
                   redis::ClientOptions client_options, StreamConsumerOptions options,
                   EntryHandler handler);
    ~StreamConsumer();
    StreamConsumer(const StreamConsumer&) = delete;
    StreamConsumer& operator=(const StreamConsumer&) = delete;

    void Start();
    boost::asio::awaitable<void> Stop();
    bool Running() const { return running_; }

    // Metrics hook: ("acked" | "poison" | "retry" | "reclaimed" | "error", how many entries).
    void SetObserver(std::function<void(const char* outcome, std::size_t n)> observer) {
        observe_ = std::move(observer);
    }

    const StreamConsumerOptions& options() const { return options_; }

  private:
    boost::asio::awaitable<void> Loop();
    boost::asio::awaitable<bool> EnsureGroup();
    // Handles entries in order and acknowledges the handled ones; false after a kRetry.
    boost::asio::awaitable<bool> HandleBatch(ParsedEntries batch);
    boost::asio::awaitable<void> Reclaim();
    boost::asio::awaitable<void> Sleep(std::chrono::milliseconds d);
    void Observe(const char* outcome, std::size_t n) {
        if (observe_ && n > 0) observe_(outcome, n);
    }
    void LogProblem(const std::string& what);

    boost::asio::any_io_executor ex_;
    std::unique_ptr<redis::Client> client_;
    StreamConsumerOptions options_;
    EntryHandler handler_;
    boost::asio::steady_timer sleep_;
    boost::asio::steady_timer done_;
    bool running_ = false;
    bool stopping_ = false;
    bool group_ready_ = false;
    bool own_pending_ = true;  // start by re-reading what this consumer name left pending
    std::chrono::steady_clock::time_point next_reclaim_{};
    std::uint64_t problems_in_a_row_ = 0;
    std::function<void(const char*, std::size_t)> observe_;
};

}  // namespace hhplus::events
