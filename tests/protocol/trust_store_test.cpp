#include "protocol/trust_store.hpp"

#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include "protocol/identity.hpp"

using namespace openmfd::protocol;
namespace json = boost::json;

namespace {

// Realistic hashes: what the server stores for a client id.
std::string hash_of(const std::string& client_id) {
  return sha256_hex(client_id);
}

// A hash with a chosen beginning, for prefix matching.
std::string hash_starting(const std::string& prefix) {
  auto h = hash_of(prefix);
  return prefix + h.substr(prefix.size());
}

trust_store sample_store() {
  trust_store s;
  s.generation = 7;
  s.clients.push_back({hash_of("a"), "Kitchen tablet", 1'700'000'000,
                       1'700'000'500, "192.168.1.20"});
  s.clients.push_back({hash_of("b"), "Zo\xc3\xab's \"iPad\" \\ \xe2\x82\xac",
                       0, std::numeric_limits<std::int64_t>::max(), "::1"});
  s.denied.push_back({hash_of("c"), "Stranger", 1'700'000'100, "10.0.0.9"});
  return s;
}

void check_same(const trust_store& a, const trust_store& b) {
  CHECK(a.generation == b.generation);
  REQUIRE(a.clients.size() == b.clients.size());
  for (std::size_t i = 0; i < a.clients.size(); ++i) {
    CAPTURE(i);
    CHECK(a.clients[i].id_hash == b.clients[i].id_hash);
    CHECK(a.clients[i].name == b.clients[i].name);
    CHECK(a.clients[i].first_seen == b.clients[i].first_seen);
    CHECK(a.clients[i].last_seen == b.clients[i].last_seen);
    CHECK(a.clients[i].last_address == b.clients[i].last_address);
  }
  REQUIRE(a.denied.size() == b.denied.size());
  for (std::size_t i = 0; i < a.denied.size(); ++i) {
    CAPTURE(i);
    CHECK(a.denied[i].id_hash == b.denied[i].id_hash);
    CHECK(a.denied[i].name == b.denied[i].name);
    CHECK(a.denied[i].denied_at == b.denied[i].denied_at);
    CHECK(a.denied[i].last_address == b.denied[i].last_address);
  }
}

const trust_store_errc all_trust_store_errcs[] = {
  trust_store_errc::bad_json,         trust_store_errc::unsupported_version,
  trust_store_errc::bad_generation,   trust_store_errc::bad_clients,
  trust_store_errc::bad_client_entry, trust_store_errc::bad_denied,
  trust_store_errc::bad_denied_entry, trust_store_errc::duplicate_client,
  trust_store_errc::too_many_entries,
};

json::object& root(json::value& v) {
  return v.as_object();
}

json::object& first_client(json::value& v) {
  return root(v)["clients"].as_array()[0].as_object();
}

json::object& first_denied(json::value& v) {
  return root(v)["denied"].as_array()[0].as_object();
}

} // namespace

TEST_CASE("trust store errors have distinct messages", "[trust_store]") {
  std::set<std::string> texts;
  for (auto e : all_trust_store_errcs) {
    auto text = std::string{to_string(e)};
    CAPTURE(text);
    CHECK(text != "unknown");
    CHECK(texts.insert(text).second);
    std::error_code ec = e;
    CHECK(ec.message() == text);
    CHECK(std::string{ec.category().name()} == category_name(e));
  }
}

TEST_CASE("serialize then parse gives the same store", "[trust_store]") {
  SECTION("sample") {
    auto store = sample_store();
    auto text = serialize(store);
    auto parsed = parse_trust_store(text);
    REQUIRE(parsed.has_value());
    check_same(store, *parsed);
    CHECK(serialize(*parsed) == text);
  }
  SECTION("empty") {
    trust_store store;
    auto parsed = parse_trust_store(serialize(store));
    REQUIRE(parsed.has_value());
    check_same(store, *parsed);
  }
  SECTION("extreme values and awkward names") {
    trust_store store;
    store.generation
      = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    store.clients.push_back({hash_of("x"), "", -1,
                             std::numeric_limits<std::int64_t>::min(), ""});
    store.clients.push_back({hash_of("y"), "line\nbreak\ttab\x01", 0, 0,
                             "[fe80::1%eth0]:6789"});
    store.denied.push_back({hash_of("z"), "\xf0\x9f\x93\xb1", 0, ""});
    auto parsed = parse_trust_store(serialize(store));
    REQUIRE(parsed.has_value());
    check_same(store, *parsed);
  }
  SECTION("the bound itself round-trips") {
    trust_store store;
    for (std::size_t i = 0; i < max_trust_entries; ++i) {
      store.clients.push_back(
        {hash_of("c" + std::to_string(i)), "n", 1, 2, "a"});
      store.denied.push_back({hash_of("d" + std::to_string(i)), "n", 3, "a"});
    }
    auto parsed = parse_trust_store(serialize(store));
    REQUIRE(parsed.has_value());
    CHECK(parsed->clients.size() == max_trust_entries);
    CHECK(parsed->denied.size() == max_trust_entries);
  }
}

TEST_CASE("serialize writes one line per entry", "[trust_store]") {
  auto store = sample_store();
  auto text = serialize(store);
  auto lines_with = [&](const std::string& needle) {
    std::size_t n = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos)
        end = text.size();
      if (text.substr(start, end - start).find(needle) != std::string::npos)
        ++n;
      start = end + 1;
    }
    return n;
  };
  for (const auto& c : store.clients)
    CHECK(lines_with(c.id_hash) == 1);
  for (const auto& d : store.denied)
    CHECK(lines_with(d.id_hash) == 1);
  // Raw ids are never stored, only their hashes (DESIGN §4).
  CHECK(text.find("\"client_id\"") == std::string::npos);
}

TEST_CASE("parse_trust_store accepts other layouts of the same JSON",
          "[trust_store]") {
  auto id = hash_of("a");
  auto text = R"({"denied":[],"clients":[{"last_address":"h","last_seen":2,)"
              R"("first_seen":1,"name":"n","id_sha256":")"
              + id + R"("}],"generation":3,"version":1})";
  auto parsed = parse_trust_store(text);
  REQUIRE(parsed.has_value());
  CHECK(parsed->generation == 3);
  REQUIRE(parsed->clients.size() == 1);
  CHECK(parsed->clients[0].id_hash == id);
  CHECK(parsed->clients[0].first_seen == 1);
  CHECK(parsed->clients[0].last_seen == 2);
}

