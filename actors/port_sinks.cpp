#include "actors/port_sinks.hpp"

namespace openmfd::actors {

namespace {

class request_forwarder final : public net::request_sink {
public:
  explicit request_forwarder(caf::actor_addr target)
    : target_(std::move(target)) {}

  void on_request(std::shared_ptr<net::exchange_port> exchange) override {
    // When the listener is gone the exchange dies here and answers 503.
    if (auto h = caf::actor_cast<caf::actor>(target_))
      caf::anon_send(h, atom::http_v, std::move(exchange));
  }

private:
  caf::actor_addr target_;
};

} // namespace

std::shared_ptr<net::request_sink> make_request_sink(caf::actor_addr listener) {
  return std::make_shared<request_forwarder>(std::move(listener));
}

} // namespace openmfd::actors
