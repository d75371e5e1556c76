#include "protocol/http_api.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace openmfd::protocol {

std::string info_body(const server_info& info) {
  boost::json::object body;
  body["server_id"] = info.server_id;
  body["name"] = info.name;
  body["version"] = info.version;
  body["api"] = api_version;
  body["tls_fingerprint"] = info.tls_fingerprint;
  return boost::json::serialize(body);
}

} // namespace openmfd::protocol
