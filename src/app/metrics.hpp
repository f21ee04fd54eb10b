#pragma once
// Metrics: the Prometheus registry (prometheus-cpp) with the metric names api.md fixes; dashboards
// and `./stage stats` rely on these names.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "http/message.hpp"

namespace hhplus::app {

class Metrics {
  public:
    Metrics();

    // hhplus_http_requests_total{route,method,status} and
    // hhplus_http_request_duration_seconds{route}.
    void ObserveRequest(std::string_view route, http::Method method, int status, double seconds);
    // hhplus_coupon_issue_total{outcome}
    void CountCouponOutcome(const char* outcome);
    // hhplus_coupon_batches_total{result} and hhplus_coupon_batch_size (issue combining).
    void CountCouponBatch(const char* result, std::size_t size);
    // hhplus_redis_commands_total{role}: the counter a Redis client of that role increments.
    prometheus::Counter& RedisCommands(const std::string& role);
    // hhplus_db_pool_wait_seconds
    void ObserveDbWait(double seconds);
    // hhplus_db_pool_connections{state}, refreshed at each scrape
    void SetDbPool(std::size_t idle, std::size_t busy);

    // Lock metrics (once a lock strategy runs).
    void CountLockAcquire(std::string_view strategy, std::string_view result, double wait_seconds);
    void CountLockWakeup();
    void CountLockLost();
    void CountOrdersExpired(int orders);

    std::string Render() const;  // Prometheus text format 0.0.4

  private:
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>& http_requests_;
    prometheus::Family<prometheus::Histogram>& http_duration_;
    prometheus::Family<prometheus::Counter>& coupon_issue_;
    prometheus::Family<prometheus::Counter>& coupon_batches_;
    prometheus::Histogram& coupon_batch_size_;
    prometheus::Family<prometheus::Counter>& redis_commands_;
    prometheus::Family<prometheus::Gauge>& db_pool_connections_;
    prometheus::Histogram& db_pool_wait_;
    prometheus::Family<prometheus::Counter>& lock_acquire_;
    prometheus::Histogram& lock_wait_;
    prometheus::Counter& lock_wakeups_;
    prometheus::Counter& lock_lost_;
    prometheus::Counter& orders_expired_;
    prometheus::Gauge& db_idle_;
    prometheus::Gauge& db_busy_;
    // Hash that also takes string_views, so a lookup needs no std::string (C++20 heterogeneous
    // lookup: only a miss allocates the key).
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const {
            return std::hash<std::string_view>{}(key);
        }
    };
    template <class T>
    using LabelCache = std::unordered_map<std::string, T*, KeyHash, std::equal_to<>>;
    // Label lookups are cached: prometheus-cpp hashes a label map on every Add(), which would
    // be an allocation-heavy step on each request. Keys: "route method status" / "route".
    LabelCache<prometheus::Counter> request_counters_;
    LabelCache<prometheus::Histogram> request_durations_;
    LabelCache<prometheus::Counter> coupon_outcomes_;       // outcome -> counter, all made up front
    LabelCache<prometheus::Counter> coupon_batch_results_;  // result -> counter, all made up front
    std::string key_scratch_;  // reused for "route method status": its capacity stays
};

}  // namespace hhplus::app
