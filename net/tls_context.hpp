#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "net/identity_store.hpp"

namespace openmfd::net {

/// A server TLS context: TLS 1.2 minimum (1.3 preferred), forward-secret AEAD
/// cipher suites only, no compression, no renegotiation, resumption through
/// stateless TLS 1.3 tickets only. Null with `error` set when the key or
/// certificate is refused.
std::shared_ptr<boost::asio::ssl::context>
make_tls_context(const tls_identity& identity, std::string& error);

} // namespace openmfd::net
