#include "net/identity_store.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <boost/asio/ip/address.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "platform/files.hpp"
#include "platform/secure_random.hpp"
#include "protocol/identity.hpp"

namespace openmfd::net {

namespace fs = std::filesystem;

namespace {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;
using pkey_ptr
  = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using names_ptr = std::unique_ptr<
  GENERAL_NAMES, openssl_deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;

// A self-signed certificate that panels pin by fingerprint; ten years, so a
// pinned server does not change identity under a user's feet.
constexpr long certificate_days = 3650;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  auto size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string{data, static_cast<size_t>(size)}
                  : std::string{};
}

bio_ptr memory_bio(const std::string& text) {
  return bio_ptr{BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))};
}

std::string der_of(X509* cert) {
  unsigned char* der = nullptr;
  int size = i2d_X509(cert, &der);
  if (size <= 0)
    return {};
  std::string out{reinterpret_cast<char*>(der), static_cast<size_t>(size)};
  OPENSSL_free(der);
  return out;
}

// Host names may hold characters a DNS SAN must not; keep the safe subset.
std::string dns_safe(std::string_view name) {
  std::string out;
  for (char c : name)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.')
      out += c;
  return out;
}

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext)
    return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (!platform::secure_random(bytes, sizeof(bytes)))
    return false;
  bytes[0] &= 0x7f; // a positive serial
  BIGNUM* bn = BN_bin2bn(bytes, sizeof(bytes), nullptr);
  if (!bn)
    return false;
  bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  return ok;
}

bool set_subject(X509* cert, const std::string& host) {
  X509_NAME* name = X509_get_subject_name(cert);
  auto cn = "OpenMFD " + (host.empty() ? std::string{"server"} : host);
  if (cn.size() > 64) // the CN's upper bound in RFC 5280
    cn.resize(64);
  if (!X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0))
    return false;
  return X509_set_issuer_name(cert, name) == 1;
}

std::string ip_text(const ASN1_OCTET_STRING* raw) {
  namespace ip = boost::asio::ip;
  if (raw->length == 4) {
    ip::address_v4::bytes_type b;
    std::copy(raw->data, raw->data + 4, b.begin());
    return ip::address_v4{b}.to_string();
  }
  if (raw->length == 16) {
    ip::address_v6::bytes_type b;
    std::copy(raw->data, raw->data + 16, b.begin());
    return ip::address_v6{b}.to_string();
  }
  return "?";
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty())
      out += ',';
    out += p;
  }
  return out;
}

bool path_present(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec) || ec; // an unreadable entry is not "missing"
}

std::string file_problem(const fs::path& file, const std::string& what) {
  return "cannot use " + file.string() + ": " + what;
}

// The server id: read it, or make and store a new one.
std::optional<std::string> load_or_create_server_id(const fs::path& dir,
                                                    std::string& error) {
  auto file = dir / server_id_file;
  if (!path_present(file)) {
    protocol::uuid_bytes bytes;
    if (!platform::secure_random(bytes.data(), bytes.size())) {
      error = "the system's random number generator failed";
      return std::nullopt;
    }
    auto id = protocol::make_uuid_v4(bytes);
    if (auto ec = platform::write_file_atomically(file, id + "\n",
                                                  platform::file_access::normal)) {
      error = file_problem(file, "cannot write it: " + ec.message());
      return std::nullopt;
    }
    return id;
  }
  std::string text;
  if (auto ec = platform::read_file(file, text)) {
    error = file_problem(file, ec.message());
    return std::nullopt;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  auto id = protocol::canonical_uuid_v4(text);
  if (!id) {
    error = file_problem(file, "it does not hold a UUID v4. Restore it from a "
                               "backup, or delete it to give this server a new "
                               "id (paired panels will see a new server)");
    return std::nullopt;
  }
  return id;
}

std::optional<tls_identity> load_or_create_tls(const fs::path& dir,
                                               const certificate_names& names,
                                               std::string& error) {
  auto key_file = dir / tls_key_file;
  auto cert_file = dir / tls_cert_file;
  bool have_key = path_present(key_file);
  bool have_cert = path_present(cert_file);
  const std::string reset_hint
    = ". Restore it from a backup, or delete both " + std::string{tls_key_file}
      + " and " + tls_cert_file + " to make a new certificate (panels that "
      "pinned the old one will ask to trust the new one)";
  if (have_key != have_cert) {
    auto missing = have_key ? cert_file : key_file;
    error = file_problem(missing, "it is missing while its partner exists"
                                    + reset_hint);
    return std::nullopt;
  }
  if (!have_key) {
    auto made = make_self_signed(names);
    if (!made) {
      error = "could not generate a TLS key and certificate";
      return std::nullopt;
    }
    // The key first: a crash between the two leaves a key without a
    // certificate, which the next start reports instead of overwriting.
    if (auto ec = platform::write_file_atomically(
          key_file, made->key_pem, platform::file_access::owner_only)) {
      error = file_problem(key_file, "cannot write it: " + ec.message());
      return std::nullopt;
    }
    if (auto ec = platform::write_file_atomically(
          cert_file, made->cert_pem, platform::file_access::normal)) {
      error = file_problem(cert_file, "cannot write it: " + ec.message());
      return std::nullopt;
    }
    return made;
  }
  if (platform::readable_by_others(key_file)) {
    error = file_problem(key_file, "the private key is readable by other "
                                   "users. Run: chmod 600 "
                                     + key_file.string());
    return std::nullopt;
  }
  std::string key_pem;
  std::string cert_pem;
  if (auto ec = platform::read_file(key_file, key_pem)) {
    error = file_problem(key_file, ec.message());
    return std::nullopt;
  }
  if (auto ec = platform::read_file(cert_file, cert_pem)) {
    error = file_problem(cert_file, ec.message());
    return std::nullopt;
  }
  std::string problem;
  auto parsed = parse_tls_identity(std::move(key_pem), std::move(cert_pem),
                                   problem);
  if (!parsed) {
    auto culprit = problem.rfind("key", 0) == 0 ? key_file : cert_file;
    error = file_problem(culprit, problem + reset_hint);
  }
  return parsed;
}

} // namespace

