#pragma once

#include <string>
#include <vector>

namespace openmfd::platform {

/// This machine's host name, or "localhost" when the OS gives none.
std::string host_name();

/// The cores this process may run on (its CPU affinity where the OS has
/// one), at least 1.
unsigned usable_cores();

/// The host's current unicast IP addresses as text (IPv4 and IPv6, loopback
/// excluded, link-local IPv6 excluded); empty when they cannot be listed.
std::vector<std::string> host_addresses();

/// The signals that ask the process to stop: SIGINT and SIGTERM, and the
/// closing of its terminal (SIGHUP on POSIX; Ctrl+Break, SIGBREAK, on
/// Windows), so that a server in a closed terminal still lets go of keys.
std::vector<int> termination_signals();

/// Makes a write to a pipe that nobody reads any more fail instead of
/// ending the process: the server's output may go through `| tee`, which
/// Ctrl+C ends too, and the server must still live to let go of its keys
/// (ignores SIGPIPE on POSIX; Windows has no such signal).
void ignore_broken_pipes();

} // namespace openmfd::platform
