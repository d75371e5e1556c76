#include "actors/screens_actor.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "actors/log.hpp"
#include "platform/files.hpp"
#include "protocol/rate_limiter.hpp"

namespace openmfd::actors {

std::string to_string(screens_error x) {
  switch (x) {
    case screens_error::none:
      return "none";
    case screens_error::invalid_screen:
      return "invalid_screen";
    case screens_error::invalid_state:
      return "invalid_state";
    case screens_error::state_too_large:
      return "state_too_large";
    case screens_error::too_many_screens:
      return "too_many_screens";
    case screens_error::rate_limited:
      return "rate_limited";
  }
  return "unknown";
}

std::optional<screens_error> as_screens_error(const caf::error& err) {
  if (!err || err.category() != caf::atom("screens"))
    return std::nullopt;
  return static_cast<screens_error>(err.code());
}

std::filesystem::path screens_file(const std::filesystem::path& data_dir) {
  return data_dir / "screens.json";
}

namespace {

struct screen {
  boost::json::object state;
  /// In join order, so broadcasts go out in a stable order. Weak: the
  /// screens actor must not keep a session alive (STYLE §3 trap 4).
  std::vector<caf::actor_addr> members;
};

using screen_map = std::map<std::string, screen>;

/// The text of screens.json for `screens`, in name order.
std::string serialize_screens(const screen_map& screens) {
  std::vector<protocol::named_state> states;
  states.reserve(screens.size());
  for (const auto& [name, s] : screens)
    states.emplace_back(name, &s.state);
  return protocol::serialize_screens_file(states);
}

struct screens_state {
  static inline const char* name = "screens";
  screens_config cfg;
  screen_map screens;
  /// Which screens each monitored session joined.
  std::unordered_map<caf::actor_addr, std::set<std::string>> joined;
  /// What is left of the delivery budget (made on the first change).
  std::optional<protocol::token_bucket> deliveries;
  bool dirty = false;         ///< a change is not in the file yet
  bool flush_pending = false; ///< a write-behind timer is running

  screens_state() = default;
  screens_state(const screens_state&) = delete;
  screens_state& operator=(const screens_state&) = delete;

  /// Writes what is not in the file yet. Also run by the destructor, so
  /// that no way of ending the actor loses a change.
  void write_now() {
    if (!dirty || cfg.data_dir.empty())
      return;
    auto path = screens_file(cfg.data_dir);
    auto text = serialize_screens(screens);
    if (auto ec = platform::write_file_atomically(
          path, text, platform::file_access::owner_only)) {
      // Still dirty: the next change or the exit tries again.
      log("screens").error("cannot write {}: {}", path.string(), ec.message());
      return;
    }
    dirty = false;
  }

