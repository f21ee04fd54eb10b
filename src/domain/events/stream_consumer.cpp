#include "domain/events/stream_consumer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"

namespace hhplus::events {

namespace asio = boost::asio;

namespace {

// While the dedicated connection is (re)connecting, the loop checks again this often: no I/O,
// just Connected(), and the first read follows the handshake within 50 ms.
constexpr std::chrono::milliseconds kConnectPoll{50};
// A consumer in trouble logs its first problem, then every this-many in a row (one retry a
// second: a line a minute while Redis is down), then once on recovery.
constexpr std::uint64_t kLogEveryNthProblem = 60;

bool IsEntryShape(const redis::Reply& e) {
    return e.type == redis::Reply::Type::kArray && e.elements.size() == 2 &&
           e.elements[0].type == redis::Reply::Type::kString;
}

// [[id, [f, v, …] | nil], …] into `out`.
bool ParseEntryList(const redis::Reply& list, ParsedEntries& out) {
    if (list.IsNil()) return true;
    if (list.type != redis::Reply::Type::kArray) return false;
    for (const redis::Reply& e : list.elements) {
        if (e.IsNil()) continue;  // Redis 6.2 XAUTOCLAIM: a deleted entry
        if (!IsEntryShape(e)) return false;
        const redis::Reply& fields = e.elements[1];
        if (fields.IsNil()) {
            out.deleted.push_back(e.elements[0].str);
            continue;
        }
        if (fields.type != redis::Reply::Type::kArray || fields.elements.size() % 2 != 0)
            return false;
        StreamEntry entry;
        entry.id = e.elements[0].str;
        entry.fields.reserve(fields.elements.size() / 2);
        for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
            entry.fields.emplace_back(fields.elements[i].str, fields.elements[i + 1].str);
        }
        out.entries.push_back(std::move(entry));
    }
    return true;
}

}  // namespace

std::optional<std::string_view> StreamEntry::Field(std::string_view name) const {
    for (const auto& [key, value] : fields) {
        if (key == name) return std::string_view(value);
    }
    return std::nullopt;
}

ParsedEntries ParseReadGroupReply(const redis::Reply& reply) {
    ParsedEntries out;
    if (reply.IsNil()) return out;  // BLOCK timed out: nothing new
    if (reply.type != redis::Reply::Type::kArray) {
        out.ok = false;
        return out;
    }
    // One element per stream asked for: [name, entries].
    for (const redis::Reply& stream : reply.elements) {
        if (stream.type != redis::Reply::Type::kArray || stream.elements.size() != 2 ||
            !ParseEntryList(stream.elements[1], out)) {
            out.ok = false;
            return out;
        }
    }
    return out;
}

ParsedClaim ParseAutoClaimReply(const redis::Reply& reply) {
    ParsedClaim out;
    if (reply.type != redis::Reply::Type::kArray || reply.elements.size() < 2 ||
        reply.elements[0].type != redis::Reply::Type::kString) {
        out.claimed.ok = false;
        return out;
    }
    out.cursor = reply.elements[0].str;
    out.claimed.ok = ParseEntryList(reply.elements[1], out.claimed);
    // elements[2] (Redis 7): ids deleted from the stream, already removed from the pending list.
    return out;
}

namespace {
redis::ClientOptions WithBlockTimeout(redis::ClientOptions options,
                                      std::chrono::milliseconds block) {
    options.command_timeout = block + kConsumerBlockSlack;
    return options;
}
}  // namespace

StreamConsumer::StreamConsumer(asio::any_io_executor ex, redis::Endpoint endpoint,
                               redis::ClientOptions client_options, StreamConsumerOptions options,
                               EntryHandler handler)
    : ex_(ex),
      client_(std::make_unique<redis::Client>(
          ex, std::move(endpoint), WithBlockTimeout(std::move(client_options), options.block))),
      options_(std::move(options)),
      handler_(std::move(handler)),
      sleep_(ex),
      done_(ex) {}

