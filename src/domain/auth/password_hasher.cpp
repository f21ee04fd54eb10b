#include "domain/auth/password_hasher.hpp"

#include <sodium.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace hhplus::auth {

namespace asio = boost::asio;

struct PasswordHasher::Job {
    explicit Job(asio::any_io_executor ex) : done_signal(ex) {}
    bool verify = false;
    std::string phc;
    std::string password;
    std::chrono::steady_clock::time_point enqueued;
    // Outcome, written by the worker and read on the loop after done_signal fires.
    bool finished = false;
    bool timed_out = false;
    bool failed = false;
    std::string result;     // the PHC string of a hash
    bool verified = false;  // the outcome of a verification
    asio::steady_timer done_signal;
};

PasswordHasher::PasswordHasher(asio::any_io_executor loop, HasherOptions options)
    : loop_(std::move(loop)), options_(options), pool_(options.threads) {}

PasswordHasher::~PasswordHasher() { Stop(); }

void PasswordHasher::Stop() { pool_.join(); }

std::string PasswordHasher::HashBlocking(const std::string& password) const {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                              static_cast<unsigned long long>(options_.iterations),
                              static_cast<std::size_t>(options_.memory_kib) * 1024,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return {};
    }
    return out;
}

asio::awaitable<Result<std::string>> PasswordHasher::Hash(std::string password) {
    co_return co_await Run(false, {}, std::move(password));
}

asio::awaitable<Result<bool>> PasswordHasher::Verify(std::string phc, std::string password) {
    auto r = co_await Run(true, std::move(phc), std::move(password));
    if (!r.ok()) co_return std::move(r).error();
    co_return r.value() == "1";
}

asio::awaitable<Result<std::string>> PasswordHasher::Run(bool verify, std::string phc,
                                                         std::string password) {
    if (queued_.load() >= options_.queue_limit) {
        co_return MakeError(ErrorCode::kBusy, "password hashing queue full");
    }
    auto job = std::make_shared<Job>(loop_);
    job->verify = verify;
    job->phc = std::move(phc);
    job->password = std::move(password);
    job->enqueued = std::chrono::steady_clock::now();
    job->done_signal.expires_at(asio::steady_timer::time_point::max());
    ++queued_;
    const auto wait_limit = options_.wait;
    const int iterations = options_.iterations;
    const std::size_t memory_bytes = static_cast<std::size_t>(options_.memory_kib) * 1024;
    asio::post(pool_, [this, job, wait_limit, iterations, memory_bytes] {
        if (std::chrono::steady_clock::now() - job->enqueued > wait_limit) {
            job->timed_out = true;  // the client has waited long enough: shed instead of hashing
        } else if (job->verify) {
            job->verified = crypto_pwhash_str_verify(job->phc.c_str(), job->password.data(),
                                                     job->password.size()) == 0;
        } else {
            char out[crypto_pwhash_STRBYTES];
            if (crypto_pwhash_str_alg(out, job->password.data(), job->password.size(),
                                      static_cast<unsigned long long>(iterations), memory_bytes,
                                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
                job->failed = true;
            } else {
                job->result = out;
            }
        }
        sodium_memzero(job->password.data(), job->password.size());
        // Hand the outcome back to the loop thread; only the loop touches the timer.
        asio::post(loop_, [this, job] {
            --queued_;
            job->finished = true;
            job->done_signal.cancel();
        });
    });
    // No suspension happened between post() and this wait, and the completion is posted to this
    // (single-threaded) loop, so the cancel cannot run before the wait is registered.
    boost::system::error_code ec;
    while (!job->finished) {
        co_await job->done_signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (job->timed_out) co_return MakeError(ErrorCode::kBusy, "password hashing wait exceeded");
    if (job->failed) co_return MakeError(ErrorCode::kInternal, "argon2id hashing failed");
    if (job->verify) co_return std::string(job->verified ? "1" : "0");
    co_return std::move(job->result);
}

}  // namespace hhplus::auth
