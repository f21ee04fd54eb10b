#include "app/metrics.hpp"

#include <charconv>

#include <prometheus/text_serializer.h>

namespace hhplus::app {

namespace {

// Request latencies from 0.5 ms (a cached GET) to 10 s (the drain bound).
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Requests per issue batch: powers of two up to kMaxIssueBatch (512).
const prometheus::Histogram::BucketBoundaries kBatchSizeBuckets = {1,  2,  4,   8,   16,
                                                                   32, 64, 128, 256, 512};

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      http_requests_(prometheus::BuildCounter()
                         .Name("hhplus_http_requests_total")
                         .Help("HTTP responses by route pattern, method and status")
                         .Register(*registry_)),
      http_duration_(prometheus::BuildHistogram()
                         .Name("hhplus_http_request_duration_seconds")
                         .Help("Time from a complete request to its response, by route")
                         .Register(*registry_)),
      coupon_issue_(prometheus::BuildCounter()
                        .Name("hhplus_coupon_issue_total")
                        .Help("Coupon issue outcomes")
                        .Register(*registry_)),
      coupon_batches_(prometheus::BuildCounter()
                          .Name("hhplus_coupon_batches_total")
                          .Help("Coupon issue batches (one transaction each) by result")
                          .Register(*registry_)),
      coupon_batch_size_(prometheus::BuildHistogram()
                             .Name("hhplus_coupon_batch_size")
                             .Help("Issue requests served by one batch transaction")
                             .Register(*registry_)
                             .Add({}, kBatchSizeBuckets)),
      redis_commands_(prometheus::BuildCounter()
                          .Name("hhplus_redis_commands_total")
                          .Help("Redis commands sent, by role")
                          .Register(*registry_)),
      db_pool_connections_(prometheus::BuildGauge()
                               .Name("hhplus_db_pool_connections")
                               .Help("Database pool connections by state")
                               .Register(*registry_)),
      db_pool_wait_(prometheus::BuildHistogram()
                        .Name("hhplus_db_pool_wait_seconds")
                        .Help("Time spent waiting for a database connection")
                        .Register(*registry_)
                        .Add({}, kLatencyBuckets)),
      lock_acquire_(prometheus::BuildCounter()
                        .Name("hhplus_lock_acquire_total")
                        .Help("Distributed lock acquisitions by strategy and result")
                        .Register(*registry_)),
      lock_wait_(prometheus::BuildHistogram()
                     .Name("hhplus_lock_wait_seconds")
                     .Help("Time from asking for a lock to holding it (or giving up)")
                     .Register(*registry_)
                     .Add({}, kLatencyBuckets)),
      lock_wakeups_(prometheus::BuildCounter()
                        .Name("hhplus_lock_wakeups_total")
                        .Help("Waiters woken by a release message")
                        .Register(*registry_)
                        .Add({})),
      lock_lost_(prometheus::BuildCounter()
                     .Name("hhplus_lock_lost_total")
                     .Help("Leases lost before release (renewal failed or late)")
                     .Register(*registry_)
                     .Add({})),
      orders_expired_(prometheus::BuildCounter()
                          .Name("hhplus_orders_expired_total")
                          .Help("Pending orders the sweep expired (their stock given back)")
                          .Register(*registry_)
                          .Add({})),
      db_idle_(db_pool_connections_.Add({{"state", "idle"}})),
      db_busy_(db_pool_connections_.Add({{"state", "busy"}})) {
    for (const char* outcome :
         {"issued", "sold_out", "duplicate", "expired", "busy", "lease_lost", "fenced", "error"}) {
        // All outcomes visible from the first scrape, and looked up without a label map later.
        coupon_outcomes_.emplace(outcome, &coupon_issue_.Add({{"outcome", outcome}}));
    }
    for (const char* result : {"served", "fenced", "lease_lost"}) {
        coupon_batch_results_.emplace(result, &coupon_batches_.Add({{"result", result}}));
    }
}

void Metrics::ObserveRequest(std::string_view route, http::Method method, int status,
                             double seconds) {
    const std::string_view method_name = http::MethodName(method);
    char status_text[16];
    const auto status_end =
        std::to_chars(status_text, status_text + sizeof status_text, status).ptr;
    const std::string_view status_view(status_text,
                                       static_cast<std::size_t>(status_end - status_text));
    key_scratch_.clear();
    key_scratch_.append(route).append(" ").append(method_name).append(" ").append(status_view);
    auto it = request_counters_.find(std::string_view(key_scratch_));
    if (it == request_counters_.end()) {
        auto& counter = http_requests_.Add({{"route", std::string(route)},
                                            {"method", std::string(method_name)},
                                            {"status", std::string(status_view)}});
        it = request_counters_.emplace(key_scratch_, &counter).first;
    }
    it->second->Increment();
    auto hit = request_durations_.find(route);
    if (hit == request_durations_.end()) {
        auto& histogram = http_duration_.Add({{"route", std::string(route)}}, kLatencyBuckets);
        hit = request_durations_.emplace(std::string(route), &histogram).first;
    }
    hit->second->Observe(seconds);
}

void Metrics::CountCouponOutcome(const char* outcome) {
    auto it = coupon_outcomes_.find(std::string_view(outcome));
    if (it == coupon_outcomes_.end()) {  // not one of the known outcomes: still counted
        it = coupon_outcomes_.emplace(outcome, &coupon_issue_.Add({{"outcome", outcome}})).first;
    }
    it->second->Increment();
}

void Metrics::CountCouponBatch(const char* result, std::size_t size) {
    auto it = coupon_batch_results_.find(std::string_view(result));
    if (it == coupon_batch_results_.end()) {
        it =
            coupon_batch_results_.emplace(result, &coupon_batches_.Add({{"result", result}})).first;
    }
    it->second->Increment();
    if (std::string_view(result) == "served") coupon_batch_size_.Observe(static_cast<double>(size));
}

prometheus::Counter& Metrics::RedisCommands(const std::string& role) {
    return redis_commands_.Add({{"role", role}});
}

void Metrics::ObserveDbWait(double seconds) { db_pool_wait_.Observe(seconds); }

void Metrics::SetDbPool(std::size_t idle, std::size_t busy) {
    db_idle_.Set(static_cast<double>(idle));
    db_busy_.Set(static_cast<double>(busy));
}

void Metrics::CountLockAcquire(std::string_view strategy, std::string_view result,
                               double wait_seconds) {
    lock_acquire_.Add({{"strategy", std::string(strategy)}, {"result", std::string(result)}})
        .Increment();
    lock_wait_.Observe(wait_seconds);
}

void Metrics::CountLockWakeup() { lock_wakeups_.Increment(); }
void Metrics::CountLockLost() { lock_lost_.Increment(); }

void Metrics::CountOrdersExpired(int orders) {
    orders_expired_.Increment(static_cast<double>(orders));
}

std::string Metrics::Render() const {
    prometheus::TextSerializer serializer;
    return serializer.Serialize(registry_->Collect());
}

}  // namespace hhplus::app
