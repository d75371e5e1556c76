#include "tools/loadtest/panel.hpp"

#include <deque>
#include <utility>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/ssl.h>

namespace openmfd::loadtest {

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using error_code = beast::error_code;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

constexpr std::string_view engineio_path = "/socket.io/?EIO=4&transport=";
constexpr char payload_separator = '\x1e';

request make_request(http::verb verb, std::string_view path,
                     std::string_view host, std::string body = {},
                     std::string_view content_type = "application/json") {
  request req{verb, path, 11};
  req.set(http::field::host, host);
  req.keep_alive(true);
  if (verb == http::verb::post) {
    req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
  }
  return req;
}

/// The JSON object in `res`'s body, if it is one.
std::optional<json::object> object_body(const response& res) {
  json::error_code ec;
  auto value = json::parse(res.body(), ec);
  if (ec || !value.is_object())
    return std::nullopt;
  return std::move(value.get_object());
}

/// The string field `name` of `object`, if there is one.
std::optional<std::string> text_field(const json::object& object,
                                      std::string_view name) {
  const auto* field = object.if_contains(name);
  if (!field || !field->is_string())
    return std::nullopt;
  return std::string{field->get_string()};
}

std::string status_error(std::string_view step, const response& res) {
  return std::string{step} + "_status_" + std::to_string(res.result_int());
}

/// The connect flow shared by both transports: TCP, TLS, /info and
/// /authorise on `http_stream()`, then the transport's own handshake; and
/// what every received Engine.IO packet means.
class panel_base : public panel,
                   public std::enable_shared_from_this<panel_base> {
public:
  panel_base(const target& where, credentials& who, std::size_t slot,
             panel_events& events)
    : where_(where), who_(who), slot_(slot), events_(events) {}

  void start() final {
    connect_tls(http_stream(), [this] { on_tls(); });
  }

  void send(std::string packet) final {
    if (connected_)
      transmit(std::move(packet));
  }

  void close() final {
    if (done_ || closing_)
      return;
    closing_ = true;
    say_goodbye();
  }

protected:
  /// The stream that carries /info, /authorise and the handshake.
  virtual tls_stream& http_stream() = 0;
  /// Starts Engine.IO once a token is known.
  virtual void open_transport() = 0;
  /// Sends one Engine.IO packet (also before CONNECT is answered).
  virtual void transmit(std::string packet) = 0;
  /// A polite end; must call `finish({})` when done.
  virtual void say_goodbye() = 0;
  /// Drops the sockets at once.
  virtual void close_sockets() = 0;
  /// The Engine.IO open packet arrived.
  virtual void on_open(const protocol::engineio_open&) {}

  /// Calls `then` once `stream` is connected and its TLS handshake done.
  template <class Then>
  void connect_tls(tls_stream& stream, Then then) {
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_after(where_.timeout);
    tcp.async_connect(where_.endpoint, [this, self = shared_from_this(),
                                        &stream, then](error_code ec) {
      if (ec)
        return finish("tcp_connect");
      // Small request/answer exchanges: never wait for Nagle.
      beast::get_lowest_layer(stream).socket().set_option(
        net::ip::tcp::no_delay{true}, ec);
      if (where_.resume_tls && who_.tls_session)
        SSL_set_session(stream.native_handle(), who_.tls_session.get());
      stream.async_handshake(ssl::stream_base::client,
                             [this, self, then](error_code tls_ec) {
                               if (tls_ec)
                                 return finish("tls_handshake");
                               then();
                             });
    });
  }

  /// Writes `req` on `stream`, reads into `res`, then calls `then`; any
  /// failure ends the panel with the error `step`.
  template <class Then>
  void exchange(tls_stream& stream, beast::flat_buffer& buffer,
                const request& req, response& res, std::string_view step,
                std::chrono::milliseconds timeout, Then then) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    http::async_write(
      stream, req,
      [this, self = shared_from_this(), &stream, &buffer, &res, step,
       then](error_code ec, std::size_t) {
        if (ec)
          return finish(step);
        res = {};
        http::async_read(stream, buffer, res,
                         [this, self, step, then](error_code read_ec,
                                                  std::size_t) {
                           if (read_ec)
                             return finish(step);
                           then();
                         });
      });
  }

  /// Ends the panel once: sockets closed, owner told.
  void finish(std::string_view error) {
    if (done_)
      return;
    done_ = true;
    connected_ = false;
    close_sockets();
    events_.on_closed(slot_, closing_ ? std::string_view{} : error);
  }

