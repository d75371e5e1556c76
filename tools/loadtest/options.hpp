#pragma once

// The load tool's command line.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "tools/loadtest/panel.hpp"
#include "tools/loadtest/plan.hpp"

namespace openmfd::loadtest {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6789;
  scenario what = scenario::actions;
  transport_kind transport = transport_kind::websocket;
  std::size_t clients = 10;
  std::chrono::milliseconds duration{10'000};
  /// Requests per second over all clients; 0 runs each client closed-loop.
  double rate = 0;
  unsigned threads = 1;
  std::chrono::milliseconds timeout{10'000}; ///< every single wait
  /// The longest the connect phase may take; the load then starts with
  /// the sessions that are open.
  std::chrono::milliseconds connect_phase{300'000};
  std::string action = "generic.enter";
  std::size_t screen_members = 10;
  std::size_t connect_concurrency = 64;
  std::size_t max_in_flight = 64; ///< open loop: per client
  std::string ids_file;
  std::optional<int> server_pid;
  std::optional<std::string> server_id;
  bool json = false;
  bool allow_remote = false;
  bool full_handshakes = false; ///< never resume a TLS session
};

/// The name of `s` as on the command line.
const char* to_string(scenario s) noexcept;

/// Parsed options, or the exit code when parsing ended the program (help,
/// bad input: CLI11 has printed why).
std::variant<options, int> parse_options(int argc, char** argv);

} // namespace openmfd::loadtest
