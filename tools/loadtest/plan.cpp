#include "tools/loadtest/plan.hpp"

#include <algorithm>

namespace openmfd::loadtest {

namespace {

bool is_screen_role(role r) {
  return r == role::screen_setter || r == role::screen_member;
}

/// Puts clients [first, first + count) into screens of `members`.
void fill_screens(std::vector<assignment>& jobs, std::size_t first,
                  std::size_t count, std::size_t members) {
  for (std::size_t k = 0; k < count; ++k) {
    auto screen = k / members;
    auto group_start = screen * members;
    auto size = std::min(members, count - group_start);
    auto what = k == group_start ? role::screen_setter : role::screen_member;
    jobs[first + k] = {what, screen, size};
  }
}

role single_role(scenario s) {
  switch (s) {
    case scenario::actions:
      return role::actor;
    case scenario::joins:
      return role::joiner;
    case scenario::storm:
      return role::churner;
    default:
      return role::idle;
  }
}

} // namespace

std::vector<assignment> assign_roles(scenario s, std::size_t clients,
                                     std::size_t members) {
  std::vector<assignment> jobs(clients, assignment{single_role(s), 0, 0});
  if (s == scenario::screens)
    fill_screens(jobs, 0, clients, members);
  if (s == scenario::mixed) {
    auto actors = clients / 2;
    auto screened = clients * 3 / 10 / members * members;
    std::fill_n(jobs.begin(), actors, assignment{role::actor, 0, 0});
    fill_screens(jobs, actors, screened, members);
  }
  return jobs;
}

std::size_t worker_of(const assignment& job, std::size_t index,
                      std::size_t workers) {
  return (is_screen_role(job.what) ? job.screen : index) % workers;
}

} // namespace openmfd::loadtest
