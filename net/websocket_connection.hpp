#pragma once

// A WebSocket over the stream (TLS or plain) of an upgraded HTTP connection.
// Internal to net/: the rest of the program sees only stream_port and
// stream_events. The Beast WebSocket streams are instantiated in
// websocket_connection.cpp alone (each costs ~30 s and 1.2 GB to compile).

#include <cstdint>
#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http_connection.hpp"
#include "net/ports.hpp"
#include "net/server.hpp"

namespace openmfd::net {

/// What an HTTP connection hands over when its request asks for a
/// WebSocket.
template <class Stream>
struct websocket_handover {
  Stream stream;                    ///< no operation may be pending on it
  boost::beast::flat_buffer buffer; ///< bytes read past the request
  boost::beast::http::request<boost::beast::http::string_body> request;
  const server_options& options;    ///< outlives the connection (acceptor's)
  std::shared_ptr<stream_events> events;
  std::shared_ptr<connection_registry> registry;
  std::uint64_t id = 0; ///< the connection's id in `registry`
  std::string remote_address;
};

/// Accepts the WebSocket handshake of `handover.request` on the stream's
/// strand; `events` get on_open then frames, and on_closed at the end. The
/// registry adopts the connection under the same id. Call on the strand.
void start_websocket(websocket_handover<tls_stream> handover);
void start_websocket(websocket_handover<plain_stream> handover);

} // namespace openmfd::net
