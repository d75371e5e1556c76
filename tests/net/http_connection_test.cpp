// HTTP over real loopback sockets: the plain listener, the hand-off of a
// body too large for its path, and the write deadline.

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <type_traits>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <catch2/catch.hpp>

#include "tests/net/loopback.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

using namespace openmfd;
using namespace openmfd::net;
using namespace openmfd::net::test;

namespace {

/// An HTTP/1.1 client over `Stream`: plain, or TLS that trusts any
/// certificate. Requests are raw bytes, so that a test can declare a body
/// it does not send.
template <class Stream>
class http_client {
public:
  static constexpr bool uses_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  outcome connect(std::uint16_t port, int receive_buffer = 0) {
    auto connected = connect_socket(io_, beast::get_lowest_layer(stream_)
                                           .socket(),
                                    port, receive_buffer);
    if constexpr (uses_tls) {
      if (!connected.ec)
        return run_for(io_, [&](auto handler) {
          stream_.async_handshake(ssl::stream_base::client,
                                  std::move(handler));
        });
    }
    return connected;
  }

  outcome send(std::string bytes) {
    outgoing_ = std::move(bytes);
    return run_for(io_, [&](auto handler) {
      asio::async_write(stream_, asio::buffer(outgoing_), std::move(handler));
    });
  }

  /// The next response; fails the test when none comes in time.
  http::response<http::string_body> receive() {
    response_ = {};
    auto received = run_for(io_, [&](auto handler) {
      http::async_read(stream_, buffer_, response_, std::move(handler));
    });
    INFO(received.ec.message());
    REQUIRE_FALSE(received.ec);
    return std::move(response_);
  }

  /// Reads and drops what comes until the server closes the connection or
  /// `limit` passes (the error is then `timeout`).
  outcome read_to_end(std::chrono::milliseconds limit) {
    outcome total{{}, buffer_.size()};
    buffer_.clear();
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!total.ec) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      auto read = run_for(
        io_,
        [&](auto handler) {
          stream_.async_read_some(asio::buffer(chunk_), std::move(handler));
        },
        std::max(left, std::chrono::milliseconds{0}));
      total = {read.ec, total.bytes + read.bytes};
    }
    return total;
  }

private:
  static Stream make_stream(asio::io_context& io, ssl::context& tls) {
    if constexpr (uses_tls)
      return Stream{io, tls};
    else
      return Stream{io};
  }

  asio::io_context io_;
  ssl::context tls_{ssl::context::tls_client}; // verifies nothing
  Stream stream_ = make_stream(io_, tls_);
  beast::flat_buffer buffer_;
  std::string outgoing_;
  http::response<http::string_body> response_;
  std::array<char, 64 * 1024> chunk_{};
};

using plain_client = http_client<beast::tcp_stream>;

struct over_plain {
  static constexpr auto kind = transport::plain;
  using client = plain_client;
};

struct over_tls {
  static constexpr auto kind = transport::tls;
  using client = http_client<beast::ssl_stream<beast::tcp_stream>>;
};

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

const std::string upload_head
  = "POST /upload?x=1 HTTP/1.1\r\nHost: localhost\r\n";

/// A POST whose header declares `declared` bytes, with `sent` of them.
std::string upload(std::size_t declared, std::size_t sent) {
  return upload_head + "Content-Length: " + std::to_string(declared)
         + "\r\n\r\n" + std::string(sent, 'x');
}

/// Answers like the listener actor answers a body too large, with its own
/// error code so that the test knows who answered.
std::shared_ptr<recording_sink> answering_413() {
  return std::make_shared<recording_sink>([](auto exchange) {
    exchange->respond(protocol::json_error(413, "answered_by_sink"));
  });
}

/// The one upload the sink saw was marked too large and came without its
/// body; the sink's answer reached `client`, and then the end of the
/// connection.
template <class Client>
void expect_sink_answer_then_close(Client& client, const recording_sink& sink) {
  auto res = client.receive();
  CHECK(res.result_int() == 413);
  CHECK(res.body() == R"({"error":"answered_by_sink"})");
  CHECK_FALSE(res.keep_alive());
  // Closed in order: a reset could destroy the answer before it is read.
  auto rest = client.read_to_end(3s);
  CHECK(rest.ec == asio::error::eof);
  CHECK(rest.bytes == 0);

  auto seen = sink.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].body_too_large);
  CHECK(seen[0].body.empty());
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].target == "/upload?x=1");
}

std::shared_ptr<recording_sink> answering_path() {
  return std::make_shared<recording_sink>([](auto exchange) {
    std::string path{exchange->request().path()};
    exchange->respond(protocol::json_ok(R"({"path":")" + path + R"("})"));
  });
}

} // namespace

TEST_CASE("listen_plain refuses an address that is not loopback",
          "[net][plain]") {
  io_runtime io{0};
  auto options = small_options();
  for (auto address : {"0.0.0.0", "::", "192.0.2.1", "10.0.0.1"}) {
    options.bind_address = address;
    auto result = listen_plain(io, options);
    INFO(address);
    CHECK_FALSE(result.acceptor);
    CHECK_THAT(result.error, Catch::Contains("loopback"));
  }
  for (auto address : {"127.0.0.1", "127.0.0.2"}) {
    options.bind_address = address;
    auto result = listen_plain(io, options);
    INFO(address << ": " << result.error);
    CHECK(result.acceptor);
  }
  options.bind_address = "localhost";
  CHECK_THAT(listen_plain(io, options).error,
             Catch::Contains("not an IP address"));
}

