#include "protocol/trust_store.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "protocol/http_message.hpp"

namespace openmfd::protocol {

namespace json = boost::json;

std::string_view to_string(trust_store_errc e) noexcept {
  switch (e) {
    case trust_store_errc::bad_json:
      return "not a JSON object";
    case trust_store_errc::unsupported_version:
      return "unsupported version";
    case trust_store_errc::bad_generation:
      return "bad generation";
    case trust_store_errc::bad_clients:
      return "\"clients\" is not a list";
    case trust_store_errc::bad_client_entry:
      return "a client entry is malformed";
    case trust_store_errc::bad_denied:
      return "\"denied\" is not a list";
    case trust_store_errc::bad_denied_entry:
      return "a denied entry is malformed";
    case trust_store_errc::duplicate_client:
      return "a client appears twice";
    case trust_store_errc::too_many_entries:
      return "too many entries";
  }
  return "unknown";
}

const char* category_name(trust_store_errc) noexcept {
  return "openmfd.trust_store";
}

namespace {

constexpr std::int64_t format_version = 1;

bool is_id_hash(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_hex_prefix(std::string_view s) {
  return s.size() >= 4 && s.size() <= 64
         && std::all_of(s.begin(), s.end(), [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            });
}

// Typed field readers: nothing here throws on unexpected types.
bool read(const json::object& o, const char* key, std::string& out) {
  auto v = o.if_contains(key);
  if (!v || !v->is_string())
    return false;
  out = std::string{v->get_string()};
  return true;
}

bool read(const json::object& o, const char* key, std::int64_t& out) {
  auto v = o.if_contains(key);
  if (!v || !v->is_int64())
    return false;
  out = v->get_int64();
  return true;
}

bool read_client(const json::value& v, trusted_client& c) {
  auto o = v.if_object();
  return o && read(*o, "id_sha256", c.id_hash) && is_id_hash(c.id_hash)
         && read(*o, "name", c.name) && read(*o, "first_seen", c.first_seen)
         && read(*o, "last_seen", c.last_seen)
         && read(*o, "last_address", c.last_address);
}

bool read_denied(const json::value& v, denied_client& d) {
  auto o = v.if_object();
  return o && read(*o, "id_sha256", d.id_hash) && is_id_hash(d.id_hash)
         && read(*o, "name", d.name) && read(*o, "denied_at", d.denied_at)
         && read(*o, "last_address", d.last_address);
}

json::object to_json(const trusted_client& c) {
  return {{"id_sha256", c.id_hash},     {"name", c.name},
          {"first_seen", c.first_seen}, {"last_seen", c.last_seen},
          {"last_address", c.last_address}};
}

json::object to_json(const denied_client& d) {
  return {{"id_sha256", d.id_hash},
          {"name", d.name},
          {"denied_at", d.denied_at},
          {"last_address", d.last_address}};
}

template <class Entry>
void append_list(std::string& out, const char* key,
                 const std::vector<Entry>& entries) {
  out += "  \"";
  out += key;
  out += "\": [";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    out += i == 0 ? "\n    " : ",\n    ";
    out += json::serialize(to_json(entries[i]));
  }
  out += entries.empty() ? "]" : "\n  ]";
}

} // namespace

const trusted_client*
trust_store::find(std::string_view id_hash) const noexcept {
  for (const auto& c : clients)
    if (c.id_hash == id_hash)
      return &c;
  return nullptr;
}

bool trust_store::is_denied(std::string_view id_hash) const noexcept {
  return std::any_of(denied.begin(), denied.end(),
                     [&](const auto& d) { return d.id_hash == id_hash; });
}

void trust_store::trust(std::string_view id_hash, std::string_view name,
                        std::string_view address, std::int64_t now) {
  denied.erase(std::remove_if(denied.begin(), denied.end(),
                              [&](const auto& d) { return d.id_hash == id_hash; }),
               denied.end());
  for (auto& c : clients) {
    if (c.id_hash == id_hash) {
      c.name = std::string{name};
      c.last_seen = now;
      c.last_address = std::string{address};
      return;
    }
  }
  if (clients.size() >= max_trust_entries)
    return; // a human approved each one; this many is not a real setup
  clients.push_back({std::string{id_hash}, std::string{name}, now, now,
                     std::string{address}});
}

void trust_store::deny(std::string_view id_hash, std::string_view name,
                       std::string_view address, std::int64_t now) {
  if (is_denied(id_hash))
    return;
  if (denied.size() >= max_trust_entries)
    denied.erase(denied.begin());
  denied.push_back({std::string{id_hash}, std::string{name}, now,
                    std::string{address}});
}

void trust_store::touch(std::string_view id_hash, std::string_view address,
                        std::int64_t now) {
  for (auto& c : clients) {
    if (c.id_hash == id_hash) {
      c.last_seen = std::max(c.last_seen, now);
      c.last_address = std::string{address};
      return;
    }
  }
}

match_outcome trust_store::match(std::string_view selector,
                                 std::size_t& index) const {
  std::size_t found = 0;
  auto consider = [&](auto predicate) {
    for (std::size_t i = 0; i < clients.size(); ++i)
      if (predicate(clients[i]) && found++ == 0)
        index = i;
  };
  if (is_hex_prefix(selector))
    consider([&](const trusted_client& c) {
      return std::string_view{c.id_hash}.substr(0, selector.size())
             == selector;
    });
  if (found == 0)
    consider([&](const trusted_client& c) { return iequals(c.name, selector); });
  return found == 0 ? match_outcome::none
                    : found == 1 ? match_outcome::one
                                 : match_outcome::ambiguous;
}

trusted_client trust_store::remove(std::size_t index) {
  auto out = std::move(clients[index]);
  clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(index));
  return out;
}

std::size_t trust_store::clear_denied() noexcept {
  auto n = denied.size();
  denied.clear();
  return n;
}

std::string serialize(const trust_store& store) {
  std::string out = "{\n  \"version\": 1,\n  \"generation\": ";
  out += std::to_string(store.generation);
  out += ",\n";
  append_list(out, "clients", store.clients);
  out += ",\n";
  append_list(out, "denied", store.denied);
  out += "\n}\n";
  return out;
}

result<trust_store> parse_trust_store(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;
  auto doc = json::parse(text, ec, {}, opts);
  if (ec || !doc.is_object())
    return trust_store_errc::bad_json;
  const auto& root = doc.get_object();
  std::int64_t version = 0;
  if (!read(root, "version", version) || version != format_version)
    return trust_store_errc::unsupported_version;
  trust_store store;
  std::int64_t generation = 0;
  if (!read(root, "generation", generation) || generation < 0)
    return trust_store_errc::bad_generation;
  store.generation = static_cast<std::uint64_t>(generation);
  auto clients = root.if_contains("clients");
  if (!clients || !clients->is_array())
    return trust_store_errc::bad_clients;
  auto denied = root.if_contains("denied");
  if (!denied || !denied->is_array())
    return trust_store_errc::bad_denied;
  if (clients->get_array().size() > max_trust_entries
      || denied->get_array().size() > max_trust_entries)
    return trust_store_errc::too_many_entries;
  for (const auto& v : clients->get_array()) {
    trusted_client c;
    if (!read_client(v, c))
      return trust_store_errc::bad_client_entry;
    if (store.find(c.id_hash))
      return trust_store_errc::duplicate_client;
    store.clients.push_back(std::move(c));
  }
  for (const auto& v : denied->get_array()) {
    denied_client d;
    if (!read_denied(v, d))
      return trust_store_errc::bad_denied_entry;
    store.denied.push_back(std::move(d));
  }
  return store;
}

} // namespace openmfd::protocol
