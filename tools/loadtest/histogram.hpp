#pragma once

// A log-linear histogram of non-negative integers (latencies in
// nanoseconds): exact below 2^precision_bits, then 2^precision_bits buckets
// per power of two, so any percentile is within 1/2^precision_bits of the
// true value (HdrHistogram's idea). Fixed memory, O(1) record, mergeable.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace openmfd::loadtest {

class histogram {
public:
  /// Buckets per power of two: 128 keeps percentiles within 0.8 %.
  static constexpr unsigned precision_bits = 7;
  /// Values above this (about 18 minutes in ns) are counted as this.
  static constexpr std::uint64_t max_trackable = (std::uint64_t{1} << 40) - 1;

  histogram();

  /// Counts one value (clamped to `max_trackable`).
  void record(std::uint64_t value) noexcept;

  /// Adds every count of `other` to this one.
  void merge(const histogram& other) noexcept;

  std::uint64_t count() const noexcept { return count_; }
  /// 0 when empty.
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  /// 0 when empty.
  double mean() const noexcept;

  /// The smallest recorded value v such that at least `percent` % of the
  /// values are <= v, up to the bucket's resolution; the exact max for 100,
  /// 0 when empty.
  std::uint64_t percentile(double percent) const noexcept;

  /// Memory held by the counts, for the bound in the tests.
  std::size_t bucket_count() const noexcept { return counts_.size(); }

private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
};

} // namespace openmfd::loadtest
