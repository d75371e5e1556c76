// The composition root: parse the command line, load the identity, start the
// io runtime and the actors, wait for a termination signal, shut down.

#include <cstdio>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/approval_actor.hpp"
#include "actors/auth_actor.hpp"
#include "actors/clients_command.hpp"
#include "actors/command_line.hpp"
#include "actors/console_reader.hpp"
#include "actors/listener_actor.hpp"
#include "actors/messages.hpp"
#include "actors/screens_actor.hpp"
#include "actors/session_actor.hpp"
#include "net/identity_store.hpp"
#include "net/io_runtime.hpp"
#include "net/server.hpp"
#include "platform/files.hpp"
#include "platform/host_info.hpp"
#include "protocol/http_api.hpp"

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

int serve(const actors::server_config& cfg) {
  setup_logging(cfg.log_level);
  auto& log = *spdlog::get("server");
  if (auto ec = platform::create_private_dir(cfg.data_dir)) {
    log.critical("cannot create the data dir {}: {}", cfg.data_dir.string(),
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

  caf::actor_system_config sys_cfg;
  sys_cfg.add_message_types<caf::id_block::openmfd>();
  sys_cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system sys{sys_cfg};
  // Declared after the actor system, so destroyed before it: pending
  // handlers release the last connections while the actors still exist.
  net::io_runtime io{1};

  actors::engineio_settings engine;
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
  auto screens = actors::spawn_screens(sys, {cfg.data_dir}, true, store_error);
  if (!screens) {
    log.critical("{}", store_error);
    caf::anon_send_exit(approval, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(auth, caf::exit_reason::user_shutdown);
    return 1;
  }

  protocol::server_info info{identity.server_id, platform::host_name(),
                             OPENMFD_VERSION, identity.tls.fingerprint};
  auto listener = actors::spawn_listener(
    sys, {listening.acceptor, protocol::info_body(info), auth, approval,
          cfg.approval_timeout, engine, screens});
  io.on_termination_signal([listener](int signal) {
    spdlog::get("server")->info("signal {}: stopping", signal);
    caf::anon_send(listener, atom::shutdown_v);
  });
  print_banner(cfg.net.bind_address, listening.acceptor->port(), identity,
               cfg.data_dir);
  actors::start_console_reader(approval);

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
