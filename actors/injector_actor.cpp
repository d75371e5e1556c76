#include "actors/injector_actor.hpp"

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "actors/log.hpp"
#include "protocol/key_script.hpp"

namespace openmfd::actors {

std::string to_string(injector_error x) {
  switch (x) {
    case injector_error::none:
      return "none";
    case injector_error::busy:
      return "busy";
    case injector_error::backend_failed:
      return "backend_failed";
    case injector_error::unknown_key:
      return "unknown_key";
    case injector_error::invalid_script:
      return "invalid_script";
    case injector_error::too_many_keys:
      return "too_many_keys";
    case injector_error::cancelled:
      return "cancelled";
    case injector_error::key_unavailable:
      return "key_unavailable";
  }
  return "unknown";
}

namespace {

/// What a panel is told when a key would not go down: a key this host has
/// not (no key code in this backend or keymap) is not a broken keyboard.
caf::error press_error(const std::error_code& ec) {
  return caf::make_error(ec == platform::backend_errc::unmapped_key
                           ? injector_error::key_unavailable
                           : injector_error::backend_failed);
}

} // namespace

std::optional<injector_error> as_injector_error(const caf::error& err) {
  if (!err || err.category() != caf::atom("injector"))
    return std::nullopt;
  return static_cast<injector_error>(err.code());
}

namespace {

using protocol::hid_usage;
using protocol::key_step;

/// A script waiting in the FIFO or running.
struct job {
  std::uint64_t id = 0; ///< tells a stale step timer from the current one
  caf::actor_addr session;
  key_job work;
  caf::typed_response_promise<bool> promise;
};

/// The job at the head of the FIFO and how far it got.
struct running_job {
  job current;
  std::size_t next = 0;     ///< the index of the next step
  std::set<hid_usage> held; ///< keys this script has down
};

/// What the injector knows of one session (monitored while present).
struct session_entry {
  std::string who;                          ///< the client's name, for logs
  std::map<hid_usage, std::uint64_t> held;  ///< key_down holds → hold id
  std::size_t pending = 0;                  ///< scripts waiting or running
};

/// Whose hold a hold id is (for the longest-hold timer).
struct hold_ref {
  caf::actor_addr session;
  hid_usage key = 0;
};

platform::key_codes codes_of(const protocol::key_info& info) {
  platform::key_codes codes;
  codes.hid = info.usage;
  codes.win_scancode = info.windows.code;
  codes.win_extended = info.windows.extended;
  codes.mac_keycode = info.macos == protocol::no_macos_key
                        ? platform::no_mac_keycode
                        : info.macos;
  codes.evdev = info.evdev;
  codes.x11_keysym = info.x11;
  return codes;
}

struct injector_state {
  static inline const char* name = "injector";
  injector_config cfg;
  std::shared_ptr<platform::keyboard_backend> backend;
  /// How many holders each key has (sessions and the running script); a
  /// key is down on the backend exactly while it is in here.
  std::map<hid_usage, std::size_t> holders;
  std::unordered_map<caf::actor_addr, session_entry> sessions;
  std::unordered_map<std::uint64_t, hold_ref> holds;
  std::deque<job> queue; ///< waiting, behind `running`
  std::optional<running_job> running;
  std::uint64_t next_id = 1;
  /// Keys nobody holds whose release the backend refused: still down as
  /// far as we know, so they are tried again until it takes, and at exit.
  std::set<hid_usage> stuck;
  /// Schedules the next try of `stuck` (set by the behavior).
  std::function<void()> retry_later;

  injector_state() = default;
  injector_state(const injector_state&) = delete;
  injector_state& operator=(const injector_state&) = delete;

  /// Hands one key event to the backend.
  std::error_code send_key(hid_usage key, bool down) {
    const auto* info = protocol::find_key(key);
    if (!info || !backend)
      return platform::backend_errc::unmapped_key;
    platform::key_event event;
    event.codes = codes_of(*info);
    event.down = down;
    event.name = info->name;
    return backend->send(event);
  }

  /// One more holder of `key`; the first one presses it.
  std::error_code press(hid_usage key) {
    auto& n = holders[key];
    if (n == 0) {
      if (auto ec = send_key(key, true)) {
        holders.erase(key);
        return ec;
      }
      stuck.erase(key); // held again: its next release is a new one
    }
    ++n;
    return {};
  }

