#pragma once

// An exchange whose responses carry the CORS headers for an allowed origin,
// whoever answers it (the listener, or a session answering a poll).

#include <string>

#include "actors/messages.hpp"

namespace openmfd::actors {

/// `inner`, with `Access-Control-Allow-Origin: origin` on its response.
exchange_ptr with_cors_headers(exchange_ptr inner, std::string origin);

} // namespace openmfd::actors
