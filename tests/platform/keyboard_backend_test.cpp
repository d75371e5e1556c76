// The backend factory and the backends that work on every host: dry-run and
// record; plus the errors a user sees when a native backend cannot open.

#include "platform/keyboard_backend.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

using namespace openmfd::platform;
namespace fs = std::filesystem;

namespace {

key_event make_event(std::uint16_t hid, bool down, std::string_view name = {}) {
  key_event event;
  event.codes.hid = hid;
  event.down = down;
  event.name = name;
  return event;
}

// A file name in the temp folder that no other test run uses; removed at
// the end of the scope.
struct temp_file {
  fs::path path;

  explicit temp_file(std::string_view stem) {
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path = fs::temp_directory_path()
           / (std::string{stem} + "-" + std::to_string(stamp) + ".jsonl");
  }

  ~temp_file() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in{path};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

struct recorded {
  std::int64_t t_ns;
  std::string key; // empty when the line has no "key"
  int hid;
  bool down;
};

// Parses one record line, insisting on the exact layout the backend writes.
recorded parse_record(const std::string& line) {
  static const std::regex layout{
    R"re(^\{"t_ns": (\d+)(?:, "key": "((?:[^"\\]|\\.)*)")?, "hid": (\d+), )re"
    R"re("down": (true|false)\}$)re"};
  std::smatch m;
  INFO("line: " << line);
  REQUIRE(std::regex_match(line, m, layout));
  return {std::stoll(m[1]), m[2], std::stoi(m[3]), m[4] == "true"};
}

backend_result make_with(backend_kind kind, backend_options options = {}) {
  return make_backend(kind, options);
}

} // namespace

TEST_CASE("every --injector name parses and prints back", "[backend]") {
  const std::pair<std::string_view, backend_kind> names[] = {
    {"auto", backend_kind::auto_select}, {"dry-run", backend_kind::dry_run},
    {"record", backend_kind::record},    {"xtest", backend_kind::xtest},
    {"uinput", backend_kind::uinput},    {"sendinput", backend_kind::sendinput},
    {"cgevent", backend_kind::cgevent},
  };
  for (const auto& [name, kind] : names) {
    INFO(name);
    CHECK(parse_backend_kind(name) == kind);
    CHECK(to_string(kind) == name);
  }
}

TEST_CASE("unknown --injector names are refused", "[backend]") {
  for (std::string_view bad :
       {"", "Auto", "AUTO", "dry_run", "dryrun", " auto", "auto ", "x",
        "xtest2", "send-input", "recording"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_backend_kind(bad).has_value());
  }
}

TEST_CASE("backend errors have readable messages", "[backend]") {
  std::error_code ec = backend_errc::unmapped_key;
  CHECK(ec.category() == backend_category());
  CHECK(ec.message().find("no code") != std::string::npos);
  CHECK_FALSE(std::error_code{backend_errc::write_failed}.message().empty());
}

TEST_CASE("record backend writes one exact JSON line per event",
          "[backend][record]") {
  temp_file file{"openmfd-record"};
  backend_options options;
  options.record_file = file.path;
  auto result = make_backend(backend_kind::record, options);
  REQUIRE(result);
  CHECK(result.backend->name() == "record");

  REQUIRE_FALSE(result.backend->send(make_event(0xE2, true, "lalt")));
  REQUIRE_FALSE(result.backend->send(make_event(0x09, true, "f")));
  REQUIRE_FALSE(result.backend->send(make_event(0x09, false, "f")));
  REQUIRE_FALSE(result.backend->send(make_event(0xE2, false)));
  REQUIRE_FALSE(result.backend->send(make_event(0x04, true, "odd\"name\\")));

  // Read while the backend is alive: every line must already be flushed.
  auto lines = read_lines(file.path);
  REQUIRE(lines.size() == 5);
  std::vector<recorded> records;
  for (const auto& line : lines)
    records.push_back(parse_record(line));

  CHECK(records[0].key == "lalt");
  CHECK(records[0].hid == 0xE2);
  CHECK(records[0].down);
  CHECK(records[1].key == "f");
  CHECK(records[1].hid == 0x09);
  CHECK(records[1].down);
  CHECK(records[2].key == "f");
  CHECK_FALSE(records[2].down);
  CHECK(records[3].key.empty()); // no name given: no "key" field
  CHECK(lines[3].find("\"key\"") == std::string::npos);
  CHECK_FALSE(records[3].down);
  CHECK(records[4].key == R"(odd\"name\\)"); // escaped, still one valid line
  for (std::size_t i = 1; i < records.size(); ++i)
    CHECK(records[i].t_ns >= records[i - 1].t_ns);
  CHECK(records[0].t_ns > 0);
}

TEST_CASE("record backend appends to an existing file", "[backend][record]") {
  temp_file file{"openmfd-append"};
  {
    std::ofstream earlier{file.path};
    earlier << "earlier line\n";
  }
  backend_options options;
  options.record_file = file.path;
  for (int round = 0; round < 2; ++round) {
    auto result = make_backend(backend_kind::record, options);
    REQUIRE(result);
    REQUIRE_FALSE(result.backend->send(make_event(0x2C, round == 0, "space")));
  }
  auto lines = read_lines(file.path);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "earlier line");
  CHECK(parse_record(lines[1]).down);
  CHECK_FALSE(parse_record(lines[2]).down);
}

TEST_CASE("record backend explains a missing or unusable file",
          "[backend][record]") {
  auto no_path = make_with(backend_kind::record);
  CHECK_FALSE(no_path);
  CHECK(no_path.error.find("--record-file") != std::string::npos);

  backend_options options;
  options.record_file = fs::temp_directory_path() / "openmfd-no-such-dir"
                        / "sub" / "record.jsonl";
  auto bad_dir = make_backend(backend_kind::record, options);
  CHECK_FALSE(bad_dir);
  CHECK(bad_dir.error.find(options.record_file.string()) != std::string::npos);
  CHECK(bad_dir.error.find("writable") != std::string::npos);
}

TEST_CASE("dry-run backend logs every event through the callback",
          "[backend][dry-run]") {
  std::vector<std::string> logged;
  backend_options options;
  options.diagnostics = [&](std::string_view line) {
    logged.emplace_back(line);
  };
  auto result = make_backend(backend_kind::dry_run, options);
  REQUIRE(result);
  CHECK(result.backend->name() == "dry-run");
  logged.clear(); // only the events' lines from here on

  REQUIRE_FALSE(result.backend->send(make_event(0xE2, true, "lalt")));
  REQUIRE_FALSE(result.backend->send(make_event(0xE2, false, "lalt")));
  REQUIRE_FALSE(result.backend->send(make_event(0x1E, true)));
  REQUIRE(logged.size() == 3);
  CHECK(logged[0] == "dry-run: key lalt (hid 0xe2) down");
  CHECK(logged[1] == "dry-run: key lalt (hid 0xe2) up");
  CHECK(logged[2] == "dry-run: key ? (hid 0x1e) down");
}

TEST_CASE("dry-run backend works without a callback and honours its delay",
          "[backend][dry-run]") {
  backend_options options;
  options.dry_run_delay = std::chrono::milliseconds{5};
  auto result = make_backend(backend_kind::dry_run, options);
  REQUIRE(result);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i)
    REQUIRE_FALSE(result.backend->send(make_event(0x04, i % 2 == 0)));
  CHECK(std::chrono::steady_clock::now() - start
        >= std::chrono::milliseconds{20});