StreamConsumer::~StreamConsumer() { client_->Stop(); }

void StreamConsumer::Start() {
    if (running_) return;
    running_ = true;
    stopping_ = false;
    own_pending_ = true;
    next_reclaim_ = std::chrono::steady_clock::now();
    done_.expires_at(asio::steady_timer::time_point::max());
    client_->Start();
    asio::co_spawn(ex_, Loop(), asio::detached);
}

asio::awaitable<void> StreamConsumer::Stop() {
    stopping_ = true;
    sleep_.cancel();
    client_->Stop();  // the blocked read completes with kCancelled now
    while (running_) {
        boost::system::error_code ec;
        co_await done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void StreamConsumer::LogProblem(const std::string& what) {
    Observe("error", 1);
    if (problems_in_a_row_++ % kLogEveryNthProblem == 0) {
        log::Warn("stream consumer " + options_.group + "/" + options_.consumer + ": " + what +
                  " (" + std::to_string(problems_in_a_row_) + " in a row)");
    }
}

asio::awaitable<void> StreamConsumer::Sleep(std::chrono::milliseconds d) {
    if (stopping_) co_return;
    sleep_.expires_after(d);
    boost::system::error_code ec;
    co_await sleep_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<bool> StreamConsumer::EnsureGroup() {
    std::vector<std::string> create{"XGROUP",       "CREATE", options_.stream,
                                    options_.group, "0",      "MKSTREAM"};
    auto r = co_await client_->Command(std::move(create));
    if (!r.ok()) {
        LogProblem("XGROUP CREATE: " + std::string(redis::ErrcName(r.error().code)));
        co_return false;
    }
    if (r->IsError() && r->str.rfind("BUSYGROUP", 0) != 0) {
        LogProblem("XGROUP CREATE: " + r->str);
        co_return false;
    }
    co_return true;
}

asio::awaitable<bool> StreamConsumer::HandleBatch(ParsedEntries batch) {
    std::vector<std::string> ack{"XACK", options_.stream, options_.group};
    // Deleted while pending: nothing left to handle, only the pending slot to release.
    for (auto& id : batch.deleted) ack.push_back(std::move(id));
    bool retry = false;
    std::size_t acked = 0;
    std::size_t poison = 0;
    for (StreamEntry& entry : batch.entries) {
        if (stopping_) {
            retry = true;  // left pending for this name or another member
            break;
        }
        std::string id = entry.id;
        const Handled outcome = co_await handler_(std::move(entry));
        if (outcome == Handled::kRetry) {
            retry = true;
            break;
        }
        if (outcome == Handled::kPoison) {
            ++poison;
            log::Error("stream consumer " + options_.group + ": entry " + id +
                       " can never be handled (bad content); acknowledged and skipped");
        } else {
            ++acked;
        }
        ack.push_back(std::move(id));
    }
    if (ack.size() > 3) {
        auto r = co_await client_->Command(std::move(ack));
        // A failed XACK leaves the entries pending: they are handled again later, which the
        // handlers tolerate (idempotent), so this is only worth a log line.
        if (!r.ok()) {
            LogProblem("XACK: " + std::string(redis::ErrcName(r.error().code)));
        } else if (r->IsError()) {
            LogProblem("XACK: " + r->str);
        } else {
            Observe("acked", acked);
            Observe("poison", poison);
        }
    }
    if (retry) Observe("retry", 1);
    co_return !retry;
}

asio::awaitable<void> StreamConsumer::Reclaim() {
    std::string cursor = "0-0";
    const std::string min_idle = std::to_string(options_.min_idle.count());
    const std::string count = std::to_string(options_.count);
    for (int round = 0; round < kMaxReclaimRounds && !stopping_; ++round) {
        std::vector<std::string> claim{
            "XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
            min_idle,     cursor,          "COUNT",        count};
        auto r = co_await client_->Command(std::move(claim));
        if (!r.ok() || r->IsError()) {
            std::string what = "XAUTOCLAIM: ";
            if (!r.ok()) {
                what += redis::ErrcName(r.error().code);
            } else {
                what += r->str;
                if (r->str.rfind("NOGROUP", 0) == 0) group_ready_ = false;
            }
            LogProblem(what);
            co_return;
        }
        ParsedClaim claim_reply = ParseAutoClaimReply(*r);
        if (!claim_reply.claimed.ok) {
            LogProblem("XAUTOCLAIM: unexpected reply shape");
            co_return;
        }
        Observe("reclaimed", claim_reply.claimed.entries.size());
        const bool handled = co_await HandleBatch(std::move(claim_reply.claimed));
        if (!handled) {
            own_pending_ = true;  // the claimed entries are ours now: retried from our list
            co_return;
        }
        cursor = claim_reply.cursor;
        if (cursor == "0-0") co_return;
    }
}

asio::awaitable<void> StreamConsumer::Loop() {
    const std::string count = std::to_string(options_.count);
    const std::string block = std::to_string(options_.block.count());
    while (!stopping_) {
        if (!client_->Connected()) {
            co_await Sleep(kConnectPoll);
            continue;
        }
        if (!group_ready_) {
            group_ready_ = co_await EnsureGroup();
            if (!group_ready_) co_await Sleep(options_.retry_delay);
            continue;
        }
        if (std::chrono::steady_clock::now() >= next_reclaim_) {
            next_reclaim_ = std::chrono::steady_clock::now() + options_.reclaim_every;
            co_await Reclaim();
            continue;
        }
        // Own pending entries first ("0": this consumer's pending list, no blocking), then new
        // ones (">", blocking up to `block`).
        std::vector<std::string> read{"XREADGROUP",      "GROUP", options_.group,
                                      options_.consumer, "COUNT", count};
        if (!own_pending_) {
            read.push_back("BLOCK");
            read.push_back(block);
        }
        read.push_back("STREAMS");
        read.push_back(options_.stream);
        read.push_back(own_pending_ ? "0" : ">");
        auto r = co_await client_->Command(std::move(read));
        if (stopping_) break;
        if (!r.ok()) {
            // kUnavailable / kTimeout: the connection is being re-established; the wait keeps
            // a down Redis from being polled in a tight loop.
            LogProblem("XREADGROUP: " + std::string(redis::ErrcName(r.error().code)));
            co_await Sleep(options_.retry_delay);
            continue;
        }
        if (r->IsError()) {
            // NOGROUP: Redis lost the group (restarted without persistence, or the key was
            // deleted): create it again; the stream's entries are then delivered from 0.
            // UNBLOCKED: the key was deleted while we blocked on it (FLUSHALL, `./stage reset`);
            // its group went with it.
            if (r->str.rfind("NOGROUP", 0) == 0 || r->str.rfind("UNBLOCKED", 0) == 0) {
                group_ready_ = false;
            }
            LogProblem("XREADGROUP: " + r->str);
            co_await Sleep(options_.retry_delay);
            continue;
        }
        ParsedEntries batch = ParseReadGroupReply(*r);
        if (!batch.ok) {
            LogProblem("XREADGROUP: unexpected reply shape");
            co_await Sleep(options_.retry_delay);
            continue;
        }
        if (problems_in_a_row_ > 0) {
            log::Info("stream consumer " + options_.group + "/" + options_.consumer +
                      ": recovered");
            problems_in_a_row_ = 0;
        }
        if (own_pending_ && batch.entries.empty() && batch.deleted.empty()) {
            own_pending_ = false;  // own list drained: on to new entries
            continue;
        }
        const bool handled = co_await HandleBatch(std::move(batch));
        if (!handled) {
            own_pending_ = true;
            co_await Sleep(options_.retry_delay);
        }
    }
    running_ = false;
    done_.cancel();
}

}  // namespace hhplus::events
