#pragma once

// A latency histogram as the reports show it: p50/p90/p99/p99.9/max, as
// JSON or as one line of text. Shared by openmfd-loadtest and
// openmfd-baseline so that their figures read the same.

#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "tools/loadtest/histogram.hpp"

namespace openmfd::loadtest {

/// `{"count", "p50", "p90", "p99", "p99_9", "max", "mean"}` of `h`
/// (recorded in ns) in units of `unit_ns`.
boost::json::object latency_json(const histogram& h, double unit_ns);

/// `p50 1.2  p90 3.4 ... max 9.9 us  (n=100)`, or "none".
std::string latency_text(const histogram& h, double unit_ns, const char* unit);

/// `pattern` (one printf conversion of a double) applied to `a`.
std::string format_number(const char* pattern, double a);

/// `count` over `window_s` seconds; 0 for an empty window.
double per_second(std::uint64_t count, double window_s);

} // namespace openmfd::loadtest
