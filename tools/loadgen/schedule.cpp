#include "loadgen/schedule.hpp"

#include <cmath>

namespace hhplus::loadgen {

Nanos ArrivalPeriod(std::int64_t rate, Nanos time_unit) {
    if (rate <= 0) return kNever;
    return time_unit / rate;
}

RampingArrivalTimes::RampingArrivalTimes(std::int64_t start_rate, Nanos time_unit,
                                         std::vector<Stage> stages)
    : stages_(std::move(stages)),
      time_unit_(static_cast<double>(time_unit)),
      from_(static_cast<double>(start_rate) / static_cast<double>(time_unit)) {}

std::optional<Nanos> RampingArrivalTimes::Next() {
    while (stage_index_ < stages_.size()) {
        const Stage& stage = stages_[stage_index_];
        if (!stage_open_) {
            to_ = static_cast<double>(stage.target) / time_unit_;
            duration_ = static_cast<double>(stage.duration);
            if (from_ != to_) {
                end_count_ += duration_ * ((to_ - from_) / 2 + from_);
            } else {
                end_count_ += duration_ * to_;
            }
            stage_open_ = true;
        }
        if (i_ <= end_count_) {
            double x = 0;
            if (from_ != to_) {
                // Solve the quadratic for the time at which the ramp's integral reaches i.
                double radicand = duration_ * (from_ * from_ * duration_ +
                                               2 * (i_ - done_so_far_) * (to_ - from_));
                double root = std::signbit(radicand) ? 0 : std::sqrt(radicand);
                x = (from_ * duration_ - root) / (from_ - to_);
            } else {
                x = (i_ - done_so_far_) / to_;
            }
            i_ += 1;
            return static_cast<Nanos>(x) + stage_start_;
        }
        done_so_far_ = end_count_;
        from_ = to_;
        stage_start_ += stage.duration;
        ++stage_index_;
        stage_open_ = false;
    }
    return std::nullopt;
}

std::vector<ExecutionStep> RampingVusRawSteps(std::int64_t start_vus,
                                              const std::vector<Stage>& stages, bool zero_end) {
    // Unsegmented execution: k6's SegmentedIndex reduces to a plain counter (scaled == unscaled).
    std::int64_t unscaled = start_vus;
    std::int64_t from_vus = start_vus;
    Nanos time_till_end = 0;
    std::vector<ExecutionStep> steps{{0, start_vus}};
    auto add_step = [&steps](Nanos offset, std::int64_t planned) {
        if (steps.back().planned_vus != planned) steps.push_back({offset, planned});
    };
    for (const Stage& stage : stages) {
        const std::int64_t stage_end_vus = stage.target;
        const Nanos stage_duration = stage.duration;
        time_till_end += stage_duration;
        const std::int64_t diff = stage_end_vus - from_vus;
        if (diff == 0) continue;
        if (stage_duration == 0) {
            unscaled = stage_end_vus;
            add_step(time_till_end, unscaled);
            from_vus = stage_end_vus;
            continue;
        }
        if (unscaled > stage_end_vus) {  // ramp down
            for (; unscaled > stage_end_vus; --unscaled) {
                add_step(time_till_end - stage_duration * (stage_end_vus - unscaled + 1) / diff,
                         unscaled - 1);
            }
        } else {
            for (; unscaled <= stage_end_vus; ++unscaled) {
                add_step(time_till_end - stage_duration * (stage_end_vus - unscaled) / diff,
                         unscaled);
            }
        }
        from_vus = stage_end_vus;
    }
    if (zero_end && steps.back().planned_vus != 0) steps.push_back({time_till_end, 0});
    return steps;
}

namespace {

// k6's reserveVUsForGracefulRampDowns: a VU that stops looping on a ramp-down keeps its slot for
// gracefulRampDown (to finish its iteration) unless the plan climbs back first.
std::vector<ExecutionStep> ReserveForGracefulRampDowns(const std::vector<ExecutionStep>& raw,
                                                       Nanos graceful_ramp_down,
                                                       Nanos executor_end) {
    std::vector<ExecutionStep> result;
    std::int64_t last_planned = 0;
    std::size_t last_downward_slope_step = 0;
    const std::size_t raw_len = raw.size();
    for (std::size_t raw_num = 0; raw_num < raw_len; ++raw_num) {
        const ExecutionStep& step = raw[raw_num];
        if (raw_num == 0 || step.planned_vus > last_planned) {
            result.push_back(step);
            last_planned = step.planned_vus;
            continue;
        }
        if (step.planned_vus == last_planned) continue;

        bool skipped_to_new_raw_step = false;
        const Nanos offset_with_timeout = step.offset + graceful_ramp_down;
        std::size_t adv_start = std::max(last_downward_slope_step, raw_num + 1);
        bool was_ramping_down = true;
        for (std::size_t adv = adv_start; adv < raw_len; ++adv) {
            const ExecutionStep& adv_step = raw[adv];
            if (adv_step.offset > offset_with_timeout) break;
            if (adv_step.planned_vus >= last_planned) {
                raw_num = adv - 1;
                skipped_to_new_raw_step = true;
                break;
            }
            if (was_ramping_down) {
                if (raw[adv - 1].planned_vus > adv_step.planned_vus) {
                    last_downward_slope_step = adv;
                } else {
                    was_ramping_down = false;
                }
            }
        }
        if (skipped_to_new_raw_step) continue;
        if (offset_with_timeout >= executor_end) break;
        result.push_back({offset_with_timeout, step.planned_vus});
        last_planned = step.planned_vus;
    }
    return result;
}

}  // namespace

std::vector<ExecutionStep> RampingVusGracefulSteps(std::int64_t start_vus,
                                                   const std::vector<Stage>& stages,
                                                   Nanos graceful_ramp_down, Nanos graceful_stop) {
    std::vector<ExecutionStep> steps = RampingVusRawSteps(start_vus, stages, false);
    Nanos stages_total = 0;
    for (const Stage& s : stages) stages_total += s.duration;
    const Nanos executor_end = stages_total + graceful_stop;
    if (graceful_ramp_down > 0)
        steps = ReserveForGracefulRampDowns(steps, graceful_ramp_down, executor_end);
    if (steps.empty() || steps.back().planned_vus != 0) steps.push_back({executor_end, 0});
    return steps;
}

}  // namespace hhplus::loadgen
