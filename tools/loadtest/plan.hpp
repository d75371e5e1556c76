#pragma once

// Who does what in a scenario, and which worker thread runs whom.

#include <cstddef>
#include <vector>

namespace openmfd::loadtest {

enum class scenario { actions, joins, screens, idle, storm, mixed };

enum class role {
  actor,         ///< run_action requests
  joiner,        ///< join_screen requests
  screen_setter, ///< joins its screen, then set_screen_state requests
  screen_member, ///< joins its screen, then receives screen_state
  idle,          ///< holds its session, answers pings
  churner,       ///< storm: connects and disconnects over and over
};

struct assignment {
  role what = role::idle;
  std::size_t screen = 0;      ///< screen roles: which screen
  std::size_t screen_size = 0; ///< screen roles: its members, all told
};

/// One role per client: a scenario's own role for all, except screens
/// (groups of `members`, the first of each sets) and mixed (the first half
/// actors, then 30 % of the clients in whole screens, the rest idle).
std::vector<assignment> assign_roles(scenario s, std::size_t clients,
                                     std::size_t members);

/// The worker thread for client `index`: a screen's members share one, so
/// their bookkeeping needs no lock.
std::size_t worker_of(const assignment& job, std::size_t index,
                      std::size_t workers);

} // namespace openmfd::loadtest
