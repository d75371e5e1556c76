// The server's TLS stream against OpenSSL's client (through Asio's stream)
// over loopback: data both ways in records of every size, key updates, the
// ways a connection ends, deadlines, and output from a read while a write
// is stuck.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <catch2/catch.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/tls_context.hpp"
#include "net/tls_stream.hpp"
#include "tests/net/loopback.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using namespace openmfd::net;
using namespace openmfd::net::test;

namespace {

/// A result filled by a completion handler.
struct completion {
  bool done = false;
  beast::error_code ec;
  std::size_t bytes = 0;

  auto handler() {
    return [this](beast::error_code e, std::size_t n = 0) {
      done = true;
      ec = e;
      bytes = n;
    };
  }
};

std::string random_bytes(std::size_t n, unsigned seed) {
  std::minstd_rand gen{seed};
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(gen());
  return out;
}

/// The reason an OpenSSL error code names (0 for other categories).
int ssl_reason(const beast::error_code& ec) {
  if (ec.category() != asio::error::get_ssl_category())
    return 0;
  return ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
}

/// Our server stream and an OpenSSL client on one loopback connection, both
/// driven by one io_context on the test thread.
class tls_pair {
public:
  /// `server_context` stands for one server process (its ticket key);
  /// null makes a new one. `session` is offered for resumption.
  explicit tls_pair(int client_max_version = 0,
                    std::shared_ptr<ssl::context> server_context = nullptr,
                    SSL_SESSION* session = nullptr)
    : server_context_(server_context ? std::move(server_context)
                                     : new_server_context()),
      client_max_version_(client_max_version) {
    if (session)
      REQUIRE(SSL_set_session(client_.native_handle(), session) == 1);
    // On the connection itself: the context's setting would come too late
    // for the client stream, made with the pair.
    if (client_max_version_)
      REQUIRE(SSL_set_max_proto_version(client_.native_handle(),
                                        client_max_version_)
              == 1);
    tcp::acceptor acceptor{io_, {asio::ip::make_address("127.0.0.1"), 0}};
    tcp::socket accepted{io_};
    completion accept, connect;
    acceptor.async_accept(accepted, accept.handler());
    raw().async_connect(acceptor.local_endpoint(), connect.handler());
    REQUIRE(run_until([&] { return accept.done && connect.done; }));
    REQUIRE_FALSE(accept.ec);
    REQUIRE_FALSE(connect.ec);
    server_.emplace(std::move(accepted), *server_context_);
  }

  static std::shared_ptr<ssl::context> new_server_context() {
    std::string error;
    auto context = make_tls_context(test_identity(), error);
    REQUIRE(context);
    return context;
  }

  tls_stream& server() { return *server_; }
  beast::ssl_stream<beast::tcp_stream>& client() { return client_; }
  tcp::socket& raw() { return beast::get_lowest_layer(client_).socket(); }

  void handshake() {
    completion server_side, client_side;
    server().async_handshake(server_side.handler());
    client_.async_handshake(ssl::stream_base::client, client_side.handler());
    REQUIRE(run_until([&] { return server_side.done && client_side.done; }));
    INFO(server_side.ec.message() << " / " << client_side.ec.message());
    REQUIRE_FALSE(server_side.ec);
    REQUIRE_FALSE(client_side.ec);
    if (client_max_version_)
      REQUIRE(SSL_version(client_.native_handle()) == client_max_version_);
  }

  /// Runs handlers until `done` holds or `limit` passes; whether it held.
  template <class Predicate>
  bool run_until(Predicate done, std::chrono::milliseconds limit = 5s) {
    io_.restart();
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done())
      if (io_.run_one_until(deadline) == 0)
        return done();
    return true;
  }

private:
  asio::io_context io_;
  std::shared_ptr<ssl::context> server_context_;
  int client_max_version_;
  ssl::context client_context_{ssl::context::tls_client}; // verifies nothing
  beast::ssl_stream<beast::tcp_stream> client_{io_, client_context_};
  std::optional<tls_stream> server_;
};

/// `from` writes `payload` while `to` reads it; it arrives whole.
template <class From, class To>
void transfer(tls_pair& pair, From& from, To& to, const std::string& payload) {
  std::string received(payload.size(), '\0');
  completion write, read;
  asio::async_write(from, asio::buffer(payload), write.handler());
  asio::async_read(to, asio::buffer(received), read.handler());
  REQUIRE(pair.run_until([&] { return write.done && read.done; }));
  REQUIRE_FALSE(write.ec);
  REQUIRE_FALSE(read.ec);
  CHECK(received == payload);
}

