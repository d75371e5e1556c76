// openmfd-loadtest: simulated panels against a running OpenMFD server
// (DESIGN §2 tools/). See --help, and tools/bench.sh for the benchmarks.

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

#include "tools/loadtest/options.hpp"
#include "tools/loadtest/report.hpp"
#include "tools/loadtest/system.hpp"
#include "tools/loadtest/worker.hpp"

namespace {

using namespace openmfd::loadtest;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace net = boost::asio;

constexpr auto progress_period = 200ms;

/// Thrown for a setup problem the user must fix; main prints it.
struct setup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The server's endpoint; only loopback unless `allow_remote`.
target resolve_target(const options& opts) {
  net::io_context io;
  net::ip::tcp::resolver resolver{io};
  boost::system::error_code ec;
  auto results = resolver.resolve(opts.host, std::to_string(opts.port), ec);
  if (ec || results.empty())
    throw setup_error{"cannot resolve " + opts.host + ": " + ec.message()};
  auto endpoint = results.begin()->endpoint();
  if (!opts.allow_remote && !endpoint.address().is_loopback())
    throw setup_error{endpoint.address().to_string()
                      + " is not a loopback address (127.0.0.0/8, ::1): "
                        "pass --allow-remote to load another machine"};
  target where;
  where.endpoint = endpoint;
  where.host = opts.host;
  where.server_id = opts.server_id;
  where.transport = opts.transport;
  where.timeout = opts.timeout;
  where.resume_tls = !opts.full_handshakes;
  return where;
}

/// `UUID [name]` lines; blank lines and `#` comments skipped.
std::vector<credentials> read_ids(const std::string& path) {
  std::ifstream in{path};
  std::vector<credentials> ids;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    credentials who;
    if (!(fields >> who.client_id) || who.client_id.front() == '#')
      continue;
    std::getline(fields >> std::ws, who.client_name);
    if (who.client_name.empty())
      who.client_name = "loadtest " + who.client_id.substr(0, 8);
    ids.push_back(std::move(who));
  }
  if (ids.empty())
    throw setup_error{path + " holds no client ids"};
  return ids;
}

bool sends(role r) {
  return r == role::actor || r == role::joiner || r == role::screen_setter;
}

/// One worker per thread, each with its share of the clients and the rate.
std::vector<std::unique_ptr<worker>> make_workers(const options& opts,
                                                  const target& where,
                                                  net::ssl::context& tls) {
  auto ids = read_ids(opts.ids_file);
  auto jobs = assign_roles(opts.what, opts.clients, opts.screen_members);
  std::vector<std::vector<member>> shares(opts.threads);
  std::size_t senders = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    shares[worker_of(jobs[i], i, opts.threads)].push_back(
      {jobs[i], ids[i % ids.size()]});
    senders += sends(jobs[i].what) ? 1 : 0;
  }
  std::vector<std::unique_ptr<worker>> workers;
  for (auto& share : shares) {
    load_settings settings;
    settings.where = where;
    settings.action = opts.action;
    auto own = std::count_if(share.begin(), share.end(),
                             [](const member& m) { return sends(m.job.what); });
    settings.rate = senders ? opts.rate * static_cast<double>(own)
                                / static_cast<double>(senders)
                            : 0;
    settings.max_in_flight = opts.max_in_flight;
    settings.connect_concurrency
      = std::max<std::size_t>(1, opts.connect_concurrency / opts.threads);
    workers.push_back(
      std::make_unique<worker>(std::move(settings), tls, std::move(share)));
  }
  return workers;
}

template <class F>
std::uint64_t sum(const std::vector<std::unique_ptr<worker>>& workers, F f) {
  std::uint64_t total = 0;
  for (const auto& w : workers)
    total += f(w->results()).get();
  return total;
}

/// Samples the server's memory and draws the progress line (on a terminal).
class observer {
public:
  observer(const options& opts, memory_samples& rss)
    : opts_(opts), rss_(rss), draw_(stdout_is_terminal() && !opts.json) {}

