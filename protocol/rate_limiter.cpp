#include "protocol/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace openmfd::protocol {

rate_limiter::rate_limiter(double rate, double burst, std::size_t max_keys)
  : rate_(rate), burst_(burst), max_keys_(max_keys) {}

double rate_limiter::refill(bucket& b, clock::time_point now) const {
  std::chrono::duration<double> elapsed = now - b.last;
  b.tokens = std::min(burst_, b.tokens + elapsed.count() * rate_);
  b.last = now;
  return b.tokens;
}

// A full bucket carries no history; forgetting it changes nothing.
void rate_limiter::evict_full(clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (refill(it->second, now) >= burst_)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

std::optional<std::chrono::seconds>
rate_limiter::take(std::string_view key, clock::time_point now) {
  auto it = buckets_.find(std::string{key});
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_)
      evict_full(now);
    if (buckets_.size() >= max_keys_)
      return std::chrono::seconds{static_cast<long>(std::ceil(1.0 / rate_))};
    it = buckets_.emplace(std::string{key}, bucket{burst_, now}).first;
  }
  if (refill(it->second, now) >= 1.0) {
    it->second.tokens -= 1.0;
    return std::nullopt;
  }
  auto wait = (1.0 - it->second.tokens) / rate_;
  return std::chrono::seconds{std::max(1L, static_cast<long>(std::ceil(wait)))};
}

} // namespace openmfd::protocol
