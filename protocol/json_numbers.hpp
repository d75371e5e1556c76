#pragma once

// Boost.JSON reads numbers beyond double range as infinity and writes them
// back as `Infinity`, which is not JSON: a value that holds one would go out
// to panels (or into a file) as text nobody can parse. Parsers of untrusted
// JSON refuse such values.

#include <boost/json/value.hpp>

namespace openmfd::protocol {

/// False when any number in `v`, however deep, is infinite or NaN.
bool all_numbers_finite(const boost::json::value& v) noexcept;

} // namespace openmfd::protocol
