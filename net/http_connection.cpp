#include "net/http_connection.hpp"

#include <atomic>
#include <chrono>

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
/// with no operation pending on the socket (an upgrade request, a request
/// whose body is left unread, or a client whose pipelined bytes filled the
/// buffer), and its answer must still find the connection. The connection
/// never points back, so there is no cycle.
template <class Stream>
class http_exchange final : public exchange_port {
public:
  http_exchange(std::shared_ptr<http_connection<Stream>> connection,
                std::uint64_t id, protocol::http_request request)
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
  std::shared_ptr<http_connection<Stream>> connection_;
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

// A body too large for its path is not passed on (it is unread, or read
// only in part).
protocol::http_request to_request(http::request<http::string_body>&& msg,
                                  const std::string& remote,
                                  bool body_too_large) {
  protocol::http_request req;
  req.method = std::string{msg.method_string()};
  req.target = std::string{msg.target()};
  for (const auto& field : msg)
    req.headers.emplace_back(std::string{field.name_string()},
                             std::string{field.value()});
  req.body_too_large = body_too_large;
  if (!body_too_large)
    req.body = std::move(msg.body());
  req.remote_address = remote;
  return req;
}

/// What a closing connection reads and drops per read.
constexpr std::size_t drain_chunk = 16 * 1024;

/// A refused body is read and dropped up to this much (and for as long as
/// the close may take); past it the connection is simply closed.
constexpr std::uint64_t max_dropped_body = 8 * 1024 * 1024;

/// A client that sends nothing for this long has stopped sending its body:
/// the close goes on without the rest.
constexpr auto body_pause = std::chrono::milliseconds{250};

} // namespace

template <class Stream>
http_connection<Stream>::http_connection(
  Stream stream, const server_options& options,
  std::shared_ptr<request_sink> sink,
  std::shared_ptr<connection_registry> registry, std::uint64_t id)
  : stream_(std::move(stream)), executor_(stream_.get_executor()),
    options_(options), sink_(std::move(sink)), registry_(std::move(registry)),
    id_(id), idle_timer_(executor_) {
  beast::error_code ec;
  auto ep = tcp().socket().remote_endpoint(ec);
  remote_address_ = ec ? "unknown" : ep.address().to_string();
}

template <class Stream>
http_connection<Stream>::~http_connection() {
  if (!handed_over_) // else the WebSocket reports it
    registry_->forget(id_);
}

template <class Stream>
beast::tcp_stream& http_connection<Stream>::tcp() noexcept {
  return beast::get_lowest_layer(stream_);
}

template <class Stream>
void http_connection<Stream>::start() {
  asio::dispatch(executor_, [self = this->shared_from_this()] {
    if constexpr (uses_tls) {
      self->tcp().expires_after(self->options_.handshake_timeout);
      self->stream_.async_handshake(
        beast::bind_front_handler(&http_connection::on_handshake, self));
    } else {
      self->read_next();
    }
  });
}

template <class Stream>
void http_connection<Stream>::shutdown() {
  asio::post(executor_, [self = this->shared_from_this()] {
    self->shutting_down_ = true;
    // Busy connections close after their response; idle ones close now.
    if (self->phase_ == phase::idle || self->phase_ == phase::handshaking)
      self->close();
  });
}

template <class Stream>
void http_connection<Stream>::on_handshake(beast::error_code ec) {
  // Plain HTTP, old TLS versions and stalled handshakes all end here: the
  // socket is closed without an HTTP answer.
  if (ec)
    return fail(ec, "tls handshake");
  read_next();
}

template <class Stream>
void http_connection<Stream>::read_next() {
  if (shutting_down_)
    return close();
  idle_timer_.cancel(); // the stream's own deadline takes over
  phase_ = phase::idle;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
  // on_header applies the limit of the request's path; Beast's default must
  // not refuse the header for its Content-Length before that.
  parser_->body_limit(boost::none);
  if (buffer_.size() > 0) // pipelined bytes are already here
    return read_header();
  tcp().expires_after(options_.idle_timeout);
  stream_.async_read_some(
    buffer_.prepare(4096),
    beast::bind_front_handler(&http_connection::on_first_bytes,
                              this->shared_from_this()));
}

template <class Stream>
void http_connection<Stream>::on_first_bytes(beast::error_code ec,
                                             std::size_t n) {
  if (phase_ == phase::closed)
    return;
  if (ec)
    return fail(ec, "wait for request");
  buffer_.commit(n);
  read_header();
}

