#pragma once

// Error plumbing shared by every parser in protocol/: each module declares its
// own `enum class ..._errc` with `to_string` (the wire text) and
// `category_name`, and gets a std::error_category for free from here.

#include <string>
#include <string_view>
#include <system_error>

#include <boost/system/result.hpp>

namespace openmfd::protocol {

/// What every parser returns: a value or a precise error, never an exception.
template <class T>
using result = boost::system::result<T, std::error_code>;

/// A category whose messages are the wire texts of `Enum` (via `to_string`).
template <class Enum>
class wire_category final : public std::error_category {
public:
  const char* name() const noexcept override {
    return category_name(Enum{});
  }
  std::string message(int value) const override {
    return std::string{to_string(static_cast<Enum>(value))};
  }
};

/// The single instance of the category for `Enum`.
template <class Enum>
const std::error_category& category_of() noexcept {
  static const wire_category<Enum> instance;
  return instance;
}

/// Makes an error_code for any of our enums; found by ADL through
/// `make_error_code` overloads that forward here.
template <class Enum>
std::error_code make_wire_error(Enum e) noexcept {
  return {static_cast<int>(e), category_of<Enum>()};
}

} // namespace openmfd::protocol

/// Declares `make_error_code` and marks `Enum` (a fully qualified name in
/// namespace openmfd::protocol) as an error code enum. Use at global scope.
#define OPENMFD_ERROR_ENUM(Enum)                                               \
  namespace openmfd::protocol {                                                \
  inline std::error_code make_error_code(Enum e) noexcept {                    \
    return make_wire_error(e);                                                 \
  }                                                                            \
  }                                                                            \
  template <>                                                                  \
  struct std::is_error_code_enum<openmfd::protocol::Enum> : std::true_type {}
