// WebSockets over real loopback sockets: the upgrade (plain and TLS), the
// close either side starts (over TLS: close_notify, then the TCP goodbye),
// and how a client that does not read is let go.

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <type_traits>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <catch2/catch.hpp>

#include "tests/net/loopback.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;

using namespace openmfd::net;
using namespace openmfd::net::test;

namespace {

using tls_client_stream = beast::ssl_stream<beast::tcp_stream>;

/// A WebSocket client on plain TCP or TLS (`tls_client_stream`, trusting
/// any certificate), each operation under a deadline.
template <class Stream = beast::tcp_stream>
class websocket_client {
public:
  static constexpr bool uses_tls = std::is_same_v<Stream, tls_client_stream>;

  outcome connect(std::uint16_t port, std::string target,
                  int receive_buffer = 0) {
    auto connected = connect_socket(io_, beast::get_lowest_layer(ws_).socket(),
                                    port, receive_buffer);
    if constexpr (uses_tls) {
      if (!connected.ec)
        connected = run_for(io_, [&](auto handler) {
          ws_.next_layer().async_handshake(ssl::stream_base::client,
                                           std::move(handler));
        });
    }
    if (connected.ec)
      return connected;
    target_ = std::move(target);
    return run_for(io_, [&](auto handler) {
      ws_.async_handshake("127.0.0.1", target_, std::move(handler));
    });
  }

  outcome write(std::string text) {
    outgoing_ = std::move(text);
    return run_for(io_, [&](auto handler) {
      ws_.async_write(asio::buffer(outgoing_), std::move(handler));
    });
  }

  /// The next message, or empty when none came in time.
  std::string read() {
    buffer_.clear();
    auto read = run_for(io_, [&](auto handler) {
      ws_.async_read(buffer_, std::move(handler));
    });
    INFO(read.ec.message());
    CHECK_FALSE(read.ec);
    return beast::buffers_to_string(buffer_.data());
  }

  /// Reads and drops messages until the connection ends or `limit` passes
  /// (the error is then `timeout`).
  beast::error_code read_until_closed(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      buffer_.clear();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      auto read = run_for(
        io_,
        [&](auto handler) { ws_.async_read(buffer_, std::move(handler)); },
        std::max(left, std::chrono::milliseconds{0}));
      if (read.ec)
        return read.ec;
    }
  }

  outcome close() {
    return run_for(io_, [&](auto handler) {
      ws_.async_close(websocket::close_code::normal, std::move(handler));
    });
  }

private:
  static websocket::stream<Stream> make_stream(asio::io_context& io,
                                               ssl::context& tls) {
    if constexpr (uses_tls)
      return websocket::stream<Stream>{io, tls};
    else
      return websocket::stream<Stream>{io};
  }

  asio::io_context io_;
  ssl::context tls_{ssl::context::tls_client}; // verifies nothing
  websocket::stream<Stream> ws_ = make_stream(io_, tls_);
  std::string target_;
  std::string outgoing_;
  beast::flat_buffer buffer_;
};

/// A sink that turns every request into a WebSocket reporting to `events`.
std::shared_ptr<recording_sink>
upgrading_to(std::shared_ptr<recording_events> events) {
  return std::make_shared<recording_sink>(
    [events](auto exchange) { exchange->upgrade(events); });
}

/// The port of the WebSocket that `client` opens on `server`, which never
/// reads: its receive buffer fills at once.
std::shared_ptr<stream_port> open_slow_reader(websocket_client<>& client,
                                              const loopback_server& server,
                                              const recording_events& events) {
  REQUIRE_FALSE(client.connect(server.port(), "/ws", slow_reader_buffer).ec);
  REQUIRE(eventually([&] { return events.port() != nullptr; }));
  return events.port();
}

} // namespace

TEST_CASE("the plain listener upgrades to a WebSocket", "[net][plain]") {
  auto events = std::make_shared<recording_events>(true);
  auto sink = upgrading_to(events);
  loopback_server server{transport::plain, sink};
  {
    websocket_client<> client;
    REQUIRE_FALSE(
      client.connect(server.port(), "/socket.io/?EIO=4&transport=websocket")
        .ec);
    REQUIRE(eventually([&] { return events->port() != nullptr; }));
    REQUIRE_FALSE(client.write("4hello").ec);
    CHECK(client.read() == "4hello");
    CHECK_FALSE(client.close().ec);
  }
  CHECK(eventually([&] { return events->closed_count() == 1; }));
  auto seen = sink->requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].target == "/socket.io/?EIO=4&transport=websocket");
}

TEST_CASE("a WebSocket over TLS: echo, and a close either side starts",
          "[net][tls][websocket]") {
  auto events = std::make_shared<recording_events>(true);
  auto options = small_options();
  options.body_limit = [](std::string_view) -> std::size_t { return 1 << 20; };
  loopback_server server{transport::tls, upgrading_to(events), options};
  websocket_client<tls_client_stream> client;
  REQUIRE_FALSE(client.connect(server.port(), "/ws").ec);
  REQUIRE(eventually([&] { return events->port() != nullptr; }));
  REQUIRE_FALSE(client.write("4hello").ec);
  CHECK(client.read() == "4hello");
  std::string big(100 * 1024, 'b'); // several TLS records
  REQUIRE_FALSE(client.write(big).ec);
  CHECK(client.read() == big);

  SECTION("the client closes") { CHECK_FALSE(client.close().ec); }
  SECTION("the server closes") {
    events->port()->close();
    // The close frame, then TLS's close_notify: a clean end, not a
    // truncated stream.
    CHECK(client.read_until_closed(5s) == websocket::error::closed);
  }
  CHECK(eventually([&] { return events->closed_count() == 1; }));
}

TEST_CASE("a WebSocket client that does not read is closed once its send "
          "queue passes a cap",
          "[net][plain][websocket]") {
  auto options = small_options();
  SECTION("send_queue_frames") {
    options.send_queue_frames = 8;
    options.send_queue_bytes = std::size_t{1} << 30;
  }
  SECTION("send_queue_bytes") {
    options.send_queue_frames = 1'000'000;
    options.send_queue_bytes = 256 * 1024;
  }
  auto events = std::make_shared<recording_events>();
  loopback_server server{transport::plain, upgrading_to(events), options};
  websocket_client<> client;
  auto port = open_slow_reader(client, server, *events);

  // Paced, so that the queue grows only once the socket buffers are full
  // (a few MB), not from one burst of posts.
  std::string frame(32 * 1024, 'x');
  for (int i = 0; i < 1000 && events->closed_count() == 0; ++i) {
    port->send(frame, true);
    std::this_thread::sleep_for(1ms);
  }
  CHECK(eventually([&] { return events->closed_count() == 1; }, 2s));
  CHECK(client.read_until_closed(5s) != beast::error::timeout);
}

TEST_CASE("a WebSocket write to a client that does not read ends at the "
          "write deadline",
          "[net][plain][websocket][timeout]") {
  auto options = small_options();
  options.write_timeout = 300ms;
  auto events = std::make_shared<recording_events>();
  loopback_server server{transport::plain, upgrading_to(events), options};
  websocket_client<> client;
  auto port = open_slow_reader(client, server, *events);

  port->send(std::string(16 * 1024 * 1024, 'x'), true); // within both caps
  CHECK(eventually([&] { return events->closed_count() == 1; }, 3s));
}
