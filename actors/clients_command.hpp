#pragma once

#include "actors/command_line.hpp"

namespace openmfd::actors {

/// Runs `openmfd-server clients ...` against the trust store in `data_dir`
/// (under the store's file lock, so it is safe while the server runs).
/// Returns the process exit code.
int run_clients_command(const std::filesystem::path& data_dir,
                        clients_request request);

} // namespace openmfd::actors
