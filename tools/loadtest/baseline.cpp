#include "tools/loadtest/baseline.hpp"

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/coroutine.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/serialize.hpp>

#include "net/identity_store.hpp"
#include "net/tls_context.hpp"
#include "net/tls_stream.hpp"
#include "tools/loadtest/latency_report.hpp"

namespace openmfd::loadtest {

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;

std::uint64_t ns_since(clock_type::time_point start) {
  return static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now()
                                                         - start)
      .count());
}

tcp::acceptor listen_on_loopback(net::io_context& io) {
  tcp::acceptor acceptor{io, tcp::endpoint{net::ip::address_v4::loopback(), 0}};
  acceptor.listen(net::socket_base::max_listen_connections);
  return acceptor;
}

/// A thread running `io` until this ends: then it is stopped, whatever is
/// still pending, and joined, so no probe can hang on its server side.
class background_io {
public:
  explicit background_io(net::io_context& io)
    : io_(io), thread_([&io] { io.run(); }) {}
  ~background_io() {
    io_.stop();
    thread_.join();
  }
  background_io(const background_io&) = delete;
  background_io& operator=(const background_io&) = delete;

private:
  net::io_context& io_;
  std::thread thread_;
};

/// Runs the client side `io` with `counting` set for `length`, then clears
/// it and stops every participant (so that nothing waits on the server);
/// returns the window's length in seconds.
template <class Participants>
double run_window(net::io_context& io, std::chrono::milliseconds length,
                  bool& counting, Participants& participants) {
  double window_s = 0;
  auto start = clock_type::now();
  net::steady_timer window{io, start + length};
  counting = true;
  window.async_wait([&](error_code) {
    counting = false;
    window_s
      = std::chrono::duration<double>(clock_type::now() - start).count();
    for (auto& p : participants)
      p->stop();
  });
  io.run();
  return window_s;
}

/// Small requests and answers: never wait for Nagle (as the server does).
void connect_no_delay(tcp::socket& socket, const tcp::endpoint& to) {
  socket.connect(to);
  socket.set_option(tcp::no_delay{true});
}

/// The accepted end of `client`'s connection: another local program that
/// connects to the probe's port meanwhile is turned away, not echoed in
/// its place (which would leave `client` waiting).
tcp::socket accept_peer_of(tcp::acceptor& acceptor, const tcp::socket& client) {
  auto mine = client.local_endpoint();
  for (;;) {
    auto peer = acceptor.accept();
    if (peer.remote_endpoint() == mine) {
      peer.set_option(tcp::no_delay{true});
      return peer;
    }
  }
}

// --- one connection, blocking ----------------------------------------------

histogram time_tcp_round_trips(const baseline_settings& s) {
  net::io_context io;
  auto acceptor = listen_on_loopback(io);
  tcp::socket client{io};
  connect_no_delay(client, acceptor.local_endpoint());
  auto peer = accept_peer_of(acceptor, client);
  // Echoes until the client closes; if the echo fails first, its shutdown
  // ends the client's wait.
  std::thread echo{[&peer, bytes = s.message_bytes] {
    error_code ec;
    std::vector<char> buffer(bytes);
    while (net::read(peer, net::buffer(buffer), ec) == bytes && !ec)
      net::write(peer, net::buffer(buffer), ec);
    peer.shutdown(tcp::socket::shutdown_both, ec);
  }};
  histogram times;
  error_code ec;
  std::vector<char> message(s.message_bytes, 'x');
  for (std::size_t i = 0; i < s.round_trips && !ec; ++i) {
    auto start = clock_type::now();
    net::write(client, net::buffer(message), ec);
    if (!ec)
      net::read(client, net::buffer(message), ec);
    if (!ec)
      times.record(ns_since(start));
  }
  error_code ignored;
  client.shutdown(tcp::socket::shutdown_both, ignored);
  client.close(ignored);
  echo.join();
  if (ec)
    throw boost::system::system_error{ec, "TCP round trips"};
  return times;
}

// --- two threads, one turn -------------------------------------------------

