#include "net/identity_store.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tests/support/temp_dir.hpp"

#include "platform/files.hpp"
#include "protocol/identity.hpp"

namespace fs = std::filesystem;
using namespace openmfd::net;

namespace {

/// A fresh folder under the system temp dir, removed afterwards.

std::string slurp(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

void spill(const fs::path& p, const std::string& text) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out << text;
}

const certificate_names names{"gaming-pc", {"192.168.1.20", "fd00::20"}};

} // namespace

TEST_CASE("first start creates id, key and certificate", "[identity]") {
  openmfd::test::temp_dir dir{"openmfd-net"};
  auto result = load_or_create_identity(dir.path(), names);
  REQUIRE(result.identity);
  CHECK(result.error.empty());
  const auto& id = *result.identity;
  CHECK(openmfd::protocol::canonical_uuid_v4(id.server_id) == id.server_id);
  CHECK(slurp(dir.path() / server_id_file) == id.server_id + "\n");
  CHECK(slurp(dir.path() / tls_key_file) == id.tls.key_pem);
  CHECK(slurp(dir.path() / tls_cert_file) == id.tls.cert_pem);
  CHECK_FALSE(openmfd::platform::readable_by_others(dir.path() / tls_key_file));
  // No temp files are left behind by the atomic writes.
  CHECK(std::distance(fs::directory_iterator{dir.path()},
                      fs::directory_iterator{})
        == 3);
}

TEST_CASE("later starts reuse the identity", "[identity]") {
  openmfd::test::temp_dir dir{"openmfd-net"};
  auto first = load_or_create_identity(dir.path(), names);
  auto second = load_or_create_identity(dir.path(), {"renamed", {}});
  REQUIRE(first.identity);
  REQUIRE(second.identity);
  CHECK(second.identity->server_id == first.identity->server_id);
  CHECK(second.identity->tls.fingerprint == first.identity->tls.fingerprint);
  CHECK(second.identity->tls.key_pem == first.identity->tls.key_pem);
}

TEST_CASE("certificates carry the SANs and a matching fingerprint",
          "[identity]") {
  auto made = make_self_signed(names);
  REQUIRE(made);
  auto sans = read_san_entries(made->cert_pem);
  std::vector<std::string> expected{"DNS:gaming-pc", "DNS:localhost",
                                    "IP:127.0.0.1",  "IP:::1",
                                    "IP:192.168.1.20", "IP:fd00::20"};
  CHECK(sans == expected);
  CHECK(certificate_san_entries(names)
        == std::vector<std::string>{"DNS:gaming-pc", "DNS:localhost",
                                    "IP:127.0.0.1", "IP:::1",
                                    "IP:192.168.1.20", "IP:fd00::20"});
  std::string error;
  auto parsed = parse_tls_identity(made->key_pem, made->cert_pem, error);
  REQUIRE(parsed);
  CHECK(parsed->fingerprint == made->fingerprint);
  CHECK(made->fingerprint.rfind("sha256/", 0) == 0);
  CHECK(made->fingerprint.size() == 7 + 64);
  // Two certificates never share a fingerprint (fresh key, random serial).
  auto other = make_self_signed(names);
  REQUIRE(other);
  CHECK(other->fingerprint != made->fingerprint);
}

TEST_CASE("odd host names and addresses stay out of the SAN list",
          "[identity]") {
  certificate_names odd{"bad,name=x", {"1.2.3.4,DNS:evil", "10.0.0.1"}};
  auto sans = certificate_san_entries(odd);
  CHECK(sans.front() == "DNS:badnamex");
  CHECK(std::find(sans.begin(), sans.end(), "IP:10.0.0.1") != sans.end());
  for (const auto& s : sans)
    CHECK(s.find("evil") == std::string::npos);
  CHECK(make_self_signed(odd));
}

TEST_CASE("corrupt identity files stop the start and stay untouched",
          "[identity]") {
  struct damage {
    const char* what;
    const char* culprit;
    void (*apply)(const fs::path&);
  };
  const damage cases[] = {
    {"garbage id", server_id_file,
     [](const fs::path& d) { spill(d / server_id_file, "hello\n"); }},
    {"v1 uuid", server_id_file,
     [](const fs::path& d) {
       spill(d / server_id_file, "3f2504e0-4f89-11d3-9a0c-0305e82c3301\n");
     }},
    {"garbage key", tls_key_file,
     [](const fs::path& d) { spill(d / tls_key_file, "nope"); }},
    {"garbage cert", tls_cert_file,
     [](const fs::path& d) { spill(d / tls_cert_file, "nope"); }},
    {"cert missing", tls_cert_file,
     [](const fs::path& d) { fs::remove(d / tls_cert_file); }},
    {"key missing", tls_key_file,
     [](const fs::path& d) { fs::remove(d / tls_key_file); }},
    {"foreign key", tls_cert_file,
     [](const fs::path& d) {
       spill(d / tls_key_file, make_self_signed(names)->key_pem);
     }},
    {"exposed key", tls_key_file,
     [](const fs::path& d) {
       fs::permissions(d / tls_key_file, fs::perms::others_read,
                       fs::perm_options::add);
     }},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      openmfd::test::temp_dir dir{"openmfd-net"};
      REQUIRE(load_or_create_identity(dir.path(), names).identity);
      c.apply(dir.path());
      std::map<std::string, std::string> before;
      for (const auto& e : fs::directory_iterator{dir.path()})
        before[e.path().filename().string()] = slurp(e.path());
      auto result = load_or_create_identity(dir.path(), names);
      CHECK_FALSE(result.identity);
      CHECK_THAT(result.error,
                 Catch::Contains((dir.path() / c.culprit).string()));
      std::map<std::string, std::string> after;
      for (const auto& e : fs::directory_iterator{dir.path()})
        after[e.path().filename().string()] = slurp(e.path());
      CHECK(after == before);
    }
  }
}

TEST_CASE("a key with a passphrase is refused, not asked about",
          "[identity]") {
  auto plain = make_self_signed(names);
  REQUIRE(plain);
  std::unique_ptr<BIO, decltype(&BIO_free)> in{
    BIO_new_mem_buf(plain->key_pem.data(),
                    static_cast<int>(plain->key_pem.size())),
    &BIO_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
    PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr),
    &EVP_PKEY_free};
  REQUIRE(key);
  std::unique_ptr<BIO, decltype(&BIO_free)> out{BIO_new(BIO_s_mem()),
                                                &BIO_free};
  char passphrase[] = "secret";
  REQUIRE(PEM_write_bio_PrivateKey(
            out.get(), key.get(), EVP_aes_256_cbc(),
            reinterpret_cast<unsigned char*>(passphrase), 6, nullptr, nullptr)
          == 1);
  char* data = nullptr;
  auto size = BIO_get_mem_data(out.get(), &data);
  std::string encrypted{data, static_cast<std::size_t>(size)};
  REQUIRE(encrypted.find("ENCRYPTED") != std::string::npos);

  std::string error;
  CHECK_FALSE(parse_tls_identity(encrypted, plain->cert_pem, error));
  CHECK_THAT(error, Catch::Contains("passphrase"));
  CHECK(parse_tls_identity(plain->key_pem, plain->cert_pem, error));
}