void send_both_ways(tls_pair& pair, const std::string& payload) {
  transfer(pair, pair.server(), pair.client(), payload);
  transfer(pair, pair.client(), pair.server(), payload);
}

} // namespace

TEST_CASE("tls_stream: data both ways, from one byte to many records",
          "[tls_stream]") {
  auto version = GENERATE(0, TLS1_2_VERSION);
  tls_pair pair{version};
  pair.handshake();
  for (std::size_t size : {1u, 100u, 2047u, 2049u, 16384u, 16385u, 300000u})
    send_both_ways(pair, random_bytes(size, static_cast<unsigned>(size)));
}

TEST_CASE("tls_stream: a write of many small buffers goes out whole",
          "[tls_stream]") {
  tls_pair pair;
  pair.handshake();
  std::vector<std::string> parts;
  std::vector<asio::const_buffer> buffers;
  for (unsigned i = 0; i < 64; ++i)
    parts.push_back(random_bytes(1 + i * 37, i));
  for (auto& part : parts)
    buffers.push_back(asio::buffer(part));
  std::string whole;
  for (auto& part : parts)
    whole += part;

  std::string at_client(whole.size(), '\0');
  completion write, read;
  asio::async_write(pair.server(), buffers, write.handler());
  asio::async_read(pair.client(), asio::buffer(at_client), read.handler());
  REQUIRE(pair.run_until([&] { return write.done && read.done; }));
  REQUIRE_FALSE(write.ec);
  CHECK(write.bytes == whole.size());
  CHECK(at_client == whole);
}

TEST_CASE("tls_stream: key updates either side asks for", "[tls_stream]") {
  tls_pair pair;
  pair.handshake();
  // The client's update asks for ours, which goes with our next write.
  REQUIRE(SSL_key_update(pair.client().native_handle(),
                         SSL_KEY_UPDATE_REQUESTED)
          == 1);
  send_both_ways(pair, random_bytes(50000, 1));
  REQUIRE(SSL_key_update(pair.server().native_handle(),
                         SSL_KEY_UPDATE_REQUESTED)
          == 1);
  send_both_ways(pair, random_bytes(50000, 2));
  send_both_ways(pair, random_bytes(10, 3));
}

TEST_CASE("tls_stream: a completion never runs inside its initiating call",
          "[tls_stream]") {
  tls_pair pair;
  pair.handshake();
  // Two records in one socket read: the second read finds its data already
  // buffered and could complete at once.
  std::string first_part = "first", second_part = "second";
  completion w1, w2;
  asio::async_write(pair.client(), asio::buffer(first_part), w1.handler());
  REQUIRE(pair.run_until([&] { return w1.done; }));
  asio::async_write(pair.client(), asio::buffer(second_part), w2.handler());
  REQUIRE(pair.run_until([&] { return w2.done; }));

  char buffer[5];
  completion r1;
  asio::async_read(pair.server(), asio::buffer(buffer), r1.handler());
  REQUIRE(pair.run_until([&] { return r1.done; }));
  REQUIRE_FALSE(r1.ec);

  char rest[64];
  bool initiating = true;
  bool ran_inside = false;
  completion r2;
  pair.server().async_read_some(
    asio::buffer(rest), [&, h = r2.handler()](beast::error_code ec,
                                               std::size_t n) mutable {
      ran_inside = initiating;
      h(ec, n);
    });
  initiating = false;
  REQUIRE(pair.run_until([&] { return r2.done; }));
  CHECK_FALSE(ran_inside);
  REQUIRE_FALSE(r2.ec);
  CHECK(std::string(rest, r2.bytes) == "second");
}

// A write started during the handshake drives the handshake too, so both
// operations want the socket's input: one reads, the other waits for it.
TEST_CASE("tls_stream: two operations that need input read in turn",
          "[tls_stream]") {
  tls_pair pair;
  std::string hello = "hello, panel";
  completion handshake, write, client_handshake, client_read;
  pair.server().async_handshake(handshake.handler());
  pair.server().async_write_some(asio::buffer(hello), write.handler());
  pair.client().async_handshake(ssl::stream_base::client,
                                client_handshake.handler());
  REQUIRE(pair.run_until([&] { return client_handshake.done; }));
  REQUIRE_FALSE(client_handshake.ec);
  std::string received(hello.size(), '\0');
  asio::async_read(pair.client(), asio::buffer(received),
                   client_read.handler());
  REQUIRE(pair.run_until(
    [&] { return handshake.done && write.done && client_read.done; }));
  CHECK_FALSE(handshake.ec);
  CHECK_FALSE(write.ec);
  CHECK(write.bytes == hello.size());
  CHECK_FALSE(client_read.ec);
  CHECK(received == hello);
}

