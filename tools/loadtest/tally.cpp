#include "tools/loadtest/tally.hpp"

namespace openmfd::loadtest {

void tally::error(std::string_view kind, std::uint64_t n) {
  auto it = error_kinds.find(kind);
  if (it == error_kinds.end())
    it = error_kinds.emplace(std::string{kind}, 0).first;
  it->second += n;
  errors.add(n);
}

void tally::merge(const tally& other) {
  for (auto [mine, theirs] :
       {std::pair{&connects, &other.connects},
        {&resumed_connects, &other.resumed_connects},
        {&open_sessions, &other.open_sessions},
        {&churns, &other.churns},
        {&requests, &other.requests},
        {&acks_ok, &other.acks_ok},
        {&acks_failed, &other.acks_failed},
        {&deliveries, &other.deliveries},
        {&expected_deliveries, &other.expected_deliveries},
        {&pings, &other.pings},
        {&errors, &other.errors}})
    mine->add(theirs->get());
  connect_ns.merge(other.connect_ns);
  ack_ns.merge(other.ack_ns);
  delivery_ns.merge(other.delivery_ns);
  send_lag_ns.merge(other.send_lag_ns);
  for (const auto& [kind, n] : other.error_kinds)
    error_kinds[kind] += n;
}

} // namespace openmfd::loadtest
