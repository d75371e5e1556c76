// The acceptor: accepts connections, enforces the connection cap, and tracks
// live connections (HTTP, and the WebSockets they become) so that shutdown
// can reach them. One for TLS, one for plain loopback HTTP; they differ only
// in the stream an accepted socket becomes.

#include <algorithm>
#include <iterator>
#include <map>
#include <string>
#include <optional>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/http_connection.hpp"
#include "net/io_runtime.hpp"
#include "net/log.hpp"
#include "net/server.hpp"
#include "net/tls_context.hpp"
#include "platform/listen_socket.hpp"
#include "protocol/rate_limiter.hpp"

namespace openmfd::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

/// Makes each accepted socket a TLS stream.
class tls_streams {
public:
  using stream = tls_stream;

  explicit tls_streams(std::shared_ptr<ssl::context> context)
    : context_(std::move(context)) {}

  stream make(tcp::socket socket) const {
    return stream{std::move(socket), *context_};
  }

private:
  std::shared_ptr<ssl::context> context_;
};

/// Keeps each accepted socket plain.
struct plain_streams {
  using stream = plain_stream;

  stream make(tcp::socket socket) const { return stream{std::move(socket)}; }
};

/// `Streams` is `tls_streams` or `plain_streams`.
template <class Streams>
class connection_acceptor final
  : public acceptor_port,
    public connection_registry,
    public std::enable_shared_from_this<connection_acceptor<Streams>> {
public:
  using connection = http_connection<typename Streams::stream>;

  connection_acceptor(asio::io_context& io, Streams streams,
                      server_options options)
    : io_(io), strand_(asio::make_strand(io)), acceptor_(strand_),
      retry_timer_(strand_), streams_(std::move(streams)),
      options_(std::move(options)) {
    double rate = options_.connections_per_second_per_address;
    // A burst below one would refuse every connection.
    if (rate > 0)
      connection_rate_.emplace(rate, std::max(1.0, 2 * rate),
                               max_rate_tracked);
  }

  bool bind(const asio::ip::address& address, std::string& error) {
    boost::system::error_code ec;
    tcp::endpoint endpoint{address, options_.port};
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec)
      ec = boost::system::error_code{platform::prepare_listen_socket(
        static_cast<std::uintptr_t>(acceptor_.native_handle()))};
    if (!ec)
      acceptor_.bind(endpoint, ec);
    if (!ec)
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "cannot listen on " + options_.bind_address + ":"
              + std::to_string(options_.port) + ": " + ec.message();
      return false;
    }
    port_ = acceptor_.local_endpoint(ec).port();
    return true;
  }

  void start(std::shared_ptr<request_sink> sink) override {
    asio::post(strand_, [self = this->shared_from_this(),
                         sink = std::move(sink)] {
      self->sink_ = sink;
      self->accept();
    });
  }

  void close() override {
    asio::post(strand_, [self = this->shared_from_this()] {
      self->closing_ = true;
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
      for (auto& [id, live] : self->live_)
        if (auto conn = live.connection.lock())
          conn->shutdown();
    });
  }

  std::uint16_t port() const noexcept override { return port_; }

  void adopt(std::uint64_t id,
             std::weak_ptr<tracked_connection> successor) override {
    asio::post(strand_, [self = this->shared_from_this(), id,
                         successor = std::move(successor)] {
      auto it = self->live_.find(id);
      if (it == self->live_.end())
        return;
      it->second.connection = successor;
      if (self->closing_) // shut down while it was changing hands
        if (auto conn = successor.lock())
          conn->shutdown();
    });
  }

  void forget(std::uint64_t id) override {
    // Runs from a connection's destructor on any thread: hop to our strand.
    asio::post(strand_, [self = this->shared_from_this(), id] {
      auto it = self->live_.find(id);
      if (it == self->live_.end())
        return;
      self->release_share(it->second.peer);
      self->live_.erase(it);
      if (self->at_cap_ && self->live_.size() < self->options_.max_connections) {
        self->at_cap_ = false;
        log().info("below the connection limit again; accepting");
      }
    });
  }

