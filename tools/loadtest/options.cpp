#include "tools/loadtest/options.hpp"

#include <cmath>
#include <map>

#include <CLI/CLI.hpp>

namespace openmfd::loadtest {

namespace {

constexpr std::size_t max_clients = 50'000;
constexpr double max_duration_s = 3600;
constexpr double max_timeout_s = 120;

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds{std::llround(seconds * 1000.0)};
}

const std::map<std::string, scenario>& scenario_names() {
  static const std::map<std::string, scenario> names{
    {"actions", scenario::actions}, {"joins", scenario::joins},
    {"screens", scenario::screens}, {"idle", scenario::idle},
    {"storm", scenario::storm},     {"mixed", scenario::mixed},
  };
  return names;
}

} // namespace

const char* to_string(scenario s) noexcept {
  for (const auto& [name, value] : scenario_names())
    if (value == s)
      return name.c_str();
  return "?";
}

std::variant<options, int> parse_options(int argc, char** argv) {
  options opts;
  double duration_s = 10, timeout_s = 10, connect_phase_s = 300;
  CLI::App app{"Simulates paired OpenMFD panels against a running server and "
               "reports connect times, throughput and latency.",
               "openmfd-loadtest"};
  app.add_option("--host", opts.host, "Server address (loopback only unless "
                                      "--allow-remote)")
    ->capture_default_str();
  app.add_option("--port", opts.port, "Server port")->capture_default_str();
  app.add_option("--ids", opts.ids_file,
                 "File of pre-paired client ids, one `UUID [name]` a line "
                 "(clients take them in turn)")
    ->required()
    ->check(CLI::ExistingFile);
  app.add_option("--scenario", opts.what,
                 "actions: run_action; joins: join_screen; screens: "
                 "set_screen_state fan-out; idle: held sessions; storm: "
                 "connect/disconnect churn; mixed: half actions, 30 % "
                 "screens, the rest idle")
    ->transform(CLI::CheckedTransformer(scenario_names()))
    ->capture_default_str();
  app.add_option("--transport", opts.transport, "websocket or polling")
    ->transform(CLI::CheckedTransformer(std::map<std::string, transport_kind>{
      {"websocket", transport_kind::websocket},
      {"polling", transport_kind::polling}}));
  app.add_option("--clients", opts.clients, "Simulated panels")
    ->check(CLI::Range(std::size_t{1}, max_clients))
    ->capture_default_str();
  app.add_option("--duration", duration_s,
                 "Seconds of load after every client connected")
    ->check(CLI::Range(0.1, max_duration_s))
    ->capture_default_str();
  app.add_option("--rate", opts.rate,
                 "Requests per second over all clients (open loop); 0: each "
                 "client sends its next request when the last is acked")
    ->check(CLI::Range(0.0, 10'000'000.0))
    ->capture_default_str();
  app.add_option("--threads", opts.threads, "I/O threads of the tool")
    ->check(CLI::Range(1u, 64u))
    ->capture_default_str();
  app.add_option("--timeout", timeout_s,
                 "Seconds any one step (connect, ack, handshake) may take")
    ->check(CLI::Range(0.1, max_timeout_s))
    ->capture_default_str();
  app.add_option("--connect-phase", connect_phase_s,
                 "Seconds the connect phase may take at most; clients not "
                 "connected by then are counted as errors")
    ->check(CLI::Range(0.1, max_duration_s))
    ->capture_default_str();
  app.add_option("--action", opts.action, "run_action name (see list_actions)")
    ->capture_default_str();
  app.add_option("--screen-members", opts.screen_members,
                 "Members per screen; one of them sets the state")
    ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
    ->capture_default_str();
  app.add_option("--connect-concurrency", opts.connect_concurrency,
                 "Connects in progress at once")
    ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}))
    ->capture_default_str();
  app.add_option("--max-in-flight", opts.max_in_flight,
                 "Open loop: unacknowledged requests per client, at most")
    ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
    ->capture_default_str();
  app.add_option("--server-pid", opts.server_pid,
                 "Report this process's resident memory (VmRSS)");
  app.add_option("--server-id", opts.server_id,
                 "Expected server_id of GET /info");
  app.add_flag("--json", opts.json, "Print the report as JSON");
  app.add_flag("--full-handshakes", opts.full_handshakes,
               "Never resume a TLS session (by default a panel offers the "
               "ticket its last connect was given)");
  app.add_flag("--allow-remote", opts.allow_remote,
               "Allow a server outside 127.0.0.0/8 and ::1");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  opts.duration = to_ms(duration_s);
  opts.timeout = to_ms(timeout_s);
  opts.connect_phase = to_ms(connect_phase_s);
  return opts;
}

} // namespace openmfd::loadtest
