#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace openmfd::protocol {

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
  struct bucket {
    double tokens;
    clock::time_point last;
  };
  double refill(bucket& b, clock::time_point now) const;
  void evict_full(clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace openmfd::protocol
