#include "loadgen/executor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace hhplus::loadgen {
namespace {

// k6's pb.GetFixedLengthIntFormat: zero-padded to the width of `max_value`.
std::string FixedInt(std::int64_t value, std::int64_t max_value) {
    int width = 1;
    for (std::int64_t v = max_value / 10; v != 0; v /= 10) ++width;
    if (max_value < 0) ++width;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(value));
    return buf;
}

// k6's pb.GetFixedLengthFloatFormat(max, 2).
std::string FixedFloat(double value, double max_value) {
    int width = 1;
    if (max_value < 0) {
        max_value = -max_value;
        ++width;
    }
    if (max_value >= 10) width += static_cast<int>(std::log10(max_value));
    width += 3;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%0*.2f", width, value);
    return buf;
}

// "02.0s/5s" while running, "5s" once the regular duration is over (k6's progress columns).
std::string DurationColumn(Nanos spent, Nanos duration) {
    if (spent > duration) return FormatGoDuration(duration);
    return FormatFixedLengthDuration(spent, duration) + "/" + FormatGoDuration(duration);
}

double Fraction(Nanos spent, Nanos duration) {
    if (duration <= 0) return 1;
    return std::min(1.0, static_cast<double>(spent) / static_cast<double>(duration));
}

// Bookkeeping shared by all executors: which VUs exist and which run an iteration.
class VuBook {
  public:
    int Add(ActionSink& sink) {
        int id = static_cast<int>(busy_.size());
        busy_.push_back(false);
        sink.AddVu(id);
        return id;
    }
    void Begin(int vu, Nanos due, ActionSink& sink) {
        busy_[static_cast<std::size_t>(vu)] = true;
        ++busy_count_;
        sink.StartIteration(vu, due);
    }
    void End(int vu) {
        if (busy_[static_cast<std::size_t>(vu)]) {
            busy_[static_cast<std::size_t>(vu)] = false;
            --busy_count_;
        }
    }
    void HardStopAll(ActionSink& sink) const {
        for (std::size_t i = 0; i < busy_.size(); ++i) {
            if (busy_[i]) sink.HardStop(static_cast<int>(i));
        }
    }
    bool Busy(int vu) const { return busy_[static_cast<std::size_t>(vu)]; }
    std::int64_t BusyCount() const { return busy_count_; }
    std::int64_t Count() const { return static_cast<std::int64_t>(busy_.size()); }

  private:
    std::vector<bool> busy_;
    std::int64_t busy_count_ = 0;
};

// constant-arrival-rate and ramping-arrival-rate: arrivals on a fixed plan; an arrival that finds
// no free VU is dropped (never queued) and, while below maxVUs, makes one more VU for later ones.
class ArrivalRateExecutor final : public Executor {
  public:
    explicit ArrivalRateExecutor(const ScenarioConfig& config) : config_(config) {
        if (config.executor == ExecutorType::kConstantArrivalRate) {
            period_ = ArrivalPeriod(config.rate.value_or(0), config.time_unit);
            duration_ = config.duration.value_or(0);
            const double rate = static_cast<double>(config.rate.value_or(0)) *
                                static_cast<double>(kSecond) /
                                static_cast<double>(config.time_unit);
            nominal_rate_ = rate;
            max_rate_ = rate;
        } else {
            ramp_.emplace(config.start_rate, config.time_unit, config.stages);
            for (const Stage& s : config.stages) duration_ += s.duration;
            std::int64_t max_target = config.start_rate;
            for (const Stage& s : config.stages) max_target = std::max(max_target, s.target);
            max_rate_ = static_cast<double>(max_target) * static_cast<double>(kSecond) /
                        static_cast<double>(config.time_unit);
        }
        next_due_ = NextDue();
    }

    void Start(ActionSink& sink) override {
        const std::int64_t pre = config_.pre_allocated_vus.value_or(0);
        for (std::int64_t i = 0; i < pre; ++i) vus_.Add(sink);
        // LIFO: the most recently freed VU (warm connection) takes the next arrival.
        for (std::int64_t i = pre - 1; i >= 0; --i) free_.push_back(static_cast<int>(i));
        Advance(0, sink);
    }

    void Advance(Nanos now, ActionSink& sink) override {
        if (aborted_) return;
        while (!regular_done_ && next_due_ && *next_due_ <= now && *next_due_ < duration_) {
            Arrive(*next_due_, sink);
            next_due_ = NextDue();
        }
        if (!regular_done_ && now >= duration_) regular_done_ = true;
        if (regular_done_ && !hard_stopped_ && now >= duration_ + config_.graceful_stop) {
            hard_stopped_ = true;
            vus_.HardStopAll(sink);
        }
    }

    void IterationDone(int vu, Nanos /*now*/, ActionSink& /*sink*/) override {
        vus_.End(vu);
        free_.push_back(vu);
    }

