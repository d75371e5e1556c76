// The composition root: parse the command line, load the identity, start the
// io runtime and the actors, wait for a termination signal, shut down.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/approval_actor.hpp"
#include "actors/auth_actor.hpp"
#include "actors/clients_command.hpp"
#include "actors/command_line.hpp"
#include "actors/console_reader.hpp"
#include "actors/injector_actor.hpp"
#include "actors/listener_actor.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "actors/screens_actor.hpp"
#include "actors/session_actor.hpp"
#include "net/identity_store.hpp"
#include "net/io_runtime.hpp"
#include "net/server.hpp"
#include "platform/files.hpp"
#include "platform/host_info.hpp"
#include "platform/keyboard_backend.hpp"
#include "protocol/bindings.hpp"
#include "protocol/http_api.hpp"
#include "protocol/key_script.hpp"

namespace {

using namespace openmfd;

// One stderr sink shared by a logger per layer; stdout stays for the
// start-up lines and the console prompt.
void setup_logging(const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto lvl = spdlog::level::from_str(level);
  for (const char* name :
       {"server", "net", "auth", "approval", "session", "inject", "screens"}) {
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    logger->set_level(lvl);
    spdlog::register_logger(logger);
  }
  auto fallback = std::make_shared<spdlog::logger>("", sink);
  fallback->set_level(lvl);
  spdlog::set_default_logger(fallback);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e [%n] %l: %v");
}

// The lines DESIGN §5 promises at any log level, for people and scripts.
void print_banner(const std::string& bind, std::uint16_t port,
                  const net::server_identity& id,
                  const std::filesystem::path& data_dir) {
  auto host = bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
  std::printf("listening on https://%s:%u\n", host.c_str(),
              static_cast<unsigned>(port));
  std::printf("server id: %s\n", id.server_id.c_str());
  std::printf("tls fingerprint: %s\n", id.tls.fingerprint.c_str());
  std::printf("data dir: %s\n", data_dir.string().c_str());
  std::fflush(stdout);
}

// /socket.io/ takes Engine.IO payloads; everything else small JSON bodies.
net::server_options with_body_limits(net::server_options options,
                                     std::size_t max_payload) {
  options.body_limit = [max_payload](std::string_view path) -> std::size_t {
    return path == "/socket.io/" ? max_payload : 4096;
  };
  return options;
}

// Console output: prompts and command answers, straight to the terminal.
void print_console(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

// The keyboard backend --injector names; null after saying why not (the
// backend's message tells the user what to do).
std::shared_ptr<platform::keyboard_backend>
open_backend(const actors::server_config& cfg, spdlog::logger& log) {
  platform::backend_options options;
  options.record_file = cfg.record_file;
  options.dry_run_delay = cfg.dry_run_delay;
  options.diagnostics = [](std::string_view text) {
    actors::log("inject").warn("{}", text);
  };
  auto made = platform::make_backend(cfg.injector, options);
  if (!made && cfg.injector == platform::backend_kind::auto_select) {
    // With nothing real to drive (a headless host), the server still pairs
    // panels and serves screens; it says loudly that no key reaches the PC.
    log.warn("no keyboard backend works here: {}", made.error);
    log.warn("running with --injector dry-run: key presses are only logged");
    made = platform::make_backend(platform::backend_kind::dry_run, options);
  }
  if (!made) {
    log.critical("keyboard backend \"{}\": {}",
                 platform::to_string(cfg.injector), made.error);
    return nullptr;
  }
  log.info("keyboard backend: {}", made.backend->name());
  return std::shared_ptr<platform::keyboard_backend>{std::move(made.backend)};
}

// The text of a bindings file, or an error message naming it.
bool read_bindings_file(const std::filesystem::path& file, std::string& text,
                        std::string& error) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > protocol::max_bindings_text) {
    error = "larger than " + std::to_string(protocol::max_bindings_text)
            + " bytes";
    return false;
  }
  if (auto read = platform::read_file(file, text)) {
    error = read.message();
    return false;
  }
  return true;
}

