#pragma once
// A simulated clock for the executors: iterations take a duration chosen by the test, time jumps
// from event to event, and every action is recorded. Iteration ends at a moment are processed
// before the executor's own events at that moment (a VU freed at 40 ms can take the 40 ms arrival).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <vector>

#include "loadgen/executor.hpp"

namespace hhplus::loadgen::testing {

class SimDriver final : public ActionSink {
  public:
    struct Start {
        int vu;
        Nanos at;   // simulated start time
        Nanos due;  // the executor's planned time
    };

    // length(vu, n): how long the n-th iteration (counting from 0 over all VUs) runs.
    explicit SimDriver(std::function<Nanos(int, std::int64_t)> length)
        : length_(std::move(length)) {}

    // Runs until the executor finishes; fails the test past `limit`.
    void Run(Executor& executor, Nanos limit = 3600 * kSecond) {
        executor.Start(*this);
        for (int guard = 0; guard < 10'000'000; ++guard) {
            if (executor.Finished()) {
                finished_at_ = now_;
                return;
            }
            Nanos next_end = ends_.empty() ? kNever : ends_.begin()->first;
            Nanos next = std::min(next_end, executor.NextWakeup());
            ASSERT_NE(next, kNever) << "executor waits forever at " << now_;
            ASSERT_LE(next, limit) << "simulation ran past its limit";
            ASSERT_GE(next, now_) << "time went backwards";
            now_ = next;
            while (!ends_.empty() && ends_.begin()->first <= now_) {
                auto [at, vu] = *ends_.begin();
                ends_.erase(ends_.begin());
                running_.erase(vu);
                executor.IterationDone(vu, now_, *this);
            }
            executor.Advance(now_, *this);
            max_active_ = std::max(max_active_, executor.ActiveVus());
        }
        FAIL() << "simulation did not converge";
    }

    void AddVu(int vu) override {
        EXPECT_EQ(vu, vus_added_) << "VU ids must be dense and in order";
        ++vus_added_;
    }
    void StartIteration(int vu, Nanos due) override {
        EXPECT_EQ(running_.count(vu), 0u) << "VU " << vu << " started twice";
        starts_.push_back({vu, now_, due});
        const Nanos length = length_(vu, static_cast<std::int64_t>(starts_.size() - 1));
        running_[vu] = now_ + length;
        ends_.emplace(now_ + length, vu);
    }
    void DropIterations(std::int64_t count, Nanos at) override {
        dropped_ += count;
        drop_times_.push_back(at);
    }
    void HardStop(int vu) override {
        auto it = running_.find(vu);
        ASSERT_NE(it, running_.end()) << "hard stop of an idle VU " << vu;
        for (auto e = ends_.begin(); e != ends_.end(); ++e) {
            if (e->second == vu) {
                ends_.erase(e);
                break;
            }
        }
        interrupted_.push_back({vu, now_});
        ends_.emplace(now_, vu);  // the interrupted iteration ends now
        it->second = now_;
    }

    const std::vector<Start>& Starts() const { return starts_; }
    std::int64_t Dropped() const { return dropped_; }
    const std::vector<Nanos>& DropTimes() const { return drop_times_; }
    int VusAdded() const { return vus_added_; }
    const std::vector<std::pair<int, Nanos>>& Interrupted() const { return interrupted_; }
    Nanos FinishedAt() const { return finished_at_; }
    std::int64_t MaxActive() const { return max_active_; }

  private:
    std::function<Nanos(int, std::int64_t)> length_;
    Nanos now_ = 0;
    std::multimap<Nanos, int> ends_;
    std::map<int, Nanos> running_;
    std::vector<Start> starts_;
    std::int64_t dropped_ = 0;
    std::vector<Nanos> drop_times_;
    int vus_added_ = 0;
    std::vector<std::pair<int, Nanos>> interrupted_;
    Nanos finished_at_ = -1;
    std::int64_t max_active_ = 0;
};

}  // namespace hhplus::loadgen::testing