template <class Stream>
void http_connection<Stream>::read_header() {
  // One deadline for the whole request, header and body: a client that sends
  // half a header and stalls is dropped when it passes.
  phase_ = phase::reading;
  tcp().expires_after(options_.request_timeout);
  http::async_read_header(
    stream_, buffer_, *parser_,
    beast::bind_front_handler(&http_connection::on_header,
                              this->shared_from_this()));
}

template <class Stream>
void http_connection<Stream>::on_header(beast::error_code ec, std::size_t) {
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
  if (length && *length > limit) { // not worth reading: it is refused anyway
    unread_body_ = std::min(*length, max_dropped_body);
    return pass_on(true);
  }
  parser_->body_limit(limit);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_connection::on_request,
                                             this->shared_from_this()));
}

template <class Stream>
void http_connection<Stream>::on_request(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed)
    return;
  if (ec == http::error::body_limit) { // a chunked body that grew too large
    unread_body_ = max_dropped_body; // how much more is coming is unknown
    return pass_on(true);
  }
  if (ec)
    return handle_read_error(ec);
  pass_on(false);
}

// The sink decides the answer even to a body too large for its path (the
// Engine.IO session that sent it must end). That body is left unread, so
// the stream holds no next request: the connection closes after the
// response, whatever it is.
template <class Stream>
void http_connection<Stream>::pass_on(bool body_too_large) {
  tcp().expires_never(); // the request is held for as long as its handler
  phase_ = phase::awaiting_response;
  reusable_ = !body_too_large && parser_->get().keep_alive();
  ++exchange_id_;
  abort_fn_ = nullptr;
  // A WebSocket client sends nothing before the 101, so an upgrade request
  // needs no read ahead; and none may be pending when the stream moves.
  // Nor does a request whose body is left unread: it would read that body.
  bool upgrading
    = !body_too_large && beast::websocket::is_upgrade(parser_->get());
  if (upgrading)
    upgrade_request_.emplace(parser_->get());
  auto exchange = std::make_shared<http_exchange<Stream>>(
    this->shared_from_this(), exchange_id_,
    to_request(parser_->release(), remote_address_, body_too_large));
  if (!upgrading && !body_too_large)
    read_ahead();
  sink_->on_request(std::move(exchange));
}

// While a response is pending, keep one read outstanding: it is how a client
// hanging up is noticed at once. It ends with the first bytes of a pipelined
// request, which wait in the buffer for the response to go out.
template <class Stream>
void http_connection<Stream>::read_ahead() {
  if (read_ahead_pending_ || buffer_.size() > 0)
    return;
  read_ahead_pending_ = true;
  stream_.async_read_some(
    buffer_.prepare(1024),
    beast::bind_front_handler(&http_connection::on_read_ahead,
                              this->shared_from_this()));
}

template <class Stream>
void http_connection<Stream>::on_read_ahead(beast::error_code ec,
                                            std::size_t n) {
  read_ahead_pending_ = false;
  if (ec) {
    if (phase_ == phase::awaiting_response)
      client_gone();
    return fail(ec, "read ahead");
  }
  buffer_.commit(n);
  // Bytes of a next request: the client is not gone, and no read may be
  // pending when that request is to be served after the response.
  if (phase_ == phase::idle) // the response went out while we were reading
    read_next();
}

template <class Stream>
void http_connection<Stream>::handle_read_error(beast::error_code ec) {
  if (ec == http::error::header_limit)
    return write(protocol::json_error(431, "header_too_large"), false);
  if (ec.category() == http::make_error_code(http::error::bad_target).category()
      && ec != http::error::end_of_stream && ec != http::error::partial_message)
    return write(protocol::json_error(400, "bad_request"), false);
  fail(ec, "read request");
}

template <class Stream>
void http_connection<Stream>::respond(std::uint64_t exchange_id,
                                      protocol::http_response res) {
  asio::post(executor_, [self = this->shared_from_this(), exchange_id,
                         res = std::move(res)]() mutable {
    if (self->phase_ != phase::awaiting_response
        || exchange_id != self->exchange_id_)
      return; // the client left, or this exchange is over
    bool keep_alive = !res.close && !self->shutting_down_ && self->reusable_;
    self->write(std::move(res), keep_alive);
  });
}

