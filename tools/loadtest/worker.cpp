#include "tools/loadtest/worker.hpp"

#include <limits>

#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>

namespace openmfd::loadtest {

namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

constexpr auto sweep_period = 100ms;
/// How late past its interval a ping may be at the end of a run before it
/// counts as missed (the run may be shorter than interval + timeout).
constexpr auto ping_grace = 2s;
/// A churner whose connect failed tries again after this, not at once.
constexpr auto reconnect_pause = 100ms;
constexpr std::string_view joins_screen = "load-joins";

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch())
      .count());
}

std::uint64_t to_ns(std::chrono::milliseconds ms) {
  return static_cast<std::uint64_t>(ms.count()) * 1'000'000;
}

boost::json::array single_field(std::string_view name, std::string_view value) {
  boost::json::object object;
  object[name] = value;
  return boost::json::array{std::move(object)};
}

std::string screen_name(std::size_t screen) {
  return "load-" + std::to_string(screen);
}

bool is_screen_role(role r) {
  return r == role::screen_setter || r == role::screen_member;
}

bool sends_requests(role r) {
  return r == role::actor || r == role::joiner || r == role::screen_setter;
}

} // namespace

worker::worker(load_settings settings, net::ssl::context& tls,
               std::vector<member> members)
  : settings_(std::move(settings)), timeout_ns_(to_ns(settings_.where.timeout)),
    tls_(tls),
    action_event_("run_action", single_field("name", settings_.action)),
    join_event_("join_screen", single_field("screen", joins_screen)) {
  // Closed loop needs room for one request and a join; open loop for the
  // configured backlog.
  auto capacity = closed_loop() ? 2 : settings_.max_in_flight + 1;
  slots_.reserve(members.size()); // never grows: panels refer to `who`
  for (auto& m : members)
    slots_.emplace_back(m.job, std::move(m.who), capacity);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const auto& job = slots_[i].job;
    if (job.what == role::screen_setter)
      screens_[job.screen].setter = i;
    if (sends_requests(job.what))
      requesters_.push_back(i);
  }
}

void worker::run() {
  net::post(io_, [this] {
    open_more();
    check_connect_phase();
  });
  arm_sweep();
  io_.run();
}

void worker::stop_connecting() {
  net::post(io_, [this] {
    if (auto never = slots_.size() - next_to_open_)
      tally_.error("connect_phase_over", never);
    next_to_open_ = slots_.size();
    connecting_.store(false);
  });
}

void worker::start_load() {
  net::post(io_, [this] { begin(); });
}

void worker::stop_load() {
  net::post(io_, [this] { end(); });
}

// --- connecting ----------------------------------------------------------

void worker::open(std::size_t i) {
  auto& s = slots_[i];
  // Every connect goes the whole way, /info and /authorise included: a
  // storm's connects are complete ones, and a token would expire.
  s.who.token.clear();
  s.link = make_panel(io_, tls_, settings_.where, s.who, i, *this);
  s.connect_started = now_ns();
  s.live = true;
  ++live_links_;
  s.link->start();
}

void worker::open_more() {
  while (opening_ < settings_.connect_concurrency
         && next_to_open_ < slots_.size()) {
    ++opening_;
    open(next_to_open_++);
  }
}

void worker::first_attempt_over(slot& s) {
  if (!s.first_attempt)
    return;
  s.first_attempt = false;
  --opening_;
  open_more();
  check_connect_phase();
}

void worker::check_connect_phase() {
  if (next_to_open_ == slots_.size() && opening_ == 0 && pending_joins_ == 0)
    connecting_.store(false);
}

void worker::on_connected(std::size_t i, heartbeat_terms heartbeat,
                          bool tls_resumed) {
  auto& s = slots_[i];
  auto now = now_ns();
  tally_.connect_ns.record(now - s.connect_started);
  tally_.connects.add();
  if (tls_resumed)
    tally_.resumed_connects.add();
  tally_.open_sessions.add();
  s.connect_started = 0;
  s.connected = true;
  s.last_ping = now;
  s.ping_interval = to_ns(heartbeat.interval);
  s.ping_timeout = to_ns(heartbeat.timeout);
  if (is_screen_role(s.job.what) && !s.joined && !s.join_pending)
    join_screen(i);
  if (s.job.what == role::churner && loading_) {
    tally_.churns.add();
    s.link->close();
  }
  first_attempt_over(s);
}

