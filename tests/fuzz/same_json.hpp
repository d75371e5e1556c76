#pragma once

// JSON equality for fuzz targets' round trips: exact, except that doubles
// may drift by a few ulp (below). Key order counts: encoders keep it.

#include <cmath>
#include <cstddef>

#include <boost/json/value.hpp>

namespace openmfd::fuzz {

// Boost.JSON 1.81 parses some doubles 1-2 ulp off (exact parsing arrived in
// 1.83), so a double may drift across serialize + parse. Doubles are allowed
// that drift; everything else must come back exactly.
inline bool close_doubles(double a, double b) {
  if (a == b)
    return true;
  double scale = std::fmax(std::fabs(a), std::fabs(b));
  return std::isfinite(scale)
         && std::fabs(a - b) <= 4 * (std::nextafter(scale, INFINITY) - scale);
}

inline bool same_json(const boost::json::value& a,
                      const boost::json::value& b);

inline bool same_arrays(const boost::json::array& a,
                        const boost::json::array& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_json(a[i], b[i]))
      return false;
  return true;
}

inline bool same_objects(const boost::json::object& a,
                         const boost::json::object& b) {
  if (a.size() != b.size())
    return false;
  // Key order is part of what the encoder promises to keep.
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
    if (i->key() != j->key() || !same_json(i->value(), j->value()))
      return false;
  return true;
}

inline bool same_json(const boost::json::value& a,
                      const boost::json::value& b) {
  if (a.kind() != b.kind())
    return false;
  if (a.is_double())
    return close_doubles(a.get_double(), b.get_double());
  if (a.is_array())
    return same_arrays(a.get_array(), b.get_array());
  if (a.is_object())
    return same_objects(a.get_object(), b.get_object());
  return a == b;
}

} // namespace openmfd::fuzz
