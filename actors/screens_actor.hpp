#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "actors/messages.hpp"
#include "protocol/screens.hpp"

namespace openmfd::actors {

/// Shared screen state and who watches it (DESIGN §3 join_screen,
/// leave_screen, set_screen_state). A state is a JSON object; it travels
/// between actors as its serialized text. Sessions are monitored: one that
/// ends leaves every screen it joined. Errors are `screens_error`s.
using screens_actor = caf::typed_actor<
  /// (screen, session) → the screen's state ("{}" when new). Joining twice
  /// is harmless.
  caf::replies_to<atom::join_screen, std::string, caf::actor>::with<
    std::string>,
  /// (screen, session) → true; leaving a screen not joined is harmless.
  caf::replies_to<atom::leave_screen, std::string, caf::actor>::with<bool>,
  /// (session): it leaves every screen it joined (its client sent a
  /// Socket.IO DISCONNECT: a new CONNECT starts with no screens, as a new
  /// socket starts with no rooms).
  caf::reacts_to<atom::leave_screen, caf::actor>,
  /// (screen, state JSON, session) → true once stored; every other member
  /// is sent (atom::screen_state, screen, state JSON). The sender need not
  /// be a member. Beyond the delivery budget: `rate_limited`, not stored.
  caf::replies_to<atom::set_screen, std::string, std::string,
                  caf::actor>::with<bool>,
  /// Internal: the write-behind timer fired.
  caf::reacts_to<atom::flush>>;

struct screens_config {
  /// Where screens.json lives; empty keeps the state in memory only.
  std::filesystem::path data_dir;
  /// Screens with a state or a member, at most; a state's serialized size
  /// and a name's length, at most (names use [A-Za-z0-9_.-]).
  protocol::screen_limits limits;
  /// How long after a change the file is written; changes in between are
  /// written together. The state is also written when the actor exits.
  std::chrono::milliseconds write_delay{1000};
  /// Screen states sent to members per second on average, for every screen
  /// together, and at once: a change that would go beyond is refused with
  /// `rate_limited`, so that floods from many panels cannot keep the
  /// server too busy for key presses (the fan-out benchmark sends 9,000 a
  /// second). The burst is small because a burst is a queue that a key
  /// press waits behind. A change goes out while any budget is left, the
  /// rest taken as a debt, so that big screens are not starved by small.
  double deliveries_per_second = 15'000;
  double delivery_burst = 1'500;
};

/// The file the screens actor keeps its state in, inside `data_dir`.
std::filesystem::path screens_file(const std::filesystem::path& data_dir);

/// Spawns the screens actor after reading screens.json from the data dir (a
/// missing file means no state yet). A file that cannot be used is reported
/// through `error`, naming it, and nothing is spawned; the file is left as
/// it is. `detached` gives the actor its own thread (file writes flush to
/// disk); tests pass false to run it under the test scheduler.
screens_actor spawn_screens(caf::actor_system& sys, screens_config cfg,
                            bool detached, std::string& error);

/// The screens_error inside `err`, if it is one (for the wire code).
std::optional<screens_error> as_screens_error(const caf::error& err);

} // namespace openmfd::actors
