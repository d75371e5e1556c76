#include "tools/loadtest/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace openmfd::loadtest {

namespace {

constexpr unsigned linear_limit_bits = histogram::precision_bits;
constexpr std::uint64_t linear_limit = std::uint64_t{1} << linear_limit_bits;

unsigned highest_bit(std::uint64_t v) noexcept {
  return 63u - static_cast<unsigned>(__builtin_clzll(v));
}

/// Values below `linear_limit` have a bucket each; above, a value whose
/// highest bit is b lands in octave b - precision_bits + 1, split into
/// `linear_limit` equal buckets by its next precision_bits bits.
std::size_t bucket_of(std::uint64_t v) noexcept {
  if (v < linear_limit)
    return static_cast<std::size_t>(v);
  auto shift = highest_bit(v) - linear_limit_bits;
  auto top = v >> shift; // in [linear_limit, 2 * linear_limit)
  return static_cast<std::size_t>((shift + 1) * linear_limit
                                  + (top - linear_limit));
}

/// The largest value that lands in `bucket`.
std::uint64_t highest_in(std::size_t bucket) noexcept {
  if (bucket < linear_limit)
    return bucket;
  auto shift = bucket / linear_limit - 1;
  auto top = linear_limit + bucket % linear_limit;
  return ((top + 1) << shift) - 1;
}

} // namespace

histogram::histogram() : counts_(bucket_of(max_trackable) + 1, 0) {}

void histogram::record(std::uint64_t value) noexcept {
  value = std::min(value, max_trackable);
  ++counts_[bucket_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void histogram::merge(const histogram& other) noexcept {
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double histogram::mean() const noexcept {
  return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
}

namespace {

/// The rank of the `percent` percentile among `count` values (nearest
/// rank). 99.9 % of 1,000 is 999.0000000000001 in floating point, which
/// must not round up to 1,000: a product that is an integer but for
/// rounding error is taken as that integer.
std::uint64_t rank_of(double percent, std::uint64_t count) {
  auto exact = std::clamp(percent, 0.0, 100.0) / 100.0
               * static_cast<double>(count);
  auto nearest = std::round(exact);
  if (std::abs(exact - nearest) <= 1e-9 * std::max(nearest, 1.0))
    return static_cast<std::uint64_t>(nearest);
  return static_cast<std::uint64_t>(std::ceil(exact));
}

} // namespace

std::uint64_t histogram::percentile(double percent) const noexcept {
  if (count_ == 0)
    return 0;
  auto wanted = std::max<std::uint64_t>(rank_of(percent, count_), 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= wanted)
      return std::clamp(highest_in(i), min_, max_);
  }
  return max_;
}

} // namespace openmfd::loadtest
