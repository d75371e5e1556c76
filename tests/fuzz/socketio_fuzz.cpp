// Fuzz target for the Socket.IO codec. The whole input is decoded as one text
// packet (and must round-trip through the encoder); it is also split at \x1e
// and fed to a reassembler as one text packet followed by binary attachments.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/socketio.hpp"
#include "same_json.hpp"

namespace {

using namespace openmfd::protocol;
using openmfd::fuzz::same_json;

socketio_limits fuzz_limits() {
  socketio_limits limits;
  limits.max_attachments = 4;
  limits.max_attachment_size = 64;
  limits.max_json_depth = 8;
  return limits;
}

bool same_packet(const socketio_packet& a, const socketio_packet& b) {
  if (a.type != b.type || a.nsp != b.nsp || a.id != b.id
      || a.attachments != b.attachments
      || a.data.has_value() != b.data.has_value())
    return false;
  return !a.data || same_json(*a.data, *b.data);
}

void check_round_trip(std::string_view input) {
  auto packet = decode_socketio(input, fuzz_limits());
  if (!packet)
    return;
  auto again = decode_socketio(encode_socketio(*packet), fuzz_limits());
  if (!again || !same_packet(*again, *packet))
    std::abort();
}

void check_complete(const socketio_message& message) {
  if (message.attachments.size() != message.packet.attachments)
    std::abort();
}

void check_reassembly(std::string_view input) {
  socketio_reassembler reassembler{fuzz_limits()};
  bool first = true;
  for (;;) {
    auto end = input.find('\x1e');
    auto part = input.substr(0, end);
    auto step = first ? reassembler.on_text(part) : reassembler.on_binary(part);
    first = false;
    if (step && *step)
      check_complete(**step);
    if (!step && reassembler.awaiting_attachments())
      std::abort(); // an error must leave the reassembler reset
    if (end == std::string_view::npos)
      return;
    input.remove_prefix(end + 1);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  check_round_trip(input);
  check_reassembly(input);
  return 0;
}
