#pragma once

// The HTTPS server: a TLS acceptor and its HTTP connections (and, for a
// protocol-conformance test server, the same over plain HTTP on loopback).
// Asio-free, so the composition root can start it without including Asio.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/identity_store.hpp"
#include "net/ports.hpp"

namespace openmfd::net {

class io_runtime;

/// Limits every connection lives under (DESIGN §7).
struct server_options {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 6789;
  /// Connections open at once; past it new ones are closed at accept.
  std::size_t max_connections = 512;
  /// Of those, from one address: one host holding idle connections must
  /// not shut every panel out (a panel needs one to three).
  std::size_t max_connections_per_address = 32;
  /// New connections one address may open a second on average, in bursts
  /// of twice as many; beyond, they are closed at accept, before any TLS
  /// work: a host opening connections in a loop would otherwise keep the
  /// io thread doing handshakes while panels wait (one costs about 0.3 ms
  /// of server CPU: 200 a second take 6 % of a core). A browser panel opens
  /// a few; socket.io-client in Node polls without keep-alive, a connection
  /// per request, many a second. Zero: no limit.
  double connections_per_second_per_address = 200;
  /// From TCP accept to a finished TLS handshake.
  std::chrono::milliseconds handshake_timeout{10'000};
  /// From a request's first byte to its last.
  std::chrono::milliseconds request_timeout{10'000};
  /// How long a connection may sit with no request in progress.
  std::chrono::milliseconds idle_timeout{120'000};
  /// To write one response to a client that does not read.
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t header_limit = 8 * 1024;
  /// The body limit for a request path (default: 4 KiB everywhere); for a
  /// WebSocket, the largest message it may receive (its upgrade path's).
  std::function<std::size_t(std::string_view path)> body_limit;
  /// A WebSocket whose unsent messages pass either limit is closed: its
  /// client is too slow to read.
  std::size_t send_queue_frames = 1024;
  std::size_t send_queue_bytes = 16 * 1024 * 1024;
};

/// The listener's outcome: the acceptor, or why it could not listen.
struct listen_result {
  std::shared_ptr<acceptor_port> acceptor;
  std::string error;
};

/// Binds `options.bind_address:options.port` and prepares TLS with
/// `identity`; nothing is accepted until `acceptor->start(sink)`.
listen_result listen_tls(io_runtime& io, const tls_identity& identity,
                         const server_options& options);

/// Binds `options.bind_address:options.port` for plain HTTP and WebSocket,
/// served like listen_tls serves them, without TLS. Refuses any address that
/// is not loopback (127.0.0.0/8, ::1): it is for test clients on this host
/// (the Engine.IO and Socket.IO suites speak http:// and ws://).
listen_result listen_plain(io_runtime& io, const server_options& options);

} // namespace openmfd::net