TEST_CASE("parse_trust_store refuses every malformed store precisely",
          "[trust_store]") {
  // Most rows edit the JSON of a good store in one way.
  auto edited = [](const std::function<void(json::value&)>& edit) {
    auto value = json::parse(serialize(sample_store()));
    edit(value);
    return json::serialize(value);
  };
  struct row {
    const char* what;
    std::string text;
    trust_store_errc expected;
  };
  const auto id_a = hash_of("a");
  const row rows[] = {
    {"empty", "", trust_store_errc::bad_json},
    {"not json", "clients: none", trust_store_errc::bad_json},
    {"array", "[]", trust_store_errc::bad_json},
    {"null", "null", trust_store_errc::bad_json},
    {"truncated", serialize(sample_store()).substr(0, 40),
     trust_store_errc::bad_json},
    {"trailing garbage", serialize(sample_store()) + "}",
     trust_store_errc::bad_json},
    {"invalid UTF-8 in a name",
     R"({"version":1,"generation":0,"clients":[{"id_sha256":")" + id_a
       + "\",\"name\":\"\xff\",\"first_seen\":0,\"last_seen\":0,"
         R"("last_address":""}],"denied":[]})",
     trust_store_errc::bad_json},
    {"no version", edited([](json::value& v) { root(v).erase("version"); }),
     trust_store_errc::unsupported_version},
    {"version 2", edited([](json::value& v) { root(v)["version"] = 2; }),
     trust_store_errc::unsupported_version},
    {"version 0", edited([](json::value& v) { root(v)["version"] = 0; }),
     trust_store_errc::unsupported_version},
    {"version as text",
     edited([](json::value& v) { root(v)["version"] = "1"; }),
     trust_store_errc::unsupported_version},
    {"version as a double",
     edited([](json::value& v) { root(v)["version"] = 1.0; }),
     trust_store_errc::unsupported_version},
    {"no generation",
     edited([](json::value& v) { root(v).erase("generation"); }),
     trust_store_errc::bad_generation},
    {"negative generation",
     edited([](json::value& v) { root(v)["generation"] = -1; }),
     trust_store_errc::bad_generation},
    {"generation as text",
     edited([](json::value& v) { root(v)["generation"] = "7"; }),
     trust_store_errc::bad_generation},
    {"fractional generation",
     edited([](json::value& v) { root(v)["generation"] = 7.5; }),
     trust_store_errc::bad_generation},
    {"no clients", edited([](json::value& v) { root(v).erase("clients"); }),
     trust_store_errc::bad_clients},
    {"clients is an object",
     edited([](json::value& v) { root(v)["clients"] = json::object{}; }),
     trust_store_errc::bad_clients},
    {"clients is null",
     edited([](json::value& v) { root(v)["clients"] = nullptr; }),
     trust_store_errc::bad_clients},
    {"no denied", edited([](json::value& v) { root(v).erase("denied"); }),
     trust_store_errc::bad_denied},
    {"denied is a string",
     edited([](json::value& v) { root(v)["denied"] = "none"; }),
     trust_store_errc::bad_denied},
    {"client is a number",
     edited([](json::value& v) { root(v)["clients"].as_array()[0] = 1; }),
     trust_store_errc::bad_client_entry},
    {"client without id_sha256",
     edited([](json::value& v) { first_client(v).erase("id_sha256"); }),
     trust_store_errc::bad_client_entry},
    {"client without name",
     edited([](json::value& v) { first_client(v).erase("name"); }),
     trust_store_errc::bad_client_entry},
    {"client without first_seen",
     edited([](json::value& v) { first_client(v).erase("first_seen"); }),
     trust_store_errc::bad_client_entry},
    {"client without last_seen",
     edited([](json::value& v) { first_client(v).erase("last_seen"); }),
     trust_store_errc::bad_client_entry},
    {"client without last_address",
     edited([](json::value& v) { first_client(v).erase("last_address"); }),
     trust_store_errc::bad_client_entry},
    {"client id hash in upper case",
     edited([id_a](json::value& v) {
       std::string upper = id_a;
       for (auto& ch : upper)
         if (ch >= 'a' && ch <= 'f')
           ch = static_cast<char>(ch - 'a' + 'A');
       first_client(v)["id_sha256"] = upper;
     }),
     trust_store_errc::bad_client_entry},
    {"client id hash too short",
     edited([id_a](json::value& v) {
       first_client(v)["id_sha256"] = id_a.substr(1);
     }),
     trust_store_errc::bad_client_entry},
    {"client id hash too long",
     edited([id_a](json::value& v) {
       first_client(v)["id_sha256"] = id_a + "0";
     }),
     trust_store_errc::bad_client_entry},
    {"client id hash not hex",
     edited([id_a](json::value& v) {
       first_client(v)["id_sha256"] = "g" + id_a.substr(1);
     }),
     trust_store_errc::bad_client_entry},
    {"client raw id instead of a hash",
     edited([](json::value& v) {
       first_client(v)["id_sha256"] = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
     }),
     trust_store_errc::bad_client_entry},
    {"client name is a number",
     edited([](json::value& v) { first_client(v)["name"] = 3; }),
     trust_store_errc::bad_client_entry},
    {"client first_seen as text",
     edited([](json::value& v) { first_client(v)["first_seen"] = "0"; }),
     trust_store_errc::bad_client_entry},
    {"client last_seen fractional",
     edited([](json::value& v) { first_client(v)["last_seen"] = 0.5; }),
     trust_store_errc::bad_client_entry},
    {"client last_seen past int64",
     edited([](json::value& v) {
       first_client(v)["last_seen"] = std::uint64_t{1} << 63;
     }),
     trust_store_errc::bad_client_entry},
    {"client last_address null",
     edited([](json::value& v) { first_client(v)["last_address"] = nullptr; }),
     trust_store_errc::bad_client_entry},
    {"denied is a list of lists",
     edited([](json::value& v) {
       root(v)["denied"].as_array()[0] = json::array{};
     }),
     trust_store_errc::bad_denied_entry},
    {"denied without id_sha256",
     edited([](json::value& v) { first_denied(v).erase("id_sha256"); }),
     trust_store_errc::bad_denied_entry},
    {"denied without name",
     edited([](json::value& v) { first_denied(v).erase("name"); }),
     trust_store_errc::bad_denied_entry},
    {"denied without denied_at",
     edited([](json::value& v) { first_denied(v).erase("denied_at"); }),
     trust_store_errc::bad_denied_entry},
    {"denied without last_address",
     edited([](json::value& v) { first_denied(v).erase("last_address"); }),
     trust_store_errc::bad_denied_entry},
    {"denied id hash bad",
     edited([](json::value& v) { first_denied(v)["id_sha256"] = "abcd"; }),
     trust_store_errc::bad_denied_entry},
    {"denied_at as text",
     edited([](json::value& v) { first_denied(v)["denied_at"] = "yesterday"; }),
     trust_store_errc::bad_denied_entry},
    {"the same client twice",
     edited([](json::value& v) {
       auto& clients = root(v)["clients"].as_array();
       clients.push_back(clients[0]);
     }),
     trust_store_errc::duplicate_client},
    {"the same client twice, other details",
     edited([](json::value& v) {
       auto& clients = root(v)["clients"].as_array();
       json::object copy = clients[0].as_object();
       copy["name"] = "other";
       copy["last_seen"] = 5;
       clients.push_back(copy);
     }),
     trust_store_errc::duplicate_client},
    {"one client too many",
     edited([](json::value& v) {
       auto& clients = root(v)["clients"].as_array();
       json::object model = clients[0].as_object();
       while (clients.size() < max_trust_entries + 1) {
         model["id_sha256"] = hash_of("more" + std::to_string(clients.size()));
         clients.push_back(model);
       }
     }),
     trust_store_errc::too_many_entries},
    {"one denial too many",
     edited([](json::value& v) {
       auto& denied = root(v)["denied"].as_array();
       json::object model = denied[0].as_object();
       while (denied.size() < max_trust_entries + 1) {
         model["id_sha256"] = hash_of("more" + std::to_string(denied.size()));
         denied.push_back(model);
       }
     }),
     trust_store_errc::too_many_entries},
  };
  std::set<trust_store_errc> reached;
  for (const auto& r : rows) {
    CAPTURE(r.what);
    auto got = parse_trust_store(r.text);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error() == std::error_code{r.expected});
    reached.insert(r.expected);
  }
  // The table above must keep covering every error.
  CHECK(reached.size() == std::size(all_trust_store_errcs));
}