// The HTTP connection cancels a read of a refused body after a pause, and
// still says goodbye over TLS.
TEST_CASE("tls_stream: a cancelled read ends, and reading can go on",
          "[tls_stream]") {
  tls_pair pair;
  pair.handshake();
  char buffer[64];
  completion cancelled;
  pair.server().async_read_some(asio::buffer(buffer), cancelled.handler());
  pair.run_until([] { return false; }, 50ms);
  pair.server().next_layer().socket().cancel();
  REQUIRE(pair.run_until([&] { return cancelled.done; }));
  CHECK(cancelled.ec == asio::error::operation_aborted);

  std::string after = "after";
  completion write, read;
  asio::async_write(pair.client(), asio::buffer(after), write.handler());
  pair.server().async_read_some(asio::buffer(buffer), read.handler());
  REQUIRE(pair.run_until([&] { return read.done; }));
  REQUIRE_FALSE(read.ec);
  CHECK(std::string(buffer, read.bytes) == after);
}

TEST_CASE("tls_stream: how a connection ends", "[tls_stream]") {
  tls_pair pair;
  pair.handshake();
  char buffer[64];
  completion read;

  SECTION("the peer's close_notify is the end of the stream") {
    completion shutdown;
    pair.client().async_shutdown(shutdown.handler());
    pair.server().async_read_some(asio::buffer(buffer), read.handler());
    REQUIRE(pair.run_until([&] { return read.done; }));
    CHECK(read.ec == asio::error::eof);
  }
  SECTION("a TCP close without close_notify is a truncation") {
    // The client reads first: the ticket the server sent after the
    // handshake, unread in its socket, would make the close a reset.
    transfer(pair, pair.server(), pair.client(), "ticket and data");
    pair.raw().close();
    pair.server().async_read_some(asio::buffer(buffer), read.handler());
    REQUIRE(pair.run_until([&] { return read.done; }));
    CHECK(read.ec == ssl::error::stream_truncated);
  }
  SECTION("our shutdown sends close_notify at once") {
    completion shutdown;
    pair.server().async_shutdown(shutdown.handler());
    pair.client().async_read_some(asio::buffer(buffer), read.handler());
    REQUIRE(pair.run_until([&] { return shutdown.done && read.done; }));
    CHECK_FALSE(shutdown.ec);
    CHECK(read.ec == asio::error::eof);
  }
}

TEST_CASE("tls_stream: a client that is not TLS fails the handshake",
          "[tls_stream]") {
  tls_pair pair;
  std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  completion write, handshake;
  asio::async_write(pair.raw(), asio::buffer(junk), write.handler());
  pair.server().async_handshake(handshake.handler());
  REQUIRE(pair.run_until([&] { return handshake.done; }));
  CHECK(handshake.ec);
  CHECK(handshake.ec.category() == asio::error::get_ssl_category());
}

TEST_CASE("tls_stream: the TCP stream's deadline bounds a handshake",
          "[tls_stream]") {
  tls_pair pair; // the client never starts its side
  completion handshake;
  pair.server().next_layer().expires_after(200ms);
  pair.server().async_handshake(handshake.handler());
  REQUIRE(pair.run_until([&] { return handshake.done; }));
  CHECK(handshake.ec == beast::error::timeout);
}

// A panel's key press must not wait for the screens the server is still
// sending it.
TEST_CASE("tls_stream: a read does not wait for a stuck write",
          "[tls_stream]") {
  tls_pair pair;
  pair.handshake();
  auto payload = random_bytes(8 * 1024 * 1024, 9);
  completion write;
  asio::async_write(pair.server(), asio::buffer(payload), write.handler());
  pair.run_until([] { return false; }, 200ms); // the socket buffers fill
  REQUIRE_FALSE(write.done);

  std::string ping = "ping";
  completion client_write, read;
  asio::async_write(pair.client(), asio::buffer(ping), client_write.handler());
  char buffer[64];
  pair.server().async_read_some(asio::buffer(buffer), read.handler());
  REQUIRE(pair.run_until([&] { return read.done; }, 2s));
  REQUIRE_FALSE(read.ec);
  CHECK(std::string(buffer, read.bytes) == ping);
  CHECK_FALSE(write.done);
}

