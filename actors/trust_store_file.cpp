#include "actors/trust_store_file.hpp"

#include "platform/files.hpp"

namespace openmfd::actors {

namespace {

/// How long a change waits for `clients ...` in another process to finish
/// with the file: its changes take milliseconds, and one stopped while it
/// holds the lock must not stall pairing and token checks for ever.
constexpr std::chrono::seconds lock_wait{2};

} // namespace

trust_store_file::trust_store_file(std::filesystem::path data_dir)
  : path_(data_dir / "trust.json"), lock_path_(data_dir / "trust.lock") {}

std::optional<protocol::trust_store>
trust_store_file::load(std::string& error) const {
  std::error_code exists_ec;
  if (!std::filesystem::exists(path_, exists_ec) && !exists_ec)
    return protocol::trust_store{};
  std::string text;
  if (auto ec = platform::read_file(path_, text)) {
    error = "cannot read " + path_.string() + ": " + ec.message();
    return std::nullopt;
  }
  auto parsed = protocol::parse_trust_store(text);
  if (!parsed) {
    error = "cannot use " + path_.string() + ": " + parsed.error().message()
            + ". It was not changed; restore it from a backup, or move it "
              "away to start with no paired devices";
    return std::nullopt;
  }
  return std::move(*parsed);
}

std::optional<protocol::trust_store> trust_store_file::update(
  const std::function<bool(protocol::trust_store&)>& change,
  std::string& error) {
  std::error_code ec;
  auto lock = platform::lock_file(lock_path_, lock_wait, ec);
  if (!lock) {
    error = "cannot lock " + lock_path_.string() + ": " + ec.message();
    return std::nullopt;
  }
  auto store = load(error);
  if (!store)
    return std::nullopt;
  if (!change(*store))
    return store;
  ++store->generation;
  if (auto write_ec = platform::write_file_atomically(
        path_, protocol::serialize(*store), platform::file_access::owner_only)) {
    error = "cannot write " + path_.string() + ": " + write_ec.message();
    return std::nullopt;
  }
  return store;
}

} // namespace openmfd::actors
