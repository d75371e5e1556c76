#include "platform/files.hpp"

#include <chrono>
#include <random>
#include <thread>

#include <windows.h>

namespace openmfd::platform {

namespace {

std::error_code last_error() {
  return {static_cast<int>(::GetLastError()), std::system_category()};
}

/// Closes a HANDLE when it goes out of scope.
class handle_guard {
public:
  explicit handle_guard(HANDLE h) noexcept : h_(h) {}
  handle_guard(const handle_guard&) = delete;
  handle_guard& operator=(const handle_guard&) = delete;
  ~handle_guard() {
    if (valid())
      ::CloseHandle(h_);
  }
  bool valid() const noexcept { return h_ != INVALID_HANDLE_VALUE && h_; }
  HANDLE get() const noexcept { return h_; }

private:
  HANDLE h_;
};

class windows_file_lock final : public file_lock {
public:
  explicit windows_file_lock(HANDLE h) noexcept : h_(h) {}
  ~windows_file_lock() override {
    OVERLAPPED ov{};
    ::UnlockFileEx(h_, 0, MAXDWORD, MAXDWORD, &ov);
    ::CloseHandle(h_);
  }

private:
  HANDLE h_;
};

} // namespace

// The per-user folder's ACL already limits access to its owner, so
// `file_access` needs no extra handling here.
std::error_code write_file_atomically(const std::filesystem::path& path,
                                      std::string_view contents,
                                      file_access) {
  auto tmp = path;
  tmp += L".tmp." + std::to_wstring(::GetCurrentProcessId()) + L"."
         + std::to_wstring(std::random_device{}());
  {
    handle_guard file{::CreateFileW(tmp.c_str(), GENERIC_WRITE, 0, nullptr,
                                    CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
                                    nullptr)};
    if (!file.valid())
      return last_error();
    DWORD written = 0;
    if (!::WriteFile(file.get(), contents.data(),
                     static_cast<DWORD>(contents.size()), &written, nullptr)
        || written != contents.size() || !::FlushFileBuffers(file.get())) {
      auto ec = last_error();
      ::DeleteFileW(tmp.c_str());
      return ec;
    }
  }
  if (!::MoveFileExW(tmp.c_str(), path.c_str(),
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    auto ec = last_error();
    ::DeleteFileW(tmp.c_str());
    return ec;
  }
  return {};
}

// Shared for deletion too: a reader (the server's poll of trust.json) must
// not make another process's atomic replace (MoveFileExW) of the file fail.
std::error_code read_file(const std::filesystem::path& path,
                          std::string& contents) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return ec ? ec : std::make_error_code(std::errc::not_supported);
  handle_guard file{::CreateFileW(
    path.c_str(), GENERIC_READ,
    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr)};
  if (!file.valid())
    return last_error();
  contents.clear();
  char buffer[16 * 1024];
  for (;;) {
    DWORD got = 0;
    if (!::ReadFile(file.get(), buffer, sizeof(buffer), &got, nullptr))
      return last_error();
    if (got == 0)
      return {};
    contents.append(buffer, got);
  }
}

std::error_code create_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return ec;
}

bool readable_by_others(const std::filesystem::path&) {
  return false;
}

std::unique_ptr<file_lock> lock_file(const std::filesystem::path& path,
                                     std::chrono::milliseconds wait,
                                     std::error_code& ec) {
  HANDLE h = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    ec = last_error();
    return nullptr;
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    OVERLAPPED ov{};
    if (::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
                     0, MAXDWORD, MAXDWORD, &ov))
      break;
    bool busy = ::GetLastError() == ERROR_LOCK_VIOLATION;
    if (!busy || std::chrono::steady_clock::now() >= deadline) {
      ec = busy ? std::error_code{file_errc::lock_busy} : last_error();
      ::CloseHandle(h);
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  ec.clear();
  return std::make_unique<windows_file_lock>(h);
}

} // namespace openmfd::platform