TEST_CASE("trust adds, refreshes and lifts a denial", "[trust_store]") {
  trust_store s;
  auto id = hash_of("tablet");
  s.deny(id, "Tablet", "10.0.0.1", 100);
  REQUIRE(s.is_denied(id));
  REQUIRE(s.find(id) == nullptr);

  s.trust(id, "Tablet", "10.0.0.2", 200);
  CHECK_FALSE(s.is_denied(id));
  const auto* c = s.find(id);
  REQUIRE(c);
  CHECK(c->name == "Tablet");
  CHECK(c->first_seen == 200);
  CHECK(c->last_seen == 200);
  CHECK(c->last_address == "10.0.0.2");
  CHECK(c->short_id() == id.substr(0, 8));

  // Trusting again renames and refreshes, and never adds a second entry.
  s.trust(id, "Renamed", "10.0.0.3", 300);
  REQUIRE(s.clients.size() == 1);
  c = s.find(id);
  REQUIRE(c);
  CHECK(c->name == "Renamed");
  CHECK(c->first_seen == 200);
  CHECK(c->last_seen == 300);
  CHECK(c->last_address == "10.0.0.3");
}

TEST_CASE("trusted clients are bounded", "[trust_store]") {
  trust_store s;
  for (std::size_t i = 0; i < max_trust_entries; ++i)
    s.clients.push_back({hash_of(std::to_string(i)), "n", 0, 0, ""});
  auto extra = hash_of("one too many");
  s.trust(extra, "extra", "h", 1);
  CHECK(s.clients.size() == max_trust_entries);
  CHECK(s.find(extra) == nullptr);
  // Known clients can still be refreshed when the store is full.
  s.trust(hash_of("0"), "renamed", "h", 5);
  REQUIRE(s.find(hash_of("0")));
  CHECK(s.find(hash_of("0"))->name == "renamed");
}

