#pragma once

// The trust store on disk: `trust.json` beside `trust.lock` in the data dir.
//
// Every change, by the running server or by `openmfd-server clients ...`,
// takes the OS file lock, re-reads the file, applies itself and writes the
// file atomically with a bumped generation: neither side loses the other's
// update. Readers need no lock (a rename is atomic) and notice changes by the
// generation.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "protocol/trust_store.hpp"

namespace openmfd::actors {

class trust_store_file {
public:
  explicit trust_store_file(std::filesystem::path data_dir);

  /// The store (empty when the file does not exist yet); nullopt with
  /// `error` naming the file when it cannot be read or parsed.
  std::optional<protocol::trust_store> load(std::string& error) const;

  /// Applies `change` to the current file contents under the lock and, if
  /// it returns true, writes the result. Returns the store as it now is. A
  /// corrupt file is left untouched.
  std::optional<protocol::trust_store>
  update(const std::function<bool(protocol::trust_store&)>& change,
         std::string& error);

  const std::filesystem::path& path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
  std::filesystem::path lock_path_;
};

} // namespace openmfd::actors
