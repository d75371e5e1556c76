#pragma once

// The little the tool asks of the OS (POSIX / Linux).

#include <cstdint>
#include <optional>

namespace openmfd::loadtest {

/// Raises the soft open-file limit to the hard one; returns the limit now
/// in force.
std::uint64_t raise_open_file_limit();

/// VmRSS of process `pid` in KiB (from /proc/PID/status), if readable.
std::optional<std::uint64_t> resident_kib(int pid);

/// True when stdout is a terminal (the live progress line goes there).
bool stdout_is_terminal();

} // namespace openmfd::loadtest