// --bindings FILE, or the built-in generic profile; the log says which.
// Null after saying why the file cannot be used.
std::shared_ptr<const protocol::bindings_catalogue>
load_catalogue(const std::filesystem::path& file, spdlog::logger& log) {
  using catalogue = protocol::bindings_catalogue;
  if (file.empty()) {
    auto builtin = protocol::load_builtin_bindings();
    if (!builtin) { // a broken build, not a user error
      log.critical("the built-in bindings do not load: {}",
                   builtin.error().message());
      return nullptr;
    }
    log.info("bindings: the built-in generic profile ({} actions); "
             "--bindings FILE loads a bindings.json",
             builtin->actions().size());
    return std::make_shared<const catalogue>(std::move(*builtin));
  }
  std::string text, error;
  if (!read_bindings_file(file, text, error)) {
    log.critical("cannot read the bindings file {}: {}", file.string(), error);
    return nullptr;
  }
  auto loaded = protocol::load_bindings(text, &error);
  if (!loaded) {
    log.critical("cannot load the bindings file {}: {}{}{}", file.string(),
                 loaded.error().message(), error.empty() ? "" : ": ", error);
    return nullptr;
  }
  log.info("bindings: {} actions from {}", loaded->actions().size(),
           file.string());
  return std::make_shared<const catalogue>(std::move(*loaded));
}

// By default half the cores: the io thread and the injector's thread need
// the rest, and on two cores a second worker mostly adds wake-ups between
// threads (see the README's performance section).
std::size_t actor_worker_threads(std::size_t requested) {
  if (requested > 0)
    return requested;
  return std::max(1u, platform::usable_cores() / 2);
}

/// Ends the injector, which lets go of every key on its way out, and
/// waits for it a little (its backend may be what is stuck).
void release_keys_now(caf::actor_system& sys, const caf::actor_addr& address) {
  auto injector = caf::actor_cast<caf::actor>(address);
  if (!injector)
    return; // gone: its keys went up when it ended
  caf::scoped_actor waiter{sys, true}; // hidden: not a running actor
  waiter->monitor(injector);
  caf::anon_send_exit(injector, caf::exit_reason::user_shutdown);
  waiter->receive([](const caf::down_msg&) {},
                  caf::after(std::chrono::milliseconds{500}) >> [] {});
}

// The first termination signal stops the server; another one while it
// stops ends the process at once, so a wedged shutdown can always be
// ended, but not before the keys held so far go up.
void handle_signals(net::io_runtime& io, caf::actor_system& sys,
                    const actors::listener_actor& listener,
                    const actors::injector_actor& injector) {
  auto count = std::make_shared<std::atomic<int>>(0);
  // Weak: the handler lives as long as the io runtime, after the actor
  // system, whose end waits for the injector's thread, which waits for the
  // last strong handle to go.
  io.on_termination_signal([&sys, listener, injector = injector.address(),
                            count](int signal) {
    auto& log = *spdlog::get("server");
    if (count->fetch_add(1) == 0) {
      log.info("signal {}: stopping", signal);
      caf::anon_send(listener, atom::shutdown_v);
      return;
    }
    log.critical("signal {} while stopping: releasing keys, exiting", signal);
    release_keys_now(sys, injector);
    log.flush();
    std::_Exit(1);
  });
}

