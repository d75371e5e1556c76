// Fuzz target for the trust store file: whatever parses must serialize to text
// that parses to the same store, and serializing that again must give the
// very same text (the server rewrites this file on every change; a store that
// drifts or stops parsing after a rewrite would lose paired devices).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/trust_store.hpp"

namespace {

using namespace openmfd::protocol;

bool same(const trust_store& a, const trust_store& b) {
  if (a.generation != b.generation || a.clients.size() != b.clients.size()
      || a.denied.size() != b.denied.size())
    return false;
  for (std::size_t i = 0; i < a.clients.size(); ++i) {
    const auto& x = a.clients[i];
    const auto& y = b.clients[i];
    if (x.id_hash != y.id_hash || x.name != y.name
        || x.first_seen != y.first_seen || x.last_seen != y.last_seen
        || x.last_address != y.last_address)
      return false;
  }
  for (std::size_t i = 0; i < a.denied.size(); ++i) {
    const auto& x = a.denied[i];
    const auto& y = b.denied[i];
    if (x.id_hash != y.id_hash || x.name != y.name
        || x.denied_at != y.denied_at || x.last_address != y.last_address)
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto parsed = parse_trust_store(input);
  if (!parsed) {
    if (parsed.error().category() != category_of<trust_store_errc>())
      std::abort();
    return 0;
  }
  if (parsed->clients.size() > max_trust_entries
      || parsed->denied.size() > max_trust_entries)
    std::abort();
  auto text = serialize(*parsed);
  auto again = parse_trust_store(text);
  if (!again || !same(*parsed, *again))
    std::abort();
  if (serialize(*again) != text)
    std::abort();
  // What match() finds must be a real index.
  std::size_t index = 0;
  for (const auto& c : parsed->clients) {
    if (parsed->match(c.id_hash, index) == match_outcome::one
        && index >= parsed->clients.size())
      std::abort();
  }
  return 0;
}
