#pragma once
// CombiningQueues: flat combining (group commit) for a hot row. Concurrent requests of this
// process for one key (a coupon, a user) wait in that key's queue in arrival order; one runner
// per key serves the queue batch by batch, each batch in one transaction, and answers every
// request it took. The serialisation a hot row needs is then paid once per batch instead
// of once per request. What a batch is (lock, transaction, retry) is the owner's `Serve`.
//
// A request waits at most its budget for a batch to take it, then is refused busy (nothing was
// done for it); once taken, only the runner answers it, however long its batch takes. A queue
// holds at most `max_queued` requests not yet taken; beyond, busy at once.
// Not thread-safe: everything runs on the one io_context.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

namespace hhplus::domain {

template <class Request, class Outcome>
class CombiningQueues {
  public:
    // One queued request. Shared by the request's coroutine and the runner.
    struct Waiter {
        Waiter(boost::asio::any_io_executor ex, Request r,
               std::chrono::steady_clock::time_point due)
            : request(std::move(r)), deadline(due), wake(std::move(ex), due) {}
        Request request;
        std::chrono::steady_clock::time_point deadline;  // the wait budget's end
        boost::asio::steady_timer wake;  // expires at the deadline; cancelled to deliver the answer
        bool taken = false;              // in a batch: only the runner answers it now
        bool abandoned = false;          // its budget passed before a batch took it: skipped
        int refused_batches = 0;         // batches refused whole it was part of (owner's bound)
        std::optional<Outcome> answer;
    };
    using WaiterPtr = std::shared_ptr<Waiter>;
    struct Queue {
        std::deque<WaiterPtr> waiting;  // not yet taken, arrival order; may hold abandoned ones
        std::size_t live = 0;           // waiting and not abandoned
    };
    // Serves the next batch of `queue` (the queue is not empty and its head is not abandoned):
    // takes it with TakeBatch and answers every waiter taken, or puts them back with PutBack.
    using Serve = std::function<boost::asio::awaitable<void>(std::int64_t key, Queue& queue)>;

    explicit CombiningQueues(Serve serve) : serve_(std::move(serve)) {}

    // Joins `key`'s queue (starting its runner if none runs) and waits for the answer.
    boost::asio::awaitable<Outcome> Submit(std::int64_t key, Request request,
                                           std::chrono::milliseconds budget, std::size_t max_queued,
                                           const char* full_detail, const char* budget_detail) {
        auto [it, fresh] = queues_.try_emplace(key);
        Queue& queue = it->second;
        if (queue.live >= max_queued) co_return MakeError(ErrorCode::kBusy, full_detail);
        auto ex = co_await boost::asio::this_coro::executor;
        auto waiter = std::make_shared<Waiter>(ex, std::move(request),
                                               std::chrono::steady_clock::now() + budget);
        queue.waiting.push_back(waiter);
        ++queue.live;
        if (fresh) {
            // The first arrival serves the first batch itself, at once (a request alone waits for
            // nothing; arrivals meanwhile queue behind it), then hands the queue to a runner
            // coroutine of its own, so no request's answer waits for later batches.
            co_await serve_(key, queue);
            boost::asio::co_spawn(ex, Run(key), boost::asio::detached);
        }
        while (!waiter->answer) {
            boost::system::error_code ec;  // operation_aborted: answered (or taken and answered)
            co_await waiter->wake.async_wait(
                boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (waiter->answer) break;
            if (!ec && !waiter->taken) {
                // The budget passed and no batch took it: refuse (the runner skips it).
                waiter->abandoned = true;
                --queues_.at(key).live;
                co_return MakeError(ErrorCode::kBusy, budget_detail);
            }
            // Taken by a batch: its answer comes when the batch is done, however late.
            waiter->wake.expires_at(std::chrono::steady_clock::time_point::max());
        }
        co_return std::move(*waiter->answer);
    }

    // Up to `max` waiters not abandoned, from the front, in arrival order, marked taken.
    static std::vector<WaiterPtr> TakeBatch(Queue& queue, std::size_t max) {
        std::vector<WaiterPtr> batch;
        while (!queue.waiting.empty() && batch.size() < max) {
            auto waiter = std::move(queue.waiting.front());
            queue.waiting.pop_front();
            if (waiter->abandoned) continue;
            waiter->taken = true;
            --queue.live;
            batch.push_back(std::move(waiter));
        }
        return batch;
    }
    // A taken batch back at the front of the queue, in its order, for the next batch.
    static void PutBack(Queue& queue, const std::vector<WaiterPtr>& batch) {
        for (const auto& waiter : batch) waiter->taken = false;
        queue.waiting.insert(queue.waiting.begin(), batch.begin(), batch.end());
        queue.live += batch.size();
    }
    // Answers the waiters not yet taken for which `decide(waiter)` gives an answer (a failure
    // that ends their wait before any batch); the others keep their place.
    template <class Decide>
    static void AnswerWaiting(Queue& queue, Decide decide) {
        std::deque<WaiterPtr> kept;
        for (auto& waiter : queue.waiting) {
            if (waiter->abandoned) continue;
            if (std::optional<Outcome> answer = decide(*waiter)) {
                Answer(*waiter, std::move(*answer));
            } else {
                kept.push_back(std::move(waiter));
            }
        }
        queue.waiting = std::move(kept);
        queue.live = queue.waiting.size();
    }
    static void Answer(Waiter& waiter, Outcome answer) {
        waiter.answer.emplace(std::move(answer));
        waiter.wake.cancel();
    }

  private:
    // Serves `key`'s queue until it is empty; then the queue is dropped. `queues_` is an
    // unordered_map: references to its elements survive rehashing, and only this runner erases
    // its key's entry.
    boost::asio::awaitable<void> Run(std::int64_t key) {
        Queue& queue = queues_.at(key);
        while (true) {
            while (!queue.waiting.empty() && queue.waiting.front()->abandoned) {
                queue.waiting.pop_front();
            }
            if (queue.waiting.empty()) break;
            co_await serve_(key, queue);
        }
        queues_.erase(key);
    }

    Serve serve_;
    std::unordered_map<std::int64_t, Queue> queues_;
};

}  // namespace hhplus::domain
