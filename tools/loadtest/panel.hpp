#pragma once

// One simulated panel's connection: TLS to the server, GET /info and POST
// /authorise when it has no token yet, then Engine.IO (WebSocket or HTTP
// long-polling) and the Socket.IO CONNECT with the token. After that it
// answers pings itself and hands every ack and event to its owner.
// Single-threaded: all calls and callbacks run on the io_context's thread.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

#include "tools/loadtest/wire.hpp"

namespace openmfd::loadtest {

enum class transport_kind { websocket, polling };

/// Where and how every panel connects.
struct target {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host;                     ///< the Host header
  std::optional<std::string> server_id; ///< expected /info server_id
  transport_kind transport = transport_kind::websocket;
  std::chrono::milliseconds timeout{10'000}; ///< for each step of a connect
  bool resume_tls = true; ///< offer the last connect's TLS session
};

/// Who a panel is; `token` is filled by its first successful /authorise
/// and reused by later connects, as is the TLS session of the last connect
/// that brought a ticket (a browser does both).
struct credentials {
  std::string client_id;
  std::string client_name;
  std::string token;
  std::shared_ptr<SSL_SESSION> tls_session;
};

/// The server's heartbeat, from its Engine.IO open packet.
struct heartbeat_terms {
  std::chrono::milliseconds interval{}; ///< between the server's pings
  std::chrono::milliseconds timeout{};  ///< how late one may be on top
};

/// The owner's side of a panel; `slot` is the number the panel was made with.
class panel_events {
public:
  /// The Socket.IO CONNECT was answered: events may be sent now. Pings
  /// come on `heartbeat`'s terms; `tls_resumed`: the TLS handshake resumed
  /// an earlier session.
  virtual void on_connected(std::size_t slot, heartbeat_terms heartbeat,
                            bool tls_resumed)
    = 0;
  /// An ack or an event received after CONNECT.
  virtual void on_inbound(std::size_t slot, const inbound& in) = 0;
  /// A ping arrived (the pong is already on its way).
  virtual void on_ping(std::size_t slot) = 0;
  /// The connection is gone, once per panel: `error` names what went wrong,
  /// or is empty after `close()`.
  virtual void on_closed(std::size_t slot, std::string_view error) = 0;

protected:
  ~panel_events() = default;
};

class panel {
public:
  virtual ~panel() = default;

  /// Connects and runs until closed.
  virtual void start() = 0;
  /// Queues one Engine.IO packet (e.g. from `event_frame`); dropped unless
  /// connected.
  virtual void send(std::string packet) = 0;
  /// Ends the connection; `on_closed` follows with no error.
  virtual void close() = 0;
};

/// A panel for `where.transport`. `who` and `events` must outlive it.
std::shared_ptr<panel> make_panel(boost::asio::io_context& io,
                                  boost::asio::ssl::context& tls,
                                  const target& where, credentials& who,
                                  std::size_t slot, panel_events& events);

/// A TLS client context that accepts the server's self-signed certificate
/// (the tool checks the server id instead) and keeps idle connections
/// small.
boost::asio::ssl::context make_client_tls();

} // namespace openmfd::loadtest
