#include "actors/approval_actor.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/identity.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace std::chrono_literals;
using namespace openmfd;
using openmfd::actors::approval_request;
using openmfd::actors::approval_verdict;
using openmfd::test::client_id;
using openmfd::test::reply;

namespace {

/// What a fake console command handler was asked.
struct handler_log {
  int lists = 0;
  int clears = 0;
  std::vector<std::string> revokes;
};

caf::behavior fake_handler(caf::event_based_actor*,
                           std::shared_ptr<handler_log> record) {
  return {
    [record](atom::list) {
      ++record->lists;
      return std::string{"paired devices: none"}; // no newline: one is added
    },
    [record](atom::revoke, const std::string& selector) {
      record->revokes.push_back(selector);
      return "revoked " + selector + "\n";
    },
    [record](atom::clear_denied) {
      ++record->clears;
      return std::string{"cleared 0 denied devices\n"};
    },
  };
}

class approval_fixture : public test::actor_fixture {
public:
  actors::approval_actor approval;

  void start(std::chrono::milliseconds timeout = 60s,
             std::size_t max_pending = 8) {
    actors::approval_config cfg;
    cfg.timeout = timeout;
    cfg.max_pending = max_pending;
    cfg.print = [out = console](const std::string& text) {
      out->push_back(text);
    };
    approval = track(actors::spawn_approval(sys(), std::move(cfg), false));
    run();
  }

  /// A request as the auth actor would make it for client `seed`.
  /// A request from client `seed`, by default from its own address (one
  /// address may have only two clients waiting).
  static approval_request request(std::uint8_t seed, std::uint64_t id,
                                  const std::string& name = "Tablet",
                                  std::string address = {}) {
    if (address.empty())
      address = "10.0.0." + std::to_string(seed);
    auto client = client_id(seed);
    return {id,      protocol::sha256_hex(client),
            name,    address,
            protocol::short_id(client), protocol::device_code(client)};
  }

  std::shared_ptr<reply<approval_verdict>> ask(const approval_request& req) {
    return actor_fixture::ask<approval_verdict>(approval, atom::ask_v, req);
  }

  void line(const std::string& text) {
    caf::anon_send(approval, atom::line_v, text);
    run();
  }

  void withdraw(std::uint64_t id) {
    caf::anon_send(approval, atom::withdraw_v, id);
    run();
  }

  std::shared_ptr<handler_log> attach_handler() {
    auto record = std::make_shared<handler_log>();
    auto handler = track(sys().spawn(fake_handler, record));
    caf::anon_send(approval, atom::command_handler_v, handler);
    run();
    return record;
  }

  bool last_output_has(const std::string& text) const {
    return !console->empty() && console->back().find(text) != std::string::npos;
  }
};

} // namespace

TEST_CASE_METHOD(approval_fixture,
                 "the prompt shows name, address, short id and device code",
                 "[approval]") {
  start();
  auto req = request(1, 1, "Kitchen tablet", "192.168.1.23");
  auto r = ask(req);
  CHECK_FALSE(r->arrived());
  REQUIRE(prompts() == 1);
  const auto& prompt = console->back();
  for (const auto& part : {req.name, req.address, req.short_id,
                           req.device_code}) {
    CAPTURE(part);
    CHECK(prompt.find(part) != std::string::npos);
  }
  REQUIRE(req.device_code.size() == 6);
  CHECK(prompt.find("[y/n]") != std::string::npos);
}

TEST_CASE_METHOD(approval_fixture, "answers decide the prompt on screen",
                 "[approval]") {
  start();
  struct row {
    const char* answer;
    approval_verdict verdict;
    const char* printed;
  };
  auto r = GENERATE(row{"y", approval_verdict::approved, "approved"},
                    row{"yes", approval_verdict::approved, "approved"},
                    row{"  y \r\n", approval_verdict::approved, "approved"},
                    row{"n", approval_verdict::denied, "denied"},
                    row{"no", approval_verdict::denied, "denied"});
  CAPTURE(r.answer);
  auto v = ask(request(2, 1));
  line(r.answer);
  REQUIRE(v->value);
  CHECK(*v->value == r.verdict);
  CHECK(last_output_has(r.printed));
  // Nothing is waiting any more.
  line("y");
  CHECK(last_output_has("no pairing request is waiting"));
}

TEST_CASE_METHOD(approval_fixture,
                 "one prompt at a time; the next shows after a decision",
                 "[approval]") {
  start();
  auto a = ask(request(3, 1, "First"));
  auto b = ask(request(4, 2, "Second"));
  REQUIRE(prompts() == 1);
  CHECK(console->back().find("First") != std::string::npos);
  line("y");
  REQUIRE(a->value);
  CHECK(*a->value == approval_verdict::approved);
  CHECK_FALSE(b->arrived());
  REQUIRE(prompts() == 2);
  CHECK(console->back().find("Second") != std::string::npos);
  advance(2s); // an answer counts once the prompt has been read
  line("n");
  REQUIRE(b->value);
  CHECK(*b->value == approval_verdict::denied);
}