    Nanos NextWakeup() const override {
        if (aborted_) return kNever;
        if (!regular_done_) return (next_due_ && *next_due_ < duration_) ? *next_due_ : duration_;
        if (!hard_stopped_ && vus_.BusyCount() > 0) return duration_ + config_.graceful_stop;
        return kNever;
    }

    bool Finished() const override { return (regular_done_ || aborted_) && vus_.BusyCount() == 0; }

    void Abort(Nanos /*now*/, ActionSink& sink) override {
        if (aborted_) return;
        aborted_ = regular_done_ = hard_stopped_ = true;
        vus_.HardStopAll(sink);
    }

    std::int64_t ActiveVus() const override { return vus_.BusyCount(); }
    std::int64_t InitializedVus() const override { return vus_.Count(); }
    double Progress(Nanos now) const override { return Fraction(now, duration_); }

    std::vector<std::string> ProgressColumns(Nanos now) const override {
        const std::int64_t max_vus = config_.MaxVus();
        double rate = nominal_rate_;
        if (ramp_)
            rate =
                last_gap_ > 0 ? static_cast<double>(kSecond) / static_cast<double>(last_gap_) : 0;
        return {
            FixedInt(vus_.BusyCount(), max_vus) + "/" + FixedInt(vus_.Count(), max_vus) + " VUs",
            DurationColumn(now, duration_), FixedFloat(rate, max_rate_) + " iters/s"};
    }

  private:
    std::optional<Nanos> NextDue() {
        if (ramp_) {
            auto t = ramp_->Next();
            if (t && last_due_) last_gap_ = *t - *last_due_;
            if (t) last_due_ = t;
            return t;
        }
        if (period_ == kNever) return std::nullopt;
        if (period_ > 0 && k_ > kNever / period_) return std::nullopt;
        return period_ * k_++;
    }

    void Arrive(Nanos due, ActionSink& sink) {
        if (!free_.empty()) {
            int vu = free_.back();
            free_.pop_back();
            vus_.Begin(vu, due, sink);
            return;
        }
        sink.DropIterations(1, due);
        if (vus_.Count() < config_.MaxVus()) free_.push_back(vus_.Add(sink));
    }

    ScenarioConfig config_;
    Nanos period_ = kNever;
    std::int64_t k_ = 0;
    std::optional<RampingArrivalTimes> ramp_;
    std::optional<Nanos> last_due_;
    Nanos last_gap_ = 0;
    double nominal_rate_ = 0;
    double max_rate_ = 0;
    Nanos duration_ = 0;
    std::optional<Nanos> next_due_;
    VuBook vus_;
    std::vector<int> free_;
    bool regular_done_ = false;
    bool hard_stopped_ = false;
    bool aborted_ = false;
};

// constant-vus, per-vu-iterations and shared-iterations: every VU loops from offset 0 until its
// budget (time or iterations) is spent; after the regular duration no iteration starts, and
// after gracefulStop the running ones are interrupted.
class LoopingExecutor final : public Executor {
  public:
    explicit LoopingExecutor(const ScenarioConfig& config) : config_(config) {
        regular_ = ScenarioRegularDuration(config);
        attempted_.assign(static_cast<std::size_t>(config.vus), 0);
        looping_.assign(static_cast<std::size_t>(config.vus), false);
    }

    void Start(ActionSink& sink) override {
        for (std::int64_t i = 0; i < config_.vus; ++i) vus_.Add(sink);
        for (int vu = 0; vu < static_cast<int>(config_.vus); ++vu) {
            looping_[static_cast<std::size_t>(vu)] = true;
            ++looping_count_;
            if (!TryStart(vu, 0, sink)) Retire(vu, 0, sink);
        }
        Advance(0, sink);
    }

    void Advance(Nanos now, ActionSink& sink) override {
        if (aborted_) return;
        if (!regular_done_ && now >= regular_) regular_done_ = true;
        if (regular_done_ && !hard_stopped_ && now >= regular_ + config_.graceful_stop) {
            hard_stopped_ = true;
            vus_.HardStopAll(sink);
        }
        // Idle VUs stop looping when the regular duration ends.
        if (regular_done_) {
            for (int vu = 0; vu < static_cast<int>(config_.vus); ++vu) {
                if (looping_[static_cast<std::size_t>(vu)] && !vus_.Busy(vu)) Retire(vu, now, sink);
            }
        }
    }

    void IterationDone(int vu, Nanos now, ActionSink& sink) override {
        vus_.End(vu);
        ++completed_;
        if (aborted_ || now >= regular_ || !TryStart(vu, now, sink)) Retire(vu, now, sink);
    }

    Nanos NextWakeup() const override {
        if (aborted_ || Finished()) return kNever;
        if (!regular_done_) return regular_;
        if (!hard_stopped_ && vus_.BusyCount() > 0) return regular_ + config_.graceful_stop;
        return kNever;
    }

