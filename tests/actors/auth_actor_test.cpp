#include "actors/auth_actor.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "actors/approval_actor.hpp"
#include "actors/trust_store_file.hpp"
#include "protocol/identity.hpp"
#include "protocol/trust_store.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace std::chrono_literals;
using namespace openmfd;
using openmfd::actors::authorise_outcome;
using openmfd::actors::authorise_verdict;
using openmfd::actors::client_identity;
using openmfd::test::client_id;
using openmfd::test::reply;

namespace {

/// The knobs the tests turn; defaults are the server's.
struct options {
  std::chrono::milliseconds approval_timeout{60'000};
  std::size_t max_pending = 8;
  std::chrono::seconds token_ttl{900};
  std::chrono::seconds token_rotate{300};
  std::chrono::milliseconds poll_interval{500};
  std::chrono::seconds flush_interval{60};
  double prompt_burst = 5;
  std::chrono::seconds prompt_refill{10};
};

bool is_invalid_token(const caf::error& err) {
  return err.category() == caf::atom("auth")
         && err.code()
              == static_cast<std::uint8_t>(actors::auth_error::invalid_token);
}

bool is_lower_hex(const std::string& s) {
  return !s.empty()
         && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class auth_fixture : public test::actor_fixture {
public:
  actors::approval_actor approval;
  actors::auth_actor auth;

  void start(const options& o = options{}) {
    actors::approval_config acfg;
    acfg.timeout = o.approval_timeout;
    acfg.max_pending = o.max_pending;
    acfg.print = [out = console](const std::string& text) {
      out->push_back(text);
    };
    approval = track(actors::spawn_approval(sys(), std::move(acfg), false));
    actors::auth_config cfg;
    cfg.data_dir = dir;
    cfg.approval = approval;
    cfg.approval_timeout = o.approval_timeout;
    cfg.token_ttl = o.token_ttl;
    cfg.token_rotate = o.token_rotate;
    cfg.poll_interval = o.poll_interval;
    cfg.flush_interval = o.flush_interval;
    cfg.prompt_burst = o.prompt_burst;
    cfg.prompt_refill = o.prompt_refill;
    std::string error;
    auth = actors::spawn_auth(sys(), std::move(cfg), false, error);
    INFO(error);
    REQUIRE(auth);
    track(auth);
    caf::anon_send(approval, atom::command_handler_v,
                   caf::actor_cast<caf::actor>(auth));
    run();
  }

  std::shared_ptr<reply<authorise_outcome>>
  authorise(const std::string& id, const std::string& name,
            const std::string& address, std::uint64_t request_id) {
    return ask<authorise_outcome>(auth, atom::authorise_v, id, name, address,
                                  request_id);
  }

  /// A granted token for a client the test trusts (fails the test if not).
  std::string token_for(const std::string& id, std::uint64_t request_id) {
    auto r = authorise(id, "whoever", "10.0.0.1", request_id);
    REQUIRE(r->value);
    REQUIRE(r->value->verdict == authorise_verdict::granted);
    return r->value->token;
  }

  std::shared_ptr<reply<client_identity>> validate(const std::string& token) {
    return ask<client_identity>(auth, atom::validate_v, token, caf::actor{});
  }

  bool valid(const std::string& token) {
    auto r = validate(token);
    REQUIRE(r->arrived());
    if (r->error)
      CHECK(is_invalid_token(r->error));
    return r->value.has_value();
  }

  std::shared_ptr<test::session_log> subscribe(const std::string& id) {
    auto [session, record] = make_session();
    caf::anon_send(auth, atom::subscribe_v, protocol::sha256_hex(id), session);
    run();
    return record;
  }

  void line(const std::string& text) {
    caf::anon_send(approval, atom::line_v, text);
    run();
  }

  void withdraw(std::uint64_t request_id) {
    caf::anon_send(approval, atom::withdraw_v, request_id);
    run();
  }

  /// Trusts `id` in trust.json the way `openmfd-server clients add` does.
  /// As `clients add` would, at Unix time `now`.
  void trust_in_file(const std::string& id, const std::string& name,
                     std::int64_t now = 1) {
    actors::trust_store_file file{dir};
    std::string error;
    auto written = file.update(
      [&](protocol::trust_store& s) {
        s.trust(protocol::sha256_hex(id), name, "added by hand", now);
        return true;
      },
      error);
    INFO(error);
    REQUIRE(written);
  }

  void remove_from_file(const std::string& id) {
    actors::trust_store_file file{dir};
    std::string error;
    auto written = file.update(
      [&](protocol::trust_store& s) {
        auto hash = protocol::sha256_hex(id);
        for (std::size_t i = 0; i < s.clients.size(); ++i)
          if (s.clients[i].id_hash == hash) {
            s.remove(i);
            return true;
          }
        return false;
      },
      error);
    INFO(error);
    REQUIRE(written);
  }

  std::string file_text() const {
    std::ifstream in{dir / "trust.json", std::ios::binary};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

  /// trust.json as the server wrote it, read back independently.
  protocol::trust_store stored() const {
    auto parsed = protocol::parse_trust_store(file_text());
    REQUIRE(parsed.has_value());
    return std::move(*parsed);
  }

  bool stored_trusted(const std::string& id) const {
    if (!std::filesystem::exists(dir / "trust.json"))
      return false;
    return stored().find(protocol::sha256_hex(id)) != nullptr;
  }

  bool stored_denied(const std::string& id) const {
    if (!std::filesystem::exists(dir / "trust.json"))
      return false;
    return stored().is_denied(protocol::sha256_hex(id));
  }

  /// Secrets must never reach the log (STYLE §5): tokens, raw client ids,
  /// device codes.
  void check_log_has_no(const std::string& secret) {
    INFO("log: " << log_text());
    CHECK(log_text().find(secret) == std::string::npos);
  }
};

} // namespace

TEST_CASE_METHOD(auth_fixture, "a trusted client's token validates",
                 "[auth]") {
  const auto id = client_id(1);
  trust_in_file(id, "Kitchen tablet");
  start();
  auto r = authorise(id, "Claimed name", "10.0.0.5", 1);
  REQUIRE(r->value);
  CHECK(r->value->verdict == authorise_verdict::granted);
  CHECK(r->value->expires_in == 900);
  // 256 random bits as hex.
  CHECK(r->value->token.size() == 64);
  CHECK(is_lower_hex(r->value->token));
  CHECK(prompts() == 0);

  auto v = validate(r->value->token);
  REQUIRE(v->value);
  CHECK(v->value->id_hash == protocol::sha256_hex(id));
  // The name the person at the host approved, not the one claimed now.
  CHECK(v->value->name == "Kitchen tablet");

  auto second = token_for(id, 2);
  CHECK(second != r->value->token);
  CHECK(valid(second));
  CHECK(valid(r->value->token));

  for (const std::string& bogus :
       {std::string{}, std::string(64, '0'), r->value->token.substr(1),
        r->value->token + "0", second.substr(0, 63) + "x"}) {
    CAPTURE(bogus);
    CHECK_FALSE(valid(bogus));
  }
  check_log_has_no(r->value->token);
  check_log_has_no(second);
  check_log_has_no(id);
}

TEST_CASE_METHOD(auth_fixture, "tokens expire after token_ttl of virtual time",
                 "[auth]") {
  struct row {
    std::chrono::seconds ttl;
    std::chrono::seconds rotate;
  };
  // A rotation period longer than the lifetime, and the server's defaults.
  auto r = GENERATE(row{60s, 3600s}, row{900s, 300s});
  CAPTURE(r.ttl.count(), r.rotate.count());
  options o;
  o.token_ttl = r.ttl;
  o.token_rotate = r.rotate;
  const auto id = client_id(2);
  trust_in_file(id, "T");
  start(o);
  auto got = authorise(id, "T", "10.0.0.1", 1);
  REQUIRE(got->value);
  CHECK(got->value->expires_in == r.ttl.count());
  advance(r.ttl - 1s);
  CHECK(valid(got->value->token));
  advance(1s);
  CHECK_FALSE(valid(got->value->token));
  // The client itself is still trusted: it just asks again.
  CHECK(valid(token_for(id, 2)));
}

TEST_CASE_METHOD(auth_fixture,
                 "rotation pushes fresh tokens; old ones live out their ttl",
                 "[auth]") {
  const auto id = client_id(3);
  const auto other = client_id(4);
  trust_in_file(id, "A");
  trust_in_file(other, "B");
  options o; // ttl 900 s, a new token every 300 s
  start(o);
  auto first = token_for(id, 1);
  auto s1 = subscribe(id);
  auto s1b = subscribe(id); // a second session of the same client
  auto s2 = subscribe(other);

  advance(299s);
  CHECK(s1->tokens.empty());
  advance(1s); // t = 300
  REQUIRE(s1->tokens.size() == 1);
  CHECK(s1->tokens[0].second == o.token_ttl.count());
  // Sessions of one client share its rotation; other clients get their own.
  REQUIRE(s1b->tokens.size() == 1);
  CHECK(s1b->tokens[0].first == s1->tokens[0].first);
  REQUIRE(s2->tokens.size() == 1);
  CHECK(s2->tokens[0].first != s1->tokens[0].first);
  CHECK(valid(s1->tokens[0].first));
  CHECK(valid(first));
  {
    auto who = validate(s2->tokens[0].first);
    REQUIRE(who->value);
    CHECK(who->value->id_hash == protocol::sha256_hex(other));
  }

  advance(300s); // t = 600
  REQUIRE(s1->tokens.size() == 2);
  advance(299s); // t = 899: the first token is in its last second
  CHECK(valid(first));
  advance(1s); // t = 900: first expires, third rotation
  CHECK_FALSE(valid(first));
  REQUIRE(s1->tokens.size() == 3);
  CHECK(valid(s1->tokens[0].first)); // issued at 300, lives until 1200
  advance(300s); // t = 1200
  CHECK_FALSE(valid(s1->tokens[0].first));
  CHECK(valid(s1->tokens[1].first));
  CHECK(valid(s1->tokens[2].first));
  REQUIRE(s1->tokens.size() == 4);
  CHECK(valid(s1->tokens[3].first));

  std::set<std::string> distinct;
  for (const auto& t : s1->tokens)
    distinct.insert(t.first);
  CHECK(distinct.size() == s1->tokens.size());
  CHECK(s1->revoked == 0);
  for (const auto& t : s1->tokens)
    check_log_has_no(t.first);
}

// A session is subscribed by the same message that checks its client, so
// no revoke can fall in between; one that asks after the revoke (its
// client's handshake was checked before it) is refused, not subscribed.
TEST_CASE_METHOD(auth_fixture,
                 "sessions are subscribed only while their client is trusted",
                 "[auth]") {
  const auto id = client_id(7);
  trust_in_file(id, "Doomed");
  start();
  auto token = token_for(id, 1);
  auto [checked, checked_log] = make_session();
  auto who = ask<client_identity>(auth, atom::validate_v, token, checked);
  REQUIRE(who->value);
  CHECK(who->value->name == "Doomed");
  auto [late, late_log] = make_session();

  auto msg = ask<std::string>(auth, atom::revoke_v, protocol::short_id(id));
  REQUIRE(msg->value);
  CHECK(checked_log->revoked == 1);

  auto refused = ask<client_identity>(auth, atom::subscribe_v,
                                      protocol::sha256_hex(id), late);
  REQUIRE(refused->arrived());
  CHECK(is_invalid_token(refused->error));
  CHECK_FALSE(ask<client_identity>(auth, atom::validate_v, token, late)
                ->value);
  advance(300s); // a rotation
  CHECK(late_log->tokens.empty());
  CHECK(late_log->revoked == 0);
}

// A session may CONNECT, DISCONNECT and CONNECT again, each time checked
// and subscribed: it stays one subscriber.
TEST_CASE_METHOD(auth_fixture, "a session subscribed again stays one",
                 "[auth]") {
  const auto id = client_id(8);
  trust_in_file(id, "Looping");
  start();
  auto token = token_for(id, 1);
  auto [session, log] = make_session();
  for (int i = 0; i < 3; ++i) {
    CHECK(ask<client_identity>(auth, atom::validate_v, token, session)->value);
    CHECK(ask<client_identity>(auth, atom::subscribe_v,
                               protocol::sha256_hex(id), session)
            ->value);
  }
  advance(300s); // a rotation
  CHECK(log->tokens.size() == 1);
  CHECK(log->checks == 0); // its own CONNECTs do not make it check
}

// After a network drop the client connects again in a new session while
// the old one (its link dead, its keys held) waits for its heartbeat.
TEST_CASE_METHOD(auth_fixture, "a client's new session makes its older ones "
                               "check their link",
                 "[auth]") {
  const auto id = client_id(9);
  const auto other = client_id(10);
  trust_in_file(id, "Tablet");
  trust_in_file(other, "Other");
  start();
  auto old_session = subscribe(id);
  auto bystander = subscribe(other);
  auto token = token_for(id, 1);
  auto [fresh, fresh_log] = make_session();
  CHECK(ask<client_identity>(auth, atom::validate_v, token, fresh)->value);
  CHECK(old_session->checks == 1);
  CHECK(fresh_log->checks == 0);
  CHECK(bystander->checks == 0);
}

TEST_CASE_METHOD(auth_fixture,
                 "revoke by short id kills every token and session at once",
                 "[auth]") {
  const auto id = client_id(5);
  const auto other = client_id(6);
  trust_in_file(id, "Doomed");
  trust_in_file(other, "Kept");
  start();
  auto a1 = token_for(id, 1);
  auto a2 = token_for(id, 2);
  auto b1 = token_for(other, 3);
  auto s1 = subscribe(id);
  auto s1b = subscribe(id);
  auto s2 = subscribe(other);

  auto msg = ask<std::string>(auth, atom::revoke_v, protocol::short_id(id));
  REQUIRE(msg->value);
  CHECK(msg->value->find(protocol::short_id(id)) != std::string::npos);

  CHECK_FALSE(valid(a1));
  CHECK_FALSE(valid(a2));
  CHECK(valid(b1));
  CHECK(s1->revoked == 1);
  CHECK(s1b->revoked == 1);
  CHECK(s2->revoked == 0);
  CHECK_FALSE(stored_trusted(id));
  CHECK(stored_trusted(other));

  // A revoked client's sessions get no more rotations.
  advance(300s);
  CHECK(s1->tokens.empty());
  CHECK(s2->tokens.size() == 1);

  // Revoking what matches nothing changes nothing.
  auto none = ask<std::string>(auth, atom::revoke_v, std::string{"nobody"});
  REQUIRE(none->value);
  CHECK(valid(b1));
  CHECK(s2->revoked == 0);

  // The revoked client is a stranger again: it has to ask.
  auto again = authorise(id, "Doomed", "10.0.0.1", 4);
  CHECK_FALSE(again->arrived());
  CHECK(prompts() == 1);
}

TEST_CASE_METHOD(auth_fixture,
                 "an approved client is trusted and written to trust.json",
                 "[auth]") {
  // DESIGN §3's example id and its device code.
  const std::string id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
  start();
  auto r = authorise(id, "Tablet", "192.168.1.7", 1);
  CHECK_FALSE(r->arrived());
  REQUIRE(prompts() == 1);
  auto prompt = console->back();
  CHECK(prompt.find("Tablet") != std::string::npos);
  CHECK(prompt.find("192.168.1.7") != std::string::npos);
  CHECK(prompt.find(protocol::short_id(id)) != std::string::npos);
  CHECK(prompt.find("649814") != std::string::npos);

  line("y");
  REQUIRE(r->value);
  CHECK(r->value->verdict == authorise_verdict::granted);
  auto who = validate(r->value->token);
  REQUIRE(who->value);
  CHECK(who->value->name == "Tablet");

  auto store = stored();
  const auto* c = store.find(protocol::sha256_hex(id));
  REQUIRE(c);
  CHECK(c->name == "Tablet");
  CHECK(c->last_address == "192.168.1.7");
  // Only the hash is stored (DESIGN §4).
  CHECK(file_text().find(id) == std::string::npos);

  // From now on no prompt.
  auto next = authorise(id, "Tablet", "192.168.1.8", 2);
  REQUIRE(next->value);
  CHECK(next->value->verdict == authorise_verdict::granted);
  CHECK(prompts() == 1);

  // The device code was on the console in the prompt only, never logged.
  for (const auto& text : *console)
    if (text.find("649814") != std::string::npos)
      CHECK(text.find("Pairing request from") != std::string::npos);
  check_log_has_no("649814");
  check_log_has_no(id);
  check_log_has_no(r->value->token);
  // The log is really captured: the pairing is logged by short id.
  CHECK(log_text().find(protocol::short_id(id)) != std::string::npos);
}

TEST_CASE_METHOD(auth_fixture, "a denial is remembered until cleared",
                 "[auth]") {
  const auto id = client_id(7);
  start();
  auto r = authorise(id, "Intruder", "10.1.1.1", 1);
  REQUIRE(prompts() == 1);
  line("n");
  REQUIRE(r->value);
  CHECK(r->value->verdict == authorise_verdict::denied);
  CHECK(stored_denied(id));
  CHECK_FALSE(stored_trusted(id));

  // Asked again: refused at once, nobody is bothered.
  auto again = authorise(id, "Intruder", "10.1.1.2", 2);
  REQUIRE(again->value);
  CHECK(again->value->verdict == authorise_verdict::denied);
  CHECK(prompts() == 1);

  auto cleared = ask<std::string>(auth, atom::clear_denied_v);
  REQUIRE(cleared->value);
  CHECK_FALSE(stored_denied(id));
  auto third = authorise(id, "Intruder", "10.1.1.3", 3);
  CHECK_FALSE(third->arrived());
  CHECK(prompts() == 2);
}

TEST_CASE_METHOD(auth_fixture,
                 "no answer in time is approval_timeout, not a denial",
                 "[auth]") {
  options o;
  o.approval_timeout = 60s;
  const auto id = client_id(8);
  start(o);
  auto r = authorise(id, "Sleepy", "10.2.2.2", 1);
  REQUIRE(prompts() == 1);
  advance(59s);
  CHECK_FALSE(r->arrived());
  advance(1s);
  REQUIRE(r->value);
  CHECK(r->value->verdict == authorise_verdict::approval_timeout);
  CHECK_FALSE(stored_denied(id));
  CHECK_FALSE(stored_trusted(id));
  // Not remembered: the next request is put to the person again.
  auto again = authorise(id, "Sleepy", "10.2.2.2", 2);
  CHECK_FALSE(again->arrived());
  CHECK(prompts() == 2);
}

TEST_CASE_METHOD(auth_fixture, "joined requests all get the decision",
                 "[auth]") {
  const auto id = client_id(9);
  start();
  auto r1 = authorise(id, "Twice", "10.3.3.3", 1);
  auto r2 = authorise(id, "Twice", "10.3.3.4", 2);
  CHECK(prompts() == 1); // one client, one prompt

  SECTION("approve") {
    line("y");
    REQUIRE(r1->value);
    REQUIRE(r2->value);
    CHECK(r1->value->verdict == authorise_verdict::granted);
    CHECK(r2->value->verdict == authorise_verdict::granted);
    CHECK(r1->value->token != r2->value->token);
    CHECK(valid(r1->value->token));
    CHECK(valid(r2->value->token));
    CHECK(stored().clients.size() == 1);
  }
  SECTION("deny") {
    line("n");
    REQUIRE(r1->value);
    REQUIRE(r2->value);
    CHECK(r1->value->verdict == authorise_verdict::denied);
    CHECK(r2->value->verdict == authorise_verdict::denied);
    CHECK(stored().denied.size() == 1);
  }
  SECTION("withdraw one: the prompt stays for the other") {
    withdraw(1);
    REQUIRE(r1->value);
    CHECK(r1->value->verdict == authorise_verdict::withdrawn);
    CHECK_FALSE(r2->arrived());
    CHECK(console_text().find("withdrawn") == std::string::npos);
    line("y");
    REQUIRE(r2->value);
    CHECK(r2->value->verdict == authorise_verdict::granted);
    CHECK(stored_trusted(id));
  }
  SECTION("withdraw both: the prompt goes, nothing is remembered") {
    withdraw(1);
    withdraw(2);
    REQUIRE(r1->value);
    REQUIRE(r2->value);
    CHECK(r1->value->verdict == authorise_verdict::withdrawn);
    CHECK(r2->value->verdict == authorise_verdict::withdrawn);
    CHECK(console_text().find("withdrawn") != std::string::npos);
    line("y");
    CHECK(console->back().find("no pairing request is waiting")
          != std::string::npos);
    CHECK_FALSE(stored_trusted(id));
    CHECK_FALSE(stored_denied(id));
  }
}

TEST_CASE_METHOD(auth_fixture, "a full prompt queue answers too_many",
                 "[auth]") {
  options o;
  o.max_pending = 2;
  start(o);
  auto a = authorise(client_id(10), "A", "10.4.0.1", 1);
  auto b = authorise(client_id(11), "B", "10.4.0.2", 2);
  auto c = authorise(client_id(12), "C", "10.4.0.3", 3);
  CHECK_FALSE(a->arrived());
  CHECK_FALSE(b->arrived());
  REQUIRE(c->value);
  CHECK(c->value->verdict == authorise_verdict::too_many);
  CHECK(c->value->retry_after > 0);
  CHECK(prompts() == 1); // one prompt on screen at a time
  // A request joining a waiting client is no new prompt: it is let in.
  auto a2 = authorise(client_id(10), "A", "10.4.0.1", 4);
  CHECK_FALSE(a2->arrived());
  // Once A is decided, B is shown and there is room again.
  line("y");
  REQUIRE(a->value);
  REQUIRE(a2->value);
  CHECK(prompts() == 2);
  auto c2 = authorise(client_id(12), "C", "10.4.0.3", 5);
  CHECK_FALSE(c2->arrived());
}

TEST_CASE_METHOD(auth_fixture, "too many prompts from one address: too_many",
                 "[auth]") {
  options o;
  o.prompt_burst = 2;
  o.prompt_refill = 10s;
  const auto trusted = client_id(20);
  trust_in_file(trusted, "Known");
  start(o);
  const std::string address = "10.5.5.5";
  auto r1 = authorise(client_id(21), "one", address, 1);
  auto r2 = authorise(client_id(22), "two", address, 2);
  auto r3 = authorise(client_id(23), "three", address, 3);
  CHECK_FALSE(r1->arrived());
  CHECK_FALSE(r2->arrived());
  REQUIRE(r3->value);
  CHECK(r3->value->verdict == authorise_verdict::too_many);
  // At most one refill period: one token comes back every 10 s.
  CHECK(r3->value->retry_after > 0);
  CHECK(r3->value->retry_after <= 10);
  // Another address is not affected, nor is a client already trusted.
  auto elsewhere = authorise(client_id(24), "four", "10.5.5.6", 4);
  CHECK_FALSE(elsewhere->arrived());
  auto known = authorise(trusted, "Known", address, 5);
  REQUIRE(known->value);
  CHECK(known->value->verdict == authorise_verdict::granted);
}

TEST_CASE_METHOD(auth_fixture,
                 "a revoke written to trust.json from outside is applied",
                 "[auth]") {
  const auto id = client_id(30);
  const auto other = client_id(31);
  trust_in_file(id, "Removed");
  trust_in_file(other, "Stays");
  options o;
  o.poll_interval = 500ms;
  start(o);
  auto a = token_for(id, 1);
  auto b = token_for(other, 2);
  auto s1 = subscribe(id);
  auto s2 = subscribe(other);

  remove_from_file(id); // as `openmfd-server clients revoke` does
  advance(499ms);
  CHECK(s1->revoked == 0);
  advance(1ms);
  CHECK(s1->revoked == 1);
  CHECK(s2->revoked == 0);
  CHECK_FALSE(valid(a));
  CHECK(valid(b));

  // Additions from outside are picked up too.
  const auto added = client_id(32);
  trust_in_file(added, "Added");
  advance(500ms);
  auto r = authorise(added, "Added", "10.0.0.1", 3);
  REQUIRE(r->value);
  CHECK(r->value->verdict == authorise_verdict::granted);
}

// Any write by the server re-reads trust.json under the lock; a client
// removed from outside must still be revoked then, not absorbed silently.
TEST_CASE_METHOD(auth_fixture,
                 "an outside revoke is applied even if the server writes first",
                 "[auth]") {
  const auto id = client_id(40);
  trust_in_file(id, "Removed");
  start();
  auto a = token_for(id, 1);
  auto s1 = subscribe(id);
  remove_from_file(id);
  // Before the next poll, the server writes trust.json itself.
  auto stranger = authorise(client_id(41), "Stranger", "10.6.6.6", 2);
  line("n");
  REQUIRE(stranger->value);
  advance(1s); // two poll periods
  CHECK_FALSE(valid(a));
  CHECK(s1->revoked == 1);
}

TEST_CASE_METHOD(auth_fixture,
                 "a corrupt trust.json stops the start and is kept", "[auth]") {
  {
    std::ofstream out{dir / "trust.json", std::ios::binary};
    out << "{\"version\": 1, \"generation\": ";
  }
  const auto before = file_text();
  actors::auth_config cfg;
  cfg.data_dir = dir;
  std::string error;
  auto handle = actors::spawn_auth(sys(), cfg, false, error);
  CHECK_FALSE(handle);
  // The message names the file (DESIGN §7).
  CHECK(error.find((dir / "trust.json").string()) != std::string::npos);
  CHECK(file_text() == before);
}

TEST_CASE_METHOD(auth_fixture,
                 "a trust.json corrupted while running is never overwritten",
                 "[auth]") {
  const auto id = client_id(50);
  trust_in_file(id, "Known");
  start();
  auto a = token_for(id, 1);
  {
    std::ofstream out{dir / "trust.json", std::ios::binary | std::ios::trunc};
    out << "garbage";
  }
  advance(500ms); // the poll fails: the store in memory stays
  CHECK(valid(a));
  CHECK(valid(token_for(id, 2)));
  // A pairing that cannot be written is not made (the next write that
  // succeeds would undo it): the device is told, and must ask again.
  const auto newcomer = client_id(51);
  auto r = authorise(newcomer, "New", "10.7.7.7", 3);
  line("y");
  REQUIRE(r->value);
  CHECK(r->value->verdict == authorise_verdict::unavailable);
  CHECK(log_text().find("cannot pair New") != std::string::npos);
  auto again = authorise(newcomer, "New", "10.7.7.7", 4);
  CHECK_FALSE(again->value); // asked again, not trusted
  withdraw(4);
  CHECK(file_text() == "garbage");
  advance(60s); // the flush of last-seen times does not write it either
  CHECK(file_text() == "garbage");
}

// A revoke the file cannot take (here: a corrupt trust.json, which is never
// overwritten) still ends the client's sessions at once, and a trust.json
// read later that still lists the client does not trust it again: the
// removal is written with the next write that succeeds.
TEST_CASE_METHOD(auth_fixture,
                 "a revoke that cannot be written still holds", "[auth]") {
  const auto id = client_id(60);
  const auto other = client_id(61);
  trust_in_file(id, "Doomed");
  trust_in_file(other, "Kept");
  start();
  auto token = token_for(id, 1);
  auto s1 = subscribe(id);
  const auto good_file = file_text();
  {
    std::ofstream out{dir / "trust.json", std::ios::binary | std::ios::trunc};
    out << "garbage";
  }
  auto msg = ask<std::string>(auth, atom::revoke_v, protocol::short_id(id));
  REQUIRE(msg->value);
  CHECK(msg->value->find("for this run") != std::string::npos);
  CHECK(s1->revoked == 1);
  CHECK_FALSE(valid(token));

  // The file comes back as it was (still listing the client), and another
  // program writes it: the revoke is not undone.
  {
    std::ofstream out{dir / "trust.json", std::ios::binary | std::ios::trunc};
    out << good_file;
  }
  trust_in_file(client_id(62), "Added");
  advance(500ms); // a poll adopts the file
  CHECK(stored_trusted(id));
  // Not trusted: it has to ask the person at the host again.
  auto again = authorise(id, "Doomed", "10.0.0.1", 2);
  CHECK_FALSE(again->value);
  withdraw(2);
  REQUIRE(again->value);
  CHECK(again->value->verdict == authorise_verdict::withdrawn);
  advance(60s); // the flush writes the revoke
  CHECK_FALSE(stored_trusted(id));
  CHECK(stored_trusted(other));
  CHECK(stored_trusted(client_id(62)));
}

// The operator pairs the device again from another terminal while the
// revoke is still unsaved: that pairing is newer and wins.
TEST_CASE_METHOD(auth_fixture,
                 "a client paired again after an unsaved revoke stays paired",
                 "[auth]") {
  const auto id = client_id(63);
  trust_in_file(id, "Back");
  start();
  CHECK(valid(token_for(id, 1)));
  const auto good_file = file_text();
  {
    std::ofstream out{dir / "trust.json", std::ios::binary | std::ios::trunc};
    out << "garbage";
  }
  auto msg = ask<std::string>(auth, atom::revoke_v, protocol::short_id(id));
  REQUIRE(msg->value);
  {
    std::ofstream out{dir / "trust.json", std::ios::binary | std::ios::trunc};
    out << good_file;
  }
  advance(500ms);
  auto refused = authorise(id, "Back", "10.0.0.1", 2);
  CHECK_FALSE(refused->value); // still revoked: it is asked about
  withdraw(2);
  auto later = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count()
               + 60;
  trust_in_file(id, "Back", later); // `clients add` of a listed client
  advance(500ms);
  auto again = authorise(id, "Back", "10.0.0.1", 3);
  REQUIRE(again->value);
  CHECK(again->value->verdict == authorise_verdict::granted);
  advance(60s); // the flush keeps it
  CHECK(stored_trusted(id));
}
