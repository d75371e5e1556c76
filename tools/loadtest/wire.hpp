#pragma once

// The load tool's side of the wire: Engine.IO + Socket.IO frames a panel
// sends (built with protocol/'s codecs) and the classification of frames it
// receives, plus the bookkeeping that matches acks to requests.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "protocol/engineio.hpp"

namespace openmfd::loadtest {

/// The Engine.IO pong that answers the server's ping ("2").
inline constexpr std::string_view pong_frame = "3";

/// Socket.IO CONNECT on `/` with the auth payload `{"token": token}`,
/// wrapped in an Engine.IO message: `40{"token":"..."}`.
std::string connect_frame(std::string_view token);

/// An Engine.IO message carrying a Socket.IO EVENT with an ack id.
std::string event_frame(std::string_view name, const boost::json::array& args,
                        std::uint64_t ack_id);

/// An EVENT whose name and arguments never change, encoded once and then
/// reissued with fresh ack ids (the hot path of the action scenarios).
class repeated_event {
public:
  repeated_event(std::string_view name, const boost::json::array& args);

  /// Replaces `out` with `42<ack_id>["name",args...]`.
  void write(std::uint64_t ack_id, std::string& out) const;

private:
  std::string payload_; ///< `["name",args...]`
};

/// `set_screen_state` for `screen` whose state carries `stamp_ns` (the
/// sender's steady clock) as `t`, so receivers can time the delivery.
std::string screen_state_frame(std::string_view screen, std::uint64_t stamp_ns,
                               std::uint64_t ack_id);

/// What a received frame is, as far as a panel cares.
enum class inbound_kind {
  open,            ///< Engine.IO open; `open` is set
  ping,            ///< Engine.IO ping: answer with `pong_frame`
  close,           ///< Engine.IO close
  other,           ///< noop, pong, upgrade: nothing to do
  connected,       ///< Socket.IO CONNECT reply
  connect_refused, ///< CONNECT_ERROR; `text` is its message
  ack,             ///< ACK; `ack_id`, `ok`, and the error code in `text`
  event,           ///< EVENT; `text` is its name, `args` its arguments
  disconnect,      ///< Socket.IO DISCONNECT from the server
  malformed,       ///< undecodable; `text` says why
};

struct inbound {
  inbound_kind kind = inbound_kind::other;
  std::uint64_t ack_id = 0;
  bool ok = false;
  std::string text;
  boost::json::array args;
  std::optional<protocol::engineio_open> open;
};

/// Classifies one WebSocket text frame (or one packet of a polling body).
inbound parse_inbound(std::string_view frame);

/// The `t` stamp of a `screen_state` event made from `screen_state_frame`.
std::optional<std::uint64_t> screen_state_stamp(const inbound& event);

/// Ack ids a panel has in flight, when each was sent and what the caller
/// noted with it. Ids are issued in increasing order from 0; at most
/// `capacity` are outstanding, so memory is fixed. Times are in whatever
/// unit the caller uses (ns here).
class ack_tracker {
public:
  struct request {
    std::uint64_t sent = 0;
    std::uint64_t note = 0; ///< what `issue` was given
  };

  explicit ack_tracker(std::size_t capacity);

  /// The next id, or nullopt when `capacity` requests are outstanding.
  std::optional<std::uint64_t> issue(std::uint64_t now,
                                     std::uint64_t note = 0);

  /// The request `id`, if it is outstanding; it no longer is after this.
  std::optional<request> settle(std::uint64_t id);

  /// Whether `id` was ever issued (answered, expired or outstanding).
  bool issued(std::uint64_t id) const noexcept { return id < next_; }

  /// Forgets the requests issued before `cutoff`; returns how many.
  std::size_t expire(std::uint64_t cutoff);

  std::size_t outstanding() const noexcept { return outstanding_; }

private:
  struct entry {
    std::uint64_t id = 0;
    std::uint64_t sent = 0;
    std::uint64_t note = 0;
    bool live = false;
  };
  entry& slot(std::uint64_t id) { return ring_[id % ring_.size()]; }
  void skip_settled();

  std::vector<entry> ring_;
  std::uint64_t next_ = 0;
  std::uint64_t oldest_ = 0; ///< no live entry below this id
  std::size_t outstanding_ = 0;
};

} // namespace openmfd::loadtest
