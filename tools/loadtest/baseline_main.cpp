// openmfd-baseline: what this machine costs before any server code runs
// (tools/loadtest/baseline.hpp); tools/bench.sh prints it with its table.

#include <cmath>
#include <iostream>
#include <exception>

#include <CLI/CLI.hpp>

#include "tools/loadtest/baseline.hpp"

int main(int argc, char** argv) {
  using namespace openmfd::loadtest;
  baseline_settings settings;
  double duration_s = 5;
  bool json = false;
  CLI::App app{"Measures this machine's floor: a loopback TCP round trip, "
               "thread wake-ups (busy and idle), a one-thread echo with many "
               "connections, and bare TLS connects with the server's own TLS",
               "openmfd-baseline"};
  app.add_option("--round-trips", settings.round_trips,
                 "Round trips timed by each latency probe")
    ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
    ->capture_default_str();
  app.add_option("--idle-ticks", settings.idle_ticks,
                 "Ticks of the idle wake-up probe (100 a second)")
    ->check(CLI::Range(std::size_t{1}, std::size_t{60'000}))
    ->capture_default_str();
  app.add_option("--clients", settings.clients, "Connections of the echo probe")
    ->check(CLI::Range(std::size_t{1}, std::size_t{1'000}))
    ->capture_default_str();
  app.add_option("--tls-clients", settings.tls_clients,
                 "Connects in flight at once in the TLS probe")
    ->check(CLI::Range(std::size_t{1}, std::size_t{1'000}))
    ->capture_default_str();
  app.add_option("--duration", duration_s,
                 "Seconds the echo probe and each TLS probe run")
    ->check(CLI::Range(0.1, 600.0))
    ->capture_default_str();
  app.add_option("--message-bytes", settings.message_bytes,
                 "Bytes of each request and echo")
    ->check(CLI::Range(std::size_t{1}, std::size_t{4'096}))
    ->capture_default_str();
  app.add_flag("--json", json, "Print the figures as JSON");
  CLI11_PARSE(app, argc, argv);
  settings.duration
    = std::chrono::milliseconds{std::llround(duration_s * 1000.0)};
  try {
    auto figures = measure_baseline(settings);
    std::cout << (json ? render_baseline_json(settings, figures)
                       : render_baseline_text(settings, figures));
    auto failed = figures.echo_mismatches + figures.tls_resumed.failures
                  + figures.tls_full.failures + figures.connect_flow.failures
                  + figures.websocket_echo_one.mismatches
                  + figures.websocket_echo_many.mismatches;
    return failed == 0 ? 0 : 1;
  } catch (const std::exception& e) { // a socket or TLS set-up failure
    std::cerr << "openmfd-baseline: " << e.what() << "\n";
    return 2;
  }
}
