#include "actors/command_line.hpp"

#include <chrono>
#include <cmath>
#include <iostream>

#include <CLI/CLI.hpp>

#include "platform/paths.hpp"
#include "protocol/cors.hpp"
#include "protocol/key_script.hpp"

namespace openmfd::actors {

namespace {

constexpr const char* config_file_name = "config.toml";

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds{std::llround(seconds * 1000.0)};
}

// --data-dir decides where the config file is, so it is read before the
// real parse (which then applies the file under the command line).
std::filesystem::path pre_scan_data_dir(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--data-dir" && i + 1 < argc)
      return argv[i + 1];
    if (arg.rfind("--data-dir=", 0) == 0)
      return arg.substr(11);
  }
  return platform::default_data_dir();
}

/// Checks an --allow-origin value and normalizes it (lowercase, no
/// default port), so that it compares equal to what browsers send.
CLI::Validator origin_check() {
  return CLI::Validator(
    [](std::string& value) -> std::string {
      auto origin = protocol::normalize_origin(value);
      if (!origin)
        return "not an origin (http[s]://host[:port]): " + value;
      value = *origin;
      return {};
    },
    "ORIGIN");
}

/// The --injector spellings, for the check and the help text.
std::vector<std::string> injector_names() {
  using platform::backend_kind;
  std::vector<std::string> names;
  for (auto kind :
       {backend_kind::auto_select, backend_kind::dry_run, backend_kind::record,
        backend_kind::xtest, backend_kind::uinput, backend_kind::sendinput,
        backend_kind::cgevent})
    names.emplace_back(platform::to_string(kind));
  return names;
}

} // namespace