private:
  void accept() {
    if (closing_)
      return;
    acceptor_.async_accept(
      asio::make_strand(io_),
      [self = this->shared_from_this()](boost::system::error_code ec,
                                        tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
      });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (closing_)
      return;
    if (ec) {
      // Out of file descriptors and the like: back off instead of spinning.
      log().warn("accept failed: {}", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds{100});
      retry_timer_.async_wait([self = this->shared_from_this()](auto wait_ec) {
        if (!wait_ec)
          self->accept();
      });
      return;
    }
    if (live_.size() >= options_.max_connections) {
      if (!at_cap_) {
        at_cap_ = true;
        log().warn("connection limit ({}) reached; refusing new connections",
                   options_.max_connections);
      }
      return refuse(socket);
    }
    boost::system::error_code ec_peer;
    auto peer = socket.remote_endpoint(ec_peer).address();
    if (ec_peer) // it went away already
      return refuse(socket);
    if (!within_rate(peer))
      return refuse(socket);
    auto& from_peer = per_address_[peer];
    if (from_peer >= options_.max_connections_per_address) {
      log().debug("{}: refused a connection (its share)", peer.to_string());
      return refuse(socket);
    }
    if (++from_peer == options_.max_connections_per_address) // once a time
      log().warn("{} has {} connections open, its share: further ones from "
                 "it are refused",
                 peer.to_string(), from_peer);
    // Acks are small writes answering small reads: Nagle plus the client's
    // delayed ACK would hold each one back for up to 40 ms.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto id = ++next_id_;
    auto conn = std::make_shared<connection>(streams_.make(std::move(socket)),
                                             options_, sink_,
                                             this->shared_from_this(), id);
    live_.emplace(id, live_connection{conn, peer});
    conn->start();
    accept();
  }

  /// Takes one new connection from `peer`'s allowance; a refusal is logged
  /// at most once a minute per address (a host at twice its rate is
  /// refused every other time).
  bool within_rate(const asio::ip::address& peer) {
    if (!connection_rate_)
      return true;
    auto text = peer.to_string();
    auto now = std::chrono::steady_clock::now();
    if (!connection_rate_->take(text, now))
      return true;
    auto last = rate_warned_.find(text);
    if (last != rate_warned_.end() && now - last->second < rate_warn_every)
      return false;
    if (last == rate_warned_.end() && rate_warned_.size() >= max_rate_warned)
      forget_old_warnings(now);
    if (last == rate_warned_.end() && rate_warned_.size() >= max_rate_warned)
      return false; // this many hosts over their rate: they were logged
    rate_warned_[text] = now;
    log().warn("{} opens connections faster than {}/s: further ones from "
               "it are refused for a while",
               text, options_.connections_per_second_per_address);
    return false;
  }

  void forget_old_warnings(std::chrono::steady_clock::time_point now) {
    for (auto it = rate_warned_.begin(); it != rate_warned_.end();)
      it = now - it->second >= rate_warn_every ? rate_warned_.erase(it)
                                               : std::next(it);
  }

  void refuse(tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.close(ignored);
    accept();
  }

  void release_share(const asio::ip::address& peer) {
    auto it = per_address_.find(peer);
    if (it != per_address_.end() && --it->second == 0)
      per_address_.erase(it);
  }

  /// A connection that is open, and where from.
  struct live_connection {
    std::weak_ptr<tracked_connection> connection;
    asio::ip::address peer;
  };

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  Streams streams_;
  server_options options_;
  std::shared_ptr<request_sink> sink_;
  std::unordered_map<std::uint64_t, live_connection> live_;
  std::map<asio::ip::address, std::size_t> per_address_; ///< open, by peer
  /// Addresses with connection allowances that are not full, at most (a
  /// full allowance is forgotten): past it, new addresses are refused.
  static constexpr std::size_t max_rate_tracked = 4096;
  static constexpr std::size_t max_rate_warned = 256;
  static constexpr std::chrono::minutes rate_warn_every{1};
  std::optional<protocol::rate_limiter> connection_rate_;
  /// When each address over its rate was last logged.
  std::map<std::string, std::chrono::steady_clock::time_point> rate_warned_;
  std::uint64_t next_id_ = 0;
  std::uint16_t port_ = 0;
  bool closing_ = false;
  bool at_cap_ = false;
};

std::optional<asio::ip::address> parse_bind_address(const std::string& text,
                                                    std::string& error) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(text, ec);
  if (!ec)
    return address;
  error = "--bind " + text + ": not an IP address";
  return std::nullopt;
}

template <class Streams>
listen_result listen(io_runtime& io, Streams streams,
                     const server_options& options,
                     const asio::ip::address& address) {
  listen_result result;
  auto acceptor = std::make_shared<connection_acceptor<Streams>>(
    io.context(), std::move(streams), options);
  if (acceptor->bind(address, result.error))
    result.acceptor = std::move(acceptor);
  return result;
}

} // namespace

listen_result listen_tls(io_runtime& io, const tls_identity& identity,
                         const server_options& options) {
  listen_result result;
  auto tls = make_tls_context(identity, result.error);
  if (!tls)
    return result;
  auto address = parse_bind_address(options.bind_address, result.error);
  if (!address)
    return result;
  return listen(io, tls_streams{std::move(tls)}, options, *address);
}

listen_result listen_plain(io_runtime& io, const server_options& options) {
  listen_result result;
  auto address = parse_bind_address(options.bind_address, result.error);
  if (!address)
    return result;
  // Unencrypted traffic must never leave the host.
  if (!address->is_loopback()) {
    result.error = "--bind " + options.bind_address
                   + ": plain HTTP is served on a loopback address only "
                     "(127.0.0.0/8 or ::1)";
    return result;
  }
  return listen(io, plain_streams{}, options, *address);
}

} // namespace openmfd::net