TEST_CASE("the deny list is bounded, oldest first out", "[trust_store]") {
  trust_store s;
  const std::size_t total = max_trust_entries + 3;
  for (std::size_t i = 0; i < total; ++i)
    s.deny(hash_of("d" + std::to_string(i)), "n", "h",
           static_cast<std::int64_t>(i));
  CHECK(s.denied.size() == max_trust_entries);
  // The three oldest went; the rest stayed in order.
  for (std::size_t i = 0; i < 3; ++i)
    CHECK_FALSE(s.is_denied(hash_of("d" + std::to_string(i))));
  CHECK(s.is_denied(hash_of("d3")));
  CHECK(s.is_denied(hash_of("d" + std::to_string(total - 1))));
  CHECK(s.denied.front().denied_at == 3);
  CHECK(s.denied.back().denied_at == static_cast<std::int64_t>(total - 1));
  // A store that deny() produced still parses.
  CHECK(parse_trust_store(serialize(s)).has_value());
}

TEST_CASE("deny remembers a client once", "[trust_store]") {
  trust_store s;
  auto id = hash_of("x");
  s.deny(id, "first", "h1", 10);
  s.deny(id, "second", "h2", 20);
  REQUIRE(s.denied.size() == 1);
  CHECK(s.denied[0].name == "first");
  CHECK(s.denied[0].denied_at == 10);
  CHECK(s.is_denied(id));
  CHECK_FALSE(s.is_denied(hash_of("y")));
}

