// Fuzz target for the Engine.IO codec: every decoder sees the same input;
// whatever decodes must re-encode to something that decodes to the same value.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "protocol/engineio.hpp"

namespace {

using namespace openmfd::protocol;

// Small enough that the size check is also exercised by longer inputs.
constexpr std::size_t max_payload = 4096;

// Re-encoding never grows a valid input past what it was decoded from, but
// the second decode must not fail on the limit even if it did.
constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

void check_payload(std::string_view input) {
  auto packets = decode_payload(input, max_payload);
  if (!packets)
    return;
  auto body = encode_payload(*packets);
  if (!body) // decoded payload packets never hold a separator
    std::abort();
  auto again = decode_payload(*body, no_limit);
  if (!again || *again != *packets)
    std::abort();
}

void check_frame(std::string_view input, bool binary) {
  auto packet = decode_packet(input, binary, max_payload);
  if (!packet)
    return;
  auto frame = encode_packet(*packet);
  auto again = decode_packet(frame, packet->binary, no_limit);
  if (!again || *again != *packet)
    std::abort();
}

void check_open(std::string_view input) {
  auto open = parse_open_json(input);
  if (!open)
    return;
  auto again = parse_open_json(encode_open_json(*open));
  if (!again || !(*again == *open))
    std::abort();
}

void check_query(std::string_view input) {
  auto handshake = parse_handshake_query(input);
  if (handshake && handshake->sid && handshake->sid->empty())
    std::abort(); // an empty sid must be rejected, never passed on
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  check_payload(input);
  check_frame(input, false);
  check_frame(input, true);
  check_open(input);
  check_query(input);
  return 0;
}