TEST_CASE_METHOD(approval_fixture, "requests for one client share a prompt",
                 "[approval]") {
  start();
  auto r1 = ask(request(5, 1));
  auto r2 = ask(request(5, 2, "Tablet", "10.0.0.2"));
  auto other = ask(request(6, 3, "Other"));
  CHECK(prompts() == 1);

  SECTION("both get the decision") {
    line("y");
    REQUIRE(r1->value);
    REQUIRE(r2->value);
    CHECK(*r1->value == approval_verdict::approved);
    CHECK(*r2->value == approval_verdict::approved);
    CHECK_FALSE(other->arrived());
  }
  SECTION("withdrawing one keeps the prompt") {
    withdraw(1);
    REQUIRE(r1->value);
    CHECK(*r1->value == approval_verdict::withdrawn);
    CHECK_FALSE(r2->arrived());
    CHECK(prompts() == 1);
    CHECK(console_text().find("withdrawn") == std::string::npos);
    line("n");
    REQUIRE(r2->value);
    CHECK(*r2->value == approval_verdict::denied);
    CHECK_FALSE(other->arrived());
  }
  SECTION("withdrawing both removes the prompt and shows the next") {
    withdraw(2);
    withdraw(1);
    REQUIRE(r1->value);
    REQUIRE(r2->value);
    CHECK(*r1->value == approval_verdict::withdrawn);
    CHECK(*r2->value == approval_verdict::withdrawn);
    CHECK(console_text().find("withdrawn") != std::string::npos);
    REQUIRE(prompts() == 2);
    CHECK(console->back().find("Other") != std::string::npos);
    // A "y" right after the switch was meant for the prompt that left.
    line("y");
    CHECK_FALSE(other->arrived());
    CHECK(console_text().find("just changed") != std::string::npos);
    advance(3s);
    line("y");
    REQUIRE(other->value);
    CHECK(*other->value == approval_verdict::approved);
  }
  SECTION("withdrawing an unknown request changes nothing") {
    withdraw(99);
    CHECK_FALSE(r1->arrived());
    CHECK_FALSE(r2->arrived());
    CHECK(prompts() == 1);
  }
}

TEST_CASE_METHOD(approval_fixture,
                 "a y typed ahead after a decision does not answer the next "
                 "prompt",
                 "[approval]") {
  start();
  auto mine = ask(request(1, 1, "My tablet"));
  auto next = ask(request(2, 2, "My tab1et", "10.0.0.9"));
  line("y");
  line("y"); // pasted, or typed twice
  REQUIRE(mine->value);
  CHECK(*mine->value == approval_verdict::approved);
  CHECK_FALSE(next->arrived());
  CHECK(console_text().find("just changed") != std::string::npos);
  advance(3s);
  line("n");
  REQUIRE(next->value);
  CHECK(*next->value == approval_verdict::denied);
}