TEST_CASE("touch refreshes last seen, never backwards", "[trust_store]") {
  trust_store s;
  auto id = hash_of("t");
  s.trust(id, "T", "a1", 100);
  s.touch(id, "a2", 150);
  REQUIRE(s.find(id));
  CHECK(s.find(id)->last_seen == 150);
  CHECK(s.find(id)->last_address == "a2");
  s.touch(id, "a3", 120); // an older, deferred update
  CHECK(s.find(id)->last_seen == 150);
  CHECK(s.find(id)->last_address == "a3");
  CHECK(s.find(id)->first_seen == 100);
  // Touching a client that is not trusted adds nothing.
  s.touch(hash_of("stranger"), "a4", 200);
  CHECK(s.clients.size() == 1);
}

TEST_CASE("match finds a client by id prefix or name", "[trust_store]") {
  trust_store s;
  s.clients.push_back({hash_starting("abcd1"), "Kitchen", 0, 0, ""});
  s.clients.push_back({hash_starting("abcd2"), "Tablet", 0, 0, ""});
  s.clients.push_back({hash_starting("ef01"), "TABLET", 0, 0, ""});
  s.clients.push_back({hash_starting("7777"), "cafe", 0, 0, ""});
  struct row {
    std::string selector;
    match_outcome outcome;
    std::size_t index; // for one
  };
  const row rows[] = {
    {"abcd1", match_outcome::one, 0},
    {"abcd2", match_outcome::one, 1},
    {"abcd", match_outcome::ambiguous, 0},
    {"ef01", match_outcome::one, 2},
    {s.clients[1].id_hash, match_outcome::one, 1},
    {std::string{s.clients[0].short_id()}, match_outcome::one, 0},
    {"abc", match_outcome::none, 0},           // prefixes need 4+ characters
    {s.clients[1].id_hash + "0", match_outcome::none, 0}, // longer than a hash
    {"0000", match_outcome::none, 0},
    {"kitchen", match_outcome::one, 0},
    {"KITCHEN", match_outcome::one, 0},
    {"Kitch", match_outcome::none, 0}, // names match whole
    {"tablet", match_outcome::ambiguous, 0},
    {"cafe", match_outcome::one, 3}, // hex-looking name, no such prefix
    {"", match_outcome::none, 0},
    {"nobody", match_outcome::none, 0},
  };
  for (const auto& r : rows) {
    CAPTURE(r.selector);
    std::size_t index = 99;
    auto got = s.match(r.selector, index);
    CHECK(got == r.outcome);
    if (r.outcome == match_outcome::one)
      CHECK(index == r.index);
  }
}

TEST_CASE("remove and clear_denied", "[trust_store]") {
  auto s = sample_store();
  auto second = s.clients[1];
  auto removed = s.remove(0);
  CHECK(removed.id_hash == hash_of("a"));
  CHECK(removed.name == "Kitchen tablet");
  REQUIRE(s.clients.size() == 1);
  CHECK(s.clients[0].id_hash == second.id_hash);
  CHECK(s.find(hash_of("a")) == nullptr);

  s.deny(hash_of("d"), "d", "h", 1);
  CHECK(s.clear_denied() == 2);
  CHECK(s.denied.empty());
  CHECK(s.clear_denied() == 0);
  CHECK_FALSE(s.is_denied(hash_of("c")));
}
