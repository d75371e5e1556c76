#include "actors/session_actor.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "actors/injector_actor.hpp"
#include "actors/screens_actor.hpp"
#include "platform/keyboard_backend.hpp"
#include "protocol/bindings.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace std::chrono_literals;
using namespace openmfd;
using actors::client_identity;

namespace {

const std::string sid = "AAAAAAAAAAAAAAAAAAAA";

/// An HTTP exchange that records what the session does with it.
class fake_exchange final : public net::exchange_port {
public:
  explicit fake_exchange(protocol::http_request req) : req_(std::move(req)) {}

  const protocol::http_request& request() const noexcept override {
    return req_;
  }
  void respond(protocol::http_response res) override {
    responses.push_back(std::move(res));
  }
  void on_abort(std::function<void()> fn) override { abort = std::move(fn); }
  void upgrade(std::shared_ptr<net::stream_events> e) override {
    events = std::move(e);
  }

  /// The one response's body ("" when none or several).
  std::string body() const {
    return responses.size() == 1 ? responses.front().body : std::string{};
  }

  std::vector<protocol::http_response> responses;
  std::function<void()> abort;
  std::shared_ptr<net::stream_events> events;

private:
  protocol::http_request req_;
};

/// A WebSocket that records what the session sends.
class fake_stream final : public net::stream_port {
public:
  void send(std::string frame, bool binary) override {
    if (!closed)
      frames.emplace_back(std::move(frame), binary);
  }
  void grant(std::size_t n) override { granted += n; }
  void close() override { closed = true; }

  std::vector<std::pair<std::string, bool>> frames;
  std::size_t granted = 0;
  bool closed = false;
};

/// Key events as [name, down], in the order the injector sent them.
using key_log = std::vector<std::pair<std::string, bool>>;

/// A keyboard that writes down what it is told.
class fake_keyboard final : public platform::keyboard_backend {
public:
  explicit fake_keyboard(std::shared_ptr<key_log> log) : log_(std::move(log)) {}

  std::error_code send(const platform::key_event& e) noexcept override {
    log_->emplace_back(std::string{e.name}, e.down);
    return {};
  }
  std::string_view name() const noexcept override { return "fake"; }

private:
  std::shared_ptr<key_log> log_;
};

/// Two actions: one a key, one a mouse wheel.
constexpr std::string_view test_bindings = R"({
  "general.exit": {"activation_mode": "press", "description": "Exit",
                   "device": {"keyboard": "lalt+f"}},
  "view.zoom": {"activation_mode": null, "device": {"keyboard": "mwheel_up"}}
})";

/// What the fake auth actor saw.
struct auth_record {
  std::vector<std::string> subscribed; ///< id hashes
  /// Clients no longer trusted (revoked after their handshake).
  std::vector<std::string> revoked;
  /// Checks of the token "stall", never answered (as with a hung disk).
  std::vector<caf::typed_response_promise<client_identity>> stalled;
};

/// Subscribes `session` to client `id_hash` unless it was revoked.
caf::result<client_identity> fake_subscribe(auth_record& record,
                                            const std::string& id_hash,
                                            const std::string& name,
                                            const caf::actor& session) {
  for (const auto& gone : record.revoked)
    if (gone == id_hash)
      return caf::make_error(actors::auth_error::invalid_token);
  if (session)
    record.subscribed.push_back(id_hash);
  return client_identity{id_hash, name};
}

/// Accepts the token "good" (and nothing else) as client "Tablet"; leaves
/// the token "stall" unanswered.
actors::auth_actor::behavior_type
fake_auth(actors::auth_actor::pointer self,
          std::shared_ptr<auth_record> record) {
  return {
    [](atom::authorise, const std::string&, const std::string&,
       const std::string&, std::uint64_t) {
      return actors::authorise_outcome{};
    },
    [self, record](atom::validate, const std::string& token,
                   const caf::actor& session) -> caf::result<client_identity> {
      if (token == "stall") {
        record->stalled.push_back(
          self->make_response_promise<client_identity>());
        return record->stalled.back();
      }
      if (token == "good")
        return fake_subscribe(*record, "0123456789abcdef", "Tablet", session);
      return caf::make_error(actors::auth_error::invalid_token);
    },
    [record](atom::subscribe, const std::string& id_hash,
             const caf::actor& session) {
      return fake_subscribe(*record, id_hash, "Panel", session);
    },
    [](atom::list) { return std::string{}; },
    [](atom::revoke, const std::string&) { return std::string{}; },
    [](atom::clear_denied) { return std::string{}; },
    [](atom::rotate) {},
    [](atom::poll) {},
    [](atom::flush) {},
  };
}