// A read whose record is bad must send an alert while a write is stuck on
// a client that does not read; the alert waits for that write, so the
// client finds whole records, then the alert.
TEST_CASE("tls_stream: an alert from a read waits for a stuck write",
          "[tls_stream]") {
  tls_pair pair{TLS1_2_VERSION};
  pair.handshake();
  auto payload = random_bytes(8 * 1024 * 1024, 7);
  completion write, read, inject;
  asio::async_write(pair.server(), asio::buffer(payload), write.handler());
  pair.run_until([] { return false; }, 200ms); // the socket buffers fill
  REQUIRE_FALSE(write.done);

  char buffer[64];
  pair.server().async_read_some(asio::buffer(buffer), read.handler());
  // An application-data record whose MAC cannot be right.
  std::string forged = "\x17\x03\x03";
  forged += '\x00';
  forged += '\x40';
  forged += random_bytes(64, 8);
  asio::async_write(pair.raw(), asio::buffer(forged), inject.handler());
  REQUIRE(pair.run_until([&] { return inject.done; }));
  pair.run_until([] { return false; }, 100ms);
  CHECK_FALSE(read.done); // its alert is behind the stuck write

  // The client reads: all it gets is a prefix of the payload, then the
  // alert, intact.
  std::string received;
  completion client_read;
  while (!client_read.ec) {
    std::string chunk(64 * 1024, '\0');
    client_read = {};
    pair.client().async_read_some(asio::buffer(chunk), client_read.handler());
    REQUIRE(pair.run_until([&] { return client_read.done; }));
    received.append(chunk, 0, client_read.bytes);
  }
  REQUIRE(pair.run_until([&] { return read.done && write.done; }));
  CHECK(received.size() < payload.size());
  CHECK(payload.compare(0, received.size(), received) == 0);
  INFO(client_read.ec.message());
  CHECK(ssl_reason(client_read.ec) == SSL_R_SSLV3_ALERT_BAD_RECORD_MAC);
  INFO(read.ec.message());
  CHECK(ssl_reason(read.ec) != 0);
  CHECK(write.ec);
}

namespace {

using session_ptr = std::unique_ptr<SSL_SESSION, decltype(&SSL_SESSION_free)>;

/// A copy of the session `pair`'s client holds now (with any ticket a read
/// has taken in), safe from what later happens to that connection.
session_ptr client_session(tls_pair& pair) {
  return {SSL_SESSION_dup(SSL_get0_session(pair.client().native_handle())),
          SSL_SESSION_free};
}

bool resumed(tls_pair& pair) {
  return SSL_session_reused(pair.client().native_handle()) == 1;
}

} // namespace

TEST_CASE("tls_stream: TLS 1.3 resumes with the server's ticket, TLS 1.2 "
          "gets no ticket",
          "[tls_stream]") {
  auto server_process = tls_pair::new_server_context();

  SECTION("TLS 1.3") {
    tls_pair first{0, server_process};
    first.handshake();
    send_both_ways(first, "the client's read takes the ticket in");
    auto session = client_session(first);
    REQUIRE(SSL_SESSION_has_ticket(session.get()) == 1);
    CHECK_FALSE(resumed(first));

    tls_pair again{0, server_process, session.get()};
    again.handshake();
    CHECK(resumed(again));
    send_both_ways(again, "resumed");

    // Another process has another ticket key: a full handshake instead.
    tls_pair restarted{0, nullptr, session.get()};
    restarted.handshake();
    CHECK_FALSE(resumed(restarted));
    send_both_ways(restarted, "full");
  }

  SECTION("TLS 1.2") {
    tls_pair first{TLS1_2_VERSION, server_process};
    first.handshake();
    send_both_ways(first, "no ticket arrives");
    auto session = client_session(first);
    CHECK(SSL_SESSION_has_ticket(session.get()) == 0);

    // Nor by session id: the server keeps no session cache.
    tls_pair again{TLS1_2_VERSION, server_process, session.get()};
    again.handshake();
    CHECK_FALSE(resumed(again));
  }
}
