#pragma once

// One connection serving HTTP/1.1 requests one at a time, over TLS or (for a
// loopback test server) plain TCP. Internal to net/: the rest of the program
// sees only exchange_port. The members are defined, and instantiated for
// both streams, in http_connection.cpp alone.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/ports.hpp"
#include "net/server.hpp"
#include "net/tls_stream.hpp"

namespace openmfd::net {

// A connection accepted by listen_tls has a tls_stream.
/// The stream of a connection accepted by listen_plain.
using plain_stream = boost::beast::tcp_stream;

/// What the acceptor knows of a live connection: it can ask it to finish.
class tracked_connection {
public:
  virtual ~tracked_connection() = default;
  /// Close once the response in progress (if any) is written.
  virtual void shutdown() = 0;
};

/// Told when a connection ends, so the acceptor can count and forget it.
/// Callable from any thread.
class connection_registry {
public:
  virtual ~connection_registry() = default;
  /// Connection `id` is gone.
  virtual void forget(std::uint64_t id) = 0;
  /// Connection `id` now lives on as `successor` (an HTTP connection that
  /// became a WebSocket); shutdown reaches it from now on.
  virtual void adopt(std::uint64_t id,
                     std::weak_ptr<tracked_connection> successor) = 0;
};

/// `Stream` is `tls_stream` or `plain_stream`.
template <class Stream>
class http_connection final
  : public tracked_connection,
    public std::enable_shared_from_this<http_connection<Stream>> {
public:
  http_connection(Stream stream, const server_options& options,
                  std::shared_ptr<request_sink> sink,
                  std::shared_ptr<connection_registry> registry,
                  std::uint64_t id);
  ~http_connection() override;

  /// Starts the TLS handshake (or, plain, the wait for a request); runs on
  /// the connection's strand.
  void start();
  void shutdown() override;

  /// Called (on any thread) by the exchange for `exchange_id`.
  void respond(std::uint64_t exchange_id, protocol::http_response res);
  /// Registers the abort callback of `exchange_id` (any thread).
  void on_abort(std::uint64_t exchange_id, std::function<void()> fn);
  /// Hands the connection over to a WebSocket (any thread).
  void upgrade(std::uint64_t exchange_id,
               std::shared_ptr<stream_events> events);

private:
  static constexpr bool uses_tls = std::is_same_v<Stream, tls_stream>;

  enum class phase {
    handshaking,
    idle,              // waiting for a request's first byte
    reading,           // a request is being read
    awaiting_response, // the request went to the sink
    writing,
    closed,
  };

  void on_handshake(boost::beast::error_code ec);
  void read_next();
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void read_header();
  void on_header(boost::beast::error_code ec, std::size_t);
  void on_request(boost::beast::error_code ec, std::size_t);
  void pass_on(bool body_too_large);
  void read_ahead();
  void on_read_ahead(boost::beast::error_code ec, std::size_t n);
  void handle_read_error(boost::beast::error_code ec);
  void write(protocol::http_response res, bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t);
  void client_gone();
  void arm_idle_timer();
  void hand_over(std::shared_ptr<stream_events> events);
  void close();
  void drop_unread_body();
  void close_gracefully();
  void finish_tcp();
  void drain();
  void close_socket();
  void fail(boost::beast::error_code ec, const char* where);
  boost::beast::tcp_stream& tcp() noexcept;

  Stream stream_;
  /// The strand; kept apart because `stream_` is moved out at an upgrade.
  typename Stream::executor_type executor_;
  const server_options& options_;
  std::shared_ptr<request_sink> sink_;
  std::shared_ptr<connection_registry> registry_;
  std::uint64_t id_;
  std::string remote_address_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<
    boost::beast::http::string_body>>
    parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  /// The idle deadline while the read ahead is still pending after a
  /// response (the stream's own deadline cannot be moved under a pending
  /// read).
  boost::asio::steady_timer idle_timer_;
  /// The request awaiting its response, kept when it asks for a WebSocket.
  std::optional<
    boost::beast::http::request<boost::beast::http::string_body>>
    upgrade_request_;
  phase phase_ = phase::handshaking;
  bool shutting_down_ = false;
  bool read_ahead_pending_ = false;
  /// Another request may follow on this connection: the client asked to
  /// keep it (HTTP/1.1 without `Connection: close`) and the request's body
  /// was read to its end.
  bool reusable_ = true;
  /// Bytes of a refused body still to come, read and dropped before the
  /// close (closing with them unread would reset the connection, and the
  /// reset can destroy the answer before the client reads it).
  std::uint64_t unread_body_ = 0;
  bool dropping_body_ = false; ///< a read of it is pending, under the pause
  bool handed_over_ = false; ///< the stream now belongs to a WebSocket
  std::uint64_t exchange_id_ = 0; ///< the request awaiting its response
  std::function<void()> abort_fn_;
};

extern template class http_connection<tls_stream>;
extern template class http_connection<plain_stream>;

} // namespace openmfd::net
