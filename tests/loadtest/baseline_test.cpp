#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "tools/loadtest/baseline.hpp"

using namespace openmfd::loadtest;
using namespace std::chrono_literals;

namespace {

baseline_settings small_run() {
  baseline_settings s;
  s.round_trips = 300;
  s.clients = 4;
  s.duration = 300ms;
  s.message_bytes = 100;
  s.tls_clients = 2;
  s.idle_ticks = 20;
  return s;
}

/// One run of every probe, shared by the test cases of this process.
const baseline_figures& measured() {
  static const baseline_figures figures = measure_baseline(small_run());
  return figures;
}

} // namespace

TEST_CASE("baseline: each probe times every round trip it was asked for",
          "[loadtest][baseline]") {
  auto settings = small_run();
  const auto& figures = measured();
  CHECK(figures.tcp_round_trip.count() == settings.round_trips);
  CHECK(figures.thread_round_trip.count() == settings.round_trips);
  // Nothing on loopback takes no time.
  CHECK(figures.tcp_round_trip.min() > 0);
  CHECK(figures.thread_round_trip.min() > 0);
  CHECK(figures.idle_wake.count() == settings.idle_ticks);
  CHECK(figures.idle_wake.min() > 0);
}

TEST_CASE("baseline: the echo probe counts checked echoes in its window",
          "[loadtest][baseline]") {
  auto settings = small_run();
  const auto& figures = measured();
  CHECK(figures.echo_mismatches == 0);
  // Four connections in 300 ms: a few at least, each one checked.
  CHECK(figures.echo_round_trips >= settings.clients);
  CHECK(figures.echo_window_s >= 0.3);
  CHECK(figures.echo_window_s < 5);
}

TEST_CASE("baseline: TLS connects resume unless told not to",
          "[loadtest][baseline]") {
  auto settings = small_run();
  const auto& figures = measured();
  const auto& resumed = figures.tls_resumed;
  CHECK(resumed.failures == 0);
  REQUIRE(resumed.connects > settings.tls_clients);
  CHECK(resumed.connect_time.count() == resumed.connects);
  // Every connect after each panel's first offers a session and resumes.
  CHECK(resumed.resumed >= resumed.connects - settings.tls_clients);
  const auto& full = figures.tls_full;
  CHECK(full.failures == 0);
  CHECK(full.connects > 0);
  CHECK(full.resumed == 0);
}

TEST_CASE("baseline: storm connects with fixed answers go all the way",
          "[loadtest][baseline]") {
  auto settings = small_run();
  const auto& flow = measured().connect_flow;
  CHECK(flow.failures == 0);
  REQUIRE(flow.connects > settings.tls_clients);
  CHECK(flow.connect_time.count() == flow.connects);
  CHECK(flow.resumed >= flow.connects - settings.tls_clients);
}

TEST_CASE("baseline: the WebSocket echo checks and times each round trip",
          "[loadtest][baseline]") {
  auto settings = small_run();
  const auto& figures = measured();
  for (const auto* echo :
       {&figures.websocket_echo_one, &figures.websocket_echo_many}) {
    CHECK(echo->mismatches == 0);
    CHECK(echo->round_trips > 0);
    CHECK(echo->round_trip.count() == echo->round_trips);
    CHECK(echo->round_trip.min() > 0);
    CHECK(echo->window_s >= 0.3);
  }
  // Every one of the four connections had its turns.
  CHECK(figures.websocket_echo_many.round_trips >= settings.clients);
}

TEST_CASE("baseline: the JSON report carries the measured figures",
          "[loadtest][baseline]") {
  auto settings = small_run();
  const auto& figures = measured();
  auto report = boost::json::parse(render_baseline_json(settings, figures))
                  .as_object();
  CHECK(report.at("tcp_round_trip_us").at("count").to_number<std::uint64_t>()
        == settings.round_trips);
  const auto& echo = report.at("echo").as_object();
  CHECK(echo.at("round_trips").to_number<std::uint64_t>()
        == figures.echo_round_trips);
  CHECK(echo.at("round_trips_per_s").to_number<double>()
        == Approx(static_cast<double>(figures.echo_round_trips)
                  / figures.echo_window_s));
  CHECK(report.at("tls_resumed").at("connects").to_number<std::uint64_t>()
        == figures.tls_resumed.connects);
  CHECK(report.at("tls_full").at("resumed").to_number<std::uint64_t>() == 0);
  CHECK(report.at("websocket_echo_many")
          .at("connections")
          .to_number<std::uint64_t>()
        == settings.clients);
  CHECK(report.at("websocket_echo_one")
          .at("round_trip_us")
          .at("count")
          .to_number<std::uint64_t>()
        == figures.websocket_echo_one.round_trips);
  auto text = render_baseline_text(settings, figures);
  CHECK(text.find("4 connections") != std::string::npos);
  CHECK(text.find("TLS 1.3 connects, resumed, 2 at once") != std::string::npos);
  CHECK(text.find("TLS 1.3 connects, full handshakes") != std::string::npos);
  CHECK(report.at("connect_flow").at("connects").to_number<std::uint64_t>()
        == figures.connect_flow.connects);
  CHECK(text.find("storm connects with fixed answers") != std::string::npos);
  CHECK(text.find("WebSocket echo over TLS, 1 connection:")
        != std::string::npos);
  CHECK(text.find("WebSocket echo over TLS, 4 connections:")
        != std::string::npos);
}