TEST_CASE("the plain listener serves requests on a kept connection",
          "[net][plain]") {
  auto sink = answering_path();
  loopback_server server{transport::plain, sink};
  plain_client client;
  REQUIRE_FALSE(client.connect(server.port()).ec);

  REQUIRE_FALSE(client.send(get("/first")).ec);
  auto first = client.receive();
  CHECK(first.result_int() == 200);
  CHECK(first.body() == R"({"path":"/first"})");
  CHECK(first.keep_alive());

  REQUIRE_FALSE(client.send("POST /second HTTP/1.1\r\nHost: localhost\r\n"
                            "Content-Length: 5\r\n\r\nhello")
                  .ec);
  auto second = client.receive();
  CHECK(second.body() == R"({"path":"/second"})");
  CHECK(second.keep_alive());

  REQUIRE_FALSE(client.send(get("/last", "Connection: close\r\n")).ec);
  CHECK_FALSE(client.receive().keep_alive());
  auto rest = client.read_to_end(3s);
  CHECK(rest.ec == asio::error::eof);
  CHECK(rest.bytes == 0);

  auto seen = sink->requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[1].method == "POST");
  CHECK(seen[1].body == "hello");
  CHECK_FALSE(seen[1].body_too_large);
  CHECK(seen[1].remote_address == "127.0.0.1");
}

TEMPLATE_TEST_CASE("a body over its path's limit goes to the sink unread, "
                   "and the connection closes after the answer",
                   "[net][body_limit]", over_plain, over_tls) {
  auto sink = answering_413();
  loopback_server server{TestType::kind, sink}; // 64 bytes at most
  typename TestType::client client;
  REQUIRE_FALSE(client.connect(server.port()).ec);

  SECTION("declared by Content-Length and sent in full") {
    REQUIRE_FALSE(client.send(upload(5000, 5000)).ec);
  }
  SECTION("declared past Beast's own default limit (1 MB), sent in part") {
    REQUIRE_FALSE(client.send(upload(2'000'000, 1000)).ec);
  }
  SECTION("chunked, growing past the limit") {
    std::string chunk = "28\r\n" + std::string(0x28, 'x') + "\r\n";
    REQUIRE_FALSE(client
                    .send(upload_head + "Transfer-Encoding: chunked\r\n\r\n"
                          + chunk + chunk + "0\r\n\r\n")
                    .ec);
  }

  expect_sink_answer_then_close(client, *sink);
}

// Clients may send the next request before the answer to the last one: the
// bytes the read ahead took in must be served without waiting for more.
TEMPLATE_TEST_CASE("pipelined requests are answered in order",
                   "[net][pipelining]", over_plain, over_tls) {
  auto sink = answering_path();
  loopback_server server{TestType::kind, sink};
  typename TestType::client client;
  REQUIRE_FALSE(client.connect(server.port()).ec);
  REQUIRE_FALSE(client.send(get("/one") + get("/two") + get("/three")).ec);
  CHECK(client.receive().body() == R"({"path":"/one"})");
  CHECK(client.receive().body() == R"({"path":"/two"})");
  CHECK(client.receive().body() == R"({"path":"/three"})");
  CHECK(sink->requests().size() == 3);
}

TEMPLATE_TEST_CASE("the unread body is dropped while the connection closes",
                   "[net][body_limit]", over_plain, over_tls) {
  auto sink = answering_413();
  loopback_server server{TestType::kind, sink};
  typename TestType::client client;
  REQUIRE_FALSE(client.connect(server.port()).ec);
  // Far more than the server reads with the header: had it closed with that
  // unread, the reset would cut this write short (EPIPE).
  constexpr std::size_t length = 256 * 1024;
  REQUIRE_FALSE(client.send(upload(length, length)).ec);
  expect_sink_answer_then_close(client, *sink);
}

TEST_CASE("a response to a client that does not read ends at the write "
          "deadline",
          "[net][plain][timeout]") {
  // Far more than the socket buffers on both sides hold.
  constexpr std::size_t body_size = 16 * 1024 * 1024;
  auto sink = std::make_shared<recording_sink>([](auto exchange) {
    protocol::http_response res;
    res.content_type = "application/octet-stream";
    res.body.assign(body_size, 'x');
    exchange->respond(std::move(res));
  });
  auto options = small_options();
  options.write_timeout = 300ms;
  loopback_server server{transport::plain, sink, options};
  plain_client client;
  REQUIRE_FALSE(client.connect(server.port(), slow_reader_buffer).ec);
  REQUIRE_FALSE(client.send(get("/big")).ec);

  std::this_thread::sleep_for(1s); // not reading, well past the deadline
  auto received = client.read_to_end(5s);
  CHECK(received.ec != beast::error::timeout); // the server hung up
  CHECK(received.bytes < body_size);
}
