#pragma once

// The final report, for people (a table of figures) or machines (JSON).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "tools/loadtest/options.hpp"
#include "tools/loadtest/tally.hpp"

namespace openmfd::loadtest {

/// The server's VmRSS in KiB at the moments that matter.
struct memory_samples {
  std::optional<std::uint64_t> start;     ///< before the first connect
  std::optional<std::uint64_t> connected; ///< once every client connected
  std::optional<std::uint64_t> peak;      ///< highest seen during the run
  std::optional<std::uint64_t> end;       ///< at the end of the load
};

/// What the report needs besides the tally.
struct run_facts {
  const options& opts;
  double window_s = 0;            ///< how long the load was on
  double connect_phase_s = 0;     ///< how long connecting took
  std::size_t connected_at_start; ///< sessions open when the load began
  memory_samples rss;
};

std::string render_text(const tally& t, const run_facts& facts);
std::string render_json(const tally& t, const run_facts& facts);

} // namespace openmfd::loadtest
