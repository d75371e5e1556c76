#pragma once

// Helpers shared by the protocol test suites (Catch2 required).

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "protocol/errors.hpp"

namespace openmfd::test {

/// A Star Citizen fixture file from ../shared/fixtures/starcitizen/.
inline std::string read_fixture(const std::string& name) {
  std::ifstream in{OPENMFD_FIXTURES_DIR "/starcitizen/" + name,
                   std::ios::binary};
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// "ok", or the error's wire text: compact to compare in tables.
template <class T>
std::string outcome(const protocol::result<T>& r) {
  return r ? std::string{"ok"} : r.error().message();
}

/// Runs a table of error cases (rows with `what`, `run()` returning a
/// std::error_code, and the `expected` enum value) and checks that every
/// value from `first` to `last` is reached by some row.
template <class Enum, class Rows>
void check_error_table(const Rows& rows, Enum first, Enum last) {
  std::set<int> reached;
  for (const auto& r : rows) {
    INFO(r.what);
    CHECK(r.run() == make_error_code(r.expected));
    reached.insert(static_cast<int>(r.expected));
  }
  for (int e = static_cast<int>(first); e <= static_cast<int>(last); ++e) {
    INFO("never reached: " << to_string(static_cast<Enum>(e)));
    CHECK(reached.count(e) == 1);
  }
}

} // namespace openmfd::test
