#include "actors/session_actor.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "actors/log.hpp"
#include "actors/port_sinks.hpp"
#include "actors/socketio_app.hpp"
#include "protocol/engineio.hpp"
#include "protocol/key_combo.hpp"
#include "protocol/socketio.hpp"

namespace openmfd::actors {

namespace {

using protocol::engineio_packet;
using protocol::engineio_packet_type;
using protocol::socketio_packet_type;

/// The session's timers. Each has a generation: re-arming or disarming one
/// bumps it, so a delayed message from before is recognised and ignored.
enum class timer : std::uint8_t { ping, pong, auth, upgrade, linger, count };

/// How long another actor (auth, screens) may take to answer.
constexpr auto peer_timeout = std::chrono::seconds{5};

/// One WebSocket of the session; `port` is null until it opened.
struct websocket_link {
  std::uint64_t id = 0;
  std::shared_ptr<stream_sink> sink;
  stream_ptr port;
  bool probed = false; ///< answered "3probe" (upgrade links only)
};

/// Everything of the session that touches the network. Shared with the
/// termination hook, so it is closed however the actor ends.
struct transports {
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

/// The Socket.IO connection to namespace "/".
enum class sio_phase { waiting, authenticating, connected };

/// Where an event's answer goes: its ack, or a `message` event.
struct reply_to {
  std::string event;
  std::optional<std::uint64_t> ack;
};

/// One app event from the client.
struct event_call {
  reply_to to;
  boost::json::array args; ///< the arguments after the event name
  std::vector<std::string> attachments;
};

struct session_state {
  static inline const char* name = "session";
  session_config cfg;
  std::shared_ptr<transports> io = std::make_shared<transports>();
  bool on_websocket = false; ///< else long-polling
  bool closing = false;
  bool awaiting_pong = false;
  std::deque<engineio_packet> outbox; ///< for the next poll
  std::size_t outbox_bytes = 0;
  std::uint64_t next_link = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(timer::count)> timers{};
  sio_phase sio = sio_phase::waiting;
  std::optional<client_identity> client;
  protocol::socketio_reassembler reassembler;
  /// The keys this session asked to hold (key_down), so that a combo that
  /// fails half way lets go of what it pressed.
  std::set<protocol::hid_usage> held;
  /// The client's clock, learnt from the CONNECT's `ts`.
  client_clock clock;
};

using self_ptr = session_actor::stateful_pointer<session_state>;

void close_session(self_ptr self, std::string_view why, bool farewell);

// --- timers -------------------------------------------------------------

void arm(self_ptr self, timer t, std::chrono::milliseconds after) {
  auto kind = static_cast<std::uint8_t>(t);
  auto generation = ++self->state.timers[kind];
  self->delayed_send(self, after, atom::deadline_v, kind, generation);
}

void disarm(self_ptr self, timer t) {
  ++self->state.timers[static_cast<std::size_t>(t)];
}

void disarm_all(self_ptr self) {
  for (auto& generation : self->state.timers)
    ++generation;
}

// --- sending ------------------------------------------------------------

/// Answers the held poll with everything queued, if there is both.
void flush_poll(self_ptr self) {
  auto& st = self->state;
  if (!st.io->poll || st.outbox.empty())
    return;
  std::vector<engineio_packet> packets(
    std::make_move_iterator(st.outbox.begin()),
    std::make_move_iterator(st.outbox.end()));
  st.outbox.clear();
  st.outbox_bytes = 0;
  auto poll = std::exchange(st.io->poll, nullptr);
  auto payload = protocol::encode_payload(packets);
  if (!payload) { // only text holding \x1e, which our JSON never has
    poll->respond(engineio_error(engineio_http_error::bad_request));
    return close_session(self, "unencodable packet", false);
  }
  poll->respond(polling_response(std::move(*payload)));
}

/// Sends `packet` on the WebSocket, or queues it for a poll without
/// answering the held one yet (so that several go out in one answer).
void queue_packet(self_ptr self, engineio_packet packet) {
  auto& st = self->state;
  if (st.closing)
    return;
  if (st.on_websocket) {
    if (st.io->ws && st.io->ws->port)
      st.io->ws->port->send(protocol::encode_packet(packet), packet.binary);
    return;
  }
  const auto& limits = st.cfg.engine;
  if (st.outbox.size() >= limits.max_buffered_packets
      || st.outbox_bytes + packet.data.size() > limits.max_buffered_bytes)
    return close_session(self, "client too slow to poll", false);
  st.outbox_bytes += packet.data.size();
  st.outbox.push_back(std::move(packet));
}

void send_packet(self_ptr self, engineio_packet packet) {
  queue_packet(self, std::move(packet));
  flush_poll(self);
}

void send_socketio(self_ptr self, std::string text) {
  send_packet(self, protocol::make_text_message(std::move(text)));
}

/// Sends the last Socket.IO packets, then closes (DESIGN §3: the client
/// learns why first, on either transport). A polling client gets them in
/// one answer and the close packet in the next: socket.io-client handles
/// messages a tick late, so a close in the same answer would overtake them.
void send_and_close(self_ptr self, std::vector<std::string> texts,
                    std::string_view why) {
  for (auto& text : texts)
    queue_packet(self, protocol::make_text_message(std::move(text)));
  flush_poll(self);
  close_session(self, why, true);
}

void emit(self_ptr self, std::string_view event, boost::json::array args) {
  send_socketio(self, protocol::encode_event(event, args));
}

engineio_packet open_packet(const session_state& st) {
  protocol::engineio_open open;
  open.sid = st.cfg.sid;
  if (!st.on_websocket)
    open.upgrades = {"websocket"};
  open.ping_interval_ms = static_cast<std::uint64_t>(
    st.cfg.engine.ping_interval.count());
  open.ping_timeout_ms = static_cast<std::uint64_t>(
    st.cfg.engine.ping_timeout.count());
  open.max_payload = st.cfg.engine.max_payload;
  return protocol::make_open_packet(open);
}

// --- closing ------------------------------------------------------------

/// Ends the session. With `farewell`, what was sent (a CONNECT_ERROR,
/// `revoked`) still reaches the client: a WebSocket writes it before
/// closing, and a polling session lingers (at most `close_linger`) for the
/// polls that carry what is queued and then the close packet.
void close_session(self_ptr self, std::string_view why, bool farewell) {
  auto& st = self->state;
  if (st.closing)
    return;
  st.closing = true;
  log("session").debug("session #{} closing: {}", st.cfg.serial, why);
  disarm_all(self);
  transports::drop(st.io->probe);
  if (st.on_websocket) {
    st.io->close_all();
    return self->quit();
  }
  if (farewell && !(st.io->poll && st.outbox.empty()))
    return arm(self, timer::linger, st.cfg.engine.close_linger);
  // The close packet tells a polling client at once, not at its next ping.
  st.outbox.push_back({engineio_packet_type::close, {}, false});
  flush_poll(self);
  st.io->close_all();
  self->quit();
}

/// A poll while lingering: the last packets, or (once they are out) the
/// close packet, which ends the session.
void on_closing_poll(self_ptr self, const exchange_ptr& exchange) {
  auto& st = self->state;
  if (!st.outbox.empty()) {
    st.io->poll = exchange;
    return flush_poll(self);
  }
  exchange->respond(polling_response("1"));
  self->quit();
}

// --- heartbeat ----------------------------------------------------------

void on_ping_due(self_ptr self) {
  send_packet(self, {engineio_packet_type::ping, {}, false});
  self->state.awaiting_pong = true;
  arm(self, timer::pong, self->state.cfg.engine.ping_timeout);
}

void on_pong(self_ptr self) {
  auto& st = self->state;
  if (!st.awaiting_pong)
    return;
  st.awaiting_pong = false;
  disarm(self, timer::pong);
  arm(self, timer::ping, st.cfg.engine.ping_interval);
}

// --- Socket.IO: connecting ----------------------------------------------

void admit(self_ptr self, const client_identity& who) {
  auto& st = self->state;
  st.client = who;
  st.sio = sio_phase::connected;
  disarm(self, timer::auth);
  self->send(st.cfg.auth, atom::subscribe_v, who.id_hash,
             caf::actor_cast<caf::actor>(self));
  send_socketio(self, protocol::encode_connect_reply(make_session_id()));
  log("session").info("session #{}: {} ({}) connected over {}", st.cfg.serial,
                      who.name, who.id_hash.substr(0, 8),
                      st.on_websocket ? "websocket" : "polling");
}

// The client learns why before the session closes (DESIGN §3).
void refuse(self_ptr self) {
  log("session").info("session #{}: CONNECT refused: unauthorized",
                      self->state.cfg.serial);
  send_and_close(self, {protocol::encode_connect_error("unauthorized")},
                 "unauthorized");
}

/// The `token` of a CONNECT's auth payload, if it has one.
std::optional<std::string> auth_token(const protocol::socketio_packet& p) {
  if (!p.data || !p.data->is_object())
    return std::nullopt;
  const auto* token = p.data->get_object().if_contains("token");
  if (token == nullptr || !token->is_string())
    return std::nullopt;
  return std::string{token->get_string()};
}

/// Our clock for `ts` comparisons, in milliseconds.
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// Learns the client's clock from the CONNECT's `ts`; a CONNECT without one
/// leaves it unknown (then no action is judged stale).
void learn_clock(self_ptr self, const protocol::socketio_packet& p) {
  auto& clock = self->state.clock;
  clock = client_clock{};
  const auto* auth = p.data && p.data->is_object() ? &p.data->get_object()
                                                   : nullptr;
  auto ts = timestamp_field(auth);
  if (ts.ms)
    clock.observe(*ts.ms, now_ms());
}

void on_connect(self_ptr self, const protocol::socketio_packet& p) {
  auto& st = self->state;
  if (p.nsp != "/")
    return send_socketio(self, protocol::encode_connect_error(
                                 "Invalid namespace", p.nsp));
  if (st.sio != sio_phase::waiting) // socket.io closes on this, too
    return close_session(self, "CONNECT while connected", false);
  learn_clock(self, p);
  auto token = auth_token(p);
  if (!token) {
    if (st.cfg.identity) // the handshake's ?token= was valid
      return admit(self, *st.cfg.identity);
    return refuse(self);
  }
  st.sio = sio_phase::authenticating;
  self->request(st.cfg.auth, peer_timeout, atom::validate_v, *token)
    .then(
      [self](const client_identity& who) {
        if (self->state.sio == sio_phase::authenticating
            && !self->state.closing)
          admit(self, who);
      },
      [self](const caf::error&) {
        if (self->state.sio == sio_phase::authenticating)
          refuse(self);
      });
}

// --- Socket.IO: app events ----------------------------------------------

void reply(self_ptr self, const reply_to& to, boost::json::object result) {
  if (self->state.closing)
    return;
  if (to.ack) {
    boost::json::array args{std::move(result)};
    return send_socketio(self, protocol::encode_ack(*to.ack, args));
  }
  if (auto text = message_for(to.event, result))
    emit(self, "message", boost::json::array{boost::json::string{*text}});
}

/// The wire code of a screens actor's failure.
std::string screens_code(const caf::error& err) {
  if (auto e = as_screens_error(err))
    return to_string(*e);
  return "unavailable";
}

/// Asks the screens actor `xs..., this session`, then answers `call` with
/// `on_ok(answer)` or the error's code.
template <class Answer, class OnOk, class... Ts>
void ask_screens(self_ptr self, const event_call& call, OnOk on_ok,
                 Ts&&... xs) {
  if (!self->state.cfg.screens)
    return reply(self, call.to, error_result("unavailable"));
  self
    ->request(self->state.cfg.screens, peer_timeout, std::forward<Ts>(xs)...,
              caf::actor_cast<caf::actor>(self))
    .then(
      [self, to = call.to, on_ok](Answer answer) {
        reply(self, to, on_ok(answer));
      },
      [self, to = call.to](const caf::error& err) {
        reply(self, to, error_result(screens_code(err)));
      });
}

void join_screen(self_ptr self, const event_call& call) {
  auto screen = screen_argument(call.args);
  if (!screen)
    return reply(self, call.to, error_result("invalid_screen"));
  ask_screens<std::string>(
    self, call,
    [screen = *screen](const std::string& state) {
      auto result = ok_result();
      result["screen"] = screen;
      result["state"] = parse_object(state);
      return result;
    },
    atom::join_screen_v, *screen);
}

void leave_screen(self_ptr self, const event_call& call) {
  auto screen = screen_argument(call.args);
  if (!screen)
    return reply(self, call.to, error_result("invalid_screen"));
  ask_screens<bool>(
    self, call, [](bool) { return ok_result(); }, atom::leave_screen_v,
    *screen);
}

void set_screen_state(self_ptr self, const event_call& call) {
  auto screen = screen_argument(call.args);
  if (!screen)
    return reply(self, call.to, error_result("invalid_screen"));
  auto state = state_argument(call.args);
  if (!state)
    return reply(self, call.to, error_result("invalid_state"));
  ask_screens<bool>(
    self, call, [](bool) { return ok_result(); }, atom::set_screen_v,
    *screen, *state);
}

// --- Socket.IO: input events (DESIGN §3, §6) ------------------------------

using protocol::hid_usage;

/// The wire code of an injector's failure; a timeout or a dead injector is
/// `unavailable`.
std::string injector_code(const caf::error& err) {
  if (auto e = as_injector_error(err))
    return to_string(*e);
  return "unavailable";
}

caf::actor as_actor(self_ptr self) {
  return caf::actor_cast<caf::actor>(self);
}

/// The client's name: what the injector's log lines say (never its id or a
/// token). Events come only once connected, so there is one.
std::string client_name(const session_state& st) {
  return st.client ? st.client->name : std::string{};
}

/// Why an action must not run now, judged by its `ts`: `bad_request` for a
/// malformed one, `stale` when the client queued it while disconnected and
/// sent it late (pressing keys seconds late is not what the pilot wants).
std::optional<std::string> timing_refusal(self_ptr self,
                                          const event_call& call) {
  auto ts = timestamp_argument(call.args);
  if (ts.malformed)
    return std::string{"bad_request"};
  auto& st = self->state;
  if (!ts.ms || !st.clock.known())
    return std::nullopt;
  auto now = now_ms();
  auto late = st.clock.lateness(*ts.ms, now);
  st.clock.observe(*ts.ms, now);
  if (late <= st.cfg.input.stale_after)
    return std::nullopt;
  log("session").info("session #{}: {} sent {} ms late: refused as stale",
                      st.cfg.serial, call.to.event, late.count());
  return std::string{"stale"};
}

/// Answers `call` with `unavailable` when the session has no injector.
bool has_injector(self_ptr self, const event_call& call) {
  if (self->state.cfg.input.injector)
    return true;
  reply(self, call.to, error_result("unavailable"));
  return false;
}

/// Queues `script` with the injector; the ack comes after its last key.
void run_script(self_ptr self, const event_call& call, std::string label,
                protocol::key_script script) {
  if (!has_injector(self, call))
    return;
  const auto& input = self->state.cfg.input;
  key_job job{client_name(self->state), std::move(label), std::move(script)};
  self
    ->request(input.injector, input.answer_timeout, atom::run_v,
              as_actor(self), std::move(job))
    .then([self, to = call.to](bool) { reply(self, to, ok_result()); },
          [self, to = call.to](const caf::error& err) {
            reply(self, to, error_result(injector_code(err)));
          });
}

void run_action(self_ptr self, const event_call& call) {
  if (auto refusal = timing_refusal(self, call))
    return reply(self, call.to, error_result(*refusal));
  auto name = text_argument(call.args, "name");
  if (!name)
    return reply(self, call.to, error_result("bad_request"));
  const auto& input = self->state.cfg.input;
  if (!input.bindings)
    return reply(self, call.to, error_result("unavailable"));
  auto script = protocol::action_script(*input.bindings, *name, input.script);
  if (!script) // unknown_action, no_keyboard_binding, unsupported_binding...
    return reply(self, call.to, error_result(script.error().message()));
  run_script(self, call, std::move(*name), std::move(*script));
}

/// The combo of `{"keys": ...}`, or nothing after answering why not
/// (`bad_request`, or the combo's error such as `unknown_key`).
std::optional<protocol::key_combo> combo_argument(self_ptr self,
                                                  const event_call& call) {
  auto keys = text_argument(call.args, "keys");
  if (!keys) {
    reply(self, call.to, error_result("bad_request"));
    return std::nullopt;
  }
  auto combo = protocol::parse_key_combo(*keys);
  if (!combo) {
    reply(self, call.to, error_result(combo.error().message()));
    return std::nullopt;
  }
  return std::move(*combo);
}

/// The text of `{"mode": ...}`: "" when absent or null (press, as in
/// bindings.json); nothing when it is not a string.
std::optional<std::string_view> mode_text(const event_call& call) {
  const auto* mode = argument_field(call.args, "mode");
  if (mode == nullptr || mode->is_null())
    return std::string_view{};
  if (!mode->is_string())
    return std::nullopt;
  return std::string_view{mode->get_string()};
}

void press(self_ptr self, const event_call& call) {
  if (auto refusal = timing_refusal(self, call))
    return reply(self, call.to, error_result(*refusal));
  auto text = mode_text(call);
  if (!text)
    return reply(self, call.to, error_result("bad_request"));
  auto mode = protocol::parse_activation_mode(*text);
  if (!mode)
    return reply(self, call.to, error_result(mode.error().message()));
  auto combo = combo_argument(self, call);
  if (!combo)
    return;
  auto script = protocol::compile_key_script(*combo, *mode,
                                             self->state.cfg.input.script);
  if (!script)
    return reply(self, call.to, error_result(script.error().message()));
  auto label = protocol::format_key_combo(*combo);
  label += ' ';
  label += protocol::mode_name(*mode);
  run_script(self, call, std::move(label), std::move(*script));
}

/// Asks `ask(key)` for each of `keys` (in order: the injector takes one
/// sender's messages in the order sent) and calls `done` once all answered,
/// with the first error or none.
template <class Ask>
void ask_per_key(const std::vector<hid_usage>& keys, Ask ask,
                 std::function<void(const caf::error&)> done) {
  struct tally {
    std::size_t waiting;
    caf::error first;
  };
  if (keys.empty())
    return done(caf::error{});
  auto state = std::make_shared<tally>(tally{keys.size(), caf::error{}});
  auto answered = [state, done](const caf::error& err) {
    if (err && !state->first)
      state->first = err;
    if (--state->waiting == 0)
      done(state->first);
  };
  for (auto key : keys)
    ask(key).then([answered](bool) { answered(caf::error{}); },
                  [answered](const caf::error& err) { answered(err); });
}

/// Lets go of `keys`, last first (the key, then its modifiers); `done` as
/// in ask_per_key.
void let_go(self_ptr self, std::vector<hid_usage> keys,
            std::function<void(const caf::error&)> done) {
  const auto& input = self->state.cfg.input;
  for (auto key : keys)
    self->state.held.erase(key);
  std::reverse(keys.begin(), keys.end());
  ask_per_key(
    keys,
    [self, &input](hid_usage key) {
      return self->request(input.injector, input.answer_timeout,
                           atom::key_up_v, as_actor(self), key);
    },
    std::move(done));
}

void key_down(self_ptr self, const event_call& call) {
  auto combo = combo_argument(self, call);
  if (!combo || !has_injector(self, call))
    return;
  auto& st = self->state;
  // Keys this event holds anew: on a failure they go up again, so that no
  // half of a combo stays down.
  std::vector<hid_usage> fresh;
  for (auto key : combo->keys)
    if (st.held.insert(key).second)
      fresh.push_back(key);
  const auto& input = st.cfg.input;
  auto who = client_name(st);
  ask_per_key(
    combo->keys,
    [self, &input, &who](hid_usage key) {
      return self->request(input.injector, input.answer_timeout,
                           atom::key_down_v, as_actor(self), who, key);
    },
    [self, to = call.to, fresh](const caf::error& err) {
      if (!err)
        return reply(self, to, ok_result());
      let_go(self, fresh, [](const caf::error&) {});
      reply(self, to, error_result(injector_code(err)));
    });
}

void key_up(self_ptr self, const event_call& call) {
  auto combo = combo_argument(self, call);
  if (!combo || !has_injector(self, call))
    return;
  let_go(self, combo->keys, [self, to = call.to](const caf::error& err) {
    reply(self, to, err ? error_result(injector_code(err)) : ok_result());
  });
}

/// Stops everything this session has going with the injector: queued
/// scripts, the running one, held keys. `to` gets the answer, if any.
void release_everything(self_ptr self, std::optional<reply_to> to) {
  auto& st = self->state;
  st.held.clear();
  const auto& input = st.cfg.input;
  self
    ->request(input.injector, input.answer_timeout, atom::release_all_v,
              as_actor(self))
    .then(
      [self, to](bool) {
        if (to)
          reply(self, *to, ok_result());
      },
      [self, to](const caf::error& err) {
        log("session").warn("session #{}: release all failed: {}",
                             self->state.cfg.serial, to_string(err));
        if (to)
          reply(self, *to, error_result(injector_code(err)));
      });
}

void release_all(self_ptr self, const event_call& call) {
  if (has_injector(self, call))
    release_everything(self, call.to);
}

void list_actions(self_ptr self, const event_call& call) {
  const auto& bindings = self->state.cfg.input.bindings;
  if (!bindings)
    return reply(self, call.to, error_result("unavailable"));
  auto result = ok_result();
  result["actions"] = protocol::list_actions_json(*bindings);
  reply(self, call.to, std::move(result));
}

using event_handler = void (*)(self_ptr, const event_call&);

/// The app events this server answers (DESIGN §3). Events not listed get
/// `{"ok": false, "error": "unknown_event"}`.
const std::unordered_map<std::string_view, event_handler>& event_handlers() {
  static const std::unordered_map<std::string_view, event_handler> table{
    {"run_action", run_action},
    {"press", press},
    {"key_down", key_down},
    {"key_up", key_up},
    {"release_all", release_all},
    {"list_actions", list_actions},
    {"join_screen", join_screen},
    {"leave_screen", leave_screen},
    {"set_screen_state", set_screen_state},
  };
  return table;
}

void on_event(self_ptr self, protocol::socketio_message msg) {
  auto& st = self->state;
  auto& p = msg.packet;
  if (p.nsp != "/" || st.sio != sio_phase::connected)
    return close_session(self, "event without CONNECT", false);
  auto* all = p.data ? p.data->if_array() : nullptr;
  if (all == nullptr || all->empty() || !all->front().is_string())
    return close_session(self, "malformed event", false); // decode checked
  event_call call;
  call.to = {std::string{all->front().get_string()}, p.id};
  call.args = boost::json::array(std::next(all->begin()), all->end());
  call.attachments = std::move(msg.attachments);
  const auto& table = event_handlers();
  if (auto it = table.find(call.to.event); it != table.end())
    return it->second(self, call);
  reply(self, call.to, error_result("unknown_event"));
}

void on_socketio(self_ptr self, protocol::socketio_message msg) {
  auto& st = self->state;
  const auto& p = msg.packet;
  switch (p.type) {
    case socketio_packet_type::connect:
      return on_connect(self, p);
    case socketio_packet_type::disconnect:
      if (p.nsp == "/" && st.sio == sio_phase::connected) {
        log("session").debug("session #{}: DISCONNECT", st.cfg.serial);
        st.sio = sio_phase::waiting; // a new CONNECT may follow
        // The client left: nothing it asked for stays down or queued.
        if (st.cfg.input.injector)
          release_everything(self, std::nullopt);
      }
      return;
    case socketio_packet_type::event:
    case socketio_packet_type::binary_event:
      return on_event(self, std::move(msg));
    case socketio_packet_type::ack:
    case socketio_packet_type::binary_ack:
      return; // we never ask the client for an ack
    case socketio_packet_type::connect_error:
      break;
  }
  close_session(self, "unexpected Socket.IO packet", false);
}

// --- Engine.IO packets --------------------------------------------------

void on_message(self_ptr self, engineio_packet packet) {
  auto& st = self->state;
  auto done = packet.binary ? st.reassembler.on_binary(packet.data)
                            : st.reassembler.on_text(packet.data);
  if (!done) {
    log("session").debug("session #{}: bad Socket.IO packet: {}",
                         st.cfg.serial, done.error().message());
    return close_session(self, "malformed Socket.IO packet", false);
  }
  if (*done)
    on_socketio(self, std::move(**done));
}

/// A packet that came over the transport carrying the session.
void on_packet(self_ptr self, engineio_packet packet) {
  switch (packet.type) {
    case engineio_packet_type::message:
      return on_message(self, std::move(packet));
    case engineio_packet_type::pong:
      return on_pong(self);
    case engineio_packet_type::close:
      return close_session(self, "closed by the client", false);
    case engineio_packet_type::noop:
      return;
    default: // open, upgrade, and ping (v4 pings from the server only)
      break;
  }
  close_session(self, "unexpected Engine.IO packet", false);
}

// --- long-polling -------------------------------------------------------

/// Answers the held poll at once, with a noop if nothing waits: a client
/// that is pausing polling for an upgrade waits for its poll to end.
void release_poll(self_ptr self) {
  auto& st = self->state;
  if (st.io->poll && st.outbox.empty())
    st.outbox.push_back({engineio_packet_type::noop, {}, false});
  flush_poll(self);
}

void on_poll(self_ptr self, const exchange_ptr& exchange) {
  auto& st = self->state;
  if (st.closing)
    return on_closing_poll(self, exchange);
  if (st.io->poll) { // engine.io: "overlap from client"
    exchange->respond(engineio_error(engineio_http_error::bad_request));
    return close_session(self, "two polls at once", false);
  }
  st.io->poll = exchange;
  exchange->on_abort(make_abort_notice(self->address(), ++st.io->poll_id));
  if (st.io->probe && st.io->probe->probed) // the client is pausing polling
    release_poll(self);
  flush_poll(self);
}

void on_post(self_ptr self, const exchange_ptr& exchange) {
  auto& st = self->state;
  if (st.closing)
    return exchange->respond(engineio_error(engineio_http_error::bad_request));
  auto packets = protocol::decode_payload(exchange->request().body,
                                          st.cfg.engine.max_payload);
  if (!packets) {
    exchange->respond(engineio_error(engineio_http_error::bad_request));
    return close_session(self, "malformed polling payload", false);
  }
  exchange->respond(polling_ok());
  for (auto& packet : *packets) {
    if (st.closing)
      break;
    on_packet(self, std::move(packet));
  }
}

// --- WebSocket and upgrade ----------------------------------------------

websocket_link start_websocket(self_ptr self, const exchange_ptr& exchange) {
  websocket_link link;
  link.id = ++self->state.next_link;
  link.sink = make_stream_sink(self->address(), link.id);
  exchange->upgrade(link.sink);
  return link;
}

void on_upgrade_request(self_ptr self, const exchange_ptr& exchange) {
  auto& st = self->state;
  if (st.closing || st.on_websocket || st.io->probe
      || !wants_websocket(exchange->request()))
    return exchange->respond(engineio_error(engineio_http_error::bad_request));
  st.io->probe = start_websocket(self, exchange);
  arm(self, timer::upgrade, st.cfg.engine.upgrade_timeout);
}

void abandon_probe(self_ptr self) {
  disarm(self, timer::upgrade);
  transports::drop(self->state.io->probe);
}

// The client stops polling once it has "3probe": release its held poll now
// (engine.io sends a noop) so that it can pause and send the upgrade.
void answer_probe(self_ptr self) {
  self->state.io->probe->probed = true;
  self->state.io->probe->port->send("3probe", false);
  release_poll(self);
}

// From here on the WebSocket carries the session. What waited for a poll
// goes out on it first, so the order of packets survives the switch.
void finish_upgrade(self_ptr self) {
  auto& st = self->state;
  disarm(self, timer::upgrade);
  st.io->ws = std::move(st.io->probe);
  st.io->probe.reset();
  st.on_websocket = true;
  if (auto poll = std::exchange(st.io->poll, nullptr))
    poll->respond(polling_response("6"));
  auto pending = std::move(st.outbox);
  st.outbox.clear();
  st.outbox_bytes = 0;
  for (auto& packet : pending)
    send_packet(self, std::move(packet));
  log("session").debug("session #{}: upgraded to websocket", st.cfg.serial);
}

void on_probe_frame(self_ptr self, const std::string& frame, bool binary) {
  auto& st = self->state;
  auto packet = protocol::decode_packet(frame, binary,
                                        st.cfg.engine.max_payload);
  if (packet && packet->type == engineio_packet_type::ping
      && packet->data == "probe")
    return answer_probe(self);
  if (packet && packet->type == engineio_packet_type::upgrade
      && st.io->probe->probed)
    return finish_upgrade(self);
  abandon_probe(self); // engine.io closes a probe that says anything else
}

void on_ws_open(self_ptr self, std::uint64_t id, const stream_ptr& port) {
  auto& io = *self->state.io;
  if (io.probe && io.probe->id == id) {
    io.probe->port = port;
    return;
  }
  if (io.ws && io.ws->id == id && !io.ws->port) { // a WebSocket handshake
    io.ws->port = port;
    port->send(protocol::encode_packet(open_packet(self->state)), false);
    return arm(self, timer::ping, self->state.cfg.engine.ping_interval);
  }
  port->close(); // a transport this session has given up
}

void on_ws_frame(self_ptr self, std::uint64_t id, const std::string& frame,
                 bool binary) {
  auto& st = self->state;
  auto& io = *st.io;
  if (io.ws && io.ws->id == id && io.ws->port) {
    io.ws->port->grant(1);
    auto packet = protocol::decode_packet(frame, binary,
                                          st.cfg.engine.max_payload);
    if (!packet)
      return close_session(self, "malformed Engine.IO packet", false);
    return on_packet(self, std::move(*packet));
  }
  if (io.probe && io.probe->id == id && io.probe->port) {
    io.probe->port->grant(1);
    on_probe_frame(self, frame, binary);
  }
}

void on_ws_closed(self_ptr self, std::uint64_t id) {
  auto& io = *self->state.io;
  if (io.ws && io.ws->id == id) {
    io.ws.reset();
    return close_session(self, "websocket closed", false);
  }
  if (io.probe && io.probe->id == id)
    abandon_probe(self);
}

/// The injector let go of a held key after the longest hold: the panel
/// learns it, since its button may still look pressed.
void on_hold_expired(self_ptr self, protocol::hid_usage key) {
  auto& st = self->state;
  st.held.erase(key);
  log("session").debug("session #{}: held key {} went up (longest hold)",
                       st.cfg.serial, protocol::key_name(key));
  if (st.sio == sio_phase::connected)
    emit(self, "key_released",
         boost::json::array{
           key_released_payload(protocol::key_name(key), "max_hold")});
}

// --- requests and timers ------------------------------------------------

void on_http(self_ptr self, const exchange_ptr& exchange) {
  auto& st = self->state;
  const auto& req = exchange->request();
  auto query = protocol::parse_handshake_query(req.query());
  if (!query)
    return exchange->respond(engineio_error(engineio_error_for(query.error())));
  if (query->transport == protocol::engineio_transport::websocket)
    return on_upgrade_request(self, exchange);
  if (st.on_websocket) // engine.io: no polling once upgraded
    return exchange->respond(engineio_error(engineio_http_error::bad_request));
  if (req.method == "GET")
    return on_poll(self, exchange);
  if (req.method == "POST")
    return on_post(self, exchange);
  exchange->respond(engineio_error(engineio_http_error::bad_request));
}

void on_deadline(self_ptr self, std::uint8_t kind, std::uint64_t generation) {
  auto& st = self->state;
  if (kind >= st.timers.size() || st.timers[kind] != generation)
    return; // disarmed or re-armed since
  switch (static_cast<timer>(kind)) {
    case timer::ping:
      return on_ping_due(self);
    case timer::pong:
      return close_session(self, "ping timeout", false);
    case timer::auth:
      if (st.sio != sio_phase::connected)
        close_session(self, "not authenticated in time", false);
      return;
    case timer::upgrade:
      return abandon_probe(self);
    case timer::linger:
      return self->quit();
    case timer::count:
      return;
  }
}

/// Answers the handshake request: the open packet on a poll, or a
/// WebSocket (whose open packet goes out once it is open).
void open_session(self_ptr self) {
  auto& st = self->state;
  auto exchange = std::move(st.cfg.handshake);
  arm(self, timer::auth, st.cfg.engine.auth_timeout);
  auto query = protocol::parse_handshake_query(exchange->request().query());
  if (query && query->transport == protocol::engineio_transport::websocket) {
    st.on_websocket = true;
    st.io->ws = start_websocket(self, exchange);
    return;
  }
  auto payload = protocol::encode_payload({open_packet(st)});
  exchange->respond(polling_response(payload ? std::move(*payload) : ""));
  arm(self, timer::ping, st.cfg.engine.ping_interval);
}

protocol::socketio_limits limits_for(const engineio_settings& engine) {
  protocol::socketio_limits limits;
  limits.max_attachment_size = engine.max_payload;
  return limits;
}

session_actor::behavior_type session(self_ptr self, session_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.reassembler = protocol::socketio_reassembler{limits_for(st.cfg.engine)};
  self->attach_functor([io = st.io] { io->close_all(); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    close_session(self, "server shutdown", false);
    self->quit(msg.reason);
  });
  open_session(self);
  return {
    [self](atom::http, const exchange_ptr& exchange) {
      on_http(self, exchange);
    },
    [self](atom::ws_open, std::uint64_t id, const stream_ptr& port) {
      on_ws_open(self, id, port);
    },
    [self](atom::ws_frame, std::uint64_t id, const std::string& frame,
           bool binary) { on_ws_frame(self, id, frame, binary); },
    [self](atom::ws_closed, std::uint64_t id) { on_ws_closed(self, id); },
    [self](atom::poll_abort, std::uint64_t id) {
      auto& io = *self->state.io;
      if (io.poll && io.poll_id == id) {
        io.poll.reset();
        close_session(self, "poll closed by the client", false);
      }
    },
    [self](atom::token, const std::string& token, std::int64_t expires_in) {
      if (self->state.sio == sio_phase::connected)
        emit(self, "token",
             boost::json::array{token_payload(token, expires_in)});
    },
    [self](atom::revoked) {
      log("session").info("session #{}: client revoked; closing",
                          self->state.cfg.serial);
      // DISCONNECT after the event: the client's socket then ends with "io
      // server disconnect" and does not retry with its dead token.
      if (self->state.sio == sio_phase::connected)
        return send_and_close(self,
                              {protocol::encode_event("revoked"),
                               protocol::encode_disconnect()},
                              "revoked");
      close_session(self, "revoked", false);
    },
    [self](atom::screen_state, const std::string& screen,
           const std::string& state) {
      if (self->state.sio == sio_phase::connected)
        emit(self, "screen_state",
             boost::json::array{screen_state_payload(screen, state)});
    },
    [self](atom::hold_expired, protocol::hid_usage key) {
      on_hold_expired(self, key);
    },
    [self](atom::deadline, std::uint8_t kind, std::uint64_t generation) {
      on_deadline(self, kind, generation);
    },
  };
}

} // namespace

session_actor spawn_session(caf::actor_system& sys, session_config cfg) {
  return sys.spawn(session, std::move(cfg));
}

} // namespace openmfd::actors