std::vector<std::string>
certificate_san_entries(const certificate_names& names) {
  std::vector<std::string> out;
  auto host = dns_safe(names.host_name);
  if (!host.empty() && host != "localhost")
    out.push_back("DNS:" + host);
  out.emplace_back("DNS:localhost");
  out.emplace_back("IP:127.0.0.1");
  out.emplace_back("IP:::1");
  for (const auto& address : names.addresses) {
    auto entry = "IP:" + address;
    // Only address characters: the entry goes into an OpenSSL config string.
    bool plain = std::all_of(address.begin(), address.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == '.'
             || c == ':';
    });
    if (plain && std::find(out.begin(), out.end(), entry) == out.end())
      out.push_back(entry);
  }
  return out;
}

std::optional<tls_identity> make_self_signed(const certificate_names& names) {
  pkey_ptr key{EVP_EC_gen("P-256")};
  x509_ptr cert{X509_new()};
  if (!key || !cert)
    return std::nullopt;
  X509* x = cert.get();
  bool ok = X509_set_version(x, 2) == 1 && set_random_serial(x)
            && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr
            && X509_time_adj_ex(X509_getm_notAfter(x), certificate_days, 0,
                                nullptr)
                 != nullptr
            && X509_set_pubkey(x, key.get()) == 1
            && set_subject(x, dns_safe(names.host_name))
            && add_extension(x, NID_basic_constraints, "critical,CA:FALSE")
            && add_extension(x, NID_key_usage,
                             "critical,digitalSignature")
            && add_extension(x, NID_ext_key_usage, "serverAuth")
            && add_extension(x, NID_subject_key_identifier, "hash")
            && add_extension(x, NID_subject_alt_name,
                             join(certificate_san_entries(names)))
            && X509_sign(x, key.get(), EVP_sha256()) > 0;
  if (!ok)
    return std::nullopt;
  bio_ptr key_bio{BIO_new(BIO_s_mem())};
  bio_ptr cert_bio{BIO_new(BIO_s_mem())};
  if (!key_bio || !cert_bio
      || PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr,
                                  0, nullptr, nullptr)
           != 1
      || PEM_write_bio_X509(cert_bio.get(), x) != 1)
    return std::nullopt;
  return tls_identity{bio_text(key_bio.get()), bio_text(cert_bio.get()),
                      protocol::tls_fingerprint(der_of(x))};
}

std::optional<tls_identity> parse_tls_identity(std::string key_pem,
                                               std::string cert_pem,
                                               std::string& error) {
  auto key_bio = memory_bio(key_pem);
  // Without a callback OpenSSL would ask for a passphrase on the terminal
  // and wait there; the server has no one to ask.
  bool encrypted = false;
  auto no_passphrase = [](char*, int, int, void* asked) {
    *static_cast<bool*>(asked) = true;
    return 0;
  };
  pkey_ptr key{key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr,
                                                 no_passphrase, &encrypted)
                       : nullptr};
  if (!key) {
    error = encrypted ? "key: encrypted with a passphrase, which the server "
                        "cannot ask for (store it without one, readable by "
                        "you only)"
                      : "key: not a PEM private key";
    return std::nullopt;
  }
  auto cert_bio = memory_bio(cert_pem);
  x509_ptr cert{cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr,
                                             nullptr)
                         : nullptr};
  if (!cert) {
    error = "certificate: not a PEM certificate";
    return std::nullopt;
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    error = "certificate: it does not match the private key";
    return std::nullopt;
  }
  auto fingerprint = protocol::tls_fingerprint(der_of(cert.get()));
  return tls_identity{std::move(key_pem), std::move(cert_pem),
                      std::move(fingerprint)};
}

std::vector<std::string> read_san_entries(const std::string& cert_pem) {
  std::vector<std::string> out;
  auto bio = memory_bio(cert_pem);
  x509_ptr cert{bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                    : nullptr};
  if (!cert)
    return out;
  names_ptr names{static_cast<GENERAL_NAMES*>(
    X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr))};
  if (!names)
    return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const auto* s = name->d.dNSName;
      out.push_back("DNS:"
                    + std::string{reinterpret_cast<const char*>(s->data),
                                  static_cast<size_t>(s->length)});
    } else if (name->type == GEN_IPADD) {
      out.push_back("IP:" + ip_text(name->d.iPAddress));
    }
  }
  return out;
}

identity_result load_or_create_identity(const fs::path& data_dir,
                                        const certificate_names& names) {
  identity_result result;
  auto id = load_or_create_server_id(data_dir, result.error);
  if (!id)
    return result;
  auto tls = load_or_create_tls(data_dir, names, result.error);
  if (!tls)
    return result;
  result.identity = server_identity{std::move(*id), std::move(*tls)};
  return result;
}

} // namespace openmfd::net