/// Hands a turn to a second thread and waits for it back, `turns` times,
/// each at `next_start()` (now, or after a sleep); records each from the
/// time it was due.
template <class NextStart>
histogram time_hand_offs(std::size_t turns, NextStart next_start) {
  std::mutex mutex;
  std::condition_variable turn_changed;
  bool others_turn = false;
  std::thread other{[&] {
    for (std::size_t i = 0; i < turns; ++i) {
      std::unique_lock<std::mutex> lock{mutex};
      turn_changed.wait(lock, [&] { return others_turn; });
      others_turn = false;
      turn_changed.notify_one();
    }
  }};
  histogram times;
  for (std::size_t i = 0; i < turns; ++i) {
    auto due = next_start();
    std::unique_lock<std::mutex> lock{mutex};
    others_turn = true;
    turn_changed.notify_one();
    turn_changed.wait(lock, [&] { return !others_turn; });
    times.record(ns_since(due));
  }
  other.join();
  return times;
}

histogram time_thread_round_trips(const baseline_settings& s) {
  return time_hand_offs(s.round_trips, [] { return clock_type::now(); });
}

histogram time_idle_wakes(const baseline_settings& s) {
  constexpr auto tick = std::chrono::milliseconds{10};
  auto due = clock_type::now();
  return time_hand_offs(s.idle_ticks, [&due, tick] {
    due += tick;
    std::this_thread::sleep_until(due);
    return due;
  });
}

// --- many connections, one Asio thread each side ---------------------------

/// The server side: echoes whatever arrives until the peer closes.
class echo_session : public std::enable_shared_from_this<echo_session> {
public:
  explicit echo_session(tcp::socket socket) : socket_(std::move(socket)) {}

  void read() {
    socket_.async_read_some(
      net::buffer(buffer_),
      [self = shared_from_this()](error_code ec, std::size_t n) {
        if (!ec)
          self->write(n);
      });
  }

private:
  void write(std::size_t n) {
    net::async_write(socket_, net::buffer(buffer_.data(), n),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (!ec)
                         self->read();
                     });
  }

  tcp::socket socket_;
  std::array<char, 4096> buffer_{};
};

/// The client side: one connection, closed loop, each message different.
class echo_client {
public:
  echo_client(tcp::socket socket, std::size_t index, std::size_t bytes,
              baseline_figures& figures, const bool& counting)
    : socket_(std::move(socket)),
      index_(index),
      sent_(bytes),
      received_(bytes),
      figures_(figures),
      counting_(counting) {}

  void start() {
    for (std::size_t i = 0; i < sent_.size(); ++i)
      sent_[i] = static_cast<char>((sequence_ + index_ + i) & 0xff);
    net::async_write(socket_, net::buffer(sent_),
                     [this](error_code ec, std::size_t) {
                       if (!ec)
                         await_echo();
                     });
  }

  void stop() {
    error_code ignored;
    socket_.close(ignored);
  }

private:
  void await_echo() {
    net::async_read(socket_, net::buffer(received_),
                    [this](error_code ec, std::size_t) {
                      if (ec)
                        return;
                      if (counting_) {
                        ++figures_.echo_round_trips;
                        if (received_ != sent_)
                          ++figures_.echo_mismatches;
                      }
                      ++sequence_;
                      start();
                    });
  }

  tcp::socket socket_;
  std::size_t index_;
  std::size_t sequence_ = 0;
  std::vector<char> sent_;
  std::vector<char> received_;
  baseline_figures& figures_;
  const bool& counting_; ///< the window is open (client thread only)
};

void run_echo(const baseline_settings& s, baseline_figures& figures) {
  net::io_context server_io{1};
  net::io_context client_io{1};
  auto acceptor = listen_on_loopback(server_io);
  std::vector<std::unique_ptr<echo_client>> clients;
  bool counting = false;
  for (std::size_t i = 0; i < s.clients; ++i) {
    tcp::socket socket{client_io};
    connect_no_delay(socket, acceptor.local_endpoint());
    std::make_shared<echo_session>(accept_peer_of(acceptor, socket))->read();
    clients.push_back(std::make_unique<echo_client>(
      std::move(socket), i, s.message_bytes, figures, counting));
  }
  acceptor.close();
  background_io server{server_io};
  for (auto& c : clients)
    c->start();
  figures.echo_window_s
    = run_window(client_io, s.duration, counting, clients);
}

// --- TLS connects: the server's own TLS, nothing after it ------------------

