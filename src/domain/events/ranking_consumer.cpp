#include "domain/events/ranking_consumer.hpp"

#include "common/log.hpp"

namespace hhplus::events {

namespace asio = boost::asio;

asio::awaitable<Handled> RankingApplier::Handle(StreamEntry entry) {
    const auto payload = entry.Field("payload");
    std::optional<PaidOrder> order;
    if (payload) order = ParsePaidOrder(*payload);
    if (!order) {
        Observe("poison");
        co_return Handled::kPoison;
    }
    if (order->paid_at_ms < ToEpochMillis(clock_.Now()) - kMaxEventAge.count()) {
        Observe("too_old");
        co_return Handled::kDone;
    }
    std::vector<std::string> keys{
        std::string(kRankAppliedKeyPrefix) + std::to_string(order->order_id),
        RankDayKey(order->paid_at_ms)};
    std::vector<std::string> args{std::to_string(kAppliedKeyTtl.count()),
                                  std::to_string(kDayKeyTtl.count())};
    args.reserve(2 + order->items.size() * 2);
    for (const PaidItem& item : order->items) {
        args.push_back(std::to_string(item.product_id));
        args.push_back(std::to_string(item.quantity));
    }
    auto r = co_await script_.Run(events_, std::move(keys), std::move(args));
    if (!r.ok() || r->IsError()) {
        Observe("failed");
        co_return Handled::kRetry;
    }
    Observe(r->integer == 1 ? "applied" : "duplicate");
    co_return Handled::kDone;
}

}  // namespace hhplus::events
