#pragma once
// Pure Redlock arithmetic: quorum, validity, retry delays, tokens. No I/O, no clock reads: every
// time is passed in, so the unit tests drive them with fixed numbers.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace hhplus::lock {

using Millis = std::chrono::milliseconds;

// Majority of `masters` independent Redis masters: two quorums always share a master, so two
// holders can never both hold a quorum at once. 1 → 1, 3 → 2, 5 → 3.
std::size_t Quorum(std::size_t masters);

// How long a freshly acquired (or renewed) lock may be trusted: the TTL the masters were given,
// minus what the acquisition itself took (the first master's key started expiring when we sent
// it), minus the allowance for the masters' clocks running faster than ours. May be ≤ 0.
Millis Validity(Millis ttl, Millis elapsed, Millis drift);

// The Redlock decision: a quorum of masters said yes and some validity is left.
bool RedlockSucceeded(std::size_t acquired, std::size_t masters, Millis validity);

// The head waiter's safety-net timer in Pub/Sub mode. Release messages are at-most-once, so the
// head also retries on its own: at the latest when the holder's key would expire (its PTTL, the
// minimum over the masters that answered), never sooner than `floor` (a key about to expire must
// not turn into a busy loop), never past the caller's remaining wait budget. No PTTL known (no
// master answered, or the key vanished between the SET and the PTTL) → the floor.
Millis HeadRetryDelay(std::optional<Millis> holder_pttl, Millis remaining_budget, Millis floor);

// Polling mode ("before"): retry every `interval`, jittered uniformly over [interval/2,
// 3·interval/2) so that waiters started together drift apart instead of hitting Redis in
// lock-step. `unit_random` is a draw from [0, 1). Never past the remaining wait budget.
Millis PollingDelay(Millis interval, double unit_random, Millis remaining_budget);

// Local hand-off (lock cohorting) bounds: a releasing holder may pass its Redis hold to a local
// waiter only while the batch is young (`since_acquired` ≤ `window`), short (`hand_offs` so far
// < `max_hand_offs`) and the hold keeps at least half a TTL of validity for the next holder.
bool HandOffAllowed(int hand_offs, int max_hand_offs, Millis since_acquired, Millis window,
                    Millis remaining_validity, Millis ttl);

// 128 random bits as 32 lowercase hex characters: the lease token (only its holder knows it, so
// only its holder can renew or delete the key).
std::string TokenHex(const std::array<std::uint8_t, 16>& bytes);

// The same from the kernel's CSPRNG (getrandom(2)).
std::string RandomToken();

}  // namespace hhplus::lock