/// The server's TLS context (net/tls_context) with a fresh certificate.
std::shared_ptr<ssl::context> server_tls() {
  auto identity = openmfd::net::make_self_signed({"localhost", {"127.0.0.1"}});
  if (!identity)
    throw std::runtime_error{"cannot make a TLS certificate"};
  std::string error;
  auto context = openmfd::net::make_tls_context(*identity, error);
  if (!context)
    throw std::runtime_error{"the TLS context refused its identity: " + error};
  return context;
}

/// A TLS 1.3 client that takes any certificate (the probe's own).
ssl::context client_tls() {
  ssl::context context{ssl::context::tls_client};
  context.set_verify_mode(ssl::verify_none);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_3_VERSION);
  return context;
}

/// Both sides of a TLS probe: the server's context, io (to be run on a
/// thread of its own) and listening socket; the client's context and io.
struct tls_probe_sides {
  std::shared_ptr<ssl::context> server_context = server_tls();
  ssl::context client_context = client_tls();
  net::io_context server_io{1};
  net::io_context client_io{1};
  tcp::acceptor acceptor = listen_on_loopback(server_io);
  tcp::endpoint server_endpoint = acceptor.local_endpoint();
};

/// Accepts until closed; each connection: the server's handshake on the
/// server's TLS stream, one byte read and answered, then a plain close. A
/// failed accept (out of descriptors, say) is tried again a little later.
void accept_tls(tcp::acceptor& acceptor, ssl::context& context) {
  acceptor.async_accept([&acceptor, &context](error_code ec,
                                              tcp::socket socket) {
    if (ec == net::error::operation_aborted)
      return; // closed: the probe is over
    if (ec) {
      auto pause = std::make_shared<net::steady_timer>(
        acceptor.get_executor(), std::chrono::milliseconds{1});
      pause->async_wait([pause, &acceptor, &context](error_code) {
        accept_tls(acceptor, context);
      });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay{true}, ignored);
    auto stream = std::make_shared<openmfd::net::tls_stream>(std::move(socket),
                                                             context);
    auto byte = std::make_shared<char>();
    stream->async_handshake([stream, byte](error_code handshake_ec) {
      if (handshake_ec)
        return;
      stream->async_read_some(
        net::buffer(byte.get(), 1), [stream, byte](error_code read_ec,
                                                   std::size_t) {
          if (!read_ec)
            net::async_write(*stream, net::buffer(byte.get(), 1),
                             [stream, byte](error_code, std::size_t) {});
        });
    });
    accept_tls(acceptor, context);
  });
}

/// Keeps the session a connect was given for the next one. A copy: OpenSSL
/// spoils a session whose connection ends without close_notify.
void keep_session(SSL* connection, std::shared_ptr<SSL_SESSION>& kept) {
  if (auto* session = SSL_get0_session(connection))
    kept.reset(SSL_SESSION_dup(session), SSL_SESSION_free);
}

/// A connect probe: the server side accepted by `accept`, and
/// `tls_clients` Connectors (made with `args` after the server's address),
/// each connecting over and over for the window.
template <class Connector, class Accept, class... Args>
tls_connect_figures run_connect_probe(const baseline_settings& s,
                                      Accept accept, Args... args) {
  tls_connect_figures figures;
  tls_probe_sides sides;
  accept(sides.acceptor, *sides.server_context);
  bool counting = true;
  std::vector<std::shared_ptr<Connector>> connectors;
  for (std::size_t i = 0; i < s.tls_clients; ++i) {
    connectors.push_back(std::make_shared<Connector>(
      sides.client_io, sides.client_context, sides.server_endpoint, args...,
      figures, counting));
    connectors.back()->connect();
  }
  background_io server{sides.server_io};
  figures.window_s
    = run_window(sides.client_io, s.duration, counting, connectors);
  return figures;
}

/// One panel of the TLS probe: connects again as soon as a connect ends,
/// offering the session its last connect was given (as the tool does).
class tls_connector {
public:
  tls_connector(net::io_context& io, ssl::context& context,
                tcp::endpoint server, bool resume,
                tls_connect_figures& figures, const bool& counting)
    : io_(io),
      context_(context),
      server_(server),
      resume_(resume),
      figures_(figures),
      counting_(counting) {}