template <class Stream>
void http_connection<Stream>::on_abort(std::uint64_t exchange_id,
                                       std::function<void()> fn) {
  asio::post(executor_, [self = this->shared_from_this(), exchange_id,
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

template <class Stream>
void http_connection<Stream>::upgrade(std::uint64_t exchange_id,
                                      std::shared_ptr<stream_events> events) {
  asio::post(executor_, [self = this->shared_from_this(), exchange_id,
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

template <class Stream>
void http_connection<Stream>::hand_over(std::shared_ptr<stream_events> events) {
  phase_ = phase::closed;
  abort_fn_ = nullptr;
  handed_over_ = true;
  start_websocket(websocket_handover<Stream>{
    std::move(stream_), std::move(buffer_), std::move(*upgrade_request_),
    options_, std::move(events), registry_, id_, remote_address_});
  upgrade_request_.reset();
}

template <class Stream>
void http_connection<Stream>::write(protocol::http_response res,
                                    bool keep_alive) {
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
                                              this->shared_from_this(),
                                              keep_alive));
}

template <class Stream>
void http_connection<Stream>::on_write(bool keep_alive, beast::error_code ec,
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

template <class Stream>
void http_connection<Stream>::arm_idle_timer() {
  idle_timer_.expires_after(options_.idle_timeout);
  idle_timer_.async_wait(
    [self = this->shared_from_this()](beast::error_code ec) {
      if (!ec && self->phase_ == phase::idle)
        self->fail(beast::error::timeout, "idle");
    });
}

template <class Stream>
void http_connection<Stream>::client_gone() {
  idle_timer_.cancel();
  if (auto fn = std::exchange(abort_fn_, nullptr))
    fn();
}

template <class Stream>
void http_connection<Stream>::close() {
  if (phase_ == phase::closed)
    return;
  client_gone();
  // A graceful close reads (and, TLS, writes); it would race an operation
  // still pending: the handshake, the wait for a request (idle), a request
  // being read, or the read ahead. Such a connection just goes.
  bool busy = read_ahead_pending_ || phase_ == phase::handshaking
              || phase_ == phase::idle || phase_ == phase::reading;
  phase_ = phase::closed;
  if (busy)
    return close_socket();
  tcp().expires_after(std::chrono::seconds{2}); // bounds the goodbye
  drop_unread_body();
}

// The bytes of the refused body that came with the header count as read.
template <class Stream>
void http_connection<Stream>::drop_unread_body() {
  unread_body_ -= std::min<std::uint64_t>(unread_body_, buffer_.size());
  buffer_.clear();
  dropping_body_ = unread_body_ > 0;
  if (!dropping_body_)
    return close_gracefully();
  // The stream's own deadline would close the socket; this one only ends
  // the read, so that TLS can still say goodbye.
  idle_timer_.expires_after(body_pause);
  idle_timer_.async_wait([self = this->shared_from_this()](
                           beast::error_code ec) {
    // A stale wait (the read finished meanwhile) finds the drop over, or
    // the timer set again with a deadline still ahead.
    if (ec || !self->dropping_body_
        || self->idle_timer_.expiry() > std::chrono::steady_clock::now())
      return;
    beast::error_code ignored;
    self->tcp().socket().cancel(ignored);
  });
  stream_.async_read_some(
    buffer_.prepare(static_cast<std::size_t>(
      std::min<std::uint64_t>(drain_chunk, unread_body_))),
    [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      self->idle_timer_.cancel();
      self->dropping_body_ = false;
      if (ec == asio::error::operation_aborted) {
        self->unread_body_ = 0;
        return self->close_gracefully();
      }
      if (ec)
        return self->close_socket();
      self->buffer_.commit(n);
      self->drop_unread_body();
    });
}

// A FIN after the response (over TLS, after close_notify), then what the
// client still sends is read and dropped until it closes too: closing with
// bytes unread resets the connection, and a reset can destroy the response
// before the client reads it (RFC 9112 §9.6).
template <class Stream>
void http_connection<Stream>::close_gracefully() {
  if constexpr (uses_tls) {
    stream_.async_shutdown(
      [self = this->shared_from_this()](beast::error_code ec) {
        if (ec)
          return self->close_socket();
        self->finish_tcp();
      });
  } else {
    finish_tcp();
  }
}

template <class Stream>
void http_connection<Stream>::finish_tcp() {
  beast::error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  drain();
}

// Reads below TLS: what comes after our goodbye is not worth decrypting.
template <class Stream>
void http_connection<Stream>::drain() {
  tcp().async_read_some(
    buffer_.prepare(drain_chunk),
    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->close_socket();
      self->drain();
    });
}

template <class Stream>
void http_connection<Stream>::close_socket() {
  beast::error_code ignored;
  tcp().socket().close(ignored);
}

template <class Stream>
void http_connection<Stream>::fail(beast::error_code ec, const char* where) {
  if (phase_ == phase::closed)
    return;
  client_gone();
  phase_ = phase::closed;
  if (benign(ec))
    log().trace("{}: {}: {}", remote_address_, where, ec.message());
  else
    log().debug("{}: {}: {}", remote_address_, where, ec.message());
  close_socket();
}

template class http_connection<tls_stream>;
template class http_connection<plain_stream>;

} // namespace openmfd::net
