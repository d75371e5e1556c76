#include "net/websocket_connection.hpp"

#include <algorithm>
#include <deque>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "net/log.hpp"

namespace openmfd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;

namespace {

/// Grants beyond this are clamped; a session never needs more in flight.
constexpr std::size_t max_read_credits = 1024;

// Errors that only mean "the peer went away"; logged at trace.
bool benign(const beast::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::eof
         || ec == websocket::error::closed || ec == beast::error::timeout
         || ec == ssl::error::stream_truncated
         || ec == asio::error::connection_reset;
}

/// One message waiting to be written.
struct outgoing {
  std::string data;
  bool binary = false;
};

template <class Stream>
class websocket_connection final
  : public stream_port,
    public tracked_connection,
    public std::enable_shared_from_this<websocket_connection<Stream>> {
public:
  explicit websocket_connection(websocket_handover<Stream>& h)
    : ws_(std::move(h.stream)), executor_(ws_.get_executor()),
      write_timer_(executor_), options_(h.options),
      events_(std::move(h.events)), registry_(std::move(h.registry)),
      id_(h.id), remote_address_(std::move(h.remote_address)) {}

  ~websocket_connection() override { registry_->forget(id_); }

  /// Runs on the strand, right after the hand-over.
  void start(http::request<http::string_body> request, bool stray_bytes) {
    registry_->adopt(id_, this->weak_from_this());
    if (stray_bytes) // a client that talks before the 101 is no client of ours
      return fail(beast::error_code{asio::error::invalid_argument},
                  "data before the handshake");
    configure(request.target());
    ws_.async_accept(request,
                     beast::bind_front_handler(&websocket_connection::on_accept,
                                               this->shared_from_this()));
  }

  void send(std::string frame, bool binary) override {
    asio::post(executor_, [self = this->shared_from_this(),
                           frame = std::move(frame), binary]() mutable {
      self->enqueue({std::move(frame), binary});
    });
  }

  void grant(std::size_t n) override {
    asio::post(executor_, [self = this->shared_from_this(), n] {
      self->credits_ = std::min(self->credits_ + n, max_read_credits);
      self->do_read();
    });
  }

  void close() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      self->request_close(websocket::close_code::normal);
    });
  }

  void shutdown() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      self->request_close(websocket::close_code::going_away);
    });
  }

