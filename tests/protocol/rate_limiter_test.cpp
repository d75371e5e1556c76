#include "protocol/rate_limiter.hpp"

#include <chrono>
#include <cmath>
#include <random>
#include <string>

#include <catch2/catch.hpp>

using namespace openmfd::protocol;
using namespace std::chrono_literals;

namespace {

using time_point = rate_limiter::clock::time_point;

// Any fixed origin will do: the limiter only looks at differences.
const time_point t0 = time_point{} + 1h;

template <class Duration>
time_point at(Duration d) {
  return t0 + std::chrono::duration_cast<rate_limiter::clock::duration>(d);
}

// Takes until refused; returns how many were allowed (bounded, so a limiter
// that never refuses fails the test instead of hanging it).
int drain(rate_limiter& limiter, const std::string& key, time_point now) {
  int allowed = 0;
  while (allowed < 1000 && !limiter.take(key, now))
    ++allowed;
  return allowed;
}

} // namespace

TEST_CASE("a fresh key gets its burst, then a wait for one token",
          "[rate_limiter]") {
  struct row {
    double rate;  // per second
    double burst;
    int allowed;  // at one instant
    long retry;   // seconds until one token refills: ceil(1 / rate)
  };
  const row rows[] = {
    {0.1, 5, 5, 10},         // the auth actor's default: 5, then 1 per 10 s
    {1.0, 1, 1, 1},
    {0.5, 3, 3, 2},
    {2.0, 4, 4, 1},          // half a second rounds up to a whole one
    {1.0 / 60, 2, 2, 60},
    {0.25, 2.5, 2, 2},       // 0.5 token left: half a token at 0.25/s
  };
  for (const auto& r : rows) {
    CAPTURE(r.rate, r.burst);
    rate_limiter limiter{r.rate, r.burst, 16};
    CHECK(drain(limiter, "10.0.0.1", t0) == r.allowed);
    auto wait = limiter.take("10.0.0.1", t0);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == r.retry);
  }
}

TEST_CASE("tokens refill with time, up to the burst", "[rate_limiter]") {
  // 4 at once, then one per 8 s (a rate exact in binary, so the expected
  // waits below are exact too).
  struct row {
    const char* what;
    rate_limiter::clock::duration after_drain;
    int allowed;
    long retry; // after those, seconds to wait
  };
  const row rows[] = {
    {"no time", 0s, 0, 8},
    {"1 s: an eighth of a token", 1s, 0, 7},
    {"4 s: half a token", 4s, 0, 4},
    {"6.5 s: rounds the 1.5 s left up", 6500ms, 0, 2},
    {"7.9 s: any fraction left is a whole second", 7900ms, 0, 1},
    {"8 s: one token", 8s, 1, 8},
    {"20 s: two tokens, half of a third", 20s, 2, 4},
    {"32 s: full", 32s, 4, 8},
    {"an hour: still only the burst", 1h, 4, 8},
  };
  for (const auto& r : rows) {
    CAPTURE(r.what);
    rate_limiter limiter{0.125, 4, 16};
    REQUIRE(drain(limiter, "k", t0) == 4);
    auto now = t0 + r.after_drain;
    CHECK(drain(limiter, "k", now) == r.allowed);
    auto wait = limiter.take("k", now);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == r.retry);
  }
}

TEST_CASE("keys are limited independently", "[rate_limiter]") {
  rate_limiter limiter{0.1, 3, 16};
  CHECK(drain(limiter, "10.0.0.1", t0) == 3);
  CHECK(drain(limiter, "10.0.0.2", t0) == 3);
  CHECK(limiter.take("10.0.0.1", t0).has_value());
  CHECK(limiter.size() == 2);
}

TEST_CASE("waiting the retry-after it gave is always enough",
          "[rate_limiter]") {
  // Random rates, bursts and arrival times; seeded, so failures reproduce.
  std::mt19937 rng{424242};
  for (int round = 0; round < 200; ++round) {
    double rate = 0.01 + (rng() % 1000) / 100.0; // 0.01 .. 10 per second
    double burst = 1 + rng() % 8;
    CAPTURE(round, rate, burst);
    rate_limiter limiter{rate, burst, 4};
    auto now = t0;
    for (int i = 0; i < 50; ++i) {
      now += std::chrono::milliseconds{rng() % 3000};
      auto wait = limiter.take("k", now);
      if (!wait)
        continue;
      REQUIRE(wait->count() >= 1);
      // Never more than an empty bucket needs (plus rounding up).
      REQUIRE(wait->count() <= static_cast<long>(std::ceil(1.0 / rate)));
      now += *wait;
      REQUIRE_FALSE(limiter.take("k", now).has_value());
    }
  }
}

