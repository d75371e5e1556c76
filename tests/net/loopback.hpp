#pragma once

// Loopback fixtures for the net tests: a server on 127.0.0.1 (an ephemeral
// port) with small limits, a sink and stream events that record what the
// server hands over, and a way to run one client operation under a deadline
// on the test thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <catch2/catch.hpp>

#include "net/identity_store.hpp"
#include "net/io_runtime.hpp"
#include "net/ports.hpp"
#include "net/server.hpp"

namespace openmfd::net::test {

using namespace std::chrono_literals;

/// Polls `done` until it holds or `limit` passes; whether it held.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// How a client operation ended.
struct outcome {
  boost::beast::error_code ec;
  std::size_t bytes = 0; ///< for reads and writes
};

inline std::size_t bytes_of() { return 0; }
inline std::size_t bytes_of(std::size_t n) { return n; }

/// Runs the client operation that `initiate(handler)` starts on `io` until
/// it completes or `limit` passes (its error is then `timeout`). The
/// handler owns its result, so an operation given up on stays harmless.
template <class Initiate>
outcome run_for(boost::asio::io_context& io, Initiate initiate,
                std::chrono::milliseconds limit = 5s) {
  auto result = std::make_shared<std::optional<outcome>>();
  initiate([result](boost::beast::error_code ec, auto... rest) {
    *result = outcome{ec, bytes_of(rest...)};
  });
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!*result && io.run_one_until(deadline) > 0) {
  }
  return result->value_or(outcome{boost::beast::error::timeout});
}

/// A receive buffer so small that a client that does not read stalls the
/// server's writes early.
inline constexpr int slow_reader_buffer = 4096;

/// Connects `socket` to 127.0.0.1:`port`, with a receive buffer of
/// `receive_buffer` bytes (0: the system's default).
inline outcome connect_socket(
  boost::asio::io_context& io, boost::asio::ip::tcp::socket& socket,
  std::uint16_t port, int receive_buffer = 0) {
  namespace asio = boost::asio;
  socket.open(asio::ip::tcp::v4());
  if (receive_buffer > 0)
    socket.set_option(asio::socket_base::receive_buffer_size{receive_buffer});
  return run_for(io, [&](auto handler) {
    socket.async_connect({asio::ip::make_address("127.0.0.1"), port},
                         std::move(handler));
  });
}

/// Limits small enough to be reached fast: bodies of 64 bytes at most.
inline server_options small_options() {
  server_options options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.handshake_timeout = 2s;
  options.request_timeout = 2s;
  options.idle_timeout = 10s;
  options.write_timeout = 10s;
  options.body_limit = [](std::string_view) -> std::size_t { return 64; };
  return options;
}

/// A certificate for 127.0.0.1, made once per test run.
inline const tls_identity& test_identity() {
  static const auto identity = make_self_signed({"localhost", {"127.0.0.1"}});
  return identity.value();
}

/// Records every request (for the test thread) and answers it with
/// `answer` (on the io thread).
class recording_sink final : public request_sink {
public:
  using answer_fn = std::function<void(std::shared_ptr<exchange_port>)>;

  explicit recording_sink(answer_fn answer) : answer_(std::move(answer)) {}

  void on_request(std::shared_ptr<exchange_port> exchange) override {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      requests_.push_back(exchange->request());
    }
    answer_(std::move(exchange));
  }

  std::vector<protocol::http_request> requests() const {
    std::lock_guard<std::mutex> lock{mutex_};
    return requests_;
  }

private:
  answer_fn answer_;
  mutable std::mutex mutex_;
  std::vector<protocol::http_request> requests_;
};

/// What a WebSocket told its owner; with `echo`, each frame is sent back.
class recording_events final : public stream_events {
public:
  explicit recording_events(bool echo = false) : echo_(echo) {}

  void on_open(std::shared_ptr<stream_port> port) override {
    std::lock_guard<std::mutex> lock{mutex_};
    port_ = std::move(port);
  }

  void on_frame(std::string frame, bool binary) override {
    auto stream = port();
    if (echo_)
      stream->send(std::move(frame), binary);
    stream->grant(1);
  }

  // The port goes too: it holds these events, and the pair would leak.
  void on_closed() override {
    std::lock_guard<std::mutex> lock{mutex_};
    port_ = nullptr;
    ++closed_;
  }

  std::shared_ptr<stream_port> port() const {
    std::lock_guard<std::mutex> lock{mutex_};
    return port_;
  }

  int closed_count() const {
    std::lock_guard<std::mutex> lock{mutex_};
    return closed_;
  }

private:
  bool echo_;
  mutable std::mutex mutex_;
  std::shared_ptr<stream_port> port_;
  int closed_ = 0;
};

/// Which listener a loopback_server uses.
enum class transport { plain, tls };

/// A listening server whose requests go to `sink`, on its own io thread.
/// Destroy the clients first: it shuts down as the program does.
class loopback_server {
public:
  loopback_server(transport kind, std::shared_ptr<request_sink> sink,
                  server_options options = small_options()) {
    auto result = kind == transport::tls
                    ? listen_tls(io_, test_identity(), options)
                    : listen_plain(io_, options);
    INFO(result.error);
    REQUIRE(result.acceptor);
    acceptor_ = std::move(result.acceptor);
    acceptor_->start(std::move(sink));
  }

  ~loopback_server() {
    acceptor_->close();
    io_.drain(2s);
  }

  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  std::uint16_t port() const { return acceptor_->port(); }

private:
  io_runtime io_;
  std::shared_ptr<acceptor_port> acceptor_;
};

} // namespace openmfd::net::test
