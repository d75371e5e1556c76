#include "tools/loadtest/histogram.hpp"

#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

using openmfd::loadtest::histogram;

namespace {

/// The histogram's promise: within 1/2^precision_bits of the true value.
Approx close_to(double expected) {
  return Approx(expected).epsilon(1.0 / (1u << histogram::precision_bits));
}

histogram uniform(std::uint64_t first, std::uint64_t last) {
  histogram h;
  for (auto v = first; v <= last; ++v)
    h.record(v);
  return h;
}

} // namespace

TEST_CASE("an empty histogram reports zeros") {
  histogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.percentile(100) == 0);
}

TEST_CASE("small values are counted exactly") {
  auto h = uniform(1, 100);
  CHECK(h.count() == 100);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  CHECK(h.mean() == Approx(50.5));
  CHECK(h.percentile(0) == 1);
  CHECK(h.percentile(50) == 50);
  CHECK(h.percentile(99) == 99);
  CHECK(h.percentile(100) == 100);
}

TEST_CASE("percentiles of a uniform distribution are within the resolution") {
  auto h = uniform(1, 1'000'000);
  CHECK(h.percentile(50) == close_to(500'000));
  CHECK(h.percentile(90) == close_to(900'000));
  CHECK(h.percentile(99) == close_to(990'000));
  CHECK(h.percentile(99.9) == close_to(999'000));
  CHECK(h.percentile(100) == 1'000'000);
  CHECK(h.mean() == Approx(500'000.5));
}

TEST_CASE("percentiles of a two-peaked distribution pick the right peak") {
  histogram h;
  for (int i = 0; i < 900; ++i)
    h.record(1'000);
  for (int i = 0; i < 100; ++i)
    h.record(5'000'000);
  CHECK(h.percentile(50) == close_to(1'000));
  CHECK(h.percentile(90) == close_to(1'000));
  CHECK(h.percentile(90.1) == close_to(5'000'000));
  CHECK(h.percentile(99.9) == close_to(5'000'000));
}

TEST_CASE("a percentile takes the value of its nearest rank") {
  // 99.9 % of 1,000 values is the 999th, of 10,000 the 9,990th: the
  // rank must not round up to the next value.
  for (std::uint64_t count : {1'000u, 10'000u, 100'000u}) {
    histogram h;
    auto rank = count * 999 / 1000;
    for (std::uint64_t i = 0; i < rank; ++i)
      h.record(1'000);
    for (std::uint64_t i = rank; i < count; ++i)
      h.record(5'000'000);
    INFO("count " << count);
    CHECK(h.percentile(99.9) == close_to(1'000));
    CHECK(h.percentile(99.91) == close_to(5'000'000));
  }
  histogram h;
  for (int i = 0; i < 99; ++i)
    h.record(1'000);
  h.record(5'000'000);
  CHECK(h.percentile(99) == close_to(1'000));
  CHECK(h.percentile(100) == 5'000'000);
}

TEST_CASE("every value lands within the resolution of itself") {
  for (std::uint64_t v = 1; v < (std::uint64_t{1} << 39); v = v * 3 + 1) {
    histogram h;
    h.record(v);
    h.record(v + v / 2); // a second value so that min/max do not clamp p50
    INFO("value " << v);
    CHECK(h.percentile(50) == close_to(static_cast<double>(v)));
  }
}

TEST_CASE("merging equals recording everything in one histogram") {
  auto low = uniform(1, 50'000);
  auto high = uniform(50'001, 100'000);
  auto all = uniform(1, 100'000);
  low.merge(high);
  CHECK(low.count() == all.count());
  CHECK(low.min() == all.min());
  CHECK(low.max() == all.max());
  CHECK(low.mean() == Approx(all.mean()));
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0})
    CHECK(low.percentile(p) == all.percentile(p));
}

TEST_CASE("merging an empty histogram changes nothing") {
  auto h = uniform(10, 20);
  h.merge(histogram{});
  CHECK(h.count() == 11);
  CHECK(h.min() == 10);
  CHECK(h.max() == 20);
}

TEST_CASE("huge values are clamped and memory stays fixed") {
  histogram h;
  auto buckets = h.bucket_count();
  CHECK(buckets * sizeof(std::uint64_t) < 64 * 1024);
  h.record(std::numeric_limits<std::uint64_t>::max());
  h.record(histogram::max_trackable + 1);
  h.record(0);
  CHECK(h.bucket_count() == buckets);
  CHECK(h.max() == histogram::max_trackable);
  CHECK(h.percentile(100) == histogram::max_trackable);
  CHECK(h.percentile(1) == 0);
}

TEST_CASE("out-of-range percentiles are clamped") {
  auto h = uniform(1, 10);
  CHECK(h.percentile(-5) == 1);
  CHECK(h.percentile(250) == 10);
}