  /// One holder fewer; the last one releases the key.
  std::error_code release(hid_usage key) {
    auto it = holders.find(key);
    if (it == holders.end())
      return {};
    if (--it->second > 0)
      return {};
    holders.erase(it);
    auto ec = send_key(key, false);
    if (ec) {
      log("inject").error("cannot release {}: {}; trying again",
                          protocol::key_name(key), ec.message());
      if (stuck.insert(key).second && stuck.size() == 1 && retry_later)
        retry_later();
    }
    return ec;
  }

  /// Tries the refused releases again; true while some still fail.
  bool retry_stuck() {
    for (auto it = stuck.begin(); it != stuck.end();) {
      if (send_key(*it, false)) {
        ++it;
        continue;
      }
      log("inject").info("released {} on a later try",
                         protocol::key_name(*it));
      it = stuck.erase(it);
    }
    return !stuck.empty();
  }

  /// Every key still down goes up, whoever holds it. The last line of
  /// defence: also run by the destructor, however the actor ends.
  void release_everything() {
    auto keys = std::move(holders);
    holders.clear();
    for (auto key : stuck)
      keys.emplace(key, 0);
    stuck.clear();
    for (const auto& [key, count] : keys) {
      if (auto ec = send_key(key, false))
        log("inject").error("cannot release {}: {}", protocol::key_name(key),
                            ec.message());
    }
  }

  /// Every requester still waiting is told `cancelled`: sessions ask
  /// without a timeout and rely on an answer.
  void cancel_everything() {
    for (auto& j : queue)
      j.promise.deliver(caf::make_error(injector_error::cancelled));
    queue.clear();
    if (running) {
      running->current.promise.deliver(
        caf::make_error(injector_error::cancelled));
      running.reset();
    }
  }

