#pragma once

// What this machine costs before any server code runs: the floor under
// openmfd-loadtest's figures. A load test measures the server and the
// machine together; on a virtual machine where a system call or a thread
// wake-up costs ten times what it does on bare metal, the same server
// scores a fraction of its bare-metal figures. These probes, run in one
// process over loopback, say which kind of machine a table came from.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/loadtest/histogram.hpp"

namespace openmfd::loadtest {

struct baseline_settings {
  /// Round trips timed by each latency probe.
  std::size_t round_trips = 20'000;
  /// Connections of the echo probe (as many as the `actions` panels).
  std::size_t clients = 100;
  /// How long the echo probe runs.
  std::chrono::milliseconds duration{5'000};
  /// Bytes sent and echoed each round trip (about an ack in a TLS record).
  std::size_t message_bytes = 64;
  /// Connects in flight at once in the TLS probe (as many as a storm's).
  std::size_t tls_clients = 50;
  /// Ticks of the idle wake-up probe, 100 a second.
  std::size_t idle_ticks = 500;
};

/// `tls_clients` panels connecting over and over for `duration`, one Asio
/// thread a side: TCP connect, TLS 1.3 handshake with the server's own TLS
/// context and stream, one byte each way, close. A storm's connect without
/// HTTP, WebSocket or Socket.IO: the most connects a second this machine
/// allows.
struct tls_connect_figures {
  std::uint64_t connects = 0;
  std::uint64_t resumed = 0;  ///< connects on a resumed TLS session
  std::uint64_t failures = 0; ///< must be 0
  double window_s = 0;
  histogram connect_time; ///< TCP connect to the answer byte (ns)
};

/// `connections` WebSockets over TLS, each closed loop: a text message
/// sent, its echo read and checked. The server side is the server's own
/// TLS stream and WebSocket (net/tls_stream, Beast), the client side the
/// tool's; one Asio thread a side. What a panel's request and its ack cost
/// in transport alone, with no Engine.IO, Socket.IO, JSON or actors.
struct websocket_echo_figures {
  std::uint64_t round_trips = 0;
  std::uint64_t mismatches = 0; ///< must be 0
  double window_s = 0;
  histogram round_trip; ///< a message sent to its echo read (ns)
};

struct baseline_figures {
  /// One loopback TCP connection, a blocking client thread and a blocking
  /// echo thread: a request and its answer, nothing else (ns).
  histogram tcp_round_trip;
  /// Two threads handing a turn back and forth through a mutex and a
  /// condition variable: two wake-ups (ns).
  histogram thread_round_trip;
  /// The same hand-off once every 10 ms, timed from the tick a sleeping
  /// thread was due to wake at to the other thread's answer: what waking
  /// an idle machine costs an open-loop panel before any work (ns).
  histogram idle_wake;
  /// `clients` loopback connections, each closed loop: one Asio thread
  /// writes and reads them all, one Asio thread echoes. The most that a
  /// one-thread server and a one-thread client, doing no work at all, reach.
  std::uint64_t echo_round_trips = 0;
  double echo_window_s = 0;
  /// Echoes that came back different from what was sent (must be 0).
  std::uint64_t echo_mismatches = 0;

  /// The TLS probe, offering each connect the last one's session (as
  /// panels and the tool do), and with a full handshake every time.
  tls_connect_figures tls_resumed;
  tls_connect_figures tls_full;

  /// The WebSocket echo with one connection (an `actions` run with one
  /// panel) and with `clients` connections (one with as many panels).
  websocket_echo_figures websocket_echo_one;
  websocket_echo_figures websocket_echo_many;

  /// `tls_clients` panels connecting as the tool's `storm` does, each
  /// offering its last session, against a server side that answers with
  /// fixed text: TLS, GET /info, POST /authorise, WebSocket upgrade,
  /// Engine.IO open, Socket.IO CONNECT and its answer, WebSocket close.
  /// The server's TLS stream and WebSocket, the tool's client streams, one
  /// thread a side: what a storm's complete connects cost on this machine
  /// with no token check, actors or sessions.
  tls_connect_figures connect_flow;
};

/// Runs the probes one after the other. Throws (boost::system::system_error,
/// a std::runtime_error) when a loopback socket cannot be opened or used,
/// std::runtime_error when no TLS identity can be made.
baseline_figures measure_baseline(const baseline_settings& settings);

std::string render_baseline_text(const baseline_settings& settings,
                                 const baseline_figures& figures);
std::string render_baseline_json(const baseline_settings& settings,
                                 const baseline_figures& figures);

} // namespace openmfd::loadtest
