#include "tools/loadtest/plan.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

using namespace openmfd::loadtest;

namespace {

std::size_t count(const std::vector<assignment>& jobs, role r) {
  return static_cast<std::size_t>(std::count_if(
    jobs.begin(), jobs.end(), [r](const assignment& a) { return a.what == r; }));
}

} // namespace

TEST_CASE("screens are groups of members, the first of each sets") {
  auto jobs = assign_roles(scenario::screens, 25, 10);
  CHECK(count(jobs, role::screen_setter) == 3);
  CHECK(count(jobs, role::screen_member) == 22);
  CHECK(jobs[0].what == role::screen_setter);
  CHECK(jobs[10].what == role::screen_setter);
  CHECK(jobs[20].what == role::screen_setter);
  CHECK(jobs[9].screen == 0);
  CHECK(jobs[10].screen == 1);
  CHECK(jobs[9].screen_size == 10);
  CHECK(jobs[24].screen_size == 5); // the last group is what is left
}

TEST_CASE("mixed is half actors, 30 % whole screens, the rest idle") {
  auto jobs = assign_roles(scenario::mixed, 100, 10);
  CHECK(count(jobs, role::actor) == 50);
  CHECK(count(jobs, role::screen_setter) == 3);
  CHECK(count(jobs, role::screen_member) == 27);
  CHECK(count(jobs, role::idle) == 20);
}

TEST_CASE("single-role scenarios give everyone that role") {
  CHECK(count(assign_roles(scenario::actions, 7, 10), role::actor) == 7);
  CHECK(count(assign_roles(scenario::joins, 7, 10), role::joiner) == 7);
  CHECK(count(assign_roles(scenario::idle, 7, 10), role::idle) == 7);
  CHECK(count(assign_roles(scenario::storm, 7, 10), role::churner) == 7);
}

TEST_CASE("a screen's members share a worker") {
  auto jobs = assign_roles(scenario::screens, 40, 10);
  for (std::size_t i = 0; i < jobs.size(); ++i)
    CHECK(worker_of(jobs[i], i, 3) == jobs[i].screen % 3);
  auto actors = assign_roles(scenario::actions, 6, 10);
  CHECK(worker_of(actors[4], 4, 3) == 1);
}
