// The writer of screens.json: texts in the order sent, a failed write
// tried again when the owner ends, and an end that follows the owner's.
// Deterministic: CAF's test scheduler.

#include "actors/screens_file_actor.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "actor_fixture.hpp"

using namespace openmfd;
using namespace openmfd::actors;

namespace {

caf::behavior idle_owner(caf::event_based_actor*) {
  return {[](atom::flush) {}};
}

class screens_file_fixture : public test::actor_fixture {
public:
  std::filesystem::path file() const {
    return dir / "sub" / "screens.json";
  }

  std::string file_text() const {
    std::ifstream in{file(), std::ios::binary};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  /// A writer of file() for a fresh owner, both on the test scheduler.
  std::pair<caf::actor, screens_file_actor> start() {
    auto owner = sys().spawn(idle_owner);
    auto writer = spawn_screens_file(sys(), file(), owner, false);
    run();
    return {owner, writer};
  }
};

} // namespace

TEST_CASE_METHOD(screens_file_fixture,
                 "screens file: each text replaces the file, in order",
                 "[screens]") {
  std::filesystem::create_directories(file().parent_path());
  auto [owner, writer] = start();
  caf::anon_send(writer, atom::write_v, std::string{"first"});
  caf::anon_send(writer, atom::write_v, std::string{"second"});
  run();
  CHECK(file_text() == "second");
  caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_METHOD(screens_file_fixture,
                 "screens file: a failed write is tried again when the "
                 "owner ends, and the writer ends with it",
                 "[screens]") {
  auto [owner, writer] = start();
  // The folder is missing: the write fails and says so.
  caf::anon_send(writer, atom::write_v, std::string{"kept"});
  run();
  CHECK_FALSE(std::filesystem::exists(file()));
  CHECK(log_text().find("cannot write " + file().string())
        != std::string::npos);
  // The disk is back; the owner's end brings the text to the file.
  std::filesystem::create_directories(file().parent_path());
  caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
  run();
  CHECK(file_text() == "kept");
  CHECK(sys().registry().running() == 0);
}

TEST_CASE_METHOD(screens_file_fixture,
                 "screens file: a newer text written supersedes a failed one",
                 "[screens]") {
  auto [owner, writer] = start();
  caf::anon_send(writer, atom::write_v, std::string{"old"});
  run();
  std::filesystem::create_directories(file().parent_path());
  caf::anon_send(writer, atom::write_v, std::string{"new"});
  run();
  CHECK(file_text() == "new");
  // Nothing left to retry: the owner's end leaves the newer text alone.
  std::filesystem::remove(file());
  caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
  run();
  CHECK_FALSE(std::filesystem::exists(file()));
}
