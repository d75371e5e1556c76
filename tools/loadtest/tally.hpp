#pragma once

// What one worker thread measures. Counts are written by that thread only
// and may be read by another (the progress line); histograms and error
// kinds are read only after the worker has stopped.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "tools/loadtest/histogram.hpp"

namespace openmfd::loadtest {

/// A count with one writer and any number of readers.
class live_count {
public:
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n,
                 std::memory_order_relaxed);
  }
  void sub(std::uint64_t n = 1) noexcept { add(~n + 1); }
  std::uint64_t get() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<std::uint64_t> value_{0};
};

struct tally {
  live_count connects;      ///< Socket.IO CONNECTs answered
  live_count resumed_connects; ///< of those, on a resumed TLS session
  live_count open_sessions; ///< connected now
  live_count churns;        ///< storm: connects inside the load window
  live_count requests;      ///< measured requests sent
  live_count acks_ok;
  live_count acks_failed;
  live_count deliveries;          ///< screen_state events received
  live_count expected_deliveries; ///< members that should have got one
  live_count pings;
  live_count errors;
  histogram connect_ns;
  histogram ack_ns;
  histogram delivery_ns;
  /// Open loop: how long after its scheduled time each request left (the
  /// tool's own lateness, not part of the ack latency).
  histogram send_lag_ns;
  std::map<std::string, std::uint64_t, std::less<>> error_kinds;

  /// Counts one error of `kind` (`n` times).
  void error(std::string_view kind, std::uint64_t n = 1);

  /// Adds everything `other` counted.
  void merge(const tally& other);
};

} // namespace openmfd::loadtest