TEST_CASE("the number of keys is bounded; only full buckets are forgotten",
          "[rate_limiter]") {
  // One token per 8 s, bursts of 2, two keys at most.
  rate_limiter limiter{0.125, 2, 2};
  CHECK_FALSE(limiter.take("a", t0).has_value()); // a: 1 left
  CHECK_FALSE(limiter.take("b", t0).has_value()); // b: 1 left
  REQUIRE(limiter.size() == 2);

  SECTION("a new key is refused while no bucket is full") {
    auto wait = limiter.take("c", t0);
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 8); // one token's worth
    CHECK(limiter.size() == 2);
    // 5 s later a and b hold 1.625 tokens: not full, so still refused.
    CHECK(limiter.take("c", at(5s)).has_value());
    CHECK(limiter.size() == 2);
  }

  SECTION("full buckets make room") {
    // After 8 s a and b are full again, so forgetting them loses nothing.
    CHECK_FALSE(limiter.take("c", at(8s)).has_value());
    CHECK(limiter.size() <= 2);
    // A forgotten key comes back with a full burst, as it would have had.
    CHECK(drain(limiter, "a", at(8s)) == 2);
  }

  SECTION("flooding new keys never resets a drained key") {
    CHECK_FALSE(limiter.take("a", t0).has_value()); // a: empty
    for (int i = 0; i < 100; ++i) {
      CAPTURE(i);
      CHECK(limiter.take("new" + std::to_string(i), at(1s)).has_value());
      CHECK(limiter.size() <= 2);
    }
    // a is still the bucket it was: an eighth of a token after 1 s.
    auto wait = limiter.take("a", at(1s));
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 7);
  }
}

TEST_CASE("a large key table stops at its bound", "[rate_limiter]") {
  const std::size_t max_keys = 4096;
  rate_limiter limiter{0.125, 5, max_keys};
  for (std::size_t i = 0; i < max_keys; ++i)
    REQUIRE_FALSE(limiter.take("10.0." + std::to_string(i), t0).has_value());
  CHECK(limiter.size() == max_keys);
  CHECK(limiter.take("one more", t0).has_value());
  CHECK(limiter.size() == max_keys);
  // 8 s on, every bucket has refilled to full (4 + 1 = 5 tokens).
  CHECK_FALSE(limiter.take("one more", at(8s)).has_value());
  CHECK(limiter.size() <= max_keys);
}

TEST_CASE("a token bucket: its burst at once, then its rate",
          "[rate_limiter]") {
  token_bucket bucket{30, 10, t0};
  int allowed = 0;
  while (allowed < 1000 && bucket.take(t0))
    ++allowed;
  CHECK(allowed == 10);
  CHECK(bucket.wait().count() == Approx(1.0 / 30));
  // A third of a second refills ten tokens, and never more than the burst.
  CHECK(bucket.refill(at(200ms)) == Approx(6.0));
  CHECK(bucket.refill(at(10s)) == Approx(10.0));
  allowed = 0;
  for (int ms = 0; ms < 1000; ++ms)
    allowed += bucket.take(at(10s + std::chrono::milliseconds{ms})) ? 1 : 0;
  // The burst, then 30 per second for the 999 ms after it.
  CHECK(allowed == 10 + 29);
}

TEST_CASE("a token bucket spends into debt and repays it first",
          "[rate_limiter]") {
  token_bucket bucket{10, 5, t0};
  CHECK(bucket.spend(t0, 4));   // 1 left
  CHECK(bucket.spend(t0, 21));  // one was enough: 20 owed
  CHECK_FALSE(bucket.spend(t0, 1));
  CHECK(bucket.wait().count() == Approx(2.1));
  CHECK_FALSE(bucket.take(at(2s)));  // 0 tokens: the debt is just repaid
  CHECK(bucket.take(at(2100ms)));
}
