#include "actors/engineio_session.hpp"

#include <iterator>
#include <utility>

#include "actors/log.hpp"
#include "actors/port_sinks.hpp"
#include "actors/socketio_app.hpp"

namespace openmfd::actors {

using protocol::engineio_packet;
using protocol::engineio_packet_type;

/// One WebSocket of the session; `port` is null until it opened.
struct engineio_session::websocket_link {
  std::uint64_t id = 0;
  std::shared_ptr<stream_sink> sink;
  stream_ptr port;
  bool probed = false; ///< answered "3probe" (upgrade links only)
};

struct engineio_session::transports {
  exchange_ptr poll;         ///< the held polling GET
  std::uint64_t poll_id = 0; ///< numbers polls, for poll_abort
  std::optional<websocket_link> ws;    ///< the WebSocket carrying the session
  std::optional<websocket_link> probe; ///< a WebSocket being upgraded to

  /// Answers a held poll with a close packet and closes every WebSocket
  /// once what was sent on it is written.
  void close_all() {
    if (poll)
      std::exchange(poll, nullptr)->respond(polling_response("1"));
    drop(ws);
    drop(probe);
  }

  static void drop(std::optional<websocket_link>& link) {
    if (link)
      link->sink->detach();
    link.reset();
  }
};

engineio_session::engineio_session(caf::scheduled_actor* host,
                                   std::string sid, std::uint64_t serial,
                                   engineio_settings settings,
                                   message_handler on_message)
  : host_(host),
    sid_(std::move(sid)),
    serial_(serial),
    settings_(std::move(settings)),
    on_message_(std::move(on_message)),
    io_(std::make_shared<transports>()),
    hold_jitter_(static_cast<std::minstd_rand::result_type>(serial)) {
  // However the host ends, its transports close.
  host_->attach_functor([io = io_] { io->close_all(); });
  host_->set_exit_handler([this](caf::exit_msg& msg) {
    close("server shutdown");
    host_->quit(msg.reason);
  });
}

// --- timers: each has a generation, bumped by re-arming or disarming it, so
// a delayed message from before is recognised and ignored ----------------

void engineio_session::arm(timer t, std::chrono::milliseconds after) {
  auto kind = static_cast<std::uint8_t>(t);
  auto generation = ++timers_[kind];
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(host_), after,
                         atom::deadline_v, kind, generation);
}

void engineio_session::disarm(timer t) {
  ++timers_[static_cast<std::size_t>(t)];
}

void engineio_session::disarm_all() {
  for (auto& generation : timers_)
    ++generation;
}

void engineio_session::on_deadline(std::uint8_t kind,
                                   std::uint64_t generation) {
  if (kind >= timers_.size() || timers_[kind] != generation)
    return; // disarmed or re-armed since
  switch (static_cast<timer>(kind)) {
    case timer::ping:
      return on_ping_due();
    case timer::pong:
      return close("ping timeout");
    case timer::connect:
      return close("not connected in time");
    case timer::upgrade:
      return abandon_probe();
    case timer::linger:
      return quit();
    case timer::credits:
      return return_held_credits();
    case timer::count:
      return;
  }
}

void engineio_session::connected() {
  disarm(timer::connect);
}

void engineio_session::disconnected() {
  arm_connect_deadline();
}

void engineio_session::hold_back_reads() {
  if (holding_back_reads_)
    return;
  holding_back_reads_ = true;
  // Between half and one and a half times the hold.
  auto base = settings_.read_hold_back;
  std::uniform_int_distribution<long> spread{0, base.count()};
  arm(timer::credits, base / 2 + std::chrono::milliseconds{
                                   spread(hold_jitter_)});
}

// After the frame was handled, so that the handler can still hold it back.
void engineio_session::return_read_credit(const stream_ptr& port) {
  if (holding_back_reads_)
    ++held_credits_;
  else
    port->grant(1);
}

void engineio_session::return_held_credits() {
  holding_back_reads_ = false;
  auto credits = std::exchange(held_credits_, 0);
  if (credits > 0 && io_->ws && io_->ws->port)
    io_->ws->port->grant(credits);
}

// --- sending ------------------------------------------------------------