  // However the actor ends (exit message, exception, quit).
  ~injector_state() {
    cancel_everything();
    release_everything();
  }
};

using self_ptr = injector_actor::stateful_pointer<injector_state>;

/// How often a refused release is tried again.
constexpr auto stuck_retry_interval = std::chrono::milliseconds{100};

const std::string& who_of(const injector_state& st,
                          const caf::actor_addr& session) {
  static const std::string unknown{"a session"};
  auto it = st.sessions.find(session);
  return it == st.sessions.end() || it->second.who.empty() ? unknown
                                                           : it->second.who;
}

/// The entry of `session`, made (and the session monitored) on first use.
session_entry& see_session(self_ptr self, const caf::actor& session,
                           const std::string& who) {
  auto [it, first] = self->state.sessions.try_emplace(session.address());
  if (first)
    self->monitor(session);
  if (!who.empty())
    it->second.who = who;
  return it->second;
}

/// Checks a script before it joins the FIFO, so that a running script never
/// fails on its own content.
injector_error validate(const injector_config& cfg,
                        const protocol::key_script& script) {
  if (script.size() > cfg.max_script_steps)
    return injector_error::invalid_script;
  for (const auto& step : script) {
    switch (step.what) {
      case key_step::kind::down:
      case key_step::kind::up:
        if (!protocol::find_key(step.key))
          return injector_error::unknown_key;
        break;
      case key_step::kind::wait:
        if (step.duration.count() < 0)
          return injector_error::invalid_script;
        break;
      default:
        return injector_error::invalid_script;
    }
  }
  if (protocol::script_duration(script) > cfg.max_hold)
    return injector_error::invalid_script;
  return injector_error::none;
}

/// Ends the running script: its keys go up, its requester is answered.
void end_running(injector_state& st, caf::error err) {
  auto done = std::move(*st.running);
  st.running.reset();
  for (auto key : done.held)
    st.release(key);
  if (auto it = st.sessions.find(done.current.session);
      it != st.sessions.end() && it->second.pending > 0)
    --it->second.pending;
  if (err)
    done.current.promise.deliver(std::move(err));
  else
    done.current.promise.deliver(true);
}

/// Runs steps until a wait or the end of the FIFO. A wait is a timer, so
/// that release_all, a session's end and exit are handled in between.
void advance(self_ptr self) {
  auto& st = self->state;
  for (;;) {
    if (!st.running) {
      if (st.queue.empty())
        return;
      st.running.emplace();
      st.running->current = std::move(st.queue.front());
      st.queue.pop_front();
      const auto& w = st.running->current.work;
      const auto& who = w.who.empty()
                          ? who_of(st, st.running->current.session)
                          : w.who;
      log("inject").info("{} for {}",
                         w.label.empty() ? "a key script" : w.label, who);
    }
    auto& r = *st.running;
    const auto& steps = r.current.work.script;
    caf::error failed;
    while (!failed && r.next < steps.size()) {
      const auto& step = steps[r.next++];
      if (step.what == key_step::kind::wait) {
        if (step.duration.count() > 0) {
          self->delayed_send(self, step.duration, atom::step_v,
                             r.current.id);
          return;
        }
      } else if (step.what == key_step::kind::down) {
        if (r.held.insert(step.key).second) {
          if (auto ec = st.press(step.key)) {
            r.held.erase(step.key);
            log("inject").error("cannot press {}: {}",
                                protocol::key_name(step.key), ec.message());
            failed = press_error(ec);
          }
        }
      } else if (r.held.erase(step.key) > 0) {
        if (st.release(step.key))
          failed = caf::make_error(injector_error::backend_failed);
      }
    }
    end_running(st, std::move(failed));
  }
}

/// Stops everything `session` has going: queued scripts are dropped, its
/// running script ends, its keys go up.
void drop_session(self_ptr self, const caf::actor_addr& session) {
  auto& st = self->state;
  for (auto it = st.queue.begin(); it != st.queue.end();) {
    if (it->session == session) {
      it->promise.deliver(caf::make_error(injector_error::cancelled));
      it = st.queue.erase(it);
    } else {
      ++it;
    }
  }
  auto entry = st.sessions.find(session);
  if (entry != st.sessions.end()) {
    for (const auto& [key, hold_id] : entry->second.held) {
      st.holds.erase(hold_id);
      st.release(key);
    }
    entry->second.held.clear();
  }
  if (st.running && st.running->current.session == session) {
    end_running(st, caf::make_error(injector_error::cancelled));
    advance(self);
  }
  if (entry != st.sessions.end())
    st.sessions.erase(entry);
}

caf::typed_response_promise<bool> run(self_ptr self, const caf::actor& session,
                                      key_job& work) {
  auto& st = self->state;
  auto promise = self->make_response_promise<bool>();
  if (!session) {
    promise.deliver(caf::make_error(caf::sec::invalid_argument));
    return promise;
  }
  if (auto err = validate(st.cfg, work.script); err != injector_error::none) {
    promise.deliver(caf::make_error(err));
    return promise;
  }
  auto& entry = see_session(self, session, work.who);
  auto pending = st.queue.size() + (st.running ? 1 : 0);
  if (pending >= st.cfg.max_pending
      || entry.pending >= st.cfg.max_pending_per_session) {
    log("inject").warn("{} for {} refused: busy", work.label,
                       who_of(st, session.address()));
    promise.deliver(caf::make_error(injector_error::busy));
    return promise;
  }
  ++entry.pending;
  st.queue.push_back(
    job{st.next_id++, session.address(), std::move(work), promise});
  if (!st.running)
    advance(self);
  return promise;
}

caf::result<bool> key_down(self_ptr self, const caf::actor& session,
                           const std::string& who, hid_usage key) {
  auto& st = self->state;
  if (!session)
    return caf::make_error(caf::sec::invalid_argument);
  if (!protocol::find_key(key))
    return caf::make_error(injector_error::unknown_key);
  auto& entry = see_session(self, session, who);
  // Holding twice is one hold; its longest hold counts from the first.
  if (entry.held.count(key) > 0)
    return true;
  if (entry.held.size() >= st.cfg.max_held_per_session)
    return caf::make_error(injector_error::too_many_keys);
  if (auto ec = st.press(key)) {
    log("inject").error("cannot press {}: {}", protocol::key_name(key),
                        ec.message());
    return press_error(ec);
  }
  auto id = st.next_id++;
  entry.held[key] = id;
  st.holds[id] = hold_ref{session.address(), key};
  self->delayed_send(self, st.cfg.max_hold, atom::expire_v, id);
  log("inject").info("hold {} for {}", protocol::key_name(key), entry.who);
  return true;
}

caf::result<bool> key_up(self_ptr self, const caf::actor& session,
                         hid_usage key) {
  auto& st = self->state;
  if (!session)
    return caf::make_error(caf::sec::invalid_argument);
  if (!protocol::find_key(key))
    return caf::make_error(injector_error::unknown_key);
  auto entry = st.sessions.find(session.address());
  if (entry == st.sessions.end())
    return true;
  auto held = entry->second.held.find(key);
  if (held == entry->second.held.end())
    return true;
  st.holds.erase(held->second);
  entry->second.held.erase(held);
  log("inject").info("let go of {} for {}", protocol::key_name(key),
                     entry->second.who);
  if (st.release(key))
    return caf::make_error(injector_error::backend_failed);
  return true;
}

void expire(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.holds.find(id);
  if (it == st.holds.end())
    return; // let go of in time
  auto ref = it->second;
  st.holds.erase(it);
  if (auto entry = st.sessions.find(ref.session); entry != st.sessions.end())
    entry->second.held.erase(ref.key);
  log("inject").info("{} held by {} for the longest hold ({} ms): released",
                     protocol::key_name(ref.key), who_of(st, ref.session),
                     st.cfg.max_hold.count());
  st.release(ref.key);
  if (auto h = caf::actor_cast<caf::actor>(ref.session))
    caf::anon_send(h, atom::hold_expired_v, ref.key);
}

/// At exit: nothing waits for an answer that will not come, no key stays
/// down.
void shut_down(injector_state& st) {
  if (st.running)
    end_running(st, caf::make_error(injector_error::cancelled));
  st.cancel_everything();
  std::size_t released = st.holders.size();
  st.sessions.clear();
  st.holds.clear();
  st.release_everything();
  if (released > 0)
    log("inject").info("released {} held keys at exit", released);
}

injector_actor::behavior_type
injector(self_ptr self, injector_config cfg,
         std::shared_ptr<platform::keyboard_backend> backend) {
  auto& st = self->state;
  st.cfg = cfg;
  st.backend = std::move(backend);
  st.retry_later = [self] {
    self->delayed_send(self, stuck_retry_interval, atom::flush_v);
  };
  self->set_down_handler([self](caf::down_msg& msg) {
    if (self->state.sessions.count(msg.source) > 0)
      log("inject").info("{} is gone: its keys go up",
                         who_of(self->state, msg.source));
    drop_session(self, msg.source);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    shut_down(self->state);
    self->quit(msg.reason);
  });
  return {
    [self](atom::run, const caf::actor& session, key_job& work) {
      return run(self, session, work);
    },
    [self](atom::key_down, const caf::actor& session, const std::string& who,
           hid_usage key) { return key_down(self, session, who, key); },
    [self](atom::key_up, const caf::actor& session, hid_usage key) {
      return key_up(self, session, key);
    },
    [self](atom::release_all, const caf::actor& session) {
      if (!session)
        return caf::result<bool>{
          caf::make_error(caf::sec::invalid_argument)};
      auto addr = session.address();
      if (self->state.sessions.count(addr) > 0) {
        log("inject").info("release all for {}", who_of(self->state, addr));
        self->demonitor(session);
      }
      drop_session(self, addr);
      return caf::result<bool>{true};
    },
    [self](atom::step, std::uint64_t id) {
      auto& state = self->state;
      // A stale timer of a script that was cut short is ignored.
      if (state.running && state.running->current.id == id)
        advance(self);
    },
    [self](atom::expire, std::uint64_t id) { expire(self, id); },
    [self](atom::flush) {
      if (self->state.retry_stuck())
        self->state.retry_later();
    },
  };
}

} // namespace

injector_actor spawn_injector(caf::actor_system& sys, injector_config cfg,
                              std::shared_ptr<platform::keyboard_backend>
                                backend,
                              bool detached) {
  if (!backend)
    return {};
  if (detached)
    return sys.spawn<caf::detached>(injector, cfg, std::move(backend));
  return sys.spawn(injector, cfg, std::move(backend));
}

} // namespace openmfd::actors
