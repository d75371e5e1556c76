// openmfd-sio-conformance: the Engine.IO v4 and Socket.IO v5 protocol test
// suites' server apps, built from the server's own Engine.IO and Socket.IO
// code, on 127.0.0.1 only. `--plain` serves plain HTTP (the suites speak
// http:// and ws://); without it, HTTPS with a throwaway certificate.

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "net/identity_store.hpp"
#include "net/io_runtime.hpp"
#include "net/server.hpp"
#include "tools/conformance/conformance_listener.hpp"

namespace {

using namespace openmfd;

struct options {
  std::uint16_t port = 3000; ///< the suites' default
  bool plain = false;
  std::string log_level = "warn";
};

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("conformance");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
}

net::server_options server_options_for(const options& opts,
                                       std::size_t max_payload) {
  net::server_options server;
  server.bind_address = "127.0.0.1";
  server.port = opts.port;
  // Every conformance client comes from one address: no share per address.
  server.max_connections_per_address = server.max_connections;
  server.connections_per_second_per_address = 0;
  server.body_limit = [max_payload](std::string_view) { return max_payload; };
  return server;
}

net::listen_result listen(net::io_runtime& io, const options& opts,
                          const net::server_options& server) {
  if (opts.plain)
    return net::listen_plain(io, server);
  auto identity = net::make_self_signed({"localhost", {"127.0.0.1"}});
  if (!identity)
    return {nullptr, "cannot make a certificate"};
  return net::listen_tls(io, *identity, server);
}

int run(const options& opts) {
  setup_logging(opts.log_level);
  auto settings = conformance::test_suite_settings();
  // Declared before the actor system, so destroyed after it (see main.cpp
  // of the server).
  net::io_runtime io{1};
  caf::actor_system_config sys_cfg;
  sys_cfg.add_message_types<caf::id_block::openmfd>();
  sys_cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system sys{sys_cfg};
  auto listening = listen(
    io, opts, server_options_for(opts, settings.socketio.max_payload));
  if (!listening.acceptor) {
    spdlog::critical("{}", listening.error);
    return 1;
  }
  auto listener = conformance::spawn_conformance_listener(
    sys, listening.acceptor, settings);
  io.on_termination_signal(
    [listener](int) { caf::anon_send(listener, atom::shutdown_v); });
  std::printf("listening on %s://127.0.0.1:%u\n", opts.plain ? "http" : "https",
              static_cast<unsigned>(listening.acceptor->port()));
  std::fflush(stdout);
  sys.await_all_actors_done();
  io.drain(std::chrono::seconds{2});
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Engine.IO v4 / Socket.IO v5 protocol test server (loopback)"};
  options opts;
  app.add_option("--port", opts.port, "TCP port on 127.0.0.1 (0: any free)");
  app.add_flag("--plain", opts.plain, "plain HTTP instead of HTTPS");
  app.add_option("--log-level", opts.log_level,
                 "trace, debug, info, warn, error or critical");
  CLI11_PARSE(app, argc, argv);
  return run(opts);
}
