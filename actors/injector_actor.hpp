#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/messages.hpp"
#include "platform/keyboard_backend.hpp"
#include "protocol/key_names.hpp"

namespace openmfd::actors {

/// The one owner of the keyboard backend (DESIGN §2, §6). Key scripts run one
/// at a time from a bounded FIFO shared by every session, their waits timed
/// with timers, never sleeps. A key is down on the backend while anyone holds
/// it (a session's key_down, or the running script) and goes up when the last
/// holder lets go. Sessions are monitored: when one ends, its queued scripts
/// are dropped, its running script stops and its keys go up. Every key goes
/// up when the injector exits. Errors are `injector_error`s.
using injector_actor = caf::typed_actor<
  /// (session, job) → true once the script's last step ran, after any
  /// scripts queued before it; `busy` when the FIFO or the session's share
  /// of it is full, `backend_failed`, `unknown_key`, `invalid_script`, or
  /// `cancelled` when it was dropped (release_all, the session's end,
  /// shutdown). Ask with `request`: the answer may come much later.
  caf::replies_to<atom::run, caf::actor, key_job>::with<bool>,
  /// (session, client name, key) → true once the key is held for the
  /// session: at once, not behind queued scripts, because a held key is the
  /// user's finger. Holding a key twice is one hold. After the longest hold
  /// the key goes up and the session is sent (atom::hold_expired, key).
  caf::replies_to<atom::key_down, caf::actor, std::string,
                  protocol::hid_usage>::with<bool>,
  /// (session, key) → true once the session no longer holds the key (also
  /// when it did not hold it).
  caf::replies_to<atom::key_up, caf::actor, protocol::hid_usage>::with<bool>,
  /// (session) → true once everything the session had going has stopped:
  /// its queued scripts are dropped, its running script stops, its keys go
  /// up.
  caf::replies_to<atom::release_all, caf::actor>::with<bool>,
  /// Internal: the wait of script `id` is over.
  caf::reacts_to<atom::step, std::uint64_t>,
  /// Internal: hold `id` reached the longest hold.
  caf::reacts_to<atom::expire, std::uint64_t>,
  /// Internal: try again to release the keys the backend refused to.
  caf::reacts_to<atom::flush>>;

struct injector_config {
  /// Scripts waiting or running, at most (beyond: `busy`).
  std::size_t max_pending = 32;
  /// Scripts of one session waiting or running, at most, so one panel
  /// cannot fill the FIFO for everyone.
  std::size_t max_pending_per_session = 8;
  /// Keys one session may hold with key_down at once.
  std::size_t max_held_per_session = 16;
  /// Steps in one script, at most.
  std::size_t max_script_steps = 256;
  /// The longest a session's key_down holds a key (counted from the first
  /// key_down); also the longest a script may take.
  std::chrono::milliseconds max_hold{60'000};
};

/// Spawns the injector. It owns `backend` (non-null) from now on and calls
/// it only from its own thread. `detached` gives it that thread (a slow
/// backend never stalls other actors; DESIGN §2); tests pass false to run
/// it under the test scheduler.
injector_actor spawn_injector(caf::actor_system& sys, injector_config cfg,
                              std::shared_ptr<platform::keyboard_backend>
                                backend,
                              bool detached);

/// The injector_error inside `err`, if it is one (for the wire code).
std::optional<injector_error> as_injector_error(const caf::error& err);

} // namespace openmfd::actors
