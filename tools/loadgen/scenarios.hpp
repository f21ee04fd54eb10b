#pragma once
// The scenarios of loadgen.md, each an iteration coroutine with k6's bookkeeping (checks, custom
// metrics), an optional untimed setup (session pools, hot users) and optional post-run checks.
// The k6 scripts in k6/ implement the same logic with the same metric and check names; a unit
// test compares them.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/metrics.hpp"
#include "loadgen/run_report.hpp"
#include "loadgen/vu.hpp"

namespace hhplus::loadgen {

struct CustomMetricSpec {
    std::string name;
    MetricType type = MetricType::kCounter;
    ValueType contains = ValueType::kDefault;
};

struct ScenarioInfo {
    std::string name;         // CLI name and options file: k6/options/<name>.json
    std::string description;  // one line for `hhplus-load list`
    std::vector<CustomMetricSpec> metrics;
    bool issues_coupon = false;       // the coupon invariant (audit) applies after the run
    bool uses_coupon = false;         // needs COUPON_ID (or a fresh coupon from --admin-token)
    std::string k6_script;            // the k6 script that mirrors it, "" when none
    std::vector<std::string> checks;  // check names (the k6 script uses the same strings)
    bool audits_with_admin = false;   // its own post-run invariants need --admin-token
};

const std::vector<ScenarioInfo>& ScenarioCatalog();
const ScenarioInfo* FindScenario(std::string_view name);

// What a scenario may use besides its VU. Owned by the runner; single-threaded.
struct ScenarioServices {
    std::function<std::optional<std::string>(std::string_view)>
        env;             // -e, then the process environment
    std::string run_id;  // makes e-mails unique across runs
    std::int64_t coupon_id = 1;
    std::map<std::string, Metric*> metrics;  // custom metrics by name
    VuEnvironment* vu_env = nullptr;
    std::optional<std::int64_t> planned_iterations;  // sum over scenarios, when known
    std::string admin_token;                         // --admin-token, "" when not given

    std::string Env(std::string_view key, std::string_view fallback) const;
    std::int64_t EnvInt(std::string_view key, std::int64_t fallback) const;
};

// Issue outcomes, for the coupon invariant: 201s ≤ issuedQuantity ≤ 201s + unanswered.
struct IssueTally {
    std::int64_t issued = 0;    // 201
    std::int64_t sold_out = 0;  // 409 C001
    std::int64_t unanswered =
        0;  // no definitive answer: no response, interrupted, 5xx other than S001
};

struct SetupOutcome {
    std::string error;  // non-empty: the run cannot start
    std::int64_t items = 0;
    std::string what;  // "sessions", "hot users"
};

class Scenario {
  public:
    virtual ~Scenario() = default;
    // Untimed preparation whose requests are not recorded (k6's setup() would record them; see
    // README). Default: nothing.
    virtual boost::asio::awaitable<SetupOutcome> Setup();
    virtual boost::asio::awaitable<void> Iterate(Vu* vu) = 0;
    // Post-run checks specific to the scenario (balance identity). Default: none.
    virtual boost::asio::awaitable<std::vector<InvariantReport>> Verify();
    // Interrupts setup or verification in progress (Ctrl+C).
    virtual void Interrupt() {}
    const IssueTally& Issues() const { return issues_; }

  protected:
    IssueTally issues_;
};

std::unique_ptr<Scenario> MakeScenario(const ScenarioInfo& info, ScenarioServices* services);

// Request bodies and answers shared by scenarios and tests.
std::string SignupBody(std::string_view email, std::string_view password);
std::optional<std::int64_t> JsonInt(std::string_view body, std::string_view field);

}  // namespace hhplus::loadgen