  void connect() {
    if (!counting_)
      return; // the window has closed
    // One operation at a time: when end() starts the next connect, the
    // last stream has nothing pending and can go.
    stream_.emplace(io_, context_);
    started_ = clock_type::now();
    stream_->next_layer().async_connect(server_, [this](error_code ec) {
      if (ec)
        return end(false);
      stream_->next_layer().set_option(tcp::no_delay{true}, ec);
      if (resume_ && session_)
        SSL_set_session(stream_->native_handle(), session_.get());
      stream_->async_handshake(ssl::stream_base::client,
                               [this](error_code handshake_ec) {
                                 if (handshake_ec)
                                   return end(false);
                                 exchange_byte();
                               });
    });
  }

  /// Ends the connect in flight (its handlers see operation_aborted).
  void stop() {
    if (!stream_)
      return;
    error_code ignored;
    stream_->next_layer().close(ignored);
  }

private:
  void exchange_byte() {
    net::async_write(*stream_, net::buffer(&byte_, 1),
                     [this](error_code ec, std::size_t) {
                       if (ec)
                         return end(false);
                       net::async_read(*stream_, net::buffer(&byte_, 1),
                                       [this](error_code read_ec,
                                              std::size_t) {
                                         end(!read_ec);
                                       });
                     });
  }

  void end(bool answered) {
    auto* native = stream_->native_handle();
    if (counting_) {
      if (!answered) {
        ++figures_.failures;
      } else {
        ++figures_.connects;
        figures_.resumed += SSL_session_reused(native) ? 1 : 0;
        figures_.connect_time.record(ns_since(started_));
      }
    }
    if (answered)
      keep_session(native, session_);
    error_code ignored;
    stream_->next_layer().close(ignored);
    connect();
  }

  net::io_context& io_;
  ssl::context& context_;
  tcp::endpoint server_;
  bool resume_;
  tls_connect_figures& figures_;
  const bool& counting_; ///< the window is open (client thread only)
  std::optional<ssl::stream<tcp::socket>> stream_;
  std::shared_ptr<SSL_SESSION> session_;
  clock_type::time_point started_;
  char byte_ = 'x';
};

tls_connect_figures run_tls_connects(const baseline_settings& s,
                                     bool resume) {
  return run_connect_probe<tls_connector>(s, accept_tls, resume);
}

// --- WebSocket echo over TLS: the transport of every ack ------------------

/// The server side: the server's TLS stream and WebSocket, echoing each
/// message until the peer goes.
class websocket_echo_session
  : public std::enable_shared_from_this<websocket_echo_session> {
public:
  websocket_echo_session(tcp::socket socket, ssl::context& context)
    : ws_(std::move(socket), context) {}

  void start() {
    ws_.next_layer().async_handshake([self = shared_from_this()](error_code ec) {
      if (!ec)
        self->ws_.async_accept([self](error_code accept_ec) {
          if (!accept_ec)
            self->read();
        });
    });
  }

private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](error_code ec,
                                                        std::size_t) {
      if (!ec)
        self->write();
    });
  }

  void write() {
    ws_.text(ws_.got_text());
    ws_.async_write(buffer_.data(), [self = shared_from_this()](error_code ec,
                                                                std::size_t) {
      if (ec)
        return;
      self->buffer_.clear();
      self->read();
    });
  }

  websocket::stream<openmfd::net::tls_stream> ws_;
  beast::flat_buffer buffer_;
};

/// Accepts until the probe ends; each connection echoes on its own.
void accept_websockets(tcp::acceptor& acceptor, ssl::context& context) {
  acceptor.async_accept([&acceptor, &context](error_code ec,
                                              tcp::socket socket) {
    if (ec)
      return; // closed (the probe is over) or broken: the client will tell
    socket.set_option(tcp::no_delay{true}, ec);
    std::make_shared<websocket_echo_session>(std::move(socket), context)
      ->start();
    accept_websockets(acceptor, context);
  });
}

/// The client side, as the tool's panels: Beast's TLS stream and WebSocket.
/// Opens synchronously (the server side runs on its own thread), then
/// goes closed loop; each message differs from the last.
class websocket_echo_client {
public:
  websocket_echo_client(net::io_context& io, ssl::context& context,
                        std::size_t index, std::size_t bytes,
                        websocket_echo_figures& figures, const bool& counting)
    : ws_(io, context),
      index_(index),
      sent_(bytes, 'x'),
      figures_(figures),
      counting_(counting) {}

  void open(const tcp::endpoint& server) {
    auto& socket = beast::get_lowest_layer(ws_).socket();
    connect_no_delay(socket, server);
    ws_.next_layer().handshake(ssl::stream_base::client);
    ws_.handshake("localhost", "/");
    ws_.text(true);
  }