void worker::on_closed(std::size_t i, std::string_view error) {
  auto& s = slots_[i];
  s.live = false;
  --live_links_;
  if (s.connected)
    tally_.open_sessions.sub();
  s.connected = false;
  s.connect_started = 0;
  if (!error.empty())
    tally_.error(error);
  if (auto lost = s.acks.expire(std::numeric_limits<std::uint64_t>::max())) {
    if (!error.empty())
      tally_.error("unanswered_at_close", lost);
    give_up_join(s);
  }
  first_attempt_over(s);
  if (s.job.what != role::churner || !loading_)
    return;
  if (!error.empty())
    return reopen_later(i);
  // The panel is still running its own callback: reconnect from a fresh
  // handler.
  net::post(io_, [this, i] { open(i); });
}

void worker::reopen_later(std::size_t i) {
  auto pause = std::make_shared<net::steady_timer>(io_, reconnect_pause);
  pause->async_wait([this, i, pause](boost::system::error_code) {
    if (loading_)
      open(i);
  });
}

void worker::on_ping(std::size_t i) {
  slots_[i].last_ping = now_ns();
  tally_.pings.add();
}

// --- screens ---------------------------------------------------------------

void worker::join_screen(std::size_t i) {
  auto& s = slots_[i];
  auto id = s.acks.issue(now_ns());
  if (!id)
    return;
  ++pending_joins_;
  s.join_pending = true;
  s.link->send(event_frame("join_screen",
                           single_field("screen", screen_name(s.job.screen)),
                           *id));
}

void worker::give_up_join(slot& s) {
  if (!s.join_pending)
    return;
  s.join_pending = false; // it will never be answered: stop waiting for it
  --pending_joins_;
  check_connect_phase();
}

void worker::on_joined(std::size_t i, const inbound& ack) {
  auto& s = slots_[i];
  s.join_pending = false;
  --pending_joins_;
  check_connect_phase();
  if (!ack.ok)
    return tally_.error("join:" + ack.text);
  s.joined = true;
  ++screens_[s.job.screen].joined;
}

// --- requests --------------------------------------------------------------

bool worker::may_request(const slot& s) const {
  if (!s.connected || !sends_requests(s.job.what))
    return false;
  return s.job.what != role::screen_setter || s.joined;
}

bool worker::send_request(std::size_t i) {
  auto& s = slots_[i];
  if (!may_request(s))
    return false;
  auto now = now_ns();
  // A screen change, once accepted, is owed to the other members.
  std::uint64_t audience = 0;
  if (s.job.what == role::screen_setter) {
    auto joined = screens_[s.job.screen].joined;
    audience = joined > 0 ? joined - 1 : 0;
  }
  auto id = s.acks.issue(now, audience);
  if (!id)
    return false;
  std::string frame;
  switch (s.job.what) {
    case role::actor:
      action_event_.write(*id, frame);
      break;
    case role::joiner:
      join_event_.write(*id, frame);
      break;
    default: // screen_setter
      frame = screen_state_frame(screen_name(s.job.screen), now, *id);
  }
  tally_.requests.add();
  s.link->send(std::move(frame));
  return true;
}

void worker::on_ack(std::size_t i, const inbound& ack) {
  auto& s = slots_[i];
  auto request = s.acks.settle(ack.ack_id);
  if (!request) {
    // An answer after its timeout was counted then (ack_timeout).
    if (!s.acks.issued(ack.ack_id))
      tally_.error("unexpected_ack");
    return;
  }
  if (s.join_pending)
    return on_joined(i, ack);
  if (ack.ok) {
    tally_.acks_ok.add();
    tally_.ack_ns.record(now_ns() - request->sent);
    tally_.expected_deliveries.add(request->note);
  } else {
    tally_.acks_failed.add();
    tally_.error("ack:" + ack.text);
  }
  if (loading_ && closed_loop())
    send_request(i);
}

void worker::on_inbound(std::size_t i, const inbound& in) {
  if (in.kind == inbound_kind::ack)
    return on_ack(i, in);
  if (in.text != "screen_state")
    return; // token rotations, "done" messages
  auto stamp = screen_state_stamp(in);
  if (!stamp)
    return tally_.error("screen_state_unstamped");
  tally_.delivery_ns.record(now_ns() - *stamp);
  tally_.deliveries.add();
}

// --- the load window -------------------------------------------------------