/// Records when the watched actor ends.
caf::behavior watcher(caf::event_based_actor* self, caf::actor target,
                      std::shared_ptr<bool> down) {
  self->monitor(target);
  self->set_down_handler([down](caf::down_msg&) { *down = true; });
  return {[](int) {}};
}

protocol::http_request make_request(std::string method, std::string query,
                                    std::string body = {}) {
  protocol::http_request req;
  req.method = std::move(method);
  req.target = "/socket.io/?EIO=4&" + query;
  req.body = std::move(body);
  req.remote_address = "127.0.0.1";
  return req;
}

class session_fixture : public test::actor_fixture {
public:
  std::shared_ptr<auth_record> auth_log = std::make_shared<auth_record>();
  actors::auth_actor auth = track(sys().spawn(fake_auth, auth_log));
  actors::session_actor session;
  std::shared_ptr<bool> ended = std::make_shared<bool>(false);

  /// Opens a session with a polling (or WebSocket) handshake.
  std::shared_ptr<fake_exchange>
  open(bool websocket = false,
       std::optional<client_identity> identity = std::nullopt) {
    auto handshake = websocket ? upgrade_request(false)
                               : exchange("GET", "transport=polling");
    actors::session_config cfg;
    cfg.sid = sid;
    cfg.serial = 1;
    cfg.auth = auth;
    cfg.identity = std::move(identity);
    cfg.handshake = handshake;
    session = track(actors::spawn_session(sys(), std::move(cfg)));
    track(sys().spawn(watcher, caf::actor_cast<caf::actor>(session), ended));
    run();
    return handshake;
  }

  std::shared_ptr<fake_exchange> exchange(std::string method,
                                          std::string query,
                                          std::string body = {}) {
    return std::make_shared<fake_exchange>(
      make_request(std::move(method), std::move(query), std::move(body)));
  }