  void start() {
    for (std::size_t i = 0; i < sent_.size(); ++i)
      sent_[i] = static_cast<char>('a' + (sequence_ + index_ + i) % 26);
    started_ = clock_type::now();
    ws_.async_write(net::buffer(sent_), [this](error_code ec, std::size_t) {
      if (!ec)
        await_echo();
    });
  }

  void stop() {
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

private:
  void await_echo() {
    ws_.async_read(received_, [this](error_code ec, std::size_t) {
      if (ec)
        return;
      if (counting_) {
        ++figures_.round_trips;
        figures_.round_trip.record(ns_since(started_));
        if (beast::buffers_to_string(received_.data()) != sent_)
          ++figures_.mismatches;
      }
      received_.clear();
      ++sequence_;
      start();
    });
  }

  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  std::size_t index_;
  std::size_t sequence_ = 0;
  std::string sent_;
  beast::flat_buffer received_;
  clock_type::time_point started_;
  websocket_echo_figures& figures_;
  const bool& counting_; ///< the window is open (client thread only)
};

websocket_echo_figures run_websocket_echo(const baseline_settings& s,
                                          std::size_t connections) {
  websocket_echo_figures figures;
  tls_probe_sides sides;
  accept_websockets(sides.acceptor, *sides.server_context);
  background_io server{sides.server_io};
  bool counting = false;
  std::vector<std::unique_ptr<websocket_echo_client>> clients;
  for (std::size_t i = 0; i < connections; ++i) {
    clients.push_back(std::make_unique<websocket_echo_client>(
      sides.client_io, sides.client_context, i, s.message_bytes, figures,
      counting));
    clients.back()->open(sides.server_endpoint);
  }
  for (auto& c : clients)
    c->start();
  figures.window_s
    = run_window(sides.client_io, s.duration, counting, clients);
  return figures;
}

// --- a panel's whole connect, with answers made up in advance -------------

/// Resumes a coroutine whatever the completion's signature.
template <class Coroutine>
auto resume(std::shared_ptr<Coroutine> self) {
  return [self](error_code ec, auto&&...) { (*self)(ec); };
}

/// Answers the server's part of a connect, every answer fixed and about
/// the size of the server's own: /info, /authorise, the WebSocket upgrade,
/// Engine.IO's open packet and Socket.IO's CONNECT. The server's TLS
/// stream and WebSocket (as echo_session above); no parsing beyond HTTP.
class connect_flow_session
  : public net::coroutine,
    public std::enable_shared_from_this<connect_flow_session> {
public:
  connect_flow_session(tcp::socket socket, ssl::context& context)
    : ws_(std::move(socket), context) {}

  void operator()(error_code ec = {}) {
    if (ec)
      return; // the client saw it too, and counts it
    BOOST_ASIO_CORO_REENTER(this) {
      BOOST_ASIO_CORO_YIELD ws_.next_layer().async_handshake(resume(shared_from_this()));
      BOOST_ASIO_CORO_YIELD answer(info_answer());
      BOOST_ASIO_CORO_YIELD answer(authorise_answer());
      BOOST_ASIO_CORO_YIELD read_request();
      BOOST_ASIO_CORO_YIELD ws_.async_accept(request_, resume(shared_from_this()));
      ws_.text(true);
      BOOST_ASIO_CORO_YIELD ws_.async_write(net::buffer(open_packet()),
                            resume(shared_from_this()));
      BOOST_ASIO_CORO_YIELD ws_.async_read(buffer_, resume(shared_from_this()));
      BOOST_ASIO_CORO_YIELD ws_.async_write(net::buffer(connected_packet()),
                            resume(shared_from_this()));
      // Until the client's close, which Beast answers.
      BOOST_ASIO_CORO_YIELD ws_.async_read(buffer_, resume(shared_from_this()));
    }
  }

private:
  static std::string info_answer() {
    return R"({"server_id":"0b6f4a4e-3b9f-4c57-9a43-0d7e5f1c2a88",)"
           R"("name":"baseline","version":"1.0.0","api":1,"tls_fingerprint":)"
           R"("sha256/)" + std::string(64, 'a') + R"("})";
  }
  static std::string authorise_answer() {
    return R"({"token":")" + std::string(64, 'b')
           + R"(","expires_in":3600,"rotate_after":1800})";
  }
  static std::string open_packet() {
    return R"(0{"sid":"AAAAAAAAAAAAAAAAAAAAAA","upgrades":[],)"
           R"("pingInterval":25000,"pingTimeout":20000,"maxPayload":65536})";
  }
  static std::string connected_packet() {
    return R"(40{"sid":"BBBBBBBBBBBBBBBBBBBBBB"})";
  }

  void read_request() {
    request_ = {};
    http::async_read(ws_.next_layer(), buffer_, request_,
                     resume(shared_from_this()));
  }

  /// Reads a request and answers it with `body`.
  void answer(std::string body) {
    read_request_then_write_ = std::move(body);
    auto self = shared_from_this();
    request_ = {};
    http::async_read(ws_.next_layer(), buffer_, request_,
                     [self](error_code ec, std::size_t) {
                       if (ec)
                         return;
                       auto& res = self->response_;
                       res = {http::status::ok, 11};
                       res.set(http::field::content_type, "application/json");
                       res.keep_alive(true);
                       res.body() = std::move(self->read_request_then_write_);
                       res.prepare_payload();
                       http::async_write(self->ws_.next_layer(), res,
                                         resume(self));
                     });
  }

  websocket::stream<openmfd::net::tls_stream> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::string read_request_then_write_;
};

