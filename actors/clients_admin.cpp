#include "actors/clients_admin.hpp"

#include <chrono>
#include <cstdio>

#include "protocol/authorise.hpp"
#include "protocol/identity.hpp"

namespace openmfd::actors {

namespace {

// UTC "YYYY-MM-DD HH:MM" by arithmetic (H. Hinnant's civil_from_days), as
// gmtime_r is not portable and gmtime is not thread-safe.
std::string format_time(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / 86400;
  std::int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  std::int64_t doe = days - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld %02lld:%02lld UTC",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day),
                static_cast<long long>(secs / 3600),
                static_cast<long long>(secs % 3600 / 60));
  return buf;
}

} // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string describe_clients(const protocol::trust_store& store) {
  std::string out;
  if (store.clients.empty()) {
    out += "no paired devices\n";
  } else {
    out += "paired devices:\n";
    for (const auto& c : store.clients) {
      out += "  " + std::string{c.short_id()} + "  " + c.name + "  (last seen "
             + format_time(c.last_seen) + " from " + c.last_address
             + ", paired " + format_time(c.first_seen) + ")\n";
    }
  }
  if (!store.denied.empty()) {
    out += "denied devices (not asked again until `clear-denied`):\n";
    for (const auto& d : store.denied)
      out += "  " + d.id_hash.substr(0, 8) + "  " + d.name + "  (denied "
             + format_time(d.denied_at) + " from " + d.last_address + ")\n";
  }
  return out;
}

admin_outcome revoke_client(protocol::trust_store& store,
                            std::string_view selector) {
  std::size_t index = 0;
  switch (store.match(selector, index)) {
    case protocol::match_outcome::none:
      return {false, "no paired device matches '" + std::string{selector}
                       + "'",
              std::nullopt};
    case protocol::match_outcome::ambiguous:
      return {false, "'" + std::string{selector}
                       + "' matches several devices; give more of the id",
              std::nullopt};
    case protocol::match_outcome::one:
      break;
  }
  auto removed = store.remove(index);
  auto message = "revoked " + removed.name + " ("
                 + std::string{removed.short_id()} + ")";
  return {true, std::move(message), std::move(removed)};
}

admin_outcome clear_denied(protocol::trust_store& store) {
  auto n = store.clear_denied();
  return {true, "cleared " + std::to_string(n) + " denied device"
                  + (n == 1 ? "" : "s"),
          std::nullopt};
}

admin_outcome add_client(protocol::trust_store& store,
                         std::string_view client_id, std::string_view name,
                         std::int64_t now) {
  auto canonical = protocol::canonical_uuid_v4(client_id);
  if (!canonical)
    return {false, "--id must be a UUID v4", std::nullopt};
  auto clean = protocol::sanitize_display_name(name);
  if (clean.empty())
    return {false, "--name must have something printable", std::nullopt};
  auto hash = protocol::sha256_hex(*canonical);
  store.trust(hash, clean, "added by hand", now);
  if (!store.find(hash))
    return {false, "the trust store is full", std::nullopt};
  return {true, "added " + clean + " (" + hash.substr(0, 8) + ")",
          std::nullopt};
}

} // namespace openmfd::actors
