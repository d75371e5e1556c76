#pragma once

// File operations whose details differ per OS: atomic replacement, owner-only
// permissions, an exclusive lock between processes.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace openmfd::platform {

/// Who may read a file we write.
enum class file_access {
  owner_only, ///< 0600 on POSIX (keys, trust store)
  normal,     ///< 0644 on POSIX
};

/// Replaces `path` with `contents` so that a reader sees either the old or the
/// new file, never a mix, even across a crash: write a temp file beside it,
/// flush it to disk, rename it over `path`, then flush the folder.
std::error_code write_file_atomically(const std::filesystem::path& path,
                                      std::string_view contents,
                                      file_access access);

/// The whole file. Fails on anything but a regular file.
std::error_code read_file(const std::filesystem::path& path,
                          std::string& contents);

/// Why a folder is no place for the server's secrets, or a lock was not
/// had.
enum class file_errc {
  not_a_folder = 1,
  other_owner,        ///< it belongs to another user
  writable_by_others, ///< another user could plant a trust store or key
  lock_busy,          ///< another program held the lock for too long
};

const std::error_category& file_category() noexcept;

inline std::error_code make_error_code(file_errc e) noexcept {
  return {static_cast<int>(e), file_category()};
}

/// Creates `dir` (and parents) if missing, owner-only where the OS allows.
/// An existing one must be ours and writable by no one else, where the OS
/// tells (a `file_errc` otherwise): whoever can write to it can
/// plant a trust.json that pairs their own device.
std::error_code create_private_dir(const std::filesystem::path& dir);

/// True when someone other than the owner may read `path` (always false
/// where the OS has no such notion).
bool readable_by_others(const std::filesystem::path& path);

/// An exclusive advisory lock on a lock file, held until destroyed.
class file_lock {
public:
  virtual ~file_lock() = default;
};

/// Takes the exclusive lock on `path` (created if missing), waiting at most
/// `wait` for another holder to let go (then `file_errc::lock_busy`): a
/// program stopped while it holds the lock must not stall the server.
std::unique_ptr<file_lock> lock_file(const std::filesystem::path& path,
                                     std::chrono::milliseconds wait,
                                     std::error_code& ec);

} // namespace openmfd::platform

namespace std {
template <>
struct is_error_code_enum<openmfd::platform::file_errc> : true_type {};
} // namespace std
