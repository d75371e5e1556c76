#pragma once

// One I/O thread's share of the simulated panels: it connects them (a
// bounded number at a time), runs their roles while the load is on, checks
// every deadline once per sweep, and counts what happens in its own tally.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tools/loadtest/panel.hpp"
#include "tools/loadtest/plan.hpp"
#include "tools/loadtest/tally.hpp"
#include "tools/loadtest/wire.hpp"

namespace openmfd::loadtest {

struct load_settings {
  target where;
  std::string action;
  double rate = 0; ///< this worker's requests per second; 0: closed loop
  std::size_t max_in_flight = 64;
  std::size_t connect_concurrency = 64;
};

/// A simulated panel before it starts.
struct member {
  assignment job;
  credentials who;
};

class worker final : private panel_events {
public:
  worker(load_settings settings, boost::asio::ssl::context& tls,
         std::vector<member> members);

  /// The thread body: connects every member, then serves until stopped.
  void run();
  /// From any thread: starts the requests (or the churn).
  void start_load();
  /// From any thread: stops sending, waits for the answers still due
  /// (bounded by the timeout), closes every panel; `run` then returns.
  void stop_load();

  /// From any thread: opens no more members; those never opened are
  /// counted as `connect_phase_over` errors.
  void stop_connecting();
  /// True until every member's first connect has succeeded or failed.
  bool connecting() const noexcept { return connecting_.load(); }
  /// Live counts while running; everything once `run` has returned.
  const tally& results() const noexcept { return tally_; }

private:
  struct slot {
    slot(assignment j, credentials w, std::size_t in_flight)
      : job(j), who(std::move(w)), acks(in_flight) {}

    assignment job;
    credentials who;
    ack_tracker acks;
    std::shared_ptr<panel> link;
    std::uint64_t connect_started = 0; ///< ns; 0 unless connecting
    std::uint64_t last_ping = 0;
    std::uint64_t ping_interval = 0; ///< ns between the server's pings
    std::uint64_t ping_timeout = 0;  ///< ns a ping may be late
    bool first_attempt = true;
    bool live = false; ///< `link` is open or closing
    bool connected = false;
    bool join_pending = false; ///< its join_screen awaits the ack
    bool joined = false;
  };
  struct screen_group {
    std::size_t joined = 0;
    std::size_t setter = 0;
  };

  void on_connected(std::size_t i, heartbeat_terms heartbeat,
                    bool tls_resumed) override;
  void on_inbound(std::size_t i, const inbound& in) override;
  void on_ping(std::size_t i) override;
  void on_closed(std::size_t i, std::string_view error) override;

  void open(std::size_t i);
  void reopen_later(std::size_t i);
  void open_more();
  void first_attempt_over(slot& s);
  void check_connect_phase();
  void join_screen(std::size_t i);
  void on_joined(std::size_t i, const inbound& ack);
  void give_up_join(slot& s);
  void on_ack(std::size_t i, const inbound& ack);
  bool send_request(std::size_t i);
  bool may_request(const slot& s) const;
  void begin();
  void end();
  void tick();
  void arm_tick();
  void sweep();
  void arm_sweep();
  void check_deadlines(std::size_t i, std::uint64_t now);
  void check_pinged_at_end(std::uint64_t now);
  void record_skipped(std::uint64_t count);
  /// Open loop: when `request` falls due (ns), and how long ago that was.
  std::uint64_t due_at(std::uint64_t request) const;
  std::uint64_t since_due(std::uint64_t request, std::uint64_t now) const;
  void wind_down(std::uint64_t now);
  bool closed_loop() const noexcept { return settings_.rate <= 0; }

  load_settings settings_;
  std::uint64_t timeout_ns_;
  boost::asio::ssl::context& tls_;
  boost::asio::io_context io_{1};
  boost::asio::steady_timer sweep_timer_{io_};
  boost::asio::steady_timer tick_timer_{io_};
  repeated_event action_event_;
  repeated_event join_event_;
  std::vector<slot> slots_;
  std::vector<std::size_t> requesters_; ///< open loop: who sends, in turn
  std::unordered_map<std::size_t, screen_group> screens_;
  tally tally_;
  std::atomic<bool> connecting_{true};
  std::size_t next_to_open_ = 0;
  std::size_t opening_ = 0;       ///< first attempts in progress
  std::size_t pending_joins_ = 0; ///< screen joins not yet answered
  std::size_t live_links_ = 0;    ///< panels not yet closed
  std::size_t next_requester_ = 0;
  std::uint64_t load_started_ = 0;
  std::uint64_t issued_ = 0; ///< open loop: requests due so far
  std::uint64_t drain_deadline_ = 0;
  bool loading_ = false;
  bool stopping_ = false;
  bool closing_all_ = false;
};

} // namespace openmfd::loadtest
