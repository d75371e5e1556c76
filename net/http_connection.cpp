#include "net/http_connection.hpp"

#include <atomic>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "net/log.hpp"
#include "net/websocket_connection.hpp"

namespace openmfd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

/// The port an actor answers a request through. Answers at most once; if
/// nobody answers (the actor died, the server is stopping), its destructor
/// answers 503 so that no client waits for nothing.
///
/// It keeps its connection alive until it is gone: a request may be held
/// with no operation pending on the socket (an upgrade request, or a client
/// whose pipelined bytes filled the buffer), and its answer must still find
/// the connection. The connection never points back, so there is no cycle.
class http_exchange final : public exchange_port {
public:
  http_exchange(std::shared_ptr<http_connection> connection, std::uint64_t id,
                protocol::http_request request)
    : connection_(std::move(connection)), id_(id),
      request_(std::move(request)) {}

  ~http_exchange() override {
    if (!responded_.load())
      respond(protocol::json_error(503, "unavailable"));
  }

  const protocol::http_request& request() const noexcept override {
    return request_;
  }

  void respond(protocol::http_response res) override {
    if (!responded_.exchange(true))
      connection_->respond(id_, std::move(res));
  }

  void on_abort(std::function<void()> fn) override {
    connection_->on_abort(id_, std::move(fn));
  }

  void upgrade(std::shared_ptr<stream_events> events) override {
    if (responded_.exchange(true)) {
      if (events)
        events->on_closed();
      return;
    }
    connection_->upgrade(id_, std::move(events));
  }

private:
  std::shared_ptr<http_connection> connection_;
  std::uint64_t id_;
  protocol::http_request request_;
  std::atomic<bool> responded_{false};
};

namespace {

// Errors that only mean "the peer went away"; logged at trace, not debug.
bool benign(const beast::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::eof
         || ec == ssl::error::stream_truncated || ec == beast::error::timeout
         || ec == http::error::end_of_stream
         || ec == asio::error::connection_reset;
}

protocol::http_request to_request(http::request<http::string_body>&& msg,
                                  const std::string& remote) {
  protocol::http_request req;
  req.method = std::string{msg.method_string()};
  req.target = std::string{msg.target()};
  for (const auto& field : msg)
    req.headers.emplace_back(std::string{field.name_string()},
                             std::string{field.value()});
  req.body = std::move(msg.body());
  req.remote_address = remote;
  return req;
}

} // namespace

http_connection::http_connection(tcp::socket socket, ssl::context& tls,
                                 const server_options& options,
                                 std::shared_ptr<request_sink> sink,
                                 std::shared_ptr<connection_registry> registry,
                                 std::uint64_t id)
  : stream_(std::move(socket), tls), executor_(stream_.get_executor()),
    options_(options), sink_(std::move(sink)), registry_(std::move(registry)),
    id_(id), idle_timer_(executor_) {
  beast::error_code ec;
  auto ep = tcp().socket().remote_endpoint(ec);
  remote_address_ = ec ? "unknown" : ep.address().to_string();
}

http_connection::~http_connection() {
  if (!handed_over_) // else the WebSocket reports it
    registry_->forget(id_);
}

beast::tcp_stream& http_connection::tcp() noexcept {
  return beast::get_lowest_layer(stream_);
}

void http_connection::start() {
  asio::dispatch(executor_, [self = shared_from_this()] {
    self->tcp().expires_after(self->options_.handshake_timeout);
    self->stream_.async_handshake(
      ssl::stream_base::server,
      beast::bind_front_handler(&http_connection::on_handshake, self));
  });
}

void http_connection::shutdown() {
  asio::post(executor_, [self = shared_from_this()] {
    self->shutting_down_ = true;
    // Busy connections close after their response; idle ones close now.
    if (self->phase_ == phase::idle || self->phase_ == phase::handshaking)
      self->close();
  });
}

void http_connection::on_handshake(beast::error_code ec) {
  // Plain HTTP, old TLS versions and stalled handshakes all end here: the
  // socket is closed without an HTTP answer.
  if (ec)
    return fail(ec, "tls handshake");
  read_next();
}

