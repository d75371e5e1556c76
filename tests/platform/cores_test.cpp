// usable_cores() counts the cores the process may run on, not the machine's.

#include <algorithm>
#include <thread>

#include <catch2/catch.hpp>
#include <sched.h>

#include "platform/host_info.hpp"

TEST_CASE("usable_cores follows the CPU affinity", "[platform][cores]") {
  cpu_set_t original;
  CPU_ZERO(&original);
  REQUIRE(::sched_getaffinity(0, sizeof(original), &original) == 0);
  CHECK(openmfd::platform::usable_cores()
        == static_cast<unsigned>(CPU_COUNT(&original)));
  CHECK(openmfd::platform::usable_cores()
        <= std::max(1u, std::thread::hardware_concurrency()));

  // Pinned to one of its cores (as `taskset -c N` would), it sees one.
  int first = 0;
  while (!CPU_ISSET(first, &original))
    ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  REQUIRE(::sched_setaffinity(0, sizeof(one), &one) == 0);
  auto pinned = openmfd::platform::usable_cores();
  REQUIRE(::sched_setaffinity(0, sizeof(original), &original) == 0);
  CHECK(pinned == 1);
}