void worker::begin() {
  loading_ = true;
  load_started_ = now_ns();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto& s = slots_[i];
    if (s.job.what == role::churner) {
      if (s.connected)
        s.link->close();
      else if (!s.live) // its first connect failed: again
        open(i);
    }
    if (closed_loop())
      send_request(i);
  }
  if (!closed_loop())
    arm_tick();
}

void worker::end() {
  check_pinged_at_end(now_ns());
  loading_ = false;
  stopping_ = true;
  tick_timer_.cancel();
  drain_deadline_ = now_ns() + timeout_ns_;
}

void worker::tick() {
  // A wait that completed just before end() cancelled it still runs: its
  // request would go out after the load window, as the links close.
  if (!loading_)
    return;
  auto now = now_ns();
  auto elapsed_s = static_cast<double>(now - load_started_) * 1e-9;
  auto due = static_cast<std::uint64_t>(elapsed_s * settings_.rate);
  for (; issued_ < due; ++issued_) {
    bool sent = false;
    for (std::size_t tries = 0; tries < requesters_.size() && !sent; ++tries)
      sent = send_request(requesters_[next_requester_++ % requesters_.size()]);
    if (sent)
      tally_.send_lag_ns.record(since_due(issued_, now));
    if (!sent) { // nobody may send: skip what is due now
      record_skipped(due - issued_);
      issued_ = due;
      break;
    }
  }
  arm_tick();
}

std::uint64_t worker::due_at(std::uint64_t request) const {
  // Request k (from 0) falls due once elapsed * rate reaches k + 1.
  return load_started_
         + static_cast<std::uint64_t>(static_cast<double>(request + 1) * 1e9
                                      / settings_.rate);
}

std::uint64_t worker::since_due(std::uint64_t request,
                                std::uint64_t now) const {
  auto due = due_at(request);
  return now > due ? now - due : 0;
}

void worker::record_skipped(std::uint64_t count) {
  for (auto i : requesters_)
    if (may_request(slots_[i])) // connected, so at --max-in-flight
      return tally_.error("in_flight_limit", count);
  tally_.error("no_sender", count);
}

void worker::arm_tick() {
  if (!loading_)
    return;
  // Wakes when the next request falls due, not on a fixed tick: a request
  // should not wait for the tool.
  tick_timer_.expires_at(std::chrono::steady_clock::time_point{
    std::chrono::nanoseconds{due_at(issued_)}});
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      tick();
  });
}

// --- deadlines -------------------------------------------------------------

void worker::check_deadlines(std::size_t i, std::uint64_t now) {
  auto& s = slots_[i];
  if (s.connect_started && now - s.connect_started > timeout_ns_) {
    tally_.error("connect_timeout");
    s.connect_started = 0; // counted once, however long the close takes
    s.link->close();
    return;
  }
  if (auto late = s.acks.expire(now - timeout_ns_)) {
    tally_.error("ack_timeout", late);
    give_up_join(s);
    if (loading_ && closed_loop())
      send_request(i);
  }
  // The client's own rule: a ping later than interval + timeout means the
  // server is gone.
  if (s.connected && now - s.last_ping > s.ping_interval + s.ping_timeout) {
    tally_.error("missed_heartbeat");
    s.last_ping = now;
  }
}

void worker::check_pinged_at_end(std::uint64_t now) {
  for (auto& s : slots_) {
    if (s.connected && now - s.last_ping > s.ping_interval + to_ns(ping_grace)) {
      tally_.error("missed_heartbeat");
      s.last_ping = now;
    }
  }
}

void worker::wind_down(std::uint64_t now) {
  bool answered = true;
  for (const auto& s : slots_)
    answered = answered && s.acks.outstanding() == 0;
  if (!closing_all_ && (answered || now > drain_deadline_)) {
    closing_all_ = true;
    for (auto& s : slots_)
      if (s.link)
        s.link->close();
  }
  if (closing_all_ && (live_links_ == 0 || now > drain_deadline_ + timeout_ns_))
    io_.stop();
}

void worker::sweep() {
  auto now = now_ns();
  for (std::size_t i = 0; i < slots_.size(); ++i)
    check_deadlines(i, now);
  if (stopping_)
    wind_down(now);
  arm_sweep();
}

void worker::arm_sweep() {
  sweep_timer_.expires_after(sweep_period);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      sweep();
  });
}

} // namespace openmfd::loadtest
