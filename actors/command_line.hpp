#pragma once

// The command line and config file of `openmfd-server` (DESIGN §5).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/server.hpp"
#include "platform/keyboard_backend.hpp"

namespace openmfd::actors {

/// Everything `serve` needs, after defaults, config file and command line.
struct server_config {
  std::filesystem::path data_dir;
  std::string log_level = "info";
  net::server_options net;
  std::chrono::milliseconds approval_timeout{60'000};
  std::chrono::seconds token_ttl{900};
  std::chrono::seconds token_rotate{300};
  /// The keyboard backend (`--injector`); auto: the real one for this host.
  platform::backend_kind injector = platform::backend_kind::auto_select;
  /// The record backend's file (`--record-file`).
  std::filesystem::path record_file;
  /// What the dry-run backend waits per key event (`--dry-run-delay-ms`):
  /// a slow keyboard, for isolation benchmarks.
  std::chrono::microseconds dry_run_delay{0};
  /// A bindings.json (`--bindings`); empty: the built-in generic profile.
  std::filesystem::path bindings_file;
  /// Down to up of a scripted key (`--key-hold-ms`).
  std::chrono::milliseconds key_hold{50};
  /// The longest a held key stays down (`--max-hold`).
  std::chrono::milliseconds max_hold{60'000};
  /// How late an action stamped with `ts` may arrive (`--stale-after`).
  std::chrono::milliseconds stale_after{2'000};
  /// Engine.IO sessions open at once (`--max-sessions`).
  std::size_t max_sessions = 1024;
  /// Of those, from one address (`--max-sessions-per-address`).
  std::size_t max_sessions_per_address = 32;
  /// Threads running the actors (`--worker-threads`); 0: half the cores.
  std::size_t worker_threads = 0;
  /// Browser origins allowed to use the API (`--allow-origin`), normalized.
  std::vector<std::string> allowed_origins;
};

/// `openmfd-server clients ...`: administer the trust store.
struct clients_request {
  enum class action { list, revoke, add, clear_denied } what = action::list;
  std::string selector;  ///< revoke: short id prefix or name
  std::string client_id; ///< add
  std::string name;      ///< add
};

/// What the command line asks for.
struct command {
  enum class kind { serve, clients, exit } what = kind::serve;
  int exit_code = 0; ///< for kind::exit (--help, --version, errors)
  server_config config;
  clients_request clients;
};

/// Parses `argv`, reading `<data-dir>/config.toml` when present (the command
/// line wins). Prints help, version or errors itself.
command parse_command_line(int argc, char** argv);

} // namespace openmfd::actors