  void sample(const std::vector<std::unique_ptr<worker>>& workers,
              const char* phase, double seconds) {
    if (auto now = measure(); now && !rss_.start)
      rss_.start = now;
    if (!draw_)
      return;
    auto acks = sum(workers, [](const tally& t) -> auto& { return t.acks_ok; });
    std::cout << "\r" << phase << " " << static_cast<int>(seconds) << " s  open "
              << sum(workers, [](const tally& t) -> auto& {
                   return t.open_sessions;
                 })
              << "/" << opts_.clients << "  acks " << acks << "  deliveries "
              << sum(workers, [](const tally& t) -> auto& {
                   return t.deliveries;
                 })
              << "  churn "
              << sum(workers, [](const tally& t) -> auto& { return t.churns; })
              << "  errors "
              << sum(workers, [](const tally& t) -> auto& { return t.errors; })
              << "   " << std::flush;
  }

  /// The server's memory now (also for the peak).
  std::optional<std::uint64_t> measure() {
    auto now = opts_.server_pid ? resident_kib(*opts_.server_pid)
                                : std::nullopt;
    if (now)
      rss_.peak = std::max(rss_.peak.value_or(0), *now);
    return now;
  }

  void finish_line() const {
    if (draw_)
      std::cout << "\n";
  }

private:
  const options& opts_;
  memory_samples& rss_;
  bool draw_;
};

/// Connects, runs the load for --duration, stops; returns the facts.
run_facts drive(const options& opts,
                std::vector<std::unique_ptr<worker>>& workers) {
  run_facts facts{opts, 0, 0, 0, {}};
  observer watch{opts, facts.rss};
  watch.sample(workers, "connecting", 0);
  std::vector<std::thread> threads;
  for (auto& w : workers)
    threads.emplace_back([&w] { w->run(); });
  auto began = clock_type::now();
  auto connecting = [&workers] {
    return std::any_of(workers.begin(), workers.end(),
                       [](const auto& w) { return w->connecting(); });
  };
  auto connect_deadline = began + opts.connect_phase;
  while (connecting() && clock_type::now() < connect_deadline) {
    std::this_thread::sleep_for(progress_period);
    watch.sample(workers, "connecting",
                 std::chrono::duration<double>(clock_type::now() - began)
                   .count());
  }
  // Connects still in flight go on (each bounded by --timeout) and join
  // the load if they get there.
  for (auto& w : workers)
    w->stop_connecting();
  facts.connect_phase_s
    = std::chrono::duration<double>(clock_type::now() - began).count();
  facts.rss.connected = watch.measure();
  facts.connected_at_start
    = sum(workers, [](const tally& t) -> auto& { return t.open_sessions; });
  auto load_start = clock_type::now();
  for (auto& w : workers)
    w->start_load();
  auto load_end = load_start + opts.duration;
  while (clock_type::now() < load_end) {
    std::this_thread::sleep_for(
      std::min<clock_type::duration>(progress_period,
                                     load_end - clock_type::now()));
    watch.sample(workers, to_string(opts.what),
                 std::chrono::duration<double>(clock_type::now() - load_start)
                   .count());
  }
  for (auto& w : workers)
    w->stop_load();
  facts.window_s
    = std::chrono::duration<double>(clock_type::now() - load_start).count();
  facts.rss.end = watch.measure();
  for (auto& t : threads)
    t.join();
  watch.finish_line();
  return facts;
}

int run(const options& opts) {
  auto where = resolve_target(opts);
  auto fd_limit = raise_open_file_limit();
  auto per_client = opts.transport == transport_kind::polling ? 2 : 1;
  if (fd_limit < opts.clients * per_client + 64)
    throw setup_error{"the open-file limit (" + std::to_string(fd_limit)
                      + ") is too low for " + std::to_string(opts.clients)
                      + " clients"};
  auto tls = make_client_tls();
  auto workers = make_workers(opts, where, tls);
  auto facts = drive(opts, workers);
  tally total;
  for (const auto& w : workers)
    total.merge(w->results());
  std::cout << (opts.json ? render_json(total, facts)
                          : render_text(total, facts));
  return total.errors.get() == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (auto* code = std::get_if<int>(&parsed))
    return *code;
  try {
    return run(std::get<options>(parsed));
  } catch (const setup_error& e) {
    std::cerr << "openmfd-loadtest: " << e.what() << "\n";
    return 2;
  }
}
