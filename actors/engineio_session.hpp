#pragma once

// One Engine.IO v4 session's transports (DESIGN §3): the handshake answer,
// long-polling, the WebSocket (direct or by upgrade), the heartbeat and the
// close. Not an actor: the actor hosting a session owns one, hands it the
// transport messages of engineio_session_actor and hears the client's
// messages through a callback. What the messages carry (Socket.IO for the
// panels, an echo for the conformance server) is the host's business.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "actors/messages.hpp"
#include "protocol/engineio.hpp"

namespace openmfd::actors {

/// The messages every Engine.IO session takes. Routers hold this handle;
/// hosts extend it with their own messages.
using engineio_session_actor = caf::typed_actor<
  /// A request carrying this session's sid: a poll (GET), packets (POST)
  /// or a WebSocket upgrade.
  caf::reacts_to<atom::http, exchange_ptr>,
  /// WebSocket transport `n` opened / delivered a message / closed.
  caf::reacts_to<atom::ws_open, std::uint64_t, stream_ptr>,
  caf::reacts_to<atom::ws_frame, std::uint64_t, std::string, bool>,
  caf::reacts_to<atom::ws_closed, std::uint64_t>,
  /// The client of held poll `n` hung up.
  caf::reacts_to<atom::poll_abort, std::uint64_t>,
  /// Internal: timer (kind, generation) is due.
  caf::reacts_to<atom::deadline, std::uint8_t, std::uint64_t>>;

/// Engine.IO's knobs (the first three go to the client in the open packet).
struct engineio_settings {
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds ping_timeout{20'000};
  /// How long a session asked to check its link (check_alive) waits for
  /// the pong: its client connected again elsewhere, so a live link
  /// answers at once and a dead one must not keep held keys for long.
  std::chrono::milliseconds check_alive_timeout{5'000};
  /// The largest message or polling body a client may send, in bytes.
  std::size_t max_payload = 1'000'000;
  /// A session whose host has not called `connected()` by then is closed
  /// (Socket.IO's connectTimeout; DESIGN §3: 10 s to authenticate). Zero:
  /// no such deadline.
  std::chrono::milliseconds connect_timeout{10'000};
  /// From a probe's WebSocket request to its upgrade packet, at most.
  std::chrono::milliseconds upgrade_timeout{10'000};
  /// How long a closing polling session waits for the GET that delivers its
  /// last packets (a CONNECT_ERROR, `revoked`).
  std::chrono::milliseconds close_linger{5'000};
  /// Packets waiting for a poll, at most (count and bytes); beyond them the
  /// client is too slow and the session closes.
  std::size_t max_buffered_packets = 1024;
  std::size_t max_buffered_bytes = 16 * 1024 * 1024;
  /// Sessions open at once, at most; beyond, handshakes get 503 (each
  /// unconnected one lives up to `connect_timeout` without a connection).
  std::size_t max_sessions = 1024;
  /// Sessions open at once from one address, at most; beyond, its
  /// handshakes get 429 (a panel needs one or two; one host must not take
  /// every session from the others).
  std::size_t max_sessions_per_address = 32;
  /// How long a client that sends faster than allowed gets no read credits
  /// back (see hold_back_reads).
  std::chrono::milliseconds read_hold_back{1000};
};

class engineio_session {
public:
  /// Gets each message packet (text, or binary) the client sends.
  using message_handler = std::function<void(protocol::engineio_packet)>;

  /// For the actor `host` (which must outlive nothing: the session lives in
  /// its state). `serial` names the session in logs instead of its sid.
  engineio_session(caf::scheduled_actor* host, std::string sid,
                   std::uint64_t serial, engineio_settings settings,
                   message_handler on_message);
  engineio_session(const engineio_session&) = delete;
  engineio_session& operator=(const engineio_session&) = delete;

  /// Answers the handshake request: the open packet on a poll, or a
  /// WebSocket (whose open packet goes out once it is open).
  void open(const exchange_ptr& handshake);

  // The messages of engineio_session_actor, as the host receives them.
  void on_http(const exchange_ptr& exchange);
  void on_ws_open(std::uint64_t id, const stream_ptr& port);
  void on_ws_frame(std::uint64_t id, const std::string& frame, bool binary);
  void on_ws_closed(std::uint64_t id);
  void on_poll_abort(std::uint64_t id);
  void on_deadline(std::uint8_t kind, std::uint64_t generation);

  /// Sends `packets` in order, in one polling answer if polling.
  void send(std::vector<protocol::engineio_packet> packets);
  /// Sends one text message.
  void send_text(std::string text);

  /// Ends the session. With `farewell`, what was sent (a CONNECT_ERROR,
  /// `revoked`) still reaches the client first, on either transport.
  void close(std::string_view why, bool farewell = false);

  /// The host's client connected: the connect deadline no longer applies.
  void connected();
  /// The host's client left (Socket.IO DISCONNECT) but the session stays
  /// open for a new CONNECT: the connect deadline applies again, so that a
  /// session nobody is connected on does not hold a slot for ever.
  void disconnected();

  /// Pings the client now and closes unless its pong comes within
  /// `check_alive_timeout` (sooner than the heartbeat would notice a dead
  /// link).
  void check_alive();

  /// The client sends faster than the host allows: for `read_hold_back`,
  /// the frames it sends over a WebSocket do not return their read
  /// credits, so that it gets to send only the few it still has credit for
  /// (not one refusal after another, each as costly as a request). A poll
  /// is not slowed this way.
  void hold_back_reads();

  bool closing() const noexcept {
    return closing_;
  }
  bool on_websocket() const noexcept {
    return on_websocket_;
  }
  std::uint64_t serial() const noexcept {
    return serial_;
  }

private:
  struct websocket_link;
  /// Everything that touches the network; shared with the host's exit hook.
  struct transports;

  enum class timer : std::uint8_t { ping, pong, connect, upgrade, linger,
                                    credits, count };

  void arm(timer t, std::chrono::milliseconds after);
  void arm_connect_deadline();
  void disarm(timer t);
  void disarm_all();

  void flush_poll();
  void queue(protocol::engineio_packet packet);
  void release_poll();
  void quit();

  void on_packet(protocol::engineio_packet packet);
  void return_read_credit(const stream_ptr& port);
  void return_held_credits();
  void on_ping_due();
  /// Sends a ping; closes unless the pong comes within `timeout`.
  void ping(std::chrono::milliseconds timeout);
  void on_pong();
  bool close_if_pong_overdue();
  void on_closed_by_client();

  void on_poll(const exchange_ptr& exchange);
  void on_closing_poll(const exchange_ptr& exchange);
  void on_post(const exchange_ptr& exchange);

  websocket_link start_websocket(const exchange_ptr& exchange);
  void on_upgrade_request(const exchange_ptr& exchange);
  void on_probe_frame(const std::string& frame, bool binary);
  void abandon_probe();
  void answer_probe();
  void finish_upgrade();
  protocol::engineio_packet open_packet() const;

  caf::scheduled_actor* host_;
  std::string sid_;
  std::uint64_t serial_;
  engineio_settings settings_;
  message_handler on_message_;
  std::shared_ptr<transports> io_;
  bool on_websocket_ = false; ///< else long-polling
  bool closing_ = false;
  bool awaiting_pong_ = false;
  bool holding_back_reads_ = false;
  /// Spreads the holds of many flooding clients over time, so that their
  /// reads do not resume all at once (seeded with the serial).
  std::minstd_rand hold_jitter_;
  std::size_t held_credits_ = 0; ///< read credits to return after the hold
  std::chrono::steady_clock::time_point pong_due_;
  std::deque<protocol::engineio_packet> outbox_; ///< for the next poll
  std::size_t outbox_bytes_ = 0;
  std::uint64_t next_link_ = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(timer::count)> timers_{};
};

/// The behaviour of a host of `engine` (an actor of type `Handle`): the
/// transport messages go to `engine`, the host's own to `handlers`.
template <class Handle = engineio_session_actor, class... Handlers>
typename Handle::behavior_type engineio_behavior(engineio_session& engine,
                                                 Handlers... handlers) {
  return {
    [&engine](atom::http, const exchange_ptr& exchange) {
      engine.on_http(exchange);
    },
    [&engine](atom::ws_open, std::uint64_t id, const stream_ptr& port) {
      engine.on_ws_open(id, port);
    },
    [&engine](atom::ws_frame, std::uint64_t id, const std::string& frame,
              bool binary) { engine.on_ws_frame(id, frame, binary); },
    [&engine](atom::ws_closed, std::uint64_t id) { engine.on_ws_closed(id); },
    [&engine](atom::poll_abort, std::uint64_t id) {
      engine.on_poll_abort(id);
    },
    [&engine](atom::deadline, std::uint8_t kind, std::uint64_t generation) {
      engine.on_deadline(kind, generation);
    },
    std::move(handlers)...,
  };
}

} // namespace openmfd::actors