void accept_connect_flows(tcp::acceptor& acceptor, ssl::context& context) {
  acceptor.async_accept([&acceptor, &context](error_code ec,
                                              tcp::socket socket) {
    if (ec == net::error::operation_aborted)
      return; // closed: the probe is over
    if (!ec) {
      socket.set_option(tcp::no_delay{true}, ec);
      (*std::make_shared<connect_flow_session>(std::move(socket), context))();
    }
    accept_connect_flows(acceptor, context);
  });
}

/// One panel connecting over and over as the tool's storm does, on the
/// tool's own streams: TCP, TLS (offering the last connect's session),
/// GET /info, POST /authorise, WebSocket, Engine.IO open, Socket.IO
/// CONNECT and its answer, WebSocket close.
class connect_flow_client
  : public net::coroutine,
    public std::enable_shared_from_this<connect_flow_client> {
public:
  connect_flow_client(net::io_context& io, ssl::context& context,
                      tcp::endpoint server, tls_connect_figures& figures,
                      const bool& counting)
    : io_(io),
      context_(context),
      server_(server),
      figures_(figures),
      counting_(counting) {}

  void operator()(error_code ec = {}) {
    if (ec)
      return end(false);
    BOOST_ASIO_CORO_REENTER(this) {
      for (;;) {
        if (!counting_)
          return; // the window has closed
        ws_.emplace(io_, context_);
        started_ = clock_type::now();
        BOOST_ASIO_CORO_YIELD beast::get_lowest_layer(*ws_).async_connect(
          server_, resume(shared_from_this()));
        beast::get_lowest_layer(*ws_).socket().set_option(tcp::no_delay{true},
                                                          ec);
        if (session_)
          SSL_set_session(ws_->next_layer().native_handle(), session_.get());
        BOOST_ASIO_CORO_YIELD ws_->next_layer().async_handshake(ssl::stream_base::client,
                                                resume(shared_from_this()));
        BOOST_ASIO_CORO_YIELD exchange(http::verb::get, "/info", {});
        BOOST_ASIO_CORO_YIELD exchange(http::verb::post, "/authorise",
                       R"({"client_id":"6f1c9a0e-6a57-4e4b-9c1e-1f2a3b4c5d6e",)"
                       R"("client_name":"baseline"})");
        BOOST_ASIO_CORO_YIELD ws_->async_handshake("localhost", "/socket.io/?EIO=4&transport="
                                   "websocket", resume(shared_from_this()));
        BOOST_ASIO_CORO_YIELD ws_->async_read(buffer_, resume(shared_from_this()));
        if (!starts_with(buffer_, "0{"))
          return end(false);
        buffer_.clear();
        ws_->text(true);
        BOOST_ASIO_CORO_YIELD ws_->async_write(net::buffer(connect_packet_),
                               resume(shared_from_this()));
        BOOST_ASIO_CORO_YIELD ws_->async_read(buffer_, resume(shared_from_this()));
        if (!starts_with(buffer_, "40{"))
          return end(false);
        buffer_.clear();
        BOOST_ASIO_CORO_YIELD ws_->async_close(websocket::close_code::normal,
                               resume(shared_from_this()));
        count_connect();
      }
    }
  }

  /// Starts connecting, over and over while the window is open.
  void connect() { (*this)(); }

  /// Ends the connect in flight (its handlers see operation_aborted).
  void stop() {
    if (ws_)
      beast::get_lowest_layer(*ws_).close();
  }

private:
  static bool starts_with(const beast::flat_buffer& buffer,
                          std::string_view prefix) {
    auto text = beast::buffers_to_string(buffer.data());
    return text.compare(0, prefix.size(), prefix) == 0;
  }

  void exchange(http::verb verb, const char* path, std::string body) {
    request_ = {verb, path, 11};
    request_.set(http::field::host, "localhost");
    request_.keep_alive(true);
    if (verb == http::verb::post) {
      request_.set(http::field::content_type, "application/json");
      request_.body() = std::move(body);
      request_.prepare_payload();
    }
    auto self = shared_from_this();
    http::async_write(ws_->next_layer(), request_,
                      [self](error_code ec, std::size_t) {
                        if (ec)
                          return (*self)(ec);
                        self->response_ = {};
                        http::async_read(self->ws_->next_layer(),
                                         self->buffer_, self->response_,
                                         [self](error_code read_ec,
                                                std::size_t) {
                                           if (!read_ec
                                               && self->response_.result()
                                                    != http::status::ok)
                                             return self->end(false);
                                           (*self)(read_ec);
                                         });
                      });
  }

  void count_connect() {
    if (!counting_)
      return;
    auto* native = ws_->next_layer().native_handle();
    ++figures_.connects;
    figures_.resumed += SSL_session_reused(native) ? 1 : 0;
    figures_.connect_time.record(ns_since(started_));
    keep_session(native, session_);
  }

  /// A failed connect: counted, and the next one begins.
  void end(bool answered) {
    if (counting_ && !answered)
      ++figures_.failures;
    stop();
    if (!counting_)
      return;
    // From the top, once the coroutine has left this step (leaving it
    // without a yield marks it finished).
    net::post(io_, [self = shared_from_this()] {
      static_cast<net::coroutine&>(*self) = net::coroutine{};
      (*self)();
    });
  }

  net::io_context& io_;
  ssl::context& context_;
  tcp::endpoint server_;
  tls_connect_figures& figures_;
  const bool& counting_; ///< the window is open (client thread only)
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::shared_ptr<SSL_SESSION> session_;
  clock_type::time_point started_;
  const std::string connect_packet_ = R"(40{"token":")" + std::string(64, 'b')
                                      + R"("})";
};

