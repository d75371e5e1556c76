#include "tools/loadtest/baseline.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include "tools/loadtest/latency_report.hpp"

namespace openmfd::loadtest {

namespace {

namespace net = boost::asio;
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

/// Small requests and answers: never wait for Nagle (as the server does).
void connect_no_delay(tcp::socket& socket, const tcp::endpoint& to) {
  socket.connect(to);
  socket.set_option(tcp::no_delay{true});
}

// --- one connection, blocking ----------------------------------------------

histogram time_tcp_round_trips(const baseline_settings& s) {
  net::io_context io;
  auto acceptor = listen_on_loopback(io);
  std::thread echo{[&acceptor, bytes = s.message_bytes] {
    error_code ec;
    auto peer = acceptor.accept(ec);
    if (ec)
      return;
    peer.set_option(tcp::no_delay{true}, ec);
    std::vector<char> buffer(bytes);
    while (net::read(peer, net::buffer(buffer), ec) == bytes && !ec)
      net::write(peer, net::buffer(buffer), ec);
  }};
  histogram times;
  tcp::socket client{io};
  try {
    connect_no_delay(client, acceptor.local_endpoint());
    std::vector<char> message(s.message_bytes, 'x');
    for (std::size_t i = 0; i < s.round_trips; ++i) {
      auto start = clock_type::now();
      net::write(client, net::buffer(message));
      net::read(client, net::buffer(message));
      times.record(ns_since(start));
    }
  } catch (...) {
    client.close();
    echo.join();
    throw;
  }
  client.close();
  echo.join();
  return times;
}

// --- two threads, one turn -------------------------------------------------

histogram time_thread_round_trips(const baseline_settings& s) {
  std::mutex mutex;
  std::condition_variable turn_changed;
  bool others_turn = false;
  std::thread other{[&] {
    for (std::size_t i = 0; i < s.round_trips; ++i) {
      std::unique_lock<std::mutex> lock{mutex};
      turn_changed.wait(lock, [&] { return others_turn; });
      others_turn = false;
      turn_changed.notify_one();
    }
  }};
  histogram times;
  for (std::size_t i = 0; i < s.round_trips; ++i) {
    auto start = clock_type::now();
    std::unique_lock<std::mutex> lock{mutex};
    others_turn = true;
    turn_changed.notify_one();
    turn_changed.wait(lock, [&] { return !others_turn; });
    times.record(ns_since(start));
  }
  other.join();
  return times;
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
    auto peer = acceptor.accept();
    peer.set_option(tcp::no_delay{true});
    std::make_shared<echo_session>(std::move(peer))->read();
    clients.push_back(std::make_unique<echo_client>(
      std::move(socket), i, s.message_bytes, figures, counting));
  }
  acceptor.close();
  std::thread server{[&server_io] { server_io.run(); }};
  for (auto& c : clients)
    c->start();
  net::steady_timer window{client_io, s.duration};
  auto start = clock_type::now();
  counting = true;
  window.async_wait([&](error_code) {
    counting = false;
    figures.echo_window_s
      = std::chrono::duration<double>(clock_type::now() - start).count();
    for (auto& c : clients)
      c->stop();
  });
  client_io.run();
  server.join();
}

} // namespace

baseline_figures measure_baseline(const baseline_settings& settings) {
  baseline_figures figures;
  figures.tcp_round_trip = time_tcp_round_trips(settings);
  figures.thread_round_trip = time_thread_round_trips(settings);
  run_echo(settings, figures);
  return figures;
}

namespace {

double echo_rate(const baseline_figures& f) {
  return f.echo_window_s > 0
           ? static_cast<double>(f.echo_round_trips) / f.echo_window_s
           : 0;
}

} // namespace

std::string render_baseline_text(const baseline_settings& settings,
                                 const baseline_figures& figures) {
  return "machine baseline (loopback, no TLS, no server code; "
         + std::to_string(settings.message_bytes) + "-byte messages)\n"
         + "  TCP round trip, 1 connection:  "
         + latency_text(figures.tcp_round_trip, 1e3, "us") + "\n"
         + "  thread wake-up round trip:     "
         + latency_text(figures.thread_round_trip, 1e3, "us") + "\n"
         + "  echo, " + std::to_string(settings.clients)
         + " connections, one thread a side: "
         + format("%.0f round trips/s", echo_rate(figures))
         + format(" over %.1f s", figures.echo_window_s)
         + (figures.echo_mismatches
              ? ", " + std::to_string(figures.echo_mismatches)
                  + " echoes wrong"
              : std::string{})
         + "\n";
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
  out["echo"] = std::move(echo);
  return boost::json::serialize(out) + "\n";
}

} // namespace openmfd::loadtest
