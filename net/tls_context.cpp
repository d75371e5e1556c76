#include "net/tls_context.hpp"

#include <openssl/ssl.h>

namespace openmfd::net {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites for our ECDSA certificate: ECDHE key exchange and AEAD only.
constexpr const char* tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305";

// How long a ticket resumes: a tablet's nap, not a day. (Each connect
// brings fresh tickets, so a panel back within the hour every time keeps
// resuming.)
constexpr long ticket_lifetime_s = 3600;

// Runs once the version is chosen and before the ServerHello is built,
// which is where OpenSSL decides whether a TLS 1.2 ticket is promised.
int no_tickets_below_tls13(SSL* ssl, void*) {
  if (SSL_version(ssl) < TLS1_3_VERSION)
    SSL_set_options(ssl, SSL_OP_NO_TICKET);
  return 1;
}

} // namespace

std::shared_ptr<ssl::context> make_tls_context(const tls_identity& identity,
                                               std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION
                                | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Resumption through TLS 1.3 tickets only: a panel back from sleep or a
  // Wi-Fi drop reconnects without the certificate work (about half a
  // client's handshake). Tickets are stateless, so a handshake flood fills
  // no cache; their key is random per process and never written to disk; a
  // resumed handshake still runs ECDHE (OpenSSL refuses psk_ke without
  // SSL_OP_ALLOW_NO_DHE_KEX), and no early data is accepted. TLS 1.2
  // tickets would carry the master secret itself, so 1.2 gets none.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  // Two, as OpenSSL's default: a long-polling panel opens two connections,
  // and a client uses each ticket once.
  SSL_CTX_set_num_tickets(native, 2);
  SSL_CTX_set_timeout(native, ticket_lifetime_s);
  SSL_CTX_set_cert_cb(native, no_tickets_below_tls13, nullptr);
  // An idle panel's connection gives its read and write buffers back (about
  // 34 KiB each session otherwise): thousands of panels mostly idle.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1) {
    error = "the TLS library refused the cipher list";
    return nullptr;
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(identity.cert_pem), ec);
  if (!ec)
    ctx->use_private_key(boost::asio::buffer(identity.key_pem),
                         ssl::context::pem, ec);
  if (ec) {
    error = "the TLS library refused the key or certificate: " + ec.message();
    return nullptr;
  }
  return ctx;
}

} // namespace openmfd::net