tls_connect_figures run_connect_flows(const baseline_settings& s) {
  return run_connect_probe<connect_flow_client>(s, accept_connect_flows);
}

} // namespace

baseline_figures measure_baseline(const baseline_settings& settings) {
  baseline_figures figures;
  figures.tcp_round_trip = time_tcp_round_trips(settings);
  figures.thread_round_trip = time_thread_round_trips(settings);
  figures.idle_wake = time_idle_wakes(settings);
  run_echo(settings, figures);
  figures.tls_resumed = run_tls_connects(settings, true);
  figures.tls_full = run_tls_connects(settings, false);
  figures.websocket_echo_one = run_websocket_echo(settings, 1);
  figures.websocket_echo_many = run_websocket_echo(settings, settings.clients);
  figures.connect_flow = run_connect_flows(settings);
  return figures;
}

namespace {

double echo_rate(const baseline_figures& f) {
  return per_second(f.echo_round_trips, f.echo_window_s);
}

double tls_rate(const tls_connect_figures& f) {
  return per_second(f.connects, f.window_s);
}

std::string tls_text(const char* what, const baseline_settings& s,
                     const tls_connect_figures& f) {
  return std::string{"  "} + what + ", " + std::to_string(s.tls_clients) + " at once, one thread a side: "
         + format_number("%.0f /s", tls_rate(f)) + " (" + std::to_string(f.resumed)
         + " of " + std::to_string(f.connects) + " resumed"
         + (f.failures ? ", " + std::to_string(f.failures) + " failed"
                       : std::string{})
         + ")\n    connect " + latency_text(f.connect_time, 1e3, "us")
         + "\n";
}

boost::json::object tls_json(const baseline_settings& s,
                             const tls_connect_figures& f) {
  boost::json::object out;
  out["clients"] = s.tls_clients;
  out["connects"] = f.connects;
  out["connects_per_s"] = tls_rate(f);
  out["resumed"] = f.resumed;
  out["failures"] = f.failures;
  out["window_s"] = f.window_s;
  out["connect_us"] = latency_json(f.connect_time, 1e3);
  return out;
}

double websocket_rate(const websocket_echo_figures& f) {
  return per_second(f.round_trips, f.window_s);
}

std::string websocket_text(std::size_t connections,
                           const websocket_echo_figures& f) {
  return "  WebSocket echo over TLS, " + std::to_string(connections)
         + (connections == 1 ? " connection: " : " connections: ")
         + format_number("%.0f round trips/s", websocket_rate(f))
         + (f.mismatches
              ? ", " + std::to_string(f.mismatches) + " echoes wrong"
              : std::string{})
         + "\n    round trip " + latency_text(f.round_trip, 1e3, "us") + "\n";
}

boost::json::object websocket_json(std::size_t connections,
                                   const websocket_echo_figures& f) {
  boost::json::object out;
  out["connections"] = connections;
  out["round_trips"] = f.round_trips;
  out["round_trips_per_s"] = websocket_rate(f);
  out["mismatches"] = f.mismatches;
  out["window_s"] = f.window_s;
  out["round_trip_us"] = latency_json(f.round_trip, 1e3);
  return out;
}

} // namespace

