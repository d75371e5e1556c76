#include "platform/files.hpp"

namespace openmfd::platform {

namespace {

class file_category_impl : public std::error_category {
public:
  const char* name() const noexcept override {
    return "private_dir";
  }

  std::string message(int code) const override {
    switch (static_cast<file_errc>(code)) {
      case file_errc::not_a_folder:
        return "it is not a folder";
      case file_errc::other_owner:
        return "it belongs to another user";
      case file_errc::writable_by_others:
        return "other users can write to it (chmod 700 it)";
      case file_errc::lock_busy:
        return "another program holds it";
    }
    return "file error";
  }
};

} // namespace

const std::error_category& file_category() noexcept {
  static const file_category_impl category;
  return category;
}

} // namespace openmfd::platform
