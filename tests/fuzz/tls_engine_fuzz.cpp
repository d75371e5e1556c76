// Fuzz target for the server's TLS engine (net/tls_stream): whatever a
// client sends, cut into whatever pieces, each step ends (no retry loop),
// the output waiting to be written stays bounded, and input is only asked
// for once what came before is used up.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>

#include "net/identity_store.hpp"
#include "net/tls_context.hpp"
#include "net/tls_stream.hpp"

namespace {

using openmfd::net::tls_engine;
using next_move = tls_engine::next_move;

boost::asio::ssl::context& server_context() {
  static const auto context = [] {
    auto identity
      = openmfd::net::make_self_signed({"localhost", {"127.0.0.1"}});
    std::string error;
    auto made = identity ? openmfd::net::make_tls_context(*identity, error)
                         : nullptr;
    if (!made)
      std::abort();
    return made;
  }();
  return *context;
}

/// More than one flight of a handshake ever needs.
constexpr std::uint64_t max_unwritten = 128 * 1024;
constexpr int max_retries = 1000;

/// Steps until the step is done or wants input, writing out what it
/// produces as a socket would.
template <class Step>
tls_engine::step drive(tls_engine& engine, Step step) {
  for (int i = 0; i < max_retries; ++i) {
    auto result = step();
    if (engine.produced() - engine.written() > max_unwritten)
      std::abort();
    if (engine.produced() > engine.written()) {
      auto sent = engine.begin_flush();
      engine.end_flush({}, sent.size());
    }
    if (engine.produced() != engine.written())
      std::abort();
    if (result.next != next_move::retry)
      return result;
  }
  std::abort(); // retried without end
}

/// Piece sizes the input is cut into, in turn: single bytes, a record
/// header, a typical record, more than the engine reads at once.
constexpr std::array<std::size_t, 5> pieces{1, 5, 300, 2048, 7};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  tls_engine engine{server_context()};
  std::array<char, 4096> plain{};
  bool handshaken = false;
  std::size_t at = 0;
  std::size_t capacity = 0; // of the input buffer, seen when it is empty
  for (std::size_t turn = 0;; ++turn) {
    auto result
      = handshaken
          ? drive(engine,
                  [&] { return engine.read(boost::asio::buffer(plain)); })
          : drive(engine, [&] { return engine.handshake(); });
    if (result.next == next_move::done) {
      if (result.ec)
        return 0; // refused: the connection would end here
      handshaken = true;
      continue;
    }
    if (at == size)
      return 0; // the peer went quiet
    auto space = engine.begin_read();
    if (capacity == 0)
      capacity = space.size();
    if (space.size() != capacity)
      std::abort(); // asked for more before using up what came
    std::size_t n = std::min({space.size(), pieces[turn % pieces.size()],
                              size - at});
    std::memcpy(space.data(), data + at, n);
    engine.end_read({}, n);
    at += n;
  }
}
