#pragma once

// THE type-ID block: every atom and message type that actors exchange.
//
// Port pointers (exchange_port, ...) are not serializable; they are
// whitelisted below because messages never leave this process (we do not load
// CAF's middleman).

#include <memory>

#include <caf/all.hpp>

#include "net/ports.hpp"

static_assert(CAF_VERSION >= 1706 && CAF_VERSION < 1800,
              "written for CAF 0.17 (Debian's libcaf-dev)");

namespace openmfd::actors {
/// An HTTP request in flight; answer it exactly once.
using exchange_ptr = std::shared_ptr<net::exchange_port>;
} // namespace openmfd::actors

CAF_BEGIN_TYPE_ID_BLOCK(openmfd, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::exchange_ptr))

  /// An HTTP exchange for the listener to route.
  CAF_ADD_ATOM(openmfd, openmfd::atom, http, "http")
  /// Stop: close the acceptor and every session, then quit.
  CAF_ADD_ATOM(openmfd, openmfd::atom, shutdown, "shutdown")

CAF_END_TYPE_ID_BLOCK(openmfd)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(openmfd::actors::exchange_ptr)
