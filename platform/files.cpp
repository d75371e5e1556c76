#include "platform/files.hpp"

namespace openmfd::platform {

namespace {

class private_dir_category_impl : public std::error_category {
public:
  const char* name() const noexcept override {
    return "private_dir";
  }

  std::string message(int code) const override {
    switch (static_cast<private_dir_errc>(code)) {
      case private_dir_errc::not_a_folder:
        return "it is not a folder";
      case private_dir_errc::other_owner:
        return "it belongs to another user";
      case private_dir_errc::writable_by_others:
        return "other users can write to it (chmod 700 it)";
    }
    return "unusable folder";
  }
};

} // namespace

const std::error_category& private_dir_category() noexcept {
  static const private_dir_category_impl category;
  return category;
}

} // namespace openmfd::platform