  /// Acts on one received Engine.IO packet.
  void on_packet(std::string_view text) {
    auto in = parse_inbound(text);
    switch (in.kind) {
      case inbound_kind::open:
        heartbeat_ = {std::chrono::milliseconds{in.open->ping_interval_ms},
                      std::chrono::milliseconds{in.open->ping_timeout_ms}};
        on_open(*in.open);
        return transmit(connect_frame(who_.token));
      case inbound_kind::ping:
        transmit(std::string{pong_frame});
        return events_.on_ping(slot_);
      case inbound_kind::connected:
        connected_ = true;
        keep_tls_session();
        return events_.on_connected(
          slot_, heartbeat_,
          SSL_session_reused(http_stream().native_handle()) == 1);
      case inbound_kind::connect_refused:
        return finish("connect_refused:" + in.text);
      case inbound_kind::close:
        return finish("server_close");
      case inbound_kind::disconnect:
        return finish("server_disconnect");
      case inbound_kind::malformed:
        return finish("malformed:" + in.text);
      case inbound_kind::ack:
      case inbound_kind::event:
        if (connected_)
          events_.on_inbound(slot_, in);
        return;
      case inbound_kind::other:
        return;
    }
  }

  bool done() const noexcept { return done_; }
  bool closing() const noexcept { return closing_; }

  const target& where_;
  credentials& who_;

private:
  /// Keeps a copy of the session for the next connect once the server's
  /// ticket has come with the replies read so far; a copy, because OpenSSL
  /// spoils a session whose connection ends without close_notify.
  void keep_tls_session() {
    SSL_SESSION* session = SSL_get0_session(http_stream().native_handle());
    if (!where_.resume_tls || !session || !SSL_SESSION_has_ticket(session))
      return;
    who_.tls_session.reset(SSL_SESSION_dup(session), SSL_SESSION_free);
  }

  void on_tls() {
    if (!who_.token.empty())
      return open_transport();
    request_ = make_request(http::verb::get, "/info", where_.host);
    exchange(http_stream(), buffer_, request_, response_, "info",
             where_.timeout, [this] { on_info(); });
  }

  void on_info() {
    if (response_.result() != http::status::ok)
      return finish(status_error("info", response_));
    auto info = object_body(response_);
    auto id = info ? text_field(*info, "server_id") : std::nullopt;
    if (!id)
      return finish("info_malformed");
    if (where_.server_id && *id != *where_.server_id)
      return finish("server_id_mismatch");
    json::object body;
    body["client_id"] = who_.client_id;
    body["client_name"] = who_.client_name;
    request_ = make_request(http::verb::post, "/authorise", where_.host,
                            json::serialize(body));
    exchange(http_stream(), buffer_, request_, response_, "authorise",
             where_.timeout, [this] { on_authorised(); });
  }

  void on_authorised() {
    if (response_.result() != http::status::ok)
      return finish(status_error("authorise", response_));
    auto answer = object_body(response_);
    auto token = answer ? text_field(*answer, "token") : std::nullopt;
    if (!token)
      return finish("authorise_malformed");
    who_.token = std::move(*token);
    open_transport();
  }

  std::size_t slot_;
  panel_events& events_;
  beast::flat_buffer buffer_;
  request request_;
  response response_;
  heartbeat_terms heartbeat_{};
  bool connected_ = false; ///< CONNECT answered and not finished
  bool closing_ = false;   ///< close() was called
  bool done_ = false;      ///< finished: nothing more happens
};

class websocket_panel final : public panel_base {
public:
  websocket_panel(net::io_context& io, ssl::context& tls, const target& where,
                  credentials& who, std::size_t slot, panel_events& events)
    : panel_base(where, who, slot, events), ws_(io, tls) {}

private:
  tls_stream& http_stream() override { return ws_.next_layer(); }

  void open_transport() override {
    // The websocket keeps its own time from here on (Beast: never both).
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout limits{};
    limits.handshake_timeout = where_.timeout;
    limits.idle_timeout = websocket::stream_base::none();
    limits.keep_alive_pings = false;
    ws_.set_option(limits);
    auto path = std::string{engineio_path} + "websocket";
    ws_.async_handshake(where_.host, path,
                        [this, self = shared_from_this()](error_code ec) {
                          if (ec)
                            return finish("ws_handshake");
                          open_ = true;
                          read();
                        });
  }

  void read() {
    ws_.async_read(frames_, [this, self = shared_from_this()](error_code ec,
                                                              std::size_t) {
      if (ec)
        return finish("read");
      auto bytes = frames_.cdata();
      on_packet({static_cast<const char*>(bytes.data()), bytes.size()});
      frames_.clear();
      if (!done())
        read();
    });
  }

  void transmit(std::string packet) override {
    if (done())
      return;
    outbox_.push_back(std::move(packet));
    if (outbox_.size() == 1)
      write_front();
  }

