#include "tests/support/service_stack.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "tests/support/http_client.hpp"

namespace hhplus::testing {

namespace {
// A debug or sanitizer build starts slower and migrates a fresh database: 60 s is generous.
constexpr std::chrono::seconds kServerStartTimeout{60};
}  // namespace

std::string ServiceStack::ServerBinary() {
    const char* build = std::getenv("HHPLUS_BUILD_DIR");
    if (build == nullptr)
        throw std::runtime_error("HHPLUS_BUILD_DIR is not set (run through ctest)");
    return std::string(build) + "/src/app/hhplus-server";
}

bool WaitHealthy(std::uint16_t port, ChildProcess& process, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process.Running()) return false;
        try {
            HttpClient client(port);
            if (client.Get("/health").status == 200) return true;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

ServiceStack::ServiceStack(std::map<std::string, std::string> env) : env_(std::move(env)) {
    // A port from FreePort() lies in the ephemeral range: another test's outgoing connection may
    // take it between our probe and the server's bind. Then the server stops at once ("cannot
    // listen … Address already in use") and a fresh port is tried; any other failure is final.
    constexpr int kFreshPortAttempts = 5;
    for (int attempt = 1;; ++attempt) {
        port_ = FreePort();
        try {
            StartServer();
            return;
        } catch (const std::runtime_error& e) {
            const bool port_taken =
                std::string_view(e.what()).find("Address already in use") != std::string_view::npos;
            if (!port_taken || attempt == kFreshPortAttempts) throw;
        }
    }
}

ServiceStack::~ServiceStack() { server_.Stop(std::chrono::seconds(15)); }

std::map<std::string, std::string> ServiceStack::Environment(std::uint16_t port,
                                                             const std::string& name) const {
    std::map<std::string, std::string> env = {
        {"PORT", std::to_string(port)},
        {"INSTANCE_NAME", name},
        {"DATABASE_URL", db.Url()},
        {"REDIS_SESSION_URL", session_redis.Url()},
        {"REDIS_CACHE_URL", cache_redis.Url()},
        {"REDIS_LOCK_URLS", lock_redis.Url()},
        {"ADMIN_TOKEN", admin_token()},
        {"ARGON2_MEMORY_KIB", "64"},
        {"ARGON2_ITERATIONS", "1"},
        {"LOG_LEVEL", "info"},
    };
    // The e2e contract runs once per coupon strategy: CTest passes it in this variable.
    if (const char* strategy = std::getenv("HHPLUS_TEST_COUPON_STRATEGY"))
        env["COUPON_STRATEGY"] = strategy;
    for (const auto& [k, v] : env_) env[k] = v;
    return env;
}

void ServiceStack::StartServer() {
    const auto log = dir_.path() / ("server-" + std::to_string(port_) + ".log");
    server_ = ChildProcess({ServerBinary()}, log, Environment(port_, "test-app-1"));
    if (!WaitHealthy(port_, server_, kServerStartTimeout)) {
        throw std::runtime_error("hhplus-server did not become healthy; log tail:\n" +
                                 server_.LogTail());
    }
}

void ServiceStack::StopServer() { last_exit = server_.Stop(std::chrono::seconds(15)); }

std::unique_ptr<ChildProcess> ServiceStack::StartExtraServer(std::uint16_t port,
                                                             const std::string& name) {
    auto process =
        std::make_unique<ChildProcess>(std::vector<std::string>{ServerBinary()},
                                       dir_.path() / (name + ".log"), Environment(port, name));
    if (!WaitHealthy(port, *process, kServerStartTimeout)) {
        throw std::runtime_error(name + " did not become healthy; log tail:\n" +
                                 process->LogTail());
    }
    return process;
}

}  // namespace hhplus::testing