private:
  enum class phase { accepting, open, closing, closed };

  // The stream's own timeouts replace the TCP ones from here on (Beast:
  // never both on one stream). Keep-alive pings find dead peers that the
  // Engine.IO heartbeat would otherwise find only later.
  void configure(beast::string_view target) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = options_.handshake_timeout;
    timeouts.idle_timeout = options_.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    auto path = target.substr(0, target.find('?'));
    ws_.read_message_max(options_.body_limit
                           ? options_.body_limit({path.data(), path.size()})
                           : 4096);
  }

  void on_accept(beast::error_code ec) {
    if (phase_ != phase::accepting) // failed meanwhile
      return;
    if (ec)
      return fail(ec, "websocket handshake");
    phase_ = phase::open;
    events_->on_open(this->shared_from_this());
    if (close_requested_)
      return begin_close();
    do_read();
    do_write();
  }

  void do_read() {
    if (phase_ != phase::open || reading_ || credits_ == 0)
      return;
    reading_ = true;
    ws_.async_read(read_buffer_,
                   beast::bind_front_handler(&websocket_connection::on_read,
                                             this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec)
      return fail(ec, "read");
    auto frame = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    if (phase_ != phase::open) // closing: nobody wants it any more
      return;
    --credits_;
    events_->on_frame(std::move(frame), ws_.got_binary());
    do_read();
  }

  void enqueue(outgoing message) {
    if (phase_ == phase::closing || phase_ == phase::closed || close_requested_)
      return;
    if (queue_.size() >= options_.send_queue_frames
        || queued_bytes_ + message.data.size() > options_.send_queue_bytes) {
      log().info("{}: websocket client too slow to read; closing",
                 remote_address_);
      // The write in progress is the one stuck; a close frame would queue
      // behind it, so the socket goes at once.
      return fail(beast::error_code{beast::error::timeout}, "send queue");
    }
    queued_bytes_ += message.data.size();
    queue_.push_back(std::move(message));
    do_write();
  }

  void do_write() {
    if (phase_ != phase::open || writing_ || queue_.empty())
      return;
    writing_ = true;
    ws_.binary(queue_.front().binary);
    arm_write_timer();
    ws_.async_write(asio::buffer(queue_.front().data),
                    beast::bind_front_handler(&websocket_connection::on_write,
                                              this->shared_from_this()));
  }

  // A client that stops reading stalls our write; the stream's idle timer
  // does not see that while the client keeps sending.
  void arm_write_timer() {
    write_timer_.expires_after(options_.write_timeout);
    write_timer_.async_wait(
      [self = this->shared_from_this(), generation = ++write_generation_](
        beast::error_code ec) {
        if (!ec && self->writing_ && generation == self->write_generation_)
          self->fail(beast::error_code{beast::error::timeout}, "write");
      });
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    write_timer_.cancel();
    if (phase_ == phase::closed) // the queue is gone
      return;
    if (ec)
      return fail(ec, "write");
    queued_bytes_ -= queue_.front().data.size();
    queue_.pop_front();
    if (!queue_.empty())
      return do_write();
    if (close_requested_)
      begin_close();
  }

  // Graceful: the frames queued before the request are written first.
  void request_close(websocket::close_code code) {
    if (phase_ == phase::closed || close_requested_)
      return;
    close_requested_ = true;
    close_code_ = code;
    if (phase_ == phase::open && !writing_ && queue_.empty())
      begin_close();
  }

  void begin_close() {
    if (phase_ != phase::open)
      return;
    phase_ = phase::closing;
    ws_.async_close(close_code_,
                    beast::bind_front_handler(&websocket_connection::on_close,
                                              this->shared_from_this()));
  }

  void on_close(beast::error_code ec) {
    if (ec)
      return fail(ec, "close");
    finish(); // Beast has closed the socket (after TLS's close_notify)
  }

  void fail(beast::error_code ec, const char* where) {
    if (phase_ == phase::closed)
      return;
    if (benign(ec))
      log().trace("{}: websocket {}: {}", remote_address_, where, ec.message());
    else
      log().debug("{}: websocket {}: {}", remote_address_, where,
                  ec.message());
    write_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    finish();
  }

  void finish() {
    phase_ = phase::closed;
    queue_.clear();
    queued_bytes_ = 0;
    if (auto events = std::exchange(events_, nullptr))
      events->on_closed();
  }

  websocket::stream<Stream> ws_;
  typename Stream::executor_type executor_;
  asio::steady_timer write_timer_;
  const server_options& options_;
  std::shared_ptr<stream_events> events_;
  std::shared_ptr<connection_registry> registry_;
  std::uint64_t id_;
  std::string remote_address_;
  beast::flat_buffer read_buffer_;
  std::deque<outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t credits_ = initial_read_credits;
  std::uint64_t write_generation_ = 0;
  phase phase_ = phase::accepting;
  bool reading_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  websocket::close_code close_code_ = websocket::close_code::normal;
};

template <class Stream>
void start(websocket_handover<Stream> handover) {
  bool stray_bytes = handover.buffer.size() > 0;
  auto request = std::move(handover.request);
  auto conn = std::make_shared<websocket_connection<Stream>>(handover);
  conn->start(std::move(request), stray_bytes);
}

} // namespace

void start_websocket(websocket_handover<tls_stream> handover) {
  start(std::move(handover));
}

void start_websocket(websocket_handover<plain_stream> handover) {
  start(std::move(handover));
}

} // namespace openmfd::net