  void write_front() {
    ws_.async_write(net::buffer(outbox_.front()),
                    [this, self = shared_from_this()](error_code ec,
                                                      std::size_t) {
                      if (ec)
                        return finish("write");
                      outbox_.pop_front();
                      if (!outbox_.empty() && !done())
                        write_front();
                    });
  }

  void say_goodbye() override {
    if (!open_)
      return finish({});
    ws_.async_close(websocket::close_code::normal,
                    [this, self = shared_from_this()](error_code) {
                      finish({});
                    });
  }

  void close_sockets() override { beast::get_lowest_layer(ws_).close(); }

  websocket::stream<tls_stream> ws_;
  beast::flat_buffer frames_;
  std::deque<std::string> outbox_;
  bool open_ = false; ///< the WebSocket handshake is done
};

/// Engine.IO over HTTP long-polling: one connection holds the GETs, a
/// second one carries the POSTs, each a batch of queued packets.
class polling_panel final : public panel_base {
public:
  polling_panel(net::io_context& io, ssl::context& tls, const target& where,
                credentials& who, std::size_t slot, panel_events& events)
    : panel_base(where, who, slot, events), get_stream_(io, tls),
      post_stream_(io, tls) {}

private:
  tls_stream& http_stream() override { return get_stream_; }

  void open_transport() override { poll(); }

  void on_open(const protocol::engineio_open& open) override {
    query_ = std::string{engineio_path} + "polling&sid=" + open.sid;
    // A poll is held until the server has something, a ping at the latest.
    poll_timeout_ = where_.timeout
                    + std::chrono::milliseconds{open.ping_interval_ms
                                                + open.ping_timeout_ms};
  }

  void poll() {
    auto path = query_.empty() ? std::string{engineio_path} + "polling"
                               : query_;
    get_request_ = make_request(http::verb::get, path, where_.host);
    exchange(get_stream_, get_buffer_, get_request_, get_response_, "poll",
             poll_timeout_, [this] { on_polled(); });
  }

  void on_polled() {
    if (get_response_.result() != http::status::ok)
      return finish(status_error("poll", get_response_));
    std::string_view body = get_response_.body();
    while (!body.empty() && !done()) {
      auto end = body.find(payload_separator);
      on_packet(body.substr(0, end));
      body = end == std::string_view::npos ? std::string_view{}
                                           : body.substr(end + 1);
    }
    if (!done())
      poll();
  }

  void transmit(std::string packet) override {
    if (done())
      return;
    if (!outbox_.empty())
      outbox_ += payload_separator;
    outbox_ += packet;
    flush();
  }

  void flush() {
    if (!post_ready_)
      return connect_post_stream();
    if (posting_ || outbox_.empty())
      return;
    posting_ = true;
    post_request_ = make_request(http::verb::post, query_, where_.host,
                                 std::move(outbox_), "text/plain;charset=UTF-8");
    outbox_.clear();
    exchange(post_stream_, post_buffer_, post_request_, post_response_, "post",
             where_.timeout, [this] {
               posting_ = false;
               if (post_response_.result() != http::status::ok)
                 return finish(status_error("post", post_response_));
               flush();
             });
  }

  void connect_post_stream() {
    if (post_connecting_)
      return;
    post_connecting_ = true;
    connect_tls(post_stream_, [this] {
      post_ready_ = true;
      flush();
    });
  }

  // The server ends the session when its held GET goes away.
  void say_goodbye() override { finish({}); }

  void close_sockets() override {
    beast::get_lowest_layer(get_stream_).close();
    beast::get_lowest_layer(post_stream_).close();
  }

  tls_stream get_stream_;
  tls_stream post_stream_;
  beast::flat_buffer get_buffer_;
  beast::flat_buffer post_buffer_;
  request get_request_;
  request post_request_;
  response get_response_;
  response post_response_;
  std::string query_; ///< the session's path and query, once open
  std::string outbox_; ///< packets waiting for the next POST
  std::chrono::milliseconds poll_timeout_ = where_.timeout;
  bool post_connecting_ = false;
  bool post_ready_ = false;
  bool posting_ = false;
};

} // namespace

std::shared_ptr<panel> make_panel(net::io_context& io, ssl::context& tls,
                                  const target& where, credentials& who,
                                  std::size_t slot, panel_events& events) {
  if (where.transport == transport_kind::polling)
    return std::make_shared<polling_panel>(io, tls, where, who, slot, events);
  return std::make_shared<websocket_panel>(io, tls, where, who, slot, events);
}

ssl::context make_client_tls() {
  ssl::context tls{ssl::context::tls_client};
  tls.set_verify_mode(ssl::verify_none);
  SSL_CTX* native = tls.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // Ten thousand idle sessions would otherwise keep ~34 KiB of buffers each.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  return tls;
}

} // namespace openmfd::loadtest
