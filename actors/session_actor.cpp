#include "actors/session_actor.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "actors/engineio_session.hpp"
#include "actors/log.hpp"
#include "actors/socketio_app.hpp"
#include "protocol/engineio.hpp"
#include "protocol/key_combo.hpp"
#include "protocol/rate_limiter.hpp"
#include "protocol/socketio.hpp"

namespace openmfd::actors {

namespace {

using protocol::engineio_packet;
using protocol::socketio_packet_type;

/// The injector, the screens actor and the auth actor answer every
/// request, also when they stop, so their requests need no timeout: one
/// would cost CAF's clock thread two wake-ups per key press or connect. A
/// token check that hangs (a stalled disk under the auth actor) ends at the
/// session's connect deadline, and the panel is not told "unauthorized"
/// for a token that may be good.
constexpr auto always_answered = caf::infinite;

/// Screen requests one session may have waiting for the screens actor.
constexpr std::size_t max_screens_in_flight = 8;

/// key_down events one session may have waiting for the injector, which
/// every panel shares: a loop of them must not queue there without bound
/// (scripts have their own limit, `busy` from the injector).
constexpr std::size_t max_key_downs_in_flight = 8;

/// Screen state changes one session may make per second, on average and at
/// once: each goes to every member of the screen, so one panel's flood would
/// otherwise cost everyone (a panel changes pages at human speed).
constexpr double screen_changes_per_second = 30;
constexpr double screen_change_burst = 30;

/// CONNECTs one session may send (each asks the auth actor, which everyone
/// shares, and a DISCONNECT before it lets go of keys through the injector):
/// a few at once, then one a second; beyond, the session ends.
constexpr double connects_per_second = 1;
constexpr double connect_burst = 5;

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
  /// The transports; set up when the session starts.
  std::optional<engineio_session> engine;
  sio_phase sio = sio_phase::waiting;
  std::optional<client_identity> client;
  protocol::socketio_reassembler reassembler;
  /// The keys this session asked to hold (key_down), so that a combo that
  /// fails half way lets go of what it pressed.
  std::set<protocol::hid_usage> held;
  /// The client's clock, learnt from the CONNECT's `ts`.
  client_clock clock;
  /// Requests to the screens actor not answered yet.
  std::size_t screens_in_flight = 0;
  /// key_down events not answered by the injector yet.
  std::size_t key_downs_in_flight = 0;
  /// Screen state changes allowed (made on the first one).
  std::optional<protocol::token_bucket> screen_changes;
  std::optional<protocol::token_bucket> connects;
};

using self_ptr = session_actor::stateful_pointer<session_state>;

// --- sending ------------------------------------------------------------

void close_session(self_ptr self, std::string_view why) {
  self->state.engine->close(why);
}

bool closing(self_ptr self) {
  return self->state.engine->closing();
}

void send_socketio(self_ptr self, std::string text) {
  self->state.engine->send_text(std::move(text));
}

/// Sends the last Socket.IO packets, then closes: the client learns why
/// first, on either transport (DESIGN §3).
void send_and_close(self_ptr self, const std::vector<std::string>& texts,
                    std::string_view why) {
  std::vector<engineio_packet> packets;
  for (const auto& text : texts)
    packets.push_back(protocol::make_text_message(text));
  self->state.engine->send(std::move(packets));
  self->state.engine->close(why, true);
}

void emit(self_ptr self, std::string_view event, boost::json::array args) {
  send_socketio(self, protocol::encode_event(event, args));
}

// --- Socket.IO: connecting ----------------------------------------------

void admit(self_ptr self, const client_identity& who) {
  auto& st = self->state;
  st.client = who;
  st.sio = sio_phase::connected;
  st.engine->connected();
  send_socketio(self, protocol::encode_connect_reply(make_session_id()));
  log("session").info("session #{}: {} ({}) connected over {}", st.cfg.serial,
                      who.name, who.id_hash.substr(0, 8),
                      st.engine->on_websocket() ? "websocket" : "polling");
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

/// Admits the client the auth actor answers with (it subscribed this
/// session to the client's tokens and revocation in the same step), or
/// refuses it.
template <class Answer>
void admit_when_trusted(self_ptr self, Answer answer) {
  self->state.sio = sio_phase::authenticating;
  answer.then(
    [self](const client_identity& who) {
      if (self->state.sio == sio_phase::authenticating
          && !closing(self))
        admit(self, who);
    },
    [self](const caf::error& err) {
      if (self->state.sio != sio_phase::authenticating)
        return;
      if (is_invalid_token(err))
        return refuse(self);
      // The auth actor is gone (the server stops): the client may be good.
      log("session").warn("session #{}: token check failed: {}",
                          self->state.cfg.serial, to_string(err));
      close_session(self, "token check failed");
    });
}

void on_connect(self_ptr self, const protocol::socketio_packet& p) {
  auto& st = self->state;
  if (p.nsp != "/")
    return send_socketio(self, protocol::encode_connect_error(
                                 "Invalid namespace", p.nsp));
  if (st.sio != sio_phase::waiting) // socket.io closes on this, too
    return close_session(self, "CONNECT while connected");
  auto now = self->clock().now();
  if (!st.connects)
    st.connects.emplace(connects_per_second, connect_burst, now);
  if (!st.connects->take(now))
    return close_session(self, "CONNECT too often");
  learn_clock(self, p);
  auto me = caf::actor_cast<caf::actor>(self);
  auto token = auth_token(p);
  if (token)
    return admit_when_trusted(self, self->request(st.cfg.auth, always_answered,
                                                  atom::validate_v, *token,
                                                  me));
  // The handshake's ?token= was good then; the client may be revoked since.
  if (st.cfg.identity)
    return admit_when_trusted(
      self, self->request(st.cfg.auth, always_answered, atom::subscribe_v,
                          st.cfg.identity->id_hash, me));
  refuse(self);
}

// --- Socket.IO: app events ----------------------------------------------

void reply(self_ptr self, const reply_to& to, boost::json::object result) {
  if (closing(self))
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
  auto& st = self->state;
  if (!st.cfg.screens)
    return reply(self, call.to, error_result("unavailable"));
  // The screens actor serves everyone: one panel's flood may not queue
  // more than a few requests ahead of the others'.
  if (st.screens_in_flight >= max_screens_in_flight)
    return reply(self, call.to, error_result("busy"));
  ++st.screens_in_flight;
  self
    ->request(st.cfg.screens, always_answered, std::forward<Ts>(xs)...,
              caf::actor_cast<caf::actor>(self))
    .then(
      [self, to = call.to, on_ok](Answer answer) {
        --self->state.screens_in_flight;
        reply(self, to, on_ok(answer));
      },
      [self, to = call.to](const caf::error& err) {
        --self->state.screens_in_flight;
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

/// Takes one screen state change from the session's allowance.
bool may_change_screen(self_ptr self) {
  auto now = self->clock().now();
  auto& bucket = self->state.screen_changes;
  if (!bucket)
    bucket.emplace(screen_changes_per_second, screen_change_burst, now);
  return bucket->take(now);
}

void set_screen_state(self_ptr self, const event_call& call) {
  auto screen = screen_argument(call.args);
  if (!screen)
    return reply(self, call.to, error_result("invalid_screen"));
  auto state = state_argument(call.args);
  if (!state)
    return reply(self, call.to, error_result("invalid_state"));
  // `busy` (requests waiting) is checked first and costs no allowance.
  if (self->state.screens_in_flight < max_screens_in_flight
      && !may_change_screen(self)) {
    self->state.engine->hold_back_reads();
    return reply(self, call.to, error_result("rate_limited"));
  }
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
    ->request(input.injector, always_answered, atom::run_v,
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
      return self->request(input.injector, always_answered,
                           atom::key_up_v, as_actor(self), key);
    },
    std::move(done));
}

void key_down(self_ptr self, const event_call& call) {
  auto combo = combo_argument(self, call);
  if (!combo || !has_injector(self, call))
    return;
  auto& st = self->state;
  if (st.key_downs_in_flight >= max_key_downs_in_flight)
    return reply(self, call.to, error_result("busy"));
  ++st.key_downs_in_flight;
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
      return self->request(input.injector, always_answered,
                           atom::key_down_v, as_actor(self), who, key);
    },
    [self, to = call.to, fresh](const caf::error& err) {
      --self->state.key_downs_in_flight;
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
  // Every key goes to the injector, held here or not: after a longest
  // hold expired and the key was pressed again, this session's record may
  // lag behind the injector's, and a key_up is never refused.
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
    ->request(input.injector, always_answered, atom::release_all_v,
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
    return close_session(self, "event without CONNECT");
  auto* all = p.data ? p.data->if_array() : nullptr;
  if (all == nullptr || all->empty() || !all->front().is_string())
    return close_session(self, "malformed event"); // decode checked
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
        st.sio = sio_phase::waiting; // a new CONNECT may follow, in time
        st.engine->disconnected();
        if (st.cfg.screens) // a new CONNECT starts with no screens
          self->send(st.cfg.screens, atom::leave_screen_v,
                     caf::actor_cast<caf::actor>(self));
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
  close_session(self, "unexpected Socket.IO packet");
}

// --- Engine.IO packets --------------------------------------------------

void on_message(self_ptr self, engineio_packet packet) {
  auto& st = self->state;
  // Attachments are held until their message is whole: a client nobody
  // admitted may not make the server hold any.
  if (packet.binary && st.sio != sio_phase::connected)
    return close_session(self, "binary data before CONNECT");
  auto done = packet.binary ? st.reassembler.on_binary(packet.data)
                            : st.reassembler.on_text(packet.data);
  if (!done) {
    log("session").debug("session #{}: bad Socket.IO packet: {}",
                         st.cfg.serial, done.error().message());
    return close_session(self, "malformed Socket.IO packet");
  }
  if (*done)
    on_socketio(self, std::move(**done));
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

// --- the actor ----------------------------------------------------------

void on_revoked(self_ptr self) {
  auto& st = self->state;
  log("session").info("session #{}: client revoked; closing", st.cfg.serial);
  // Its keys go up now: a polling client that stops polling would keep
  // the session (and its holds and queued scripts) for the farewell's wait.
  if (st.sio == sio_phase::connected && st.cfg.input.injector)
    release_everything(self, std::nullopt);
  // DISCONNECT after the event: the client's socket then ends with "io
  // server disconnect" and does not retry with its dead token.
  if (st.sio == sio_phase::connected)
    return send_and_close(
      self, {protocol::encode_event("revoked"), protocol::encode_disconnect()},
      "revoked");
  close_session(self, "revoked");
}

session_actor::behavior_type session(self_ptr self, session_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.reassembler = protocol::socketio_reassembler{
    socketio_limits_for(st.cfg.engine.max_payload)};
  st.engine.emplace(self, st.cfg.sid, st.cfg.serial, st.cfg.engine,
                    [self](engineio_packet packet) {
                      on_message(self, std::move(packet));
                    });
  st.engine->open(std::exchange(st.cfg.handshake, nullptr));
  return engineio_behavior<session_actor>(
    *st.engine,
    [self](atom::token, const std::string& token, std::int64_t expires_in) {
      if (self->state.sio == sio_phase::connected)
        emit(self, "token",
             boost::json::array{token_payload(token, expires_in)});
    },
    [self](atom::revoked) { on_revoked(self); },
    [self](atom::check_alive) {
      // Only held keys make a dead link urgent; the heartbeat ends the
      // rest (a client's many idle sessions are not all pinged at once).
      if (!self->state.held.empty())
        self->state.engine->check_alive();
    },
    [self](atom::screen_state, const std::string& screen,
           const std::string& state) {
      if (self->state.sio == sio_phase::connected)
        emit(self, "screen_state",
             boost::json::array{screen_state_payload(screen, state)});
    },
    [self](atom::hold_expired, protocol::hid_usage key) {
      on_hold_expired(self, key);
    });
}

} // namespace

session_actor spawn_session(caf::actor_system& sys, session_config cfg) {
  return sys.spawn(session, std::move(cfg));
}

} // namespace openmfd::actors