std::string render_baseline_text(const baseline_settings& settings,
                                 const baseline_figures& figures) {
  return "machine baseline (loopback, one process, no server code; "
         + std::to_string(settings.message_bytes) + "-byte messages)\n"
         + "  TCP round trip, 1 connection:  "
         + latency_text(figures.tcp_round_trip, 1e3, "us") + "\n"
         + "  thread wake-up round trip:     "
         + latency_text(figures.thread_round_trip, 1e3, "us") + "\n"
         + "  idle wake-up, tick to answer:  "
         + latency_text(figures.idle_wake, 1e3, "us") + "\n"
         + "  echo, " + std::to_string(settings.clients)
         + " connections, one thread a side: "
         + format_number("%.0f round trips/s", echo_rate(figures))
         + format_number(" over %.1f s", figures.echo_window_s)
         + (figures.echo_mismatches
              ? ", " + std::to_string(figures.echo_mismatches)
                  + " echoes wrong"
              : std::string{})
         + "\n"
         + tls_text("TLS 1.3 connects, resumed", settings, figures.tls_resumed)
         + tls_text("TLS 1.3 connects, full handshakes", settings,
                    figures.tls_full)
         + tls_text("storm connects with fixed answers (TLS resumed, /info, "
                    "/authorise, WebSocket, CONNECT)",
                    settings, figures.connect_flow)
         + websocket_text(1, figures.websocket_echo_one)
         + websocket_text(settings.clients, figures.websocket_echo_many);
}

std::string render_baseline_json(const baseline_settings& settings,
                                 const baseline_figures& figures) {
  boost::json::object echo;
  echo["clients"] = settings.clients;
  echo["round_trips"] = figures.echo_round_trips;
  echo["round_trips_per_s"] = echo_rate(figures);
  echo["window_s"] = figures.echo_window_s;
  echo["mismatches"] = figures.echo_mismatches;
  boost::json::object out;
  out["message_bytes"] = settings.message_bytes;
  out["tcp_round_trip_us"] = latency_json(figures.tcp_round_trip, 1e3);
  out["thread_round_trip_us"] = latency_json(figures.thread_round_trip, 1e3);
  out["idle_wake_us"] = latency_json(figures.idle_wake, 1e3);
  out["echo"] = std::move(echo);
  out["tls_resumed"] = tls_json(settings, figures.tls_resumed);
  out["tls_full"] = tls_json(settings, figures.tls_full);
  out["connect_flow"] = tls_json(settings, figures.connect_flow);
  out["websocket_echo_one"] = websocket_json(1, figures.websocket_echo_one);
  out["websocket_echo_many"]
    = websocket_json(settings.clients, figures.websocket_echo_many);
  return boost::json::serialize(out) + "\n";
}

} // namespace openmfd::loadtest
