#include "actors/approval_actor.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

#include "actors/log.hpp"

namespace openmfd::actors {

namespace {

using verdict_promise = caf::typed_response_promise<approval_verdict>;

struct waiter {
  std::uint64_t request_id;
  verdict_promise promise;
};

/// One client waiting for a decision, with every request that asked.
struct pending_client {
  approval_request request; ///< the first request's details
  std::vector<waiter> waiters;
};

/// A prompt that appears this soon after another left the screen (answered
/// or not) takes a y/n only once it has been on screen this long: an answer
/// typed before is taken as meant for the one that left (a second "y" typed
/// ahead or pasted must not approve the next device).
constexpr auto answer_grace = std::chrono::seconds{2};

/// Requests whose client hung up before their ask arrived (bounded).
constexpr std::size_t max_early_withdrawals = 64;

/// Distinct clients one address may have waiting at once: one host cannot
/// fill the queue and lock every other device out of pairing.
constexpr std::size_t max_pending_per_address = 2;

struct approval_state {
  static inline const char* name = "approval";
  approval_config cfg;
  std::deque<pending_client> queue; ///< front() is on screen when `showing`
  bool showing = false;
  /// When a prompt last left the screen.
  std::optional<caf::actor_clock::time_point> prompt_left;
  /// Before this, a y/n is not taken for the prompt on screen.
  std::optional<caf::actor_clock::time_point> answers_from;
  std::deque<std::uint64_t> early_withdrawals;
  console_command_handler commands;
};

using self_ptr = approval_actor::stateful_pointer<approval_state>;

bool withdrawn_early(approval_state& st, std::uint64_t request_id) {
  auto& ids = st.early_withdrawals;
  auto it = std::find(ids.begin(), ids.end(), request_id);
  if (it == ids.end())
    return false;
  ids.erase(it);
  return true;
}

std::size_t pending_from(const approval_state& st, const std::string& address) {
  return static_cast<std::size_t>(
    std::count_if(st.queue.begin(), st.queue.end(),
                  [&](const pending_client& p) {
                    return p.request.address == address;
                  }));
}

void print(approval_state& st, const std::string& text) {
  if (st.cfg.print)
    st.cfg.print(text);
}

void show_front(self_ptr self) {
  auto& st = self->state;
  if (st.showing || st.queue.empty())
    return;
  st.showing = true;
  auto now = self->clock().now();
  st.answers_from = std::nullopt;
  if (st.prompt_left && now - *st.prompt_left < answer_grace)
    st.answers_from = now + answer_grace;
  const auto& r = st.queue.front().request;
  print(st, "\nPairing request from \"" + r.name + "\" at " + r.address
              + " (device " + r.short_id + ")\n  device code: "
              + r.device_code
              + "  (the device shows the same code)\nAllow this device to "
                "press keys on this PC? [y/n] ");
}

void reprint_question(approval_state& st) {
  if (st.showing)
    print(st, "Allow \"" + st.queue.front().request.name
                + "\" to press keys on this PC? [y/n] ");
}

/// Ends the client at `index`, telling every waiter `verdict`.
void settle(self_ptr self, std::size_t index, approval_verdict verdict) {
  auto& st = self->state;
  auto entry = std::move(st.queue[index]);
  st.queue.erase(st.queue.begin() + static_cast<std::ptrdiff_t>(index));
  if (index == 0 && st.showing) {
    st.showing = false;
    st.prompt_left = self->clock().now();
  }
  for (auto& w : entry.waiters)
    w.promise.deliver(verdict);
  show_front(self);
}

/// Finds the waiter `request_id`; removes it and returns its promise.
bool take_waiter(approval_state& st, std::uint64_t request_id,
                 std::size_t& index, verdict_promise& promise) {
  for (index = 0; index < st.queue.size(); ++index) {
    auto& ws = st.queue[index].waiters;
    for (auto it = ws.begin(); it != ws.end(); ++it) {
      if (it->request_id == request_id) {
        promise = std::move(it->promise);
        ws.erase(it);
        return true;
      }
    }
  }
  return false;
}

// A waiter leaves (timeout or hang-up); the prompt goes when none is left.
void drop_waiter(self_ptr self, std::uint64_t request_id,
                 approval_verdict verdict, const char* why) {
  auto& st = self->state;
  std::size_t index = 0;
  verdict_promise promise;
  if (!take_waiter(st, request_id, index, promise)) {
    // The hang-up can overtake the ask (it comes straight from the
    // listener); remember it so the ask is answered at once.
    if (verdict == approval_verdict::withdrawn) {
      st.early_withdrawals.push_back(request_id);
      if (st.early_withdrawals.size() > max_early_withdrawals)
        st.early_withdrawals.pop_front();
    }
    return;
  }
  promise.deliver(verdict);
  if (!st.queue[index].waiters.empty())
    return;
  const auto& r = st.queue[index].request;
  log("approval").info("pairing request from {} ({}) {}", r.name, r.short_id,
                       why);
  if (index == 0 && st.showing)
    print(st, "\n(the request from \"" + r.name + "\" " + why + ")\n");
  settle(self, index, verdict);
}

verdict_promise ask(self_ptr self, approval_request req) {
  auto& st = self->state;
  auto promise = self->make_response_promise<approval_verdict>();
  auto id = req.request_id;
  auto joined = std::find_if(st.queue.begin(), st.queue.end(),
                             [&](const pending_client& p) {
                               return p.request.id_hash == req.id_hash;
                             });
  if (withdrawn_early(st, id)) {
    promise.deliver(approval_verdict::withdrawn);
    return promise;
  }
  if (joined != st.queue.end()) {
    joined->waiters.push_back({id, promise});
  } else if (st.queue.size() >= st.cfg.max_pending
             || pending_from(st, req.address) >= max_pending_per_address) {
    promise.deliver(approval_verdict::busy);
    return promise;
  } else {
    log("approval").info("pairing request from {} ({}) at {}", req.name,
                         req.short_id, req.address);
    st.queue.push_back({std::move(req), {{id, promise}}});
    show_front(self);
  }
  self->delayed_send(self, st.cfg.timeout, atom::expire_v, id);
  return promise;
}

std::string trimmed(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

const char* help_text
  = "commands:\n"
    "  y / n              answer the pairing request on screen\n"
    "  clients            list paired and denied devices\n"
    "  revoke ID|NAME     unpair a device (short id prefix or name); its\n"
    "                     sessions close at once\n"
    "  clear-denied       let denied devices ask again\n"
    "  help               this text\n";

void decide(self_ptr self, approval_verdict verdict) {
  auto& st = self->state;
  const auto& r = st.queue.front().request;
  log("approval").info("{} {} ({})",
                       verdict == approval_verdict::approved ? "approved"
                                                             : "denied",
                       r.name, r.short_id);
  print(st, verdict == approval_verdict::approved ? "approved\n"
                                                  : "denied\n");
  settle(self, 0, verdict);
}

template <class... Ts>
void run_command(self_ptr self, Ts... xs) {
  auto& st = self->state;
  if (!st.commands) {
    print(st, "not available yet\n");
    return;
  }
  self->request(st.commands, std::chrono::seconds{5}, xs...)
    .then(
      [self](std::string& text) {
        print(self->state, text.empty() || text.back() == '\n' ? text
                                                               : text + "\n");
        reprint_question(self->state);
      },
      [self](caf::error& err) {
        print(self->state, "command failed: " + to_string(err) + "\n");
      });
}

void on_line(self_ptr self, const std::string& raw) {
  auto& st = self->state;
  auto line = trimmed(raw);
  if (line == "y" || line == "yes" || line == "n" || line == "no") {
    if (!st.showing)
      return print(st, "no pairing request is waiting\n");
    if (st.answers_from && self->clock().now() < *st.answers_from) {
      print(st, "the request on screen just changed: check it, then answer "
                "again\n");
      return reprint_question(st);
    }
    return decide(self, line[0] == 'y' ? approval_verdict::approved
                                       : approval_verdict::denied);
  }
  if (line.empty())
    return reprint_question(st);
  if (line == "help") {
    print(st, help_text);
    return reprint_question(st);
  }
  if (line == "clients")
    return run_command(self, atom::list_v);
  if (line == "clear-denied")
    return run_command(self, atom::clear_denied_v);
  if (line.rfind("revoke ", 0) == 0) {
    auto selector = trimmed(line.substr(7));
    if (!selector.empty())
      return run_command(self, atom::revoke_v, selector);
  }
  print(st, "unknown command; type help\n");
  reprint_question(st);
}

approval_actor::behavior_type approval(self_ptr self, approval_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
    [self](atom::ask, approval_request& req) {
      return ask(self, std::move(req));
    },
    [self](atom::withdraw, std::uint64_t id) {
      drop_waiter(self, id, approval_verdict::withdrawn,
                  "was withdrawn (the device hung up)");
    },
    [self](atom::expire, std::uint64_t id) {
      drop_waiter(self, id, approval_verdict::timed_out, "timed out");
    },
    [self](atom::line, const std::string& text) { on_line(self, text); },
    [](atom::eof) {
      // Prompts still show (in the log too) and time out unanswered.
      log("approval").info("console input closed: pairing requests will time "
                           "out");
    },
    [self](atom::command_handler, const caf::actor& handler) {
      self->state.commands = caf::actor_cast<console_command_handler>(handler);
    },
  };
}

} // namespace

approval_actor spawn_approval(caf::actor_system& sys, approval_config cfg,
                              bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(approval, std::move(cfg));
  return sys.spawn(approval, std::move(cfg));
}

} // namespace openmfd::actors
