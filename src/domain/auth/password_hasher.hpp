#pragma once
// PasswordHasher: argon2id (libsodium, PHC strings) on a small bounded thread pool, never on the
// event loop. Hash() and Verify() suspend the calling coroutine until a worker has finished.
//
// Limits (stage.md): at most `queue_limit` jobs waiting (beyond: kBusy at once) and no job starts
// after waiting `wait` (then kBusy): a burst of 200 signups with 2 workers × ~25 ms per hash
// drains in 200 × 25 / 2 = 2.5 s, inside the default 5 s, so such a burst waits and does not fail.
#include <utility>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "common/result.hpp"

namespace hhplus::auth {

struct HasherOptions {
    // Two workers: the machine class we target has two cores and the event loop needs one of them
    // only part of the time; more threads would just queue on the CPU.
    std::size_t threads = 2;
    int memory_kib = 19456;  // OWASP minimum for argon2id (19 MiB)
    int iterations = 2;
    std::size_t queue_limit = 1024;
    std::chrono::milliseconds wait{5000};
};

class PasswordHasher {
  public:
    PasswordHasher(boost::asio::any_io_executor loop, HasherOptions options);
    ~PasswordHasher();
    PasswordHasher(const PasswordHasher&) = delete;
    PasswordHasher& operator=(const PasswordHasher&) = delete;

    // PHC string "$argon2id$v=19$m=…,t=…,p=1$salt$hash". kBusy when the queue is full or the
    // wait exceeded; kInternal if libsodium fails (out of memory).
    boost::asio::awaitable<Result<std::string>> Hash(std::string password);
    // true when `password` matches `phc`. A malformed `phc` is a mismatch, not an error.
    boost::asio::awaitable<Result<bool>> Verify(std::string phc, std::string password);

    // Synchronous hash for start-up only (the dummy hash that keeps failed logins constant-time).
    std::string HashBlocking(const std::string& password) const;

    std::size_t Queued() const { return queued_.load(); }
    void Stop();  // joins the workers; pending jobs still complete

  private:
    struct Job;
    boost::asio::awaitable<Result<std::string>> Run(bool verify, std::string phc,
                                                    std::string password);

    boost::asio::any_io_executor loop_;
    HasherOptions options_;
    boost::asio::thread_pool pool_;
    std::atomic<std::size_t> queued_{0};
};

}  // namespace hhplus::auth