void http_connection::read_next() {
  if (shutting_down_)
    return close();
  idle_timer_.cancel(); // the stream's own deadline takes over
  phase_ = phase::idle;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
  if (buffer_.size() > 0) // pipelined bytes are already here
    return read_header();
  tcp().expires_after(options_.idle_timeout);
  stream_.async_read_some(
    buffer_.prepare(4096),
    beast::bind_front_handler(&http_connection::on_first_bytes,
                              shared_from_this()));
}

void http_connection::on_first_bytes(beast::error_code ec, std::size_t n) {
  if (phase_ == phase::closed)
    return;
  if (ec)
    return fail(ec, "wait for request");
  buffer_.commit(n);
  read_header();
}

void http_connection::read_header() {
  // One deadline for the whole request, header and body: a client that sends
  // half a header and stalls is dropped when it passes.
  phase_ = phase::reading;
  tcp().expires_after(options_.request_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&http_connection::on_header,
                                                    shared_from_this()));
}

void http_connection::on_header(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed)
    return;
  if (ec)
    return handle_read_error(ec);
  auto path = parser_->get().target();
  path = path.substr(0, path.find('?'));
  std::size_t limit = options_.body_limit
                        ? options_.body_limit({path.data(), path.size()})
                        : 4096;
  auto length = parser_->content_length();
  if (length && *length > limit)
    return write(protocol::json_error(413, "payload_too_large"), false);
  parser_->body_limit(limit);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_connection::on_request,
                                             shared_from_this()));
}

void http_connection::on_request(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed)
    return;
  if (ec)
    return handle_read_error(ec);
  tcp().expires_never(); // the request is held for as long as its handler
  phase_ = phase::awaiting_response;
  client_keep_alive_ = parser_->get().keep_alive();
  ++exchange_id_;
  abort_fn_ = nullptr;
  // A WebSocket client sends nothing before the 101, so an upgrade request
  // needs no read ahead; and none may be pending when the stream moves.
  bool upgrading = beast::websocket::is_upgrade(parser_->get());
  if (upgrading)
    upgrade_request_.emplace(parser_->get());
  auto exchange = std::make_shared<http_exchange>(
    shared_from_this(), exchange_id_,
    to_request(parser_->release(), remote_address_));
  if (!upgrading)
    read_ahead();
  sink_->on_request(std::move(exchange));
}

// While a response is pending, keep one read outstanding: it is how a client
// hanging up is noticed at once (and pipelined bytes are kept for later).
void http_connection::read_ahead() {
  if (read_ahead_pending_ || buffer_.size() >= options_.header_limit)
    return;
  read_ahead_pending_ = true;
  stream_.async_read_some(
    buffer_.prepare(1024),
    beast::bind_front_handler(&http_connection::on_read_ahead,
                              shared_from_this()));
}

void http_connection::on_read_ahead(beast::error_code ec, std::size_t n) {
  read_ahead_pending_ = false;
  if (ec) {
    if (phase_ == phase::awaiting_response)
      client_gone();
    return fail(ec, "read ahead");
  }
  buffer_.commit(n);
  if (phase_ == phase::awaiting_response)
    return read_ahead();
  if (phase_ == phase::idle) // the response went out while we were reading
    read_next();
}

void http_connection::handle_read_error(beast::error_code ec) {
  if (ec == http::error::header_limit)
    return write(protocol::json_error(431, "header_too_large"), false);
  if (ec == http::error::body_limit)
    return write(protocol::json_error(413, "payload_too_large"), false);
  if (ec.category() == http::make_error_code(http::error::bad_target).category()
      && ec != http::error::end_of_stream && ec != http::error::partial_message)
    return write(protocol::json_error(400, "bad_request"), false);
  fail(ec, "read request");
}

void http_connection::respond(std::uint64_t exchange_id,
                              protocol::http_response res) {
  asio::post(executor_, [self = shared_from_this(), exchange_id,
                                      res = std::move(res)]() mutable {
    if (self->phase_ != phase::awaiting_response
        || exchange_id != self->exchange_id_)
      return; // the client left, or this exchange is over
    bool keep_alive
      = !res.close && !self->shutting_down_ && self->client_keep_alive_;
    self->write(std::move(res), keep_alive);
  });
}