    bool Finished() const override { return looping_count_ == 0; }

    void Abort(Nanos now, ActionSink& sink) override {
        if (aborted_) return;
        aborted_ = regular_done_ = hard_stopped_ = true;
        vus_.HardStopAll(sink);
        for (int vu = 0; vu < static_cast<int>(config_.vus); ++vu) {
            if (looping_[static_cast<std::size_t>(vu)] && !vus_.Busy(vu)) Retire(vu, now, sink);
        }
    }

    std::int64_t ActiveVus() const override { return looping_count_; }
    std::int64_t InitializedVus() const override { return vus_.Count(); }

    double Progress(Nanos now) const override {
        if (config_.executor == ExecutorType::kConstantVus) return Fraction(now, regular_);
        const std::int64_t total = TotalIterations();
        return total > 0
                   ? std::min(1.0, static_cast<double>(completed_) / static_cast<double>(total))
                   : 1.0;
    }

    std::vector<std::string> ProgressColumns(Nanos now) const override {
        std::vector<std::string> right{std::to_string(config_.vus) + " VUs"};
        if (config_.executor == ExecutorType::kConstantVus) {
            right.push_back(DurationColumn(now, regular_));
            return right;
        }
        right.push_back(FormatFixedLengthDuration(now, regular_) + "/" +
                        FormatGoDuration(regular_));
        const std::int64_t total = TotalIterations();
        if (config_.executor == ExecutorType::kSharedIterations) {
            right.push_back(FixedInt(completed_, total) + "/" + FixedInt(total, total) +
                            " shared iters");
        } else {
            right.push_back(FixedInt(completed_, total) + "/" + FixedInt(total, total) +
                            " iters, " + std::to_string(config_.iterations) + " per VU");
        }
        return right;
    }

  private:
    std::int64_t TotalIterations() const {
        return config_.executor == ExecutorType::kPerVuIterations ? config_.vus * config_.iterations
                                                                  : config_.iterations;
    }

    bool TryStart(int vu, Nanos now, ActionSink& sink) {
        switch (config_.executor) {
            case ExecutorType::kPerVuIterations:
                if (attempted_[static_cast<std::size_t>(vu)] >= config_.iterations) return false;
                ++attempted_[static_cast<std::size_t>(vu)];
                break;
            case ExecutorType::kSharedIterations:
                if (shared_attempted_ >= config_.iterations) return false;
                ++shared_attempted_;
                break;
            default:
                break;
        }
        vus_.Begin(vu, now, sink);
        return true;
    }

    void Retire(int vu, Nanos now, ActionSink& sink) {
        if (!looping_[static_cast<std::size_t>(vu)]) return;
        looping_[static_cast<std::size_t>(vu)] = false;
        --looping_count_;
        if (looping_count_ == 0) {
            // Iterations that never started because time ran out count as dropped (k6 emits them
            // when the executor returns).
            std::int64_t dropped = 0;
            if (config_.executor == ExecutorType::kSharedIterations) {
                dropped = config_.iterations - shared_attempted_;
            } else if (config_.executor == ExecutorType::kPerVuIterations) {
                for (std::int64_t a : attempted_) dropped += config_.iterations - a;
            }
            if (dropped > 0) sink.DropIterations(dropped, now);
        }
    }

    ScenarioConfig config_;
    Nanos regular_ = 0;
    VuBook vus_;
    std::vector<std::int64_t> attempted_;
    std::int64_t shared_attempted_ = 0;
    std::vector<bool> looping_;
    std::int64_t looping_count_ = 0;
    std::int64_t completed_ = 0;
    bool regular_done_ = false;
    bool hard_stopped_ = false;
    bool aborted_ = false;
};

// ramping-vus: VU handles started and gracefully stopped by the raw plan, interrupted by the
// graceful plan (gracefulRampDown, then gracefulStop at the end).
class RampingVusExecutor final : public Executor {
  public:
    explicit RampingVusExecutor(const ScenarioConfig& config)
        : config_(config),
          raw_(RampingVusRawSteps(config.start_vus, config.stages, true)),
          graceful_(RampingVusGracefulSteps(config.start_vus, config.stages,
                                            config.graceful_ramp_down, config.graceful_stop)) {
        for (const auto& step : graceful_) max_vus_ = std::max(max_vus_, step.planned_vus);
        regular_ = raw_.back().offset;
        state_.assign(static_cast<std::size_t>(max_vus_), State::kStopped);
    }

    void Start(ActionSink& sink) override {
        for (std::int64_t i = 0; i < max_vus_; ++i) vus_.Add(sink);
        Advance(0, sink);
    }

