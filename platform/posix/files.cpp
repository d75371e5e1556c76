#include "platform/files.hpp"

#include <cerrno>
#include <chrono>
#include <random>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace openmfd::platform {

namespace {

std::error_code last_error() {
  return {errno, std::generic_category()};
}

/// Closes a file descriptor when it goes out of scope.
class fd_guard {
public:
  explicit fd_guard(int fd) noexcept : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

private:
  int fd_;
};

std::error_code write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return last_error();
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::error_code sync_dir(const std::filesystem::path& dir) {
  fd_guard fd{::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY)};
  if (fd.get() < 0)
    return last_error();
  if (::fsync(fd.get()) != 0)
    return last_error();
  return {};
}

std::string temp_suffix() {
  std::random_device rd;
  return ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
}

class posix_file_lock final : public file_lock {
public:
  explicit posix_file_lock(int fd) noexcept : fd_(fd) {}
  ~posix_file_lock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

private:
  int fd_;
};

} // namespace

std::error_code write_file_atomically(const std::filesystem::path& path,
                                      std::string_view contents,
                                      file_access access) {
  auto tmp = path;
  tmp += temp_suffix();
  mode_t mode = access == file_access::owner_only ? 0600 : 0644;
  fd_guard fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                     mode)};
  if (fd.get() < 0)
    return last_error();
  auto ec = write_all(fd.get(), contents);
  if (!ec && ::fsync(fd.get()) != 0)
    ec = last_error();
  if (!ec && ::close(fd.release()) != 0)
    ec = last_error();
  if (!ec && ::rename(tmp.c_str(), path.c_str()) != 0)
    ec = last_error();
  if (ec) {
    ::unlink(tmp.c_str());
    return ec;
  }
  // The rename is durable only once the folder's entry is on disk.
  return sync_dir(path.parent_path());
}

std::error_code read_file(const std::filesystem::path& path,
                          std::string& contents) {
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.get() < 0)
    return last_error();
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return last_error();
  if (!S_ISREG(st.st_mode))
    return std::make_error_code(std::errc::not_supported);
  contents.clear();
  char buf[8192];
  for (;;) {
    auto n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return last_error();
    }
    if (n == 0)
      return {};
    contents.append(buf, static_cast<size_t>(n));
  }
}

namespace {

// The folder a symbolic link leads to is judged (a data dir may be linked
// elsewhere), by the user the process runs as.
std::error_code check_private_dir(const struct stat& st) {
  if (!S_ISDIR(st.st_mode))
    return file_errc::not_a_folder;
  if (st.st_uid != ::geteuid())
    return file_errc::other_owner;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return file_errc::writable_by_others;
  return {};
}

} // namespace

std::error_code create_private_dir(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0)
    return check_private_dir(st);
  if (errno != ENOENT)
    return last_error();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return ec;
  if (::chmod(dir.c_str(), 0700) != 0)
    return last_error();
  return {};
}

bool readable_by_others(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return false;
  return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

std::unique_ptr<file_lock> lock_file(const std::filesystem::path& path,
                                     std::chrono::milliseconds wait,
                                     std::error_code& ec) {
  fd_guard fd{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)};
  if (fd.get() < 0) {
    ec = last_error();
    return nullptr;
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR)
      continue;
    if (errno != EWOULDBLOCK) {
      ec = last_error();
      return nullptr;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ec = file_errc::lock_busy;
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  ec.clear();
  return std::make_unique<posix_file_lock>(fd.release());
}

} // namespace openmfd::platform
