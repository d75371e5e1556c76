#include "actors/port_sinks.hpp"

#include <atomic>

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

// `detach` may race `on_open` (actor thread vs io thread): each side
// publishes its part first and then looks at the other's, so at least one
// of them closes the port. The port holds this sink, so the sink's pointer
// back makes a cycle, which on_closed (always the port's last call) breaks.
class stream_forwarder final : public stream_sink {
public:
  stream_forwarder(caf::actor_addr target, std::uint64_t transport)
    : target_(std::move(target)), transport_(transport) {}

  void on_open(std::shared_ptr<net::stream_port> port) override {
    std::atomic_store(&port_, port);
    if (!detached_.load())
      if (auto h = caf::actor_cast<caf::actor>(target_))
        return caf::anon_send(h, atom::ws_open_v, transport_, std::move(port));
    port->close();
  }

  void on_frame(std::string frame, bool binary) override {
    if (!detached_.load())
      if (auto h = caf::actor_cast<caf::actor>(target_))
        return caf::anon_send(h, atom::ws_frame_v, transport_,
                              std::move(frame), binary);
    close_port();
  }

  void on_closed() override {
    std::atomic_store(&port_, std::shared_ptr<net::stream_port>{});
    if (detached_.load())
      return;
    if (auto h = caf::actor_cast<caf::actor>(target_))
      caf::anon_send(h, atom::ws_closed_v, transport_);
  }

  void detach() override {
    detached_.store(true);
    close_port();
  }

private:
  void close_port() {
    if (auto port = std::atomic_load(&port_))
      port->close();
  }

  caf::actor_addr target_;
  std::uint64_t transport_;
  std::atomic<bool> detached_{false};
  std::shared_ptr<net::stream_port> port_; ///< only via atomic_load/store
};

} // namespace

std::shared_ptr<stream_sink> make_stream_sink(caf::actor_addr session,
                                              std::uint64_t transport) {
  return std::make_shared<stream_forwarder>(std::move(session), transport);
}

std::function<void()> make_abort_notice(caf::actor_addr session,
                                        std::uint64_t id) {
  return [session = std::move(session), id] {
    if (auto h = caf::actor_cast<caf::actor>(session))
      caf::anon_send(h, atom::poll_abort_v, id);
  };
}

std::shared_ptr<net::request_sink> make_request_sink(caf::actor_addr listener) {
  return std::make_shared<request_forwarder>(std::move(listener));
}

} // namespace openmfd::actors
