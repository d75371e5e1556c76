#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace openmfd::protocol {

/// One token bucket: `rate` tokens per second on average, bursts of up to
/// `burst`. Starts full. Time is passed in, so tests need no clock.
class token_bucket {
public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate, double burst, clock::time_point now)
    : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

  /// Tokens available at `now` (refilled up to `burst`).
  double refill(clock::time_point now);

  /// Takes one token: true if there was one.
  bool take(clock::time_point now);

  /// Spends `cost` tokens if there is at least one, going into debt for the
  /// rest (repaid before the next spend), so that a big cost is not refused
  /// for ever while small ones keep the bucket low.
  bool spend(clock::time_point now, double cost);

  /// How long until one token is there, from the last refill.
  std::chrono::duration<double> wait() const;

  double burst() const noexcept { return burst_; }

private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

/// A token bucket per key (a client address), with a bounded number of keys.
/// Time is passed in, so tests need no clock.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// `rate` attempts per second on average, bursts of up to `burst`, at most
  /// `max_keys` addresses remembered (past that, new ones are refused).
  rate_limiter(double rate, double burst, std::size_t max_keys);

  /// Takes one attempt for `key`: nullopt if allowed, else how long to wait.
  std::optional<std::chrono::seconds> take(std::string_view key,
                                           clock::time_point now);

  std::size_t size() const noexcept { return buckets_.size(); }

private:
  void evict_full(clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::unordered_map<std::string, token_bucket> buckets_;
};

} // namespace openmfd::protocol
