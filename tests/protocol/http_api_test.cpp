#include "protocol/http_api.hpp"

#include <catch2/catch.hpp>

using namespace openmfd::protocol;

TEST_CASE("info body has DESIGN §3's keys in order", "[http]") {
  server_info info{"3f2504e0-4f89-41d3-9a0c-0305e82c3301", "gaming \"pc\"",
                   "0.1.0", "sha256/ab"};
  CHECK(info_body(info)
        == R"({"server_id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301",)"
           R"("name":"gaming \"pc\"","version":"0.1.0","api":1,)"
           R"("tls_fingerprint":"sha256/ab"})");
}