TEST_CASE_METHOD(approval_fixture,
                 "a prompt that comes up just after a decision waits 2 s for "
                 "its answer, one that comes later does not",
                 "[approval]") {
  start();
  auto first = ask(request(1, 1, "First"));
  line("y");
  REQUIRE(first->value);
  advance(1s);
  auto soon = ask(request(2, 2, "Soon"));
  line("y"); // typed twice for the first
  CHECK_FALSE(soon->arrived());
  advance(1'999ms); // counted from when it came up
  line("y");
  CHECK_FALSE(soon->arrived());
  advance(1ms);
  line("y");
  REQUIRE(soon->value);
  CHECK(*soon->value == approval_verdict::approved);
  advance(2s);
  auto later = ask(request(3, 3, "Later"));
  line("n");
  REQUIRE(later->value);
  CHECK(*later->value == approval_verdict::denied);
}

TEST_CASE_METHOD(approval_fixture,
                 "a client waiting in the queue can leave unseen",
                 "[approval]") {
  start();
  auto a = ask(request(7, 1, "Shown"));
  auto b = ask(request(8, 2, "Queued"));
  auto c = ask(request(9, 3, "Later"));
  withdraw(2);
  REQUIRE(b->value);
  CHECK(*b->value == approval_verdict::withdrawn);
  // The withdrawn client was never on screen: nothing about it is printed.
  CHECK(console_text().find("Queued") == std::string::npos);
  line("y");
  REQUIRE(prompts() == 2);
  CHECK(console->back().find("Later") != std::string::npos);
  CHECK_FALSE(c->arrived());
}

TEST_CASE_METHOD(approval_fixture,
                 "each request times out counted from its own arrival",
                 "[approval]") {
  start(60s);
  auto r1 = ask(request(10, 1));
  advance(30s);
  auto r2 = ask(request(10, 2)); // joins 30 s later
  advance(29s);
  CHECK_FALSE(r1->arrived());
  advance(1s); // r1 is 60 s old
  REQUIRE(r1->value);
  CHECK(*r1->value == approval_verdict::timed_out);
  CHECK_FALSE(r2->arrived());
  CHECK(console_text().find("timed out") == std::string::npos);
  advance(30s); // r2 is 60 s old
  REQUIRE(r2->value);
  CHECK(*r2->value == approval_verdict::timed_out);
  CHECK(console_text().find("timed out") != std::string::npos);
  line("y");
  CHECK(last_output_has("no pairing request is waiting"));
}

TEST_CASE_METHOD(approval_fixture, "a full queue answers busy", "[approval]") {
  start(60s, 2);
  auto a = ask(request(11, 1));
  auto b = ask(request(12, 2));
  auto c = ask(request(13, 3));
  CHECK_FALSE(a->arrived());
  CHECK_FALSE(b->arrived());
  REQUIRE(c->value);
  CHECK(*c->value == approval_verdict::busy);
  // Joining a client already waiting takes no new place.
  auto a2 = ask(request(11, 4));
  CHECK_FALSE(a2->arrived());
  CHECK(prompts() == 1);
  // A decision frees a place.
  line("y");
  REQUIRE(a->value);
  REQUIRE(a2->value);
  auto c2 = ask(request(13, 5));
  CHECK_FALSE(c2->arrived());
}

TEST_CASE_METHOD(approval_fixture, "console commands go to the handler",
                 "[approval]") {
  start();
  SECTION("before a handler is set") {
    line("clients");
    CHECK(last_output_has("not available yet"));
  }
  SECTION("with a handler") {
    auto record = attach_handler();
    line("clients");
    CHECK(record->lists == 1);
    CHECK(last_output_has("paired devices: none\n"));
    line("revoke  abcd1234 ");
    REQUIRE(record->revokes.size() == 1);
    CHECK(record->revokes[0] == "abcd1234");
    CHECK(last_output_has("revoked abcd1234"));
    line("clear-denied");
    CHECK(record->clears == 1);
    line("revoke ");
    CHECK(record->revokes.size() == 1);
    CHECK(last_output_has("unknown command"));
  }
  SECTION("help and unknown commands re-ask the question on screen") {
    auto r = ask(request(14, 1, "Waiting"));
    line("help");
    CHECK(console_text().find("revoke ID|NAME") != std::string::npos);
    CHECK(last_output_has("Allow \"Waiting\""));
    line("frobnicate");
    CHECK(console_text().find("unknown command") != std::string::npos);
    CHECK(last_output_has("Allow \"Waiting\""));
    line("");
    CHECK(last_output_has("Allow \"Waiting\""));
    CHECK_FALSE(r->arrived());
  }
}

TEST_CASE_METHOD(approval_fixture,
                 "device codes appear on the console only inside a prompt",
                 "[approval]") {
  start(60s, 3);
  attach_handler();
  std::vector<approval_request> reqs = {
    request(20, 1, "One"), request(21, 2, "Two"), request(22, 3, "Three"),
    request(23, 4, "Four")};
  std::vector<std::shared_ptr<reply<approval_verdict>>> replies;
  for (const auto& req : reqs)
    replies.push_back(ask(req));
  // Everything the console can print, with prompts coming and going.
  for (const char* text : {"help", "clients", "revoke x", "?", "y", "n"})
    line(text);
  withdraw(3);
  advance(60s);
  line("y");
  line("clear-denied");

  std::size_t prompts_seen = 0;
  for (const auto& text : *console) {
    bool is_prompt = text.find("Pairing request from") != std::string::npos;
    prompts_seen += is_prompt ? 1 : 0;
    for (const auto& req : reqs) {
      CAPTURE(text, req.device_code);
      if (text.find(req.device_code) != std::string::npos)
        CHECK(is_prompt);
    }
  }
  CHECK(prompts_seen >= 2);
  for (const auto& req : reqs) {
    INFO("log: " << log_text());
    CHECK(log_text().find(req.device_code) == std::string::npos);
  }
  // The log is really captured: requests are logged by short id.
  CHECK(log_text().find(reqs[0].short_id) != std::string::npos);
}

TEST_CASE_METHOD(approval_fixture,
                 "a hang-up that overtakes its ask still withdraws it",
                 "[approval]") {
  start();
  withdraw(5); // the listener's withdraw can arrive before auth's ask
  auto r = ask(request(5, 5, "Gone"));
  REQUIRE(r->value);
  CHECK(*r->value == approval_verdict::withdrawn);
  CHECK(prompts() == 0);
}

TEST_CASE_METHOD(approval_fixture,
                 "one address cannot fill the queue for everyone",
                 "[approval]") {
  start();
  auto a = ask(request(1, 1, "A", "10.9.9.9"));
  auto b = ask(request(2, 2, "B", "10.9.9.9"));
  auto c = ask(request(3, 3, "C", "10.9.9.9"));
  REQUIRE(c->value);
  CHECK(*c->value == approval_verdict::busy);
  CHECK_FALSE(a->arrived());
  CHECK_FALSE(b->arrived());
  auto d = ask(request(4, 4, "D", "10.1.1.1"));
  CHECK_FALSE(d->arrived()); // another address still queues
}