  options.dry_run_delay = std::chrono::microseconds{-1};
  CHECK_FALSE(make_backend(backend_kind::dry_run, options));
}

TEST_CASE("uinput on a missing device says how to fix it",
          "[backend][uinput]") {
  backend_options options;
  options.uinput_device = "/nonexistent/openmfd-test/uinput";
  auto result = make_backend(backend_kind::uinput, options);
  REQUIRE_FALSE(result);
  INFO(result.error);
  CHECK(result.error.find("/nonexistent/openmfd-test/uinput")
        != std::string::npos);
  CHECK(result.error.find("modprobe uinput") != std::string::npos);
  CHECK(result.error.find("`input` group") != std::string::npos);
}

TEST_CASE("uinput on a device that is not uinput says so",
          "[backend][uinput]") {
  // /dev/null opens for writing but refuses the uinput ioctls.
  backend_options options;
  options.uinput_device = "/dev/null";
  auto result = make_backend(backend_kind::uinput, options);
  REQUIRE_FALSE(result);
  INFO(result.error);
  CHECK(result.error.find("refused to create a virtual keyboard on /dev/null")
        != std::string::npos);
}

TEST_CASE("a backend of another OS names the ones that work here",
          "[backend]") {
  // This suite runs on Linux (DESIGN §1); the Windows and macOS builds
  // compile only platform/.
  for (auto kind : {backend_kind::sendinput, backend_kind::cgevent}) {
    auto result = make_with(kind);
    REQUIRE_FALSE(result);
    INFO(result.error);
    CHECK(result.error.find(to_string(kind)) != std::string::npos);
    CHECK(result.error.find("xtest or uinput") != std::string::npos);
  }
}

TEST_CASE("auto explains both Linux backends when neither opens",
          "[backend][auto]") {
  // Without a display XTest cannot work; the uinput device is pointed at a
  // missing path, so both must fail and the message must say how to fix each.
  std::string saved_display;
  const char* display = std::getenv("DISPLAY");
  if (display != nullptr)
    saved_display = display;
  unsetenv("DISPLAY");
  backend_options options;
  options.uinput_device = "/nonexistent/openmfd-test/uinput";
  auto result = make_backend(backend_kind::auto_select, options);
  if (display != nullptr)
    setenv("DISPLAY", saved_display.c_str(), 1);

  REQUIRE_FALSE(result);
  INFO(result.error);
  CHECK(result.error.find("$DISPLAY unset") != std::string::npos);
  CHECK(result.error.find("modprobe uinput") != std::string::npos);
  CHECK(result.error.find("dry-run") != std::string::npos);
}