  ~screens_state() {
    write_now();
  }
};

using self_ptr = screens_actor::stateful_pointer<screens_state>;

/// The saved screens; nothing (and `error` set) when the file is unusable.
std::optional<screen_map> load(const screens_config& cfg, std::string& error) {
  screen_map result;
  if (cfg.data_dir.empty())
    return result;
  auto path = screens_file(cfg.data_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec)
    return result;
  // Read no more than the limits allow the file to hold.
  auto limit = protocol::max_screens_file_size(cfg.limits);
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limit) {
    error = "cannot use " + path.string() + ": it is larger than "
            + std::to_string(limit)
            + " bytes. It was not changed; restore it from a backup, or move "
              "it away to start with no saved screen state";
    return std::nullopt;
  }
  std::string text;
  if (auto read_ec = platform::read_file(path, text)) {
    error = "cannot read " + path.string() + ": " + read_ec.message();
    return std::nullopt;
  }
  auto file = protocol::parse_screens_file(text, cfg.limits);
  if (!file.error.empty()) {
    error = "cannot use " + path.string() + ": " + file.error
            + ". It was not changed; restore it from a backup, or move it "
              "away to start with no saved screen state";
    return std::nullopt;
  }
  for (auto& [name, state] : file.states)
    result[name].state = std::move(state);
  return result;
}

/// Notes a change; the file is written `write_delay` later, together with
/// whatever else changes until then.
void mark_dirty(self_ptr self) {
  auto& st = self->state;
  st.dirty = true;
  if (st.cfg.data_dir.empty() || st.flush_pending)
    return;
  st.flush_pending = true;
  self->delayed_send(self, st.cfg.write_delay, atom::flush_v);
}

/// Forgets a screen nobody watches and nothing is stored for.
void drop_if_idle(screens_state& st, screen_map::iterator it) {
  if (it->second.members.empty() && it->second.state.empty())
    st.screens.erase(it);
}

void remove_member(screens_state& st, const std::string& name,
                   const caf::actor_addr& session) {
  auto it = st.screens.find(name);
  if (it == st.screens.end())
    return;
  auto& members = it->second.members;
  members.erase(std::remove(members.begin(), members.end(), session),
                members.end());
  drop_if_idle(st, it);
}

caf::result<std::string> join(self_ptr self, const std::string& name,
                              const caf::actor& session) {
  auto& st = self->state;
  if (!protocol::valid_screen_name(name, st.cfg.limits.max_name_length))
    return caf::make_error(screens_error::invalid_screen);
  if (!session)
    return caf::make_error(caf::sec::invalid_argument);
  auto it = st.screens.find(name);
  if (it == st.screens.end()) {
    if (st.screens.size() >= st.cfg.limits.max_screens)
      return caf::make_error(screens_error::too_many_screens);
    it = st.screens.emplace(name, screen{}).first;
  }
  auto addr = session.address();
  auto& members = it->second.members;
  if (std::find(members.begin(), members.end(), addr) == members.end())
    members.push_back(addr);
  auto [entry, first] = st.joined.try_emplace(addr);
  if (first)
    self->monitor(session);
  entry->second.insert(name);
  return boost::json::serialize(it->second.state);
}

caf::result<bool> leave(self_ptr self, const std::string& name,
                        const caf::actor& session) {
  auto& st = self->state;
  if (!protocol::valid_screen_name(name, st.cfg.limits.max_name_length))
    return caf::make_error(screens_error::invalid_screen);
  if (!session)
    return caf::make_error(caf::sec::invalid_argument);
  auto addr = session.address();
  remove_member(st, name, addr);
  if (auto entry = st.joined.find(addr); entry != st.joined.end()) {
    entry->second.erase(name);
    if (entry->second.empty()) {
      st.joined.erase(entry);
      self->demonitor(session);
    }
  }
  return true;
}

/// `session` leaves every screen it joined; false if it had joined none.
bool leave_all(screens_state& st, const caf::actor_addr& session) {
  auto entry = st.joined.find(session);
  if (entry == st.joined.end())
    return false;
  for (const auto& name : entry->second)
    remove_member(st, name, session);
  st.joined.erase(entry);
  return true;
}

/// Takes the deliveries of one change (one per member but the sender) from
/// the budget.
bool may_deliver(self_ptr self, const screen& target,
                 const caf::actor_addr& sender) {
  auto audience = static_cast<double>(
    std::count_if(target.members.begin(), target.members.end(),
                  [&](const caf::actor_addr& m) { return m != sender; }));
  if (audience == 0)
    return true;
  auto now = self->clock().now();
  auto& budget = self->state.deliveries;
  const auto& cfg = self->state.cfg;
  if (!budget)
    budget.emplace(cfg.deliveries_per_second, cfg.delivery_burst, now);
  return budget->spend(now, audience);
}

caf::result<bool> set(self_ptr self, const std::string& name,
                      const std::string& text, const caf::actor& session) {
  auto& st = self->state;
  if (!protocol::valid_screen_name(name, st.cfg.limits.max_name_length))
    return caf::make_error(screens_error::invalid_screen);
  auto parsed
    = protocol::parse_screen_state(text, st.cfg.limits.max_state_bytes);
  if (!parsed)
    return caf::make_error(
      parsed.error() == protocol::screen_state_errc::state_too_large
        ? screens_error::state_too_large
        : screens_error::invalid_state);
  auto& [state, canonical] = *parsed;
  auto it = st.screens.find(name);
  if (it == st.screens.end()) {
    if (state.empty())
      return true; // nobody watches it and there is nothing to keep
    if (st.screens.size() >= st.cfg.limits.max_screens)
      return caf::make_error(screens_error::too_many_screens);
    it = st.screens.emplace(name, screen{}).first;
  }
  auto sender = session ? session.address() : caf::actor_addr{};
  if (!may_deliver(self, it->second, sender))
    return caf::make_error(screens_error::rate_limited);
  it->second.state = std::move(state);
  for (const auto& member : it->second.members) {
    if (member == sender)
      continue;
    if (auto h = caf::actor_cast<caf::actor>(member))
      caf::anon_send(h, atom::screen_state_v, name, canonical);
  }
  drop_if_idle(st, it);
  mark_dirty(self);
  return true;
}

screens_actor::behavior_type screens(self_ptr self, screens_config cfg,
                                     std::shared_ptr<screen_map> restored) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.screens = std::move(*restored);
  // A session that ends leaves every screen it joined.
  self->set_down_handler([self](caf::down_msg& msg) {
    leave_all(self->state, msg.source);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.write_now();
    self->quit(msg.reason);
  });
  return {
    [self](atom::join_screen, const std::string& name,
           const caf::actor& session) { return join(self, name, session); },
    [self](atom::leave_screen, const std::string& name,
           const caf::actor& session) { return leave(self, name, session); },
    [self](atom::leave_screen, const caf::actor& session) {
      if (session && leave_all(self->state, session.address()))
        self->demonitor(session);
    },
    [self](atom::set_screen, const std::string& name, const std::string& text,
           const caf::actor& session) {
      return set(self, name, text, session);
    },
    [self](atom::flush) {
      self->state.flush_pending = false;
      self->state.write_now();
    },
  };
}

} // namespace

screens_actor spawn_screens(caf::actor_system& sys, screens_config cfg,
                            bool detached, std::string& error) {
  auto restored = load(cfg, error);
  if (!restored)
    return {};
  if (!restored->empty())
    log("screens").info("restored the state of {} screens",
                        restored->size());
  // Spawn arguments must be copyable (STYLE §3 trap 1).
  auto shared = std::make_shared<screen_map>(std::move(*restored));
  if (detached)
    return sys.spawn<caf::detached>(screens, std::move(cfg), shared);
  return sys.spawn(screens, std::move(cfg), shared);
}

} // namespace openmfd::actors
