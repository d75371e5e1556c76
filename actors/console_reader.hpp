#pragma once

#include "actors/approval_actor.hpp"

namespace openmfd::actors {

/// Starts a thread that only forwards: each line of stdin goes to `approval`
/// as (atom::line, text), the end of input as (atom::eof). It holds the actor
/// weakly and is detached: nothing can interrupt a blocking read of stdin,
/// and the process may end while it waits.
void start_console_reader(const approval_actor& approval);

} // namespace openmfd::actors
