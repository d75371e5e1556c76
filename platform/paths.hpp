#pragma once

#include <filesystem>

namespace openmfd::platform {

/// The OS's per-user application-data folder for OpenMFD (not created):
/// Linux `$XDG_DATA_HOME/openmfd` (else `~/.local/share/openmfd`), macOS
/// `~/Library/Application Support/OpenMFD`, Windows `%APPDATA%\OpenMFD`.
/// Empty when the OS gives no home folder.
std::filesystem::path default_data_dir();

} // namespace openmfd::platform