/// Answers the held poll with everything queued, if there is both.
void engineio_session::flush_poll() {
  if (!io_->poll || outbox_.empty())
    return;
  std::vector<engineio_packet> packets(
    std::make_move_iterator(outbox_.begin()),
    std::make_move_iterator(outbox_.end()));
  outbox_.clear();
  outbox_bytes_ = 0;
  auto poll = std::exchange(io_->poll, nullptr);
  auto payload = protocol::encode_payload(packets);
  if (!payload) { // only text holding \x1e, which no host sends
    poll->respond(engineio_error(engineio_http_error::bad_request));
    return close("unencodable packet");
  }
  poll->respond(polling_response(std::move(*payload)));
}

/// Sends `packet` on the WebSocket, or queues it for a poll without
/// answering the held one yet (so that several go out in one answer).
void engineio_session::queue(engineio_packet packet) {
  if (closing_)
    return;
  if (on_websocket_) {
    if (io_->ws && io_->ws->port)
      io_->ws->port->send(protocol::encode_packet(packet), packet.binary);
    return;
  }
  if (outbox_.size() >= settings_.max_buffered_packets
      || outbox_bytes_ + packet.data.size() > settings_.max_buffered_bytes)
    return close("client too slow to poll");
  outbox_bytes_ += packet.data.size();
  outbox_.push_back(std::move(packet));
}

void engineio_session::send(std::vector<engineio_packet> packets) {
  for (auto& packet : packets)
    queue(std::move(packet));
  flush_poll();
}

void engineio_session::send_text(std::string text) {
  queue(protocol::make_text_message(std::move(text)));
  flush_poll();
}

protocol::engineio_packet engineio_session::open_packet() const {
  protocol::engineio_open open;
  open.sid = sid_;
  if (!on_websocket_)
    open.upgrades = {"websocket"};
  open.ping_interval_ms = static_cast<std::uint64_t>(
    settings_.ping_interval.count());
  open.ping_timeout_ms = static_cast<std::uint64_t>(
    settings_.ping_timeout.count());
  open.max_payload = settings_.max_payload;
  return protocol::make_open_packet(open);
}

// --- opening and closing ------------------------------------------------

void engineio_session::arm_connect_deadline() {
  if (settings_.connect_timeout.count() > 0)
    arm(timer::connect, settings_.connect_timeout);
}

void engineio_session::open(const exchange_ptr& handshake) {
  arm_connect_deadline();
  auto query = protocol::parse_handshake_query(handshake->request().query());
  if (query && query->transport == protocol::engineio_transport::websocket) {
    on_websocket_ = true;
    io_->ws = start_websocket(handshake);
    return;
  }
  auto payload = protocol::encode_payload({open_packet()});
  handshake->respond(polling_response(payload ? std::move(*payload) : ""));
  arm(timer::ping, settings_.ping_interval);
}

void engineio_session::quit() {
  io_->close_all();
  host_->quit();
}

// With `farewell`, a WebSocket writes what was sent before closing, and a
// polling session lingers (at most `close_linger`) for the polls that carry
// what is queued and then the close packet. A probe in flight is kept: a
// client in the middle of its upgrade no longer polls, so what is queued
// goes out on the WebSocket once the upgrade is done.
void engineio_session::close(std::string_view why, bool farewell) {
  if (closing_)
    return;
  closing_ = true;
  log("session").debug("session #{} closing: {}", serial_, why);
  disarm_all();
  if (on_websocket_)
    return quit();
  if (farewell && !(io_->poll && outbox_.empty()))
    return arm(timer::linger, settings_.close_linger);
  transports::drop(io_->probe);
  // The close packet tells a polling client at once, not at its next ping.
  outbox_.push_back({engineio_packet_type::close, {}, false});
  flush_poll();
  quit();
}

/// A poll while lingering: the last packets, or (once they are out) the
/// close packet, which ends the session.
void engineio_session::on_closing_poll(const exchange_ptr& exchange) {
  if (!outbox_.empty()) {
    io_->poll = exchange;
    return flush_poll();
  }
  exchange->respond(polling_response("1"));
  quit();
}

// engine.io ends a held poll with a noop when the client closes.
void engineio_session::on_closed_by_client() {
  if (auto poll = std::exchange(io_->poll, nullptr))
    poll->respond(polling_response("6"));
  close("closed by the client");
}

// --- heartbeat ----------------------------------------------------------