void http_connection::on_abort(std::uint64_t exchange_id,
                               std::function<void()> fn) {
  asio::post(executor_, [self = shared_from_this(), exchange_id,
                                      fn = std::move(fn)]() mutable {
    bool pending = self->phase_ == phase::awaiting_response
                   && exchange_id == self->exchange_id_;
    if (pending)
      self->abort_fn_ = std::move(fn);
    else if (fn && exchange_id == self->exchange_id_
             && self->phase_ == phase::closed)
      fn();
  });
}

void http_connection::upgrade(std::uint64_t exchange_id,
                              std::shared_ptr<stream_events> events) {
  asio::post(executor_, [self = shared_from_this(), exchange_id,
                         events = std::move(events)]() mutable {
    bool pending = self->phase_ == phase::awaiting_response
                   && exchange_id == self->exchange_id_;
    if (!pending || !events) {
      log().debug("{}: upgrade of a finished exchange", self->remote_address_);
      if (events)
        events->on_closed();
      return;
    }
    if (!self->upgrade_request_ || self->shutting_down_) {
      log().debug("{}: upgrade refused: {}", self->remote_address_,
                  self->shutting_down_ ? "shutting down"
                                       : "no upgrade request");
      self->write(protocol::json_error(400, "not_websocket"), false);
      return events->on_closed();
    }
    self->hand_over(std::move(events));
  });
}

void http_connection::hand_over(std::shared_ptr<stream_events> events) {
  phase_ = phase::closed;
  abort_fn_ = nullptr;
  handed_over_ = true;
  start_websocket({std::move(stream_), std::move(buffer_),
                   std::move(*upgrade_request_), options_, std::move(events),
                   registry_, id_, remote_address_});
  upgrade_request_.reset();
}

void http_connection::write(protocol::http_response res, bool keep_alive) {
  phase_ = phase::writing;
  abort_fn_ = nullptr;
  upgrade_request_.reset();
  response_ = {};
  response_.version(11);
  response_.result(res.status);
  response_.set(http::field::content_type, res.content_type);
  response_.set(http::field::cache_control, "no-store");
  response_.set("X-Content-Type-Options", "nosniff");
  for (auto& [name, value] : res.headers)
    response_.insert(name, value);
  response_.keep_alive(keep_alive);
  response_.body() = std::move(res.body);
  response_.prepare_payload();
  tcp().expires_after(options_.write_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&http_connection::on_write,
                                              shared_from_this(), keep_alive));
}

void http_connection::on_write(bool keep_alive, beast::error_code ec,
                               std::size_t) {
  if (ec)
    return fail(ec, "write");
  if (!keep_alive || shutting_down_)
    return close();
  phase_ = phase::idle;
  if (!read_ahead_pending_)
    return read_next();
  arm_idle_timer(); // on_read_ahead continues when bytes come
}

void http_connection::arm_idle_timer() {
  idle_timer_.expires_after(options_.idle_timeout);
  idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && self->phase_ == phase::idle)
      self->fail(beast::error::timeout, "idle");
  });
}

void http_connection::client_gone() {
  idle_timer_.cancel();
  if (auto fn = std::exchange(abort_fn_, nullptr))
    fn();
}

void http_connection::close() {
  if (phase_ == phase::closed)
    return;
  client_gone();
  // A TLS shutdown reads and writes; it would race an operation still
  // pending: the handshake, the wait for a request (idle), a request being
  // read, or the read ahead. Such a connection just goes.
  bool busy = read_ahead_pending_ || phase_ == phase::handshaking
              || phase_ == phase::idle || phase_ == phase::reading;
  phase_ = phase::closed;
  if (busy) {
    beast::error_code ignored;
    return tcp().socket().close(ignored);
  }
  // A TLS close_notify, bounded in time, then the socket goes.
  tcp().expires_after(std::chrono::seconds{2});
  stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
    beast::error_code ignored;
    self->tcp().socket().close(ignored);
  });
}

void http_connection::fail(beast::error_code ec, const char* where) {
  if (phase_ == phase::closed)
    return;
  client_gone();
  phase_ = phase::closed;
  if (benign(ec))
    log().trace("{}: {}: {}", remote_address_, where, ec.message());
  else
    log().debug("{}: {}: {}", remote_address_, where, ec.message());
  beast::error_code ignored;
  tcp().socket().close(ignored);
}

} // namespace openmfd::net