    void Advance(Nanos now, ActionSink& sink) override {
        if (aborted_) return;
        while (ri_ < raw_.size()) {
            const ExecutionStep& r = raw_[ri_];
            if (gi_ < graceful_.size() && graceful_[gi_].offset < r.offset) {
                if (graceful_[gi_].offset > now) return;
                ApplyGraceful(graceful_[gi_++].planned_vus, sink);
            } else {
                if (r.offset > now) return;
                ApplyRaw(r.planned_vus, now, sink);
                ++ri_;
            }
        }
        while (gi_ < graceful_.size() && graceful_[gi_].offset <= now)
            ApplyGraceful(graceful_[gi_++].planned_vus, sink);
    }

    void IterationDone(int vu, Nanos now, ActionSink& sink) override {
        vus_.End(vu);
        State& st = state_[static_cast<std::size_t>(vu)];
        if (st == State::kRunning && !aborted_) {
            vus_.Begin(vu, now, sink);
        } else if (st == State::kStopping) {
            st = State::kStopped;
        }
    }

    Nanos NextWakeup() const override {
        if (aborted_) return kNever;
        if (ri_ < raw_.size()) {
            Nanos next = raw_[ri_].offset;
            if (gi_ < graceful_.size()) next = std::min(next, graceful_[gi_].offset);
            return next;
        }
        if (gi_ < graceful_.size() && vus_.BusyCount() > 0) return graceful_[gi_].offset;
        return kNever;
    }

    bool Finished() const override {
        return (ri_ == raw_.size() || aborted_) && vus_.BusyCount() == 0;
    }

    void Abort(Nanos /*now*/, ActionSink& sink) override {
        if (aborted_) return;
        aborted_ = true;
        for (auto& st : state_) st = State::kStopped;
        vus_.HardStopAll(sink);
    }

    std::int64_t ActiveVus() const override {
        std::int64_t active = 0;
        for (std::size_t i = 0; i < state_.size(); ++i) {
            if (state_[i] != State::kStopped || vus_.Busy(static_cast<int>(i))) ++active;
        }
        return active;
    }
    std::int64_t InitializedVus() const override { return vus_.Count(); }
    double Progress(Nanos now) const override { return Fraction(now, regular_); }

    std::vector<std::string> ProgressColumns(Nanos now) const override {
        std::string vus =
            FixedInt(ActiveVus(), max_vus_) + "/" + FixedInt(max_vus_, max_vus_) + " VUs";
        if (now > regular_) return {vus, FormatGoDuration(regular_)};
        return {vus, FormatFixedLengthDuration(now, regular_) + "/" +
                         FormatFixedLengthDuration(regular_, regular_)};
    }

  private:
    enum class State { kStopped, kRunning, kStopping };

    void ApplyRaw(std::int64_t planned, Nanos now, ActionSink& sink) {
        for (; cur_raw_ < planned; ++cur_raw_) {
            const int vu = static_cast<int>(cur_raw_);
            state_[static_cast<std::size_t>(vu)] = State::kRunning;
            if (!vus_.Busy(vu)) vus_.Begin(vu, now, sink);
        }
        for (; planned < cur_raw_; --cur_raw_) {
            const int vu = static_cast<int>(cur_raw_ - 1);
            State& st = state_[static_cast<std::size_t>(vu)];
            if (st == State::kRunning) st = vus_.Busy(vu) ? State::kStopping : State::kStopped;
        }
    }

    void ApplyGraceful(std::int64_t planned, ActionSink& sink) {
        for (; planned < cur_graceful_; --cur_graceful_) {
            const int vu = static_cast<int>(cur_graceful_ - 1);
            state_[static_cast<std::size_t>(vu)] = State::kStopped;
            if (vus_.Busy(vu)) sink.HardStop(vu);
        }
        cur_graceful_ = planned;
    }

    ScenarioConfig config_;
    std::vector<ExecutionStep> raw_;
    std::vector<ExecutionStep> graceful_;
    std::int64_t max_vus_ = 0;
    Nanos regular_ = 0;
    std::size_t ri_ = 0;
    std::size_t gi_ = 0;
    std::int64_t cur_raw_ = 0;
    std::int64_t cur_graceful_ = 0;
    std::vector<State> state_;
    VuBook vus_;
    bool aborted_ = false;
};

}  // namespace

std::unique_ptr<Executor> MakeExecutor(const ScenarioConfig& config) {
    switch (config.executor) {
        case ExecutorType::kConstantArrivalRate:
        case ExecutorType::kRampingArrivalRate:
            return std::make_unique<ArrivalRateExecutor>(config);
        case ExecutorType::kRampingVus:
            return std::make_unique<RampingVusExecutor>(config);
        case ExecutorType::kConstantVus:
        case ExecutorType::kPerVuIterations:
        case ExecutorType::kSharedIterations:
            return std::make_unique<LoopingExecutor>(config);
    }
    return nullptr;
}

}  // namespace hhplus::loadgen
