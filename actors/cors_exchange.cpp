#include "actors/cors_exchange.hpp"

#include "protocol/cors.hpp"

namespace openmfd::actors {

namespace {

class cors_exchange final : public net::exchange_port {
public:
  cors_exchange(exchange_ptr inner, std::string origin)
    : inner_(std::move(inner)), origin_(std::move(origin)) {}

  const protocol::http_request& request() const noexcept override {
    return inner_->request();
  }

  void respond(protocol::http_response res) override {
    protocol::add_cors_headers(res, origin_);
    inner_->respond(std::move(res));
  }

  void on_abort(std::function<void()> fn) override {
    inner_->on_abort(std::move(fn));
  }

  void upgrade(std::shared_ptr<net::stream_events> events) override {
    inner_->upgrade(std::move(events));
  }

private:
  exchange_ptr inner_;
  std::string origin_;
};

} // namespace

exchange_ptr with_cors_headers(exchange_ptr inner, std::string origin) {
  return std::make_shared<cors_exchange>(std::move(inner), std::move(origin));
}

} // namespace openmfd::actors
