#pragma once

// The server's persistent identity (DESIGN §4): its UUID and its TLS key and
// self-signed certificate, made on first start and reused after.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace openmfd::net {

/// A TLS key and certificate in PEM, and the certificate's fingerprint.
struct tls_identity {
  std::string key_pem;
  std::string cert_pem;
  std::string fingerprint; ///< "sha256/<hex>" over the certificate's DER
};

/// Everything that makes this server recognisable to a paired panel.
struct server_identity {
  std::string server_id; ///< canonical UUID v4
  tls_identity tls;
};

/// What goes into a new certificate.
struct certificate_names {
  std::string host_name;
  std::vector<std::string> addresses; ///< the host's current IP addresses
};

/// The identity, or why it could not be had.
struct identity_result {
  std::optional<server_identity> identity;
  std::string error; ///< names the file and says what to do
};

/// File names inside the data dir.
inline constexpr const char* server_id_file = "server-id";
inline constexpr const char* tls_key_file = "tls-key.pem";
inline constexpr const char* tls_cert_file = "tls-cert.pem";

/// Loads the identity from `data_dir`, creating what is missing. Never
/// overwrites an existing file: a corrupt, mismatched or exposed file, or a
/// key without its certificate (or the reverse), is an error.
identity_result load_or_create_identity(const std::filesystem::path& data_dir,
                                        const certificate_names& names);

/// Makes a new ECDSA P-256 key and a self-signed certificate for `names`.
std::optional<tls_identity> make_self_signed(const certificate_names& names);

/// Parses PEMs, checks that key and certificate match, computes the
/// fingerprint. Empty `error` on success.
std::optional<tls_identity> parse_tls_identity(std::string key_pem,
                                               std::string cert_pem,
                                               std::string& error);

/// The subjectAltName entries a certificate for `names` carries, as
/// "DNS:x" / "IP:y" (exposed for tests).
std::vector<std::string> certificate_san_entries(const certificate_names& names);

/// The subjectAltName entries of a PEM certificate (for tests and logs).
std::vector<std::string> read_san_entries(const std::string& cert_pem);

} // namespace openmfd::net