void engineio_session::on_ping_due() {
  ping(settings_.ping_timeout);
}

void engineio_session::ping(std::chrono::milliseconds timeout) {
  send({{engineio_packet_type::ping, {}, false}});
  awaiting_pong_ = true;
  pong_due_ = std::chrono::steady_clock::now() + timeout;
  arm(timer::pong, timeout);
}

void engineio_session::check_alive() {
  if (closing_)
    return;
  const auto timeout = settings_.check_alive_timeout;
  if (!awaiting_pong_) {
    disarm(timer::ping);
    return ping(timeout);
  }
  // A ping is out already: its pong is due sooner now.
  auto due = std::chrono::steady_clock::now() + timeout;
  if (due < pong_due_) {
    pong_due_ = due;
    arm(timer::pong, timeout);
  }
}

// The pong timer's message may come late on a busy machine; the deadline
// is exact all the same: whatever arrives after it finds the session
// closed.
bool engineio_session::close_if_pong_overdue() {
  if (closing_ || !awaiting_pong_
      || std::chrono::steady_clock::now() < pong_due_)
    return false;
  close("ping timeout");
  return true;
}

void engineio_session::on_pong() {
  if (!awaiting_pong_)
    return;
  awaiting_pong_ = false;
  disarm(timer::pong);
  arm(timer::ping, settings_.ping_interval);
}

// --- packets ------------------------------------------------------------

/// A packet that came over the transport carrying the session.
void engineio_session::on_packet(engineio_packet packet) {
  switch (packet.type) {
    case engineio_packet_type::message:
      return on_message_(std::move(packet));
    case engineio_packet_type::pong:
      return on_pong();
    case engineio_packet_type::close:
      return on_closed_by_client();
    case engineio_packet_type::noop:
      return;
    default: // open, upgrade, and ping (v4 pings from the server only)
      break;
  }
  close("unexpected Engine.IO packet");
}

// --- long-polling -------------------------------------------------------

/// Answers the held poll at once, with a noop if nothing waits: a client
/// that is pausing polling for an upgrade waits for its poll to end.
void engineio_session::release_poll() {
  if (io_->poll && outbox_.empty())
    outbox_.push_back({engineio_packet_type::noop, {}, false});
  flush_poll();
}

void engineio_session::on_poll(const exchange_ptr& exchange) {
  if (closing_)
    return on_closing_poll(exchange);
  if (io_->poll) { // engine.io: "overlap from client"
    exchange->respond(engineio_error(engineio_http_error::bad_request));
    return close("two polls at once");
  }
  io_->poll = exchange;
  exchange->on_abort(make_abort_notice(host_->address(), ++io_->poll_id));
  if (io_->probe && io_->probe->probed) // the client is pausing polling
    release_poll();
  flush_poll();
}

void engineio_session::on_poll_abort(std::uint64_t id) {
  if (!io_->poll || io_->poll_id != id)
    return;
  io_->poll.reset();
  close("poll closed by the client");
}

void engineio_session::on_post(const exchange_ptr& exchange) {
  if (closing_)
    return exchange->respond(engineio_error(engineio_http_error::bad_request));
  auto packets = protocol::decode_payload(exchange->request().body,
                                          settings_.max_payload);
  if (!packets) {
    exchange->respond(engineio_error(engineio_http_error::bad_request));
    return close("malformed polling payload");
  }
  exchange->respond(polling_ok());
  for (auto& packet : *packets) {
    if (closing_)
      break;
    on_packet(std::move(packet));
  }
}

// --- WebSocket and upgrade ----------------------------------------------

engineio_session::websocket_link
engineio_session::start_websocket(const exchange_ptr& exchange) {
  websocket_link link;
  link.id = ++next_link_;
  link.sink = make_stream_sink(host_->address(), link.id);
  exchange->upgrade(link.sink);
  return link;
}

void engineio_session::on_upgrade_request(const exchange_ptr& exchange) {
  if (!valid_websocket_upgrade(exchange->request()))
    return exchange->respond(engineio_error(engineio_http_error::bad_request));
  // engine.io accepts a WebSocket it has no use for and closes it at once.
  if (closing_ || on_websocket_ || io_->probe)
    return start_websocket(exchange).sink->detach();
  io_->probe = start_websocket(exchange);
  arm(timer::upgrade, settings_.upgrade_timeout);
}

