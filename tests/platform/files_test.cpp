#include "platform/files.hpp"

#include <atomic>
#include <fstream>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "tests/support/temp_dir.hpp"

#include "platform/secure_random.hpp"

namespace fs = std::filesystem;
using namespace openmfd::platform;

namespace {


std::size_t entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator{dir})
    ++n;
  return n;
}

} // namespace

TEST_CASE("atomic writes replace the whole file and leave no temp file",
          "[files]") {
  openmfd::test::temp_dir dir{"openmfd-files"};
  auto file = dir.path() / "store.json";
  REQUIRE_FALSE(write_file_atomically(file, "first version, longer",
                                      file_access::owner_only));
  REQUIRE_FALSE(write_file_atomically(file, "second", file_access::owner_only));
  std::string back;
  REQUIRE_FALSE(read_file(file, back));
  CHECK(back == "second");
  CHECK(entries(dir.path()) == 1);
  CHECK_FALSE(readable_by_others(file));
  REQUIRE_FALSE(write_file_atomically(file, "third", file_access::normal));
  CHECK(readable_by_others(file));
}

TEST_CASE("a failed atomic write leaves the old file alone", "[files]") {
  openmfd::test::temp_dir dir{"openmfd-files"};
  auto missing_dir = dir.path() / "no-such-dir" / "file";
  CHECK(write_file_atomically(missing_dir, "x", file_access::normal));
  auto file = dir.path() / "keep";
  REQUIRE_FALSE(write_file_atomically(file, "old", file_access::normal));
  // A folder in the way of the rename: the write fails, "old" survives.
  auto blocked = dir.path() / "blocked";
  fs::create_directories(blocked / "child");
  CHECK(write_file_atomically(blocked, "new", file_access::normal));
  std::string back;
  REQUIRE_FALSE(read_file(file, back));
  CHECK(back == "old");
  CHECK(entries(dir.path()) == 2); // keep + blocked, no temp file left
}

TEST_CASE("read_file refuses what is not a regular file", "[files]") {
  openmfd::test::temp_dir dir{"openmfd-files"};
  std::string out;
  CHECK(read_file(dir.path(), out));
  CHECK(read_file(dir.path() / "missing", out));
}

TEST_CASE("create_private_dir makes an owner-only folder", "[files]") {
  openmfd::test::temp_dir dir{"openmfd-files"};
  auto nested = dir.path() / "a" / "b";
  REQUIRE_FALSE(create_private_dir(nested));
  CHECK(fs::is_directory(nested));
  CHECK_FALSE(readable_by_others(nested));
  CHECK_FALSE(create_private_dir(nested)); // idempotent
}

TEST_CASE("create_private_dir refuses a folder others could write to",
          "[files]") {
  openmfd::test::temp_dir dir{"openmfd-files"};
  auto data = dir.path() / "data";
  REQUIRE_FALSE(create_private_dir(data));
  fs::permissions(data, fs::perms::owner_all | fs::perms::group_read
                          | fs::perms::group_exec);
  CHECK_FALSE(create_private_dir(data)); // readable is the owner's choice
  fs::permissions(data, fs::perms::group_write, fs::perm_options::add);
  CHECK(create_private_dir(data) == file_errc::writable_by_others);
  fs::permissions(data, fs::perms::owner_all);
  fs::permissions(data, fs::perms::others_write, fs::perm_options::add);
  CHECK(create_private_dir(data) == file_errc::writable_by_others);
  CHECK(create_private_dir(data).message().find("chmod 700")
        != std::string::npos);
  fs::permissions(data, fs::perms::owner_all);

  // A link to a good folder is as good; a file is no folder.
  fs::create_directory_symlink(data, dir.path() / "link");
  CHECK_FALSE(create_private_dir(dir.path() / "link"));
  { std::ofstream{dir.path() / "file"} << "x"; }
  CHECK(create_private_dir(dir.path() / "file")
        == file_errc::not_a_folder);

  if (::geteuid() == 0) { // only root can give a folder away
    REQUIRE(::chown(data.c_str(), 65534, 65534) == 0);
    CHECK(create_private_dir(data) == file_errc::other_owner);
  }
}

TEST_CASE("the file lock excludes other holders", "[files]") {
  openmfd::test::temp_dir dir{"openmfd-files"};
  auto lock_path = dir.path() / "x.lock";
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        std::error_code ec;
        auto lock = lock_file(lock_path, std::chrono::seconds{10}, ec);
        if (!lock || ec) {
          ++overlaps;
          return;
        }
        if (inside.fetch_add(1) != 0)
          ++overlaps;
        std::this_thread::yield();
        inside.fetch_sub(1);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(overlaps.load() == 0);
}

TEST_CASE("a lock held elsewhere is given up on after the wait",
          "[files]") {
  openmfd::test::temp_dir dir{"openmfd-files"};
  auto lock_path = dir.path() / "x.lock";
  std::error_code ec;
  auto held = lock_file(lock_path, std::chrono::milliseconds{0}, ec);
  REQUIRE(held);
  std::thread other{[&] {
    std::error_code mine;
    auto second = lock_file(lock_path, std::chrono::milliseconds{50}, mine);
    CHECK_FALSE(second);
    CHECK(mine == file_errc::lock_busy);
  }};
  other.join();
  held.reset();
  auto again = lock_file(lock_path, std::chrono::milliseconds{0}, ec);
  CHECK(again);
  CHECK_FALSE(ec);
}

TEST_CASE("secure_random fills buffers with varying bytes", "[files]") {
  unsigned char a[32] = {};
  unsigned char b[32] = {};
  REQUIRE(secure_random(a, sizeof(a)));
  REQUIRE(secure_random(b, sizeof(b)));
  CHECK(std::vector<unsigned char>(a, a + 32)
        != std::vector<unsigned char>(b, b + 32));
}