  std::shared_ptr<fake_exchange> upgrade_request(bool with_sid = true) {
    auto req = make_request(
      "GET", "transport=websocket" + (with_sid ? "&sid=" + sid : ""));
    req.headers = {{"Upgrade", "websocket"},
                   {"Connection", "Upgrade"},
                   {"Sec-WebSocket-Version", "13"},
                   {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    return std::make_shared<fake_exchange>(std::move(req));
  }

  /// Sends `x` to the session as the listener would, and runs.
  std::shared_ptr<fake_exchange> deliver(std::shared_ptr<fake_exchange> x) {
    caf::anon_send(session, atom::http_v, actors::exchange_ptr{x});
    run();
    return x;
  }

  std::shared_ptr<fake_exchange> poll() {
    return deliver(exchange("GET", "transport=polling&sid=" + sid));
  }

  std::shared_ptr<fake_exchange> post(std::string body) {
    return deliver(
      exchange("POST", "transport=polling&sid=" + sid, std::move(body)));
  }

  /// Opens a WebSocket for an upgrade (or the handshake) `x` asked for.
  std::shared_ptr<fake_stream> accept(const fake_exchange& x) {
    REQUIRE(x.events);
    auto stream = std::make_shared<fake_stream>();
    x.events->on_open(stream);
    run();
    return stream;
  }

  void frame(const fake_exchange& x, std::string text, bool binary = false) {
    x.events->on_frame(std::move(text), binary);
    run();
  }

  /// CONNECTs with `token` over polling; returns what the poll got.
  std::string connect_polling(const std::string& token) {
    auto held = poll();
    CHECK(post("40{\"token\":\"" + token + "\"}")->body() == "ok");
    return held->body();
  }
};

} // namespace

TEST_CASE_METHOD(session_fixture, "a polling handshake gets the open packet") {
  auto handshake = open();
  auto body = handshake->body();
  REQUIRE(body.rfind("0{", 0) == 0);
  auto json = boost::json::parse(body.substr(1));
  CHECK(json.at("sid").as_string() == sid);
  CHECK(json.at("upgrades") == boost::json::parse(R"(["websocket"])"));
  CHECK(json.at("pingInterval").as_int64() == 25000);
  CHECK(json.at("pingTimeout").as_int64() == 20000);
  CHECK(json.at("maxPayload").as_int64() == 1000000);
  CHECK(handshake->responses.front().content_type
        == "text/plain; charset=UTF-8");
}

TEST_CASE_METHOD(session_fixture, "CONNECT with a good token is admitted") {
  open();
  auto body = connect_polling("good");
  REQUIRE(body.rfind("40{\"sid\":\"", 0) == 0);
  CHECK(auth_log->subscribed == std::vector<std::string>{"0123456789abcdef"});
  SECTION("an event without a handler is answered unknown_event") {
    auto held = poll();
    post(R"(427["hello",{"a":1}])");
    CHECK(held->body() == R"(437[{"ok":false,"error":"unknown_event"}])");
    held = poll();
    post(R"(42["hello"])");
    CHECK(held->body() == R"(42["message","error: unknown_event"])");
  }
  SECTION("a rotated token is pushed") {
    auto held = poll();
    caf::anon_send(session, atom::token_v, std::string{"fresh"},
                   std::int64_t{900});
    run();
    CHECK(held->body()
          == R"(42["token",{"token":"fresh","expires_in":900}])");
  }
  SECTION("revocation: the revoked event and DISCONNECT, then the close") {
    auto held = poll();
    caf::anon_send(session, atom::revoked_v);
    run();
    CHECK(held->body() == "42[\"revoked\"]\x1e" "41");
    CHECK_FALSE(*ended); // the close packet goes in the next answer
    CHECK(poll()->body() == "1");
    CHECK(*ended);
  }
  SECTION("revocation between two polls waits for the next one") {
    caf::anon_send(session, atom::revoked_v);
    run();
    CHECK_FALSE(*ended);
    CHECK(poll()->body() == "42[\"revoked\"]\x1e" "41");
    CHECK(poll()->body() == "1");
    CHECK(*ended);
  }
  SECTION("a closing session lets its last poll go after a while") {
    caf::anon_send(session, atom::revoked_v);
    run();
    advance(5s);
    CHECK(*ended);
  }
  SECTION("a second CONNECT closes the session") {
    post("40");
    CHECK(*ended);
  }
  SECTION("after a DISCONNECT, a CONNECT must come within 10 s again") {
    advance(12s); // past the first deadline (the first ping is at 25 s)
    auto held = poll();
    post("41");
    advance(9'999ms);
    CHECK_FALSE(*ended);
    advance(1ms);
    CHECK(held->body() == "1");
    CHECK(*ended);
  }
  SECTION("DISCONNECT and CONNECT in a loop end the session") {
    for (int i = 0; i < 4; ++i) { // with the first, 5 at once are allowed
      post("41");
      REQUIRE(connect_polling("good").rfind("40{", 0) == 0);
    }
    post("41");
    CHECK_FALSE(*ended);
    advance(1s); // one more a second
    REQUIRE(connect_polling("good").rfind("40{", 0) == 0);
    post("41");
    auto held = poll();
    post(R"(40{"token":"good"})");
    CHECK(held->body() == "1");
    CHECK(*ended);
  }
  SECTION("a CONNECT after a DISCONNECT is admitted, and no deadline "
          "follows") {
    post("41");
    advance(5s);
    REQUIRE(connect_polling("good").rfind("40{\"sid\":\"", 0) == 0);
    advance(10s);
    CHECK_FALSE(*ended);
  }
}

TEST_CASE_METHOD(session_fixture, "a bad or missing token: CONNECT_ERROR "
                                  "first, then the close") {
  open();
  SECTION("bad") {
    CHECK(connect_polling("bad") == R"(44{"message":"unauthorized"})");
  }
  SECTION("missing") {
    auto held = poll();
    post("40");
    CHECK(held->body() == R"(44{"message":"unauthorized"})");
  }
  CHECK(poll()->body() == "1");
  CHECK(*ended);
  CHECK(auth_log->subscribed.empty());
}

TEST_CASE_METHOD(session_fixture, "the handshake's token admits a CONNECT "
                                  "without one") {
  open(false, client_identity{"fedcba9876543210", "Panel"});
  auto held = poll();
  post("40");
  CHECK(held->body().rfind("40{\"sid\":", 0) == 0);
  // Subscribed to its tokens and its revocation.
  CHECK(auth_log->subscribed == std::vector<std::string>{"fedcba9876543210"});
}

// A revoke between the handshake (its ?token= was good) and the CONNECT
// must not leave a session that no revoke reaches any more.
TEST_CASE_METHOD(session_fixture, "a client revoked after its handshake is "
                                  "refused at CONNECT") {
  open(false, client_identity{"fedcba9876543210", "Panel"});
  auth_log->revoked.push_back("fedcba9876543210");
  auto held = poll();
  post("40");
  CHECK(held->body() == R"(44{"message":"unauthorized"})");
  CHECK(poll()->body() == "1");
  CHECK(*ended);
  CHECK(auth_log->subscribed.empty());
}

TEST_CASE_METHOD(session_fixture, "an unknown namespace is refused, the "
                                  "session stays") {
  open();
  auto held = poll();
  post("40/admin,{\"token\":\"good\"}");
  CHECK(held->body() == R"(44/admin,{"message":"Invalid namespace"})");
  CHECK_FALSE(*ended);
}

TEST_CASE_METHOD(session_fixture, "heartbeat: ping every interval, close "
                                  "when a pong is missing") {
  open();
  connect_polling("good");
  auto held = poll();
  advance(24'999ms);
  CHECK(held->responses.empty());
  advance(1ms);
  CHECK(held->body() == "2");
  held = poll();
  advance(19'999ms);
  post("3");
  advance(5s); // the pong reset the clock: the next ping is 25 s after it
  CHECK(held->responses.empty());
  advance(20s);
  CHECK(held->body() == "2");
  held = poll();
  advance(19'999ms);
  CHECK_FALSE(*ended);
  advance(1ms);
  CHECK(held->body() == "1");
  CHECK(*ended);
}

TEST_CASE_METHOD(session_fixture, "no CONNECT within 10 s closes the "
                                  "session") {
  open();
  auto held = poll();
  advance(9'999ms);
  CHECK_FALSE(*ended);
  advance(1ms);
  CHECK(held->body() == "1");
  CHECK(*ended);
}

TEST_CASE_METHOD(session_fixture, "a token check that never ends: the "
                                  "connect deadline closes the session, "
                                  "without a false unauthorized") {
  open();
  auto held = poll();
  CHECK(post(R"(40{"token":"stall"})")->body() == "ok");
  REQUIRE(auth_log->stalled.size() == 1);
  advance(9'999ms);
  CHECK_FALSE(*ended);
  CHECK(held->responses.empty());
  advance(1ms);
  CHECK(held->body() == "1"); // a close, so the panel simply reconnects
  CHECK(*ended);
  auth_log->stalled.clear(); // the promises hold both actors
}

TEST_CASE_METHOD(session_fixture, "a token check the auth actor cannot "
                                  "answer (it stopped): a close, no false "
                                  "unauthorized") {
  caf::anon_send_exit(auth, caf::exit_reason::user_shutdown);
  run();
  open();
  auto held = poll();
  CHECK(post(R"(40{"token":"good"})")->body() == "ok");
  CHECK(held->body() == "1");
  CHECK(auth_log->subscribed.empty());
}

TEST_CASE_METHOD(session_fixture, "polling errors") {
  open();
  SECTION("two polls at once") {
    auto first = poll();
    auto second = poll();
    REQUIRE(second->responses.size() == 1);
    CHECK(second->responses.front().status == 400);
    CHECK(first->body() == "1");
    CHECK(*ended);
  }
  SECTION("a malformed payload") {
    auto res = post("9nonsense");
    REQUIRE(res->responses.size() == 1);
    CHECK(res->responses.front().status == 400);
    CHECK(*ended);
  }
  SECTION("a held poll whose client hung up") {
    auto held = poll();
    REQUIRE(held->abort);
    held->abort();
    run();
    CHECK(*ended);
  }
  SECTION("the client closes") {
    post("1");
    CHECK(*ended);
  }
}

TEST_CASE_METHOD(session_fixture, "the upgrade: probe, noop, upgrade, and "
                                  "the order of packets") {
  open();
  connect_polling("good");
  auto held = poll();
  auto up = deliver(upgrade_request());
  auto ws = accept(*up);
  frame(*up, "2probe");
  REQUIRE(ws->frames.size() == 1);
  CHECK(ws->frames[0].first == "3probe");
  CHECK(held->body() == "6"); // released so that the client can pause
  // Packets queued while the client pauses wait for the WebSocket.
  caf::anon_send(session, atom::token_v, std::string{"t1"}, std::int64_t{1});
  caf::anon_send(session, atom::token_v, std::string{"t2"}, std::int64_t{2});
  run();
  frame(*up, "5");
  REQUIRE(ws->frames.size() == 3);
  CHECK(ws->frames[1].first.find("t1") != std::string::npos);
  CHECK(ws->frames[2].first.find("t2") != std::string::npos);
  CHECK(ws->granted == 2); // one credit back per frame taken
  SECTION("polling is over") {
    auto late = poll();
    REQUIRE(late->responses.size() == 1);
    CHECK(late->responses.front().status == 400);
  }
  SECTION("events now travel over the WebSocket") {
    frame(*up, R"(421["nope"])");
    CHECK(ws->frames.back().first
          == R"(431[{"ok":false,"error":"unknown_event"}])");
  }
  SECTION("the WebSocket closing ends the session") {
    up->events->on_closed();
    run();
    CHECK(*ended);
  }
}

TEST_CASE_METHOD(session_fixture, "a poll arriving after the probe is "
                                  "released at once") {
  open();
  connect_polling("good");
  auto up = deliver(upgrade_request());
  accept(*up);
  frame(*up, "2probe");
  auto held = poll();
  CHECK(held->body() == "6");
}

TEST_CASE_METHOD(session_fixture, "a probe that is not completed in time "
                                  "is dropped") {
  open();
  connect_polling("good");
  auto up = deliver(upgrade_request());
  auto ws = accept(*up);
  advance(10s);
  CHECK(ws->closed);
  CHECK_FALSE(*ended);
  auto held = poll(); // still polling
  caf::anon_send(session, atom::token_v, std::string{"t"}, std::int64_t{1});
  run();
  CHECK(held->body().find("token") != std::string::npos);
}

TEST_CASE_METHOD(session_fixture, "a WebSocket handshake: open packet, "
                                  "CONNECT_ERROR before the close") {
  auto handshake = open(true);
  auto ws = accept(*handshake);
  REQUIRE(ws->frames.size() == 1);
  auto json = boost::json::parse(ws->frames[0].first.substr(1));
  CHECK(json.at("upgrades").as_array().empty());
  frame(*handshake, R"(40{"token":"bad"})");
  REQUIRE(ws->frames.size() == 2);
  CHECK(ws->frames[1].first == R"(44{"message":"unauthorized"})");
  CHECK(ws->closed);
  CHECK(*ended);
}

TEST_CASE_METHOD(session_fixture, "binary attachments are reassembled") {
  auto handshake = open(true);
  auto ws = accept(*handshake);
  frame(*handshake, R"(40{"token":"good"})");
  frame(*handshake, R"(451-3["blob",{"_placeholder":true,"num":0}])");
  CHECK(ws->frames.size() == 2); // waits for the attachment
  frame(*handshake, std::string("\x00\x01\x02", 3), true);
  REQUIRE(ws->frames.size() == 3);
  CHECK(ws->frames[2].first == R"(433[{"ok":false,"error":"unknown_event"}])");
}

TEST_CASE_METHOD(session_fixture, "attachments before CONNECT close the "
                                  "session") {
  auto handshake = open(true);
  auto ws = accept(*handshake);
  // Two attachments declared, one sent: without the check the first one
  // would wait in memory for the second until the connect deadline.
  frame(*handshake, R"(452-["x",{"_placeholder":true,"num":0}])");
  CHECK_FALSE(*ended);
  frame(*handshake, std::string(1000, 'b'), true);
  CHECK(ws->closed);
  CHECK(*ended);
}

TEST_CASE_METHOD(session_fixture, "a malformed Socket.IO packet closes the "
                                  "session") {
  auto handshake = open(true);
  auto ws = accept(*handshake);
  frame(*handshake, R"(40{"token":"good"})");
  frame(*handshake, "4{not json");
  CHECK(ws->closed);
  CHECK(*ended);
}

TEST_CASE_METHOD(session_fixture, "an exit closes every transport") {
  auto handshake = open(true);
  auto ws = accept(*handshake);
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
  run();
  CHECK(ws->closed);
  CHECK(*ended);
}

namespace {

/// A session connected over a WebSocket, with a real injector (under the
/// test scheduler, keys held 0 ms so scripts need no timers) that types on
/// a fake keyboard.
class input_fixture : public session_fixture {
public:
  std::shared_ptr<key_log> keys = std::make_shared<key_log>();
  actors::injector_actor injector;
  std::shared_ptr<fake_exchange> handshake;
  std::shared_ptr<fake_stream> ws;
  /// Given to the session when set before connect().
  actors::screens_actor screens;

  /// Connects over a WebSocket, or over polling.
  void connect(bool with_injector = true, bool websocket = true) {
    actors::session_config cfg;
    cfg.sid = sid;
    cfg.serial = 1;
    cfg.auth = auth;
    cfg.screens = screens;
    if (with_injector) {
      actors::injector_config icfg;
      icfg.max_hold = 1s; // before the session's heartbeat gives up
      injector = track(actors::spawn_injector(
        sys(), icfg, std::make_shared<fake_keyboard>(keys), false));
      cfg.input.injector = injector;
    }
    auto loaded = protocol::load_bindings(test_bindings);
    REQUIRE(loaded.has_value());
    cfg.input.bindings = std::make_shared<const protocol::bindings_catalogue>(
      std::move(*loaded));
    cfg.input.script = protocol::make_script_options(0ms);
    handshake = websocket ? upgrade_request(false)
                          : exchange("GET", "transport=polling");
    cfg.handshake = handshake;
    session = track(actors::spawn_session(sys(), std::move(cfg)));
    track(sys().spawn(watcher, caf::actor_cast<caf::actor>(session), ended));
    run();
    if (!websocket) {
      REQUIRE(connect_polling("good").rfind("40{", 0) == 0);
      return;
    }
    ws = accept(*handshake);
    frame(*handshake, R"(40{"token":"good"})");
    REQUIRE(ws->frames.size() == 2);
  }

  /// Sends a Socket.IO packet; returns the frame it was answered with.
  std::string send(const std::string& packet) {
    auto before = ws->frames.size();
    frame(*handshake, packet);
    return ws->frames.size() == before + 1 ? ws->frames.back().first
                                           : std::string{"(no answer)"};
  }
};

const key_log exit_keys = {
  {"lalt", true}, {"f", true}, {"f", false}, {"lalt", false}};

} // namespace

TEST_CASE_METHOD(input_fixture, "input events go to the injector; acks "
                                "follow its answers") {
  connect();
  SECTION("run_action and press type the keys, then ack") {
    CHECK(send(R"(421["run_action",{"name":"general.exit"}])")
          == R"(431[{"ok":true}])");
    CHECK(*keys == exit_keys);
    CHECK(send(R"(422["press",{"keys":"lalt+f","mode":"tap"}])")
          == R"(432[{"ok":true}])");
    CHECK(keys->size() == 8);
  }
  SECTION("without an ack, run_action answers with a message event") {
    CHECK(send(R"(42["run_action",{"name":"general.exit"}])")
          == R"(42["message","done"])");
    CHECK(send(R"(42["run_action",{"name":"view.zoom"}])")
          == R"(42["message","error: unsupported_binding"])");
  }
  SECTION("errors press nothing") {
    CHECK(send(R"(421["run_action",{"name":"nope"}])")
          == R"(431[{"ok":false,"error":"unknown_action"}])");
    CHECK(send(R"(422["run_action",{"name":["x"]}])")
          == R"(432[{"ok":false,"error":"bad_request"}])");
    CHECK(send(R"(423["press",{"keys":"f","mode":"sideways"}])")
          == R"(433[{"ok":false,"error":"unknown_activation_mode"}])");
    CHECK(send(R"(424["key_down",{"keys":"f+nope"}])")
          == R"(434[{"ok":false,"error":"unknown_key"}])");
    CHECK(keys->empty());
  }
  SECTION("list_actions") {
    auto answer = send(R"(421["list_actions",{}])");
    REQUIRE(answer.rfind("431", 0) == 0);
    auto json = boost::json::parse(answer.substr(3));
    CHECK(json.at(0).at("ok") == true);
    CHECK(json.at(0).at("actions").as_array().size() == 2);
    CHECK(json.at(0).at("actions").at(0).at("keys") == "lalt+f");
  }
  SECTION("key_down / key_up of a combo: modifiers down first, up last") {
    CHECK(send(R"(421["key_down",{"keys":"lalt+f"}])")
          == R"(431[{"ok":true}])");
    CHECK(send(R"(422["key_up",{"keys":"lalt+f"}])")
          == R"(432[{"ok":true}])");
    CHECK(*keys == exit_keys);
  }
  SECTION("key_down waiting for the injector: at most 8 per panel") {
    // Sent at once: the injector answers none before the tenth arrives.
    for (int id = 1; id <= 10; ++id)
      handshake->events->on_frame(
        "42" + std::to_string(id) + R"(["key_down",{"keys":"f"}])", false);
    run();
    std::vector<std::string> acks;
    for (const auto& [text, binary] : ws->frames)
      if (text.rfind("43", 0) == 0)
        acks.push_back(text);
    REQUIRE(acks.size() == 10);
    CHECK(std::count(acks.begin(), acks.end(),
                     R"(439[{"ok":false,"error":"busy"}])")
          == 1);
    CHECK(std::count(acks.begin(), acks.end(),
                     R"(4310[{"ok":false,"error":"busy"}])")
          == 1);
    // Answered, they no longer count.
    CHECK(send(R"(4211["key_down",{"keys":"f"}])") == R"(4311[{"ok":true}])");
    CHECK(send(R"(4212["key_up",{"keys":"g"}])") == R"(4312[{"ok":true}])");
    CHECK(send(R"(4213["key_up",{"keys":"f"}])") == R"(4313[{"ok":true}])");
    CHECK(keys->back() == key_log::value_type{"f", false});
  }
  SECTION("a held key that expires is reported as key_released") {
    CHECK(send(R"(421["key_down",{"keys":"lshift"}])")
          == R"(431[{"ok":true}])");
    advance(1s);
    CHECK(keys->back() == key_log::value_type{"lshift", false});
    CHECK(ws->frames.back().first
          == R"(42["key_released",{"keys":"lshift","reason":"max_hold"}])");
  }
  SECTION("release_all and DISCONNECT let go of everything") {
    CHECK(send(R"(421["key_down",{"keys":"lshift+w"}])")
          == R"(431[{"ok":true}])");
    CHECK(send(R"(422["release_all",{}])") == R"(432[{"ok":true}])");
    CHECK(keys->size() == 4);
    CHECK(send(R"(423["key_down",{"keys":"w"}])") == R"(433[{"ok":true}])");
    frame(*handshake, "41");
    CHECK(keys->back() == key_log::value_type{"w", false});
  }
}

// The client connected again elsewhere: this session pings at once and
// ends unless the pong comes within 5 s (not the heartbeat's 25 + 20 s),
// and its held keys go up with it.
TEST_CASE_METHOD(input_fixture, "check_alive: a link that does not answer "
                                "ends the session soon") {
  connect();
  CHECK(send(R"(421["key_down",{"keys":"lshift"}])") == R"(431[{"ok":true}])");
  caf::anon_send(session, atom::check_alive_v);
  run();
  CHECK(ws->frames.back().first == "2");
  SECTION("no pong: closed after 5 s, the key goes up") {
    advance(4900ms);
    CHECK_FALSE(*ended);
    advance(100ms);
    CHECK(*ended);
    CHECK(keys->back() == key_log::value_type{"lshift", false});
  }
  SECTION("a pong: the session stays") {
    frame(*handshake, "3");
    advance(10s);
    CHECK_FALSE(*ended);
  }
}

TEST_CASE_METHOD(input_fixture, "check_alive: a session holding no key "
                                "waits for its heartbeat") {
  connect();
  const auto frames = ws->frames.size();
  caf::anon_send(session, atom::check_alive_v);
  run();
  CHECK(ws->frames.size() == frames); // no ping now
  advance(10s);
  CHECK_FALSE(*ended);
}

// The farewell of a revoked polling session waits for the next poll (up
// to 5 s); its keys must not.
TEST_CASE_METHOD(input_fixture, "a revoked session lets go of its keys at "
                                "once") {
  connect(true, false);
  auto held = poll();
  CHECK(post(R"(421["key_down",{"keys":"lshift"}])")->body() == "ok");
  CHECK(held->body() == R"(431[{"ok":true}])");
  CHECK(*keys == key_log{{"lshift", true}});
  caf::anon_send(session, atom::revoked_v);
  run();
  CHECK_FALSE(*ended); // the farewell waits for a poll
  CHECK(*keys == key_log{{"lshift", true}, {"lshift", false}});
}

TEST_CASE_METHOD(input_fixture, "without an injector input events are "
                                "unavailable") {
  connect(false);
  CHECK(send(R"(421["run_action",{"name":"general.exit"}])")
        == R"(431[{"ok":false,"error":"unavailable"}])");
  CHECK(send(R"(422["key_down",{"keys":"f"}])")
        == R"(432[{"ok":false,"error":"unavailable"}])");
  CHECK(send(R"(423["list_actions",{}])").rfind("433[{\"ok\":true", 0) == 0);
}

TEST_CASE_METHOD(input_fixture, "a DISCONNECT leaves the screens: a new "
                                "CONNECT starts with none") {
  std::string error;
  screens = track(actors::spawn_screens(sys(), {}, false, error));
  REQUIRE(screens);
  connect(false);
  CHECK(send(R"(421["join_screen",{"screen":"cockpit"}])")
        == R"(431[{"ok":true,"screen":"cockpit","state":{}}])");
  auto change = [&](const std::string& state) {
    caf::anon_send(screens, atom::set_screen_v, std::string{"cockpit"}, state,
                   caf::actor{});
    run();
  };
  change(R"({"page":1})");
  CHECK(ws->frames.back().first
        == R"(42["screen_state",{"screen":"cockpit","state":{"page":1}}])");
  frame(*handshake, "41");
  frame(*handshake, R"(40{"token":"good"})");
  REQUIRE(ws->frames.back().first.rfind("40{", 0) == 0);
  change(R"({"page":2})");
  CHECK(ws->frames.back().first.rfind("40{", 0) == 0); // not told
  CHECK(send(R"(422["join_screen",{"screen":"cockpit"}])")
        == R"(432[{"ok":true,"screen":"cockpit","state":{"page":2}}])");
}
