#include "protocol/json_numbers.hpp"

#include <cmath>

namespace openmfd::protocol {

bool all_numbers_finite(const boost::json::value& v) noexcept {
  if (const auto* d = v.if_double())
    return std::isfinite(*d);
  if (const auto* arr = v.if_array()) {
    for (const auto& item : *arr)
      if (!all_numbers_finite(item))
        return false;
  } else if (const auto* obj = v.if_object()) {
    for (const auto& entry : *obj)
      if (!all_numbers_finite(entry.value()))
        return false;
  }
  return true;
}

} // namespace openmfd::protocol