command parse_command_line(int argc, char** argv) {
  command cmd;
  auto& cfg = cmd.config;
  cfg.data_dir = pre_scan_data_dir(argc, argv);

  CLI::App app{"OpenMFD Desktop Server: turns button presses on paired "
               "tablets into key presses on this PC.",
               "openmfd-server"};
  app.set_version_flag("--version", std::string{OPENMFD_VERSION});
  auto* serve = app.add_subcommand(
    "serve", "Run the server in the foreground (the default).");
  serve->fallthrough();
  auto& clients = cmd.clients;
  auto* admin = app.add_subcommand(
    "clients", "Administer paired devices (safe while the server runs).");
  admin->fallthrough();
  admin->require_subcommand(1);
  admin->add_subcommand("list", "List paired and denied devices")
    ->callback([&] { clients.what = clients_request::action::list; });
  auto* revoke = admin->add_subcommand(
    "revoke", "Unpair a device; the running server closes its sessions");
  revoke->add_option("ID-OR-NAME", clients.selector,
                     "Short id (or a prefix of 4+) or the device's name")
    ->required();
  revoke->callback([&] { clients.what = clients_request::action::revoke; });
  auto* add = admin->add_subcommand(
    "add", "Pair a device by its client id, without a prompt");
  add->add_option("--id", clients.client_id,
                  "The device's client id (UUID v4); - reads it from standard "
                  "input, out of the process list")
    ->required();
  add->add_option("--name", clients.name, "A name to show for it")->required();
  add->callback([&] { clients.what = clients_request::action::add; });
  admin->add_subcommand("clear-denied", "Let denied devices ask again")
    ->callback([&] { clients.what = clients_request::action::clear_denied; });
  app.require_subcommand(0, 1);

  auto config_path = cfg.data_dir / config_file_name;
  app.set_config("--config", config_path.string(),
                 "Config file (options as `name = value`)");
  app.allow_config_extras(CLI::config_extras_mode::error);

  double handshake_s = 10, request_s = 10, idle_s = 120, approval_s = 60;
  long token_ttl_s = 900, token_rotate_s = 300;
  auto& net = cfg.net;
  app.add_option("--data-dir", cfg.data_dir,
                 "Where the server keeps its identity and trust store")
    ->capture_default_str();
  app.add_option("--bind", net.bind_address, "Address to listen on")
    ->capture_default_str();
  app.add_option("--port", net.port, "TCP port (0: pick a free one)")
    ->capture_default_str();
  app.add_option("--log-level", cfg.log_level, "Log detail")
    ->check(CLI::IsMember(
      {"trace", "debug", "info", "warn", "error", "critical", "off"}))
    ->capture_default_str();
  app.add_option("--max-sessions", cfg.max_sessions,
                 "Engine.IO sessions open at once, at most")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  app.add_option("--max-sessions-per-address", cfg.max_sessions_per_address,
                 "Engine.IO sessions open at once from one address, at most")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  app.add_option("--worker-threads", cfg.worker_threads,
                 "Threads running the actors (0: half the cores)")
    ->check(CLI::Range(0, 64))
    ->capture_default_str();
  app.add_option("--max-connections", net.max_connections,
                 "Connections open at once")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  app.add_option("--max-connections-per-address",
                 net.max_connections_per_address,
                 "Connections open at once from one address")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  app.add_option("--connection-rate-per-address",
                 net.connections_per_second_per_address,
                 "New connections one address may open a second (bursts of "
                 "twice as many; 0: no limit)")
    ->check(CLI::Range(0.0, 1'000'000.0))
    ->capture_default_str();
  app.add_option("--handshake-timeout", handshake_s,
                 "Seconds allowed for the TLS handshake")
    ->check(CLI::Range(0.05, 3600.0))
    ->capture_default_str();
  app.add_option("--request-timeout", request_s,
                 "Seconds allowed to send one whole request")
    ->check(CLI::Range(0.05, 3600.0))
    ->capture_default_str();
  app.add_option("--idle-timeout", idle_s,
                 "Seconds a connection may sit between requests")
    ->check(CLI::Range(0.05, 86400.0))
    ->capture_default_str();

  app.add_option("--approval-timeout", approval_s,
                 "Seconds the person at the host has to answer a pairing "
                 "request")
    ->check(CLI::Range(0.05, 3600.0))
    ->capture_default_str();
  app.add_option("--token-ttl", token_ttl_s, "Seconds a token stays valid")
    ->check(CLI::Range(1L, 86400L))
    ->capture_default_str();
  app.add_option("--token-rotate", token_rotate_s,
                 "Seconds between token rotations pushed to sessions")
    ->check(CLI::Range(1L, 86400L))
    ->capture_default_str();

  std::string injector = "auto";
  double max_hold_s = 60, stale_after_s = 2, dry_run_delay_ms = 0;
  long key_hold_ms = 50;
  // Also from the environment: the one option that depends on the machine
  // rather than the user (a CI runner has no keyboard to press).
  app.add_option("--injector", injector,
                 "Keyboard backend (auto: the real one for this host)")
    ->check(CLI::IsMember(injector_names()))
    ->envname("OPENMFD_INJECTOR")
    ->capture_default_str();
  app.add_option("--record-file", cfg.record_file,
                 "File for --injector record: one JSON line per key event");
  app.add_option("--dry-run-delay-ms", dry_run_delay_ms,
                 "Milliseconds the dry-run backend takes per key event "
                 "(to benchmark a slow keyboard)")
    ->check(CLI::Range(0.0, 1000.0))
    ->capture_default_str();
  app.add_option("--bindings", cfg.bindings_file,
                 "A bindings.json (default: the built-in generic profile)");
  app.add_option("--key-hold-ms", key_hold_ms,
                 "Milliseconds a scripted key is held down (0: benchmarks)")
    ->check(CLI::Range(0L, static_cast<long>(protocol::max_key_hold.count())))
    ->capture_default_str();
  app.add_option("--max-hold", max_hold_s,
                 "Seconds a held key (key_down) stays down at most")
    ->check(CLI::Range(0.1, 86400.0))
    ->capture_default_str();
  app.add_option("--allow-origin", cfg.allowed_origins,
                 "A browser origin (https://host[:port], or http://) "
                 "allowed to use the API; repeatable; none by default")
    ->transform(origin_check());
  app.add_option("--stale-after", stale_after_s,
                 "Seconds late an action stamped with `ts` may arrive")
    ->check(CLI::Range(0.05, 3600.0))
    ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    cmd.what = command::kind::exit;
    cmd.exit_code = app.exit(e);
    return cmd;
  }
  net.handshake_timeout = to_ms(handshake_s);
  net.request_timeout = to_ms(request_s);
  net.idle_timeout = to_ms(idle_s);
  cfg.approval_timeout = to_ms(approval_s);
  cfg.token_ttl = std::chrono::seconds{token_ttl_s};
  cfg.token_rotate = std::chrono::seconds{token_rotate_s};
  cfg.injector = *platform::parse_backend_kind(injector); // checked above
  cfg.key_hold = std::chrono::milliseconds{key_hold_ms};
  cfg.dry_run_delay = std::chrono::microseconds{
    std::llround(dry_run_delay_ms * 1000.0)};
  cfg.max_hold = to_ms(max_hold_s);
  cfg.stale_after = to_ms(stale_after_s);
  if (admin->parsed())
    cmd.what = command::kind::clients;
  if (cfg.data_dir.empty()) {
    std::cerr << "no home folder to put the data dir in: pass --data-dir\n";
    cmd.what = command::kind::exit;
    cmd.exit_code = 2;
  }
  return cmd;
}

} // namespace openmfd::actors