// The injector ends last, so that every key goes up after every session has
// let go of its own: first the listener ends (it ends the sessions and the
// other actors), then everyone but the injector (bounded), then it.
void stop_injector_last(caf::actor_system& sys,
                        const actors::listener_actor& listener,
                        const actors::injector_actor& injector) {
  {
    caf::scoped_actor waiter{sys, true}; // hidden: not a running actor
    waiter->monitor(listener);
    waiter->receive([](const caf::down_msg&) {});
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (sys.registry().running() > 1
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  caf::anon_send_exit(injector, caf::exit_reason::user_shutdown);
}

int serve(const actors::server_config& cfg) {
  platform::ignore_broken_pipes();
  setup_logging(cfg.log_level);
  auto& log = *spdlog::get("server");
  if (auto ec = platform::create_private_dir(cfg.data_dir)) {
    log.critical("cannot use the data dir {}: {}", cfg.data_dir.string(),
                 ec.message());
    return 1;
  }
  auto loaded = net::load_or_create_identity(
    cfg.data_dir, {platform::host_name(), platform::host_addresses()});
  if (!loaded.identity) {
    log.critical("{}", loaded.error);
    return 1;
  }
  const auto& identity = *loaded.identity;
  auto bindings = load_catalogue(cfg.bindings_file, log);
  if (!bindings)
    return 1;
  auto backend = open_backend(cfg, log);
  if (!backend)
    return 1;

  // Declared before the actor system, so destroyed after it: an actor's
  // cleanup can still run on a CAF worker after await_all_actors_done()
  // returns and may drop the last reference to an acceptor or connection,
  // which must find its io_context alive (ASan caught the reverse order).
  // The io threads are drained first, below, while the actors exist.
  net::io_runtime io{1};
  caf::actor_system_config sys_cfg;
  sys_cfg.add_message_types<caf::id_block::openmfd>();
  sys_cfg.set("scheduler.max-threads",
              actor_worker_threads(cfg.worker_threads));
  // Work sharing wakes a sleeping worker at once; work stealing's idle
  // workers poll and then sleep up to 10 ms, which showed as ack latency
  // (one panel's p50: 450 µs stealing, 250 µs sharing; see the README).
  sys_cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{sys_cfg};

  actors::engineio_settings engine;
  engine.max_sessions = cfg.max_sessions;
  engine.max_sessions_per_address = cfg.max_sessions_per_address;
  auto listening = net::listen_tls(
    io, identity.tls, with_body_limits(cfg.net, engine.max_payload));
  if (!listening.acceptor) {
    log.critical("{}", listening.error);
    return 1;
  }
  auto approval = actors::spawn_approval(
    sys, {cfg.approval_timeout, 8, print_console}, true);
  std::string store_error;
  auto auth = actors::spawn_auth(sys,
                                 {cfg.data_dir, approval, cfg.approval_timeout,
                                  cfg.token_ttl, cfg.token_rotate},
                                 true, store_error);
  if (!auth) {
    log.critical("{}", store_error);
    caf::anon_send_exit(approval, caf::exit_reason::user_shutdown);
    return 1;
  }
  caf::anon_send(approval, atom::command_handler_v,
                 caf::actor_cast<caf::actor>(auth));
  actors::screens_config screens_cfg;
  screens_cfg.data_dir = cfg.data_dir;
  auto screens = actors::spawn_screens(sys, screens_cfg, true, store_error);
  if (!screens) {
    log.critical("{}", store_error);
    caf::anon_send_exit(approval, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(auth, caf::exit_reason::user_shutdown);
    return 1;
  }

  actors::injector_config injector_cfg;
  injector_cfg.max_hold = cfg.max_hold;
  // Detached: the injector owns its thread, so a slow backend stalls no one.
  auto injector = actors::spawn_injector(sys, injector_cfg, backend, true);
  actors::session_input input{injector, bindings,
                              protocol::make_script_options(cfg.key_hold),
                              cfg.stale_after};

  protocol::server_info info{identity.server_id, platform::host_name(),
                             OPENMFD_VERSION, identity.tls.fingerprint};
  auto listener = actors::spawn_listener(
    sys, {listening.acceptor, protocol::info_body(info), auth, approval,
          cfg.approval_timeout, engine, screens, input,
          protocol::cors_policy{cfg.allowed_origins}});
  handle_signals(io, sys, listener, injector);
  print_banner(cfg.net.bind_address, listening.acceptor->port(), identity,
               cfg.data_dir);
  actors::start_console_reader(approval);

  stop_injector_last(sys, listener, injector);
  sys.await_all_actors_done();
  // In-flight responses and TLS close_notify get a bounded time to finish.
  io.drain(std::chrono::seconds{2});
  log.info("stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto cmd = actors::parse_command_line(argc, argv);
  if (cmd.what == actors::command::kind::exit)
    return cmd.exit_code;
  if (cmd.what == actors::command::kind::clients)
    return actors::run_clients_command(cmd.config.data_dir, cmd.clients);
  return serve(cmd.config);
}