void engineio_session::abandon_probe() {
  disarm(timer::upgrade);
  transports::drop(io_->probe);
}

// The client stops polling once it has "3probe": release its held poll now
// (engine.io sends a noop) so that it can pause and send the upgrade.
void engineio_session::answer_probe() {
  io_->probe->probed = true;
  io_->probe->port->send("3probe", false);
  release_poll();
}

// From here on the WebSocket carries the session. What waited for a poll
// goes out on it first, so the order of packets survives the switch; a
// session that was closing ends once that is written.
void engineio_session::finish_upgrade() {
  disarm(timer::upgrade);
  io_->ws = std::move(io_->probe);
  io_->probe.reset();
  on_websocket_ = true;
  if (auto poll = std::exchange(io_->poll, nullptr))
    poll->respond(polling_response("6"));
  auto pending = std::exchange(outbox_, {});
  outbox_bytes_ = 0;
  for (const auto& packet : pending)
    io_->ws->port->send(protocol::encode_packet(packet), packet.binary);
  log("session").debug("session #{}: upgraded to websocket", serial_);
  if (closing_)
    quit();
}

void engineio_session::on_probe_frame(const std::string& frame,
                                      bool binary) {
  auto packet = protocol::decode_packet(frame, binary, settings_.max_payload);
  if (packet && packet->type == engineio_packet_type::ping
      && packet->data == "probe")
    return answer_probe();
  if (packet && packet->type == engineio_packet_type::upgrade
      && io_->probe->probed)
    return finish_upgrade();
  abandon_probe(); // engine.io closes a probe that says anything else
}

void engineio_session::on_ws_open(std::uint64_t id, const stream_ptr& port) {
  if (io_->probe && io_->probe->id == id) {
    io_->probe->port = port;
    return;
  }
  if (io_->ws && io_->ws->id == id && !io_->ws->port) { // a direct WebSocket
    io_->ws->port = port;
    port->send(protocol::encode_packet(open_packet()), false);
    return arm(timer::ping, settings_.ping_interval);
  }
  port->close(); // a transport this session has given up
}

void engineio_session::on_ws_frame(std::uint64_t id, const std::string& frame,
                                   bool binary) {
  if (close_if_pong_overdue())
    return;
  if (io_->ws && io_->ws->id == id && io_->ws->port) {
    auto port = io_->ws->port;
    auto packet = protocol::decode_packet(frame, binary,
                                          settings_.max_payload);
    if (!packet)
      return close("malformed Engine.IO packet");
    on_packet(std::move(*packet));
    return return_read_credit(port);
  }
  if (io_->probe && io_->probe->id == id && io_->probe->port) {
    io_->probe->port->grant(1);
    on_probe_frame(frame, binary);
  }
}

void engineio_session::on_ws_closed(std::uint64_t id) {
  if (io_->ws && io_->ws->id == id) {
    io_->ws.reset();
    return close("websocket closed");
  }
  if (io_->probe && io_->probe->id == id)
    abandon_probe();
}

// --- requests -----------------------------------------------------------

void engineio_session::on_http(const exchange_ptr& exchange) {
  if (close_if_pong_overdue()) // as engine.io answers once the sid is gone
    return exchange->respond(engineio_error(engineio_http_error::unknown_sid));
  const auto& req = exchange->request();
  if (req.body_too_large) { // engine.io closes a session that sends too much
    exchange->respond(protocol::json_error(413, "payload_too_large"));
    return close("payload too large");
  }
  auto query = protocol::parse_handshake_query(req.query());
  if (!query)
    return exchange->respond(engineio_error(engineio_error_for(query.error())));
  if (query->transport == protocol::engineio_transport::websocket)
    return on_upgrade_request(exchange);
  // engine.io: no polling once upgraded, nor a poll asking for a WebSocket
  // (its connection would not tell when the client hangs up).
  if (on_websocket_ || wants_websocket(req))
    return exchange->respond(engineio_error(engineio_http_error::bad_request));
  if (req.method == "GET")
    return on_poll(exchange);
  if (req.method == "POST")
    return on_post(exchange);
  exchange->respond(engineio_error(engineio_http_error::bad_request));
}

} // namespace openmfd::actors
