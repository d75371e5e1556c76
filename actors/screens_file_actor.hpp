#pragma once

#include <filesystem>
#include <string>

#include "actors/messages.hpp"

namespace openmfd::actors {

/// Writes screens.json for the screens actor, which runs on a CAF worker
/// and so must never wait for a disk (a write flushes to it). Each text
/// replaces the file atomically, in the order sent. A text that could not
/// be written is logged and tried again when the owner ends, unless a
/// newer one has been written since. Ends when its owner ends, after every
/// text the owner sent before (its last one included).
using screens_file_actor
  = caf::typed_actor<caf::reacts_to<atom::write, std::string>>;

/// Spawns the writer of `file` for `owner`; `detached` gives it its own
/// thread (the server), tests pass false to run it under the test
/// scheduler.
screens_file_actor spawn_screens_file(caf::actor_system& sys,
                                      std::filesystem::path file,
                                      const caf::actor& owner, bool detached);

} // namespace openmfd::actors
