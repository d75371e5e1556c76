#include "protocol/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace openmfd::protocol {

double token_bucket::refill(clock::time_point now) {
  std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  last_ = now;
  return tokens_;
}

bool token_bucket::take(clock::time_point now) {
  return spend(now, 1.0);
}

bool token_bucket::spend(clock::time_point now, double cost) {
  if (refill(now) < 1.0)
    return false;
  tokens_ -= cost;
  return true;
}

std::chrono::duration<double> token_bucket::wait() const {
  return std::chrono::duration<double>{std::max(0.0, 1.0 - tokens_) / rate_};
}

rate_limiter::rate_limiter(double rate, double burst, std::size_t max_keys)
  : rate_(rate), burst_(burst), max_keys_(max_keys) {}

// A full bucket carries no history; forgetting it changes nothing.
void rate_limiter::evict_full(clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (it->second.refill(now) >= burst_)
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
    it = buckets_.emplace(std::string{key}, token_bucket{rate_, burst_, now})
           .first;
  }
  auto& bucket = it->second;
  if (bucket.take(now))
    return std::nullopt;
  auto wait = bucket.wait().count();
  return std::chrono::seconds{std::max(1L, static_cast<long>(std::ceil(wait)))};
}

} // namespace openmfd::protocol
