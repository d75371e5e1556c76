#pragma once

// TLS over a Beast TCP stream, server side, sized for connections that are
// idle most of their life. Asio's ssl::stream keeps two 17 KiB record
// buffers per connection and its BIO pair two more, about 70 KiB of a
// panel's memory while it sits still. Here records pass through a small
// input buffer and an output buffer that only grows while a write is in
// flight, and OpenSSL gives its own buffers back between records
// (SSL_MODE_RELEASE_BUFFERS): an idle connection costs its SSL object and
// a few KiB.
//
// As with any Asio stream, one read and one write may be pending at once.
// Either may have to send (a read that fails sends an alert) or to receive
// (a write during a post-handshake message), so socket reads and socket
// writes are each serialised here: an operation that needs the socket
// while the other one uses it waits for that to end. The TCP
// stream's deadlines (expires_after) bound every socket operation, as they
// would under Asio's stream. Closing sends close_notify and does not wait
// for the peer's: the caller closes the socket next.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace openmfd::net {

/// One server-side SSL object and the buffers its records pass through:
/// the half of tls_stream that is not a template (tls_stream.cpp).
class tls_engine {
public:
  /// What a step needs before the operation can go on. Output the step
  /// produced is written first, whatever comes next.
  enum class next_move {
    done,  ///< complete the operation with `ec` and `bytes`
    input, ///< read from the socket, then step again
    retry, ///< step again (the output buffer was full)
  };

  struct step {
    next_move next = next_move::done;
    boost::system::error_code ec;
    std::size_t bytes = 0;
  };

  explicit tls_engine(boost::asio::ssl::context& context);
  ~tls_engine();
  tls_engine(const tls_engine&) = delete;
  tls_engine& operator=(const tls_engine&) = delete;

  step handshake();
  step read(boost::asio::mutable_buffer into);
  step write(boost::asio::const_buffer from);
  step shutdown();

  /// A socket read into the returned space is in flight until end_read.
  bool reading() const noexcept { return reading_; }
  boost::asio::mutable_buffer begin_read();
  void end_read(const boost::system::error_code& ec, std::size_t n);
  /// Set once a socket read failed (other than by a cancel, after which
  /// reading may go on): nothing more will come.
  const std::optional<boost::system::error_code>& input_error() const
    noexcept {
    return input_error_;
  }

  /// Output bytes produced so far, and written so far; an operation is over
  /// once what it produced is written.
  std::uint64_t produced() const noexcept { return produced_; }
  std::uint64_t written() const noexcept { return written_; }
  /// A socket write of the produced output is in flight.
  bool flushing() const noexcept { return flushing_; }
  /// Takes what waits to be written; the buffer stays valid until
  /// end_flush.
  boost::asio::const_buffer begin_flush();
  void end_flush(const boost::system::error_code& ec, std::size_t n);
  /// Set once a socket write failed: nothing more can be sent.
  const std::optional<boost::system::error_code>& output_error() const
    noexcept {
    return output_error_;
  }

  SSL* native_handle() noexcept { return ssl_; }

  // For the BIO (tls_stream.cpp).
  int bio_read(char* out, int size) noexcept;
  int bio_write(const char* in, int size);

private:
  /// SSL_read_ex or SSL_write_ex through `call`, of `size` bytes.
  template <class Call>
  step transfer(std::size_t size, Call call);
  step perform(int result, std::size_t bytes);

  SSL* ssl_ = nullptr;
  std::unique_ptr<unsigned char[]> input_;
  std::size_t input_begin_ = 0;
  std::size_t input_end_ = 0;
  std::vector<unsigned char> pending_; ///< produced, not yet being written
  std::vector<unsigned char> sending_; ///< being written
  std::uint64_t produced_ = 0;
  std::uint64_t written_ = 0;
  bool reading_ = false;
  bool flushing_ = false;
  std::optional<boost::system::error_code> input_error_;
  std::optional<boost::system::error_code> output_error_;
};

class tls_stream {
public:
  using next_layer_type = boost::beast::tcp_stream;
  using executor_type = next_layer_type::executor_type;

  tls_stream(boost::asio::ip::tcp::socket socket,
             boost::asio::ssl::context& context);

  executor_type get_executor() noexcept { return core_->next.get_executor(); }
  next_layer_type& next_layer() noexcept { return core_->next; }
  const next_layer_type& next_layer() const noexcept { return core_->next; }
  SSL* native_handle() noexcept { return core_->engine.native_handle(); }

  /// The server side of the handshake.
  template <class Token>
  auto async_handshake(Token&& token) {
    return run(handshake_step{}, std::forward<Token>(token));
  }

  /// Sends close_notify (the peer's is not awaited).
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run(shutdown_step{}, std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return run(read_step{first_buffer<boost::asio::mutable_buffer>(buffers)},
               std::forward<Token>(token));
  }

  /// Writes at most one record's worth; small buffers are gathered into
  /// one record (Beast writes a frame's header and payload apart).
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return run(write_step::gather(buffers), std::forward<Token>(token));
  }

private:
  struct core {
    core(boost::asio::ip::tcp::socket socket,
         boost::asio::ssl::context& context);
    tls_engine engine;
    next_layer_type next;
    /// Never expires; cancelled when a socket read or write ends, to wake
    /// an operation waiting for it.
    boost::asio::steady_timer io_done;
  };

  // `transfers`: the operation reports a byte count.
  struct handshake_step {
    static constexpr bool transfers = false;
    tls_engine::step operator()(tls_engine& e) { return e.handshake(); }
  };
  struct shutdown_step {
    static constexpr bool transfers = false;
    tls_engine::step operator()(tls_engine& e) { return e.shutdown(); }
  };
  struct read_step {
    static constexpr bool transfers = true;
    boost::asio::mutable_buffer into;
    tls_engine::step operator()(tls_engine& e) { return e.read(into); }
  };
  struct write_step {
    /// The largest plaintext of one TLS record.
    static constexpr std::size_t record_size = 16 * 1024;
    static constexpr bool transfers = true;

    boost::asio::const_buffer from;
    std::vector<unsigned char> gathered;

    template <class ConstBuffers>
    static write_step gather(const ConstBuffers& buffers) {
      write_step s;
      auto first = first_buffer<boost::asio::const_buffer>(buffers);
      std::size_t total = boost::asio::buffer_size(buffers);
      if (first.size() >= std::min(total, record_size)) {
        s.from = boost::asio::buffer(first, record_size);
        return s;
      }
      s.gathered.resize(std::min(total, record_size));
      boost::asio::buffer_copy(boost::asio::buffer(s.gathered), buffers);
      s.from = boost::asio::buffer(s.gathered);
      return s;
    }

    tls_engine::step operator()(tls_engine& e) { return e.write(from); }
  };

  template <class Buffer, class Buffers>
  static Buffer first_buffer(const Buffers& buffers) {
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end;
         ++it)
      if (Buffer b{*it}; b.size() > 0)
        return b;
    return {};
  }

  /// Steps `Step` until it is done, doing the socket I/O each step asks
  /// for.
  template <class Step>
  class io_op {
  public:
    io_op(core& c, Step step) : core_(c), step_(std::move(step)) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {},
                    std::size_t n = 0) {
      switch (std::exchange(waiting_for_, waiting::nothing)) {
      case waiting::nothing: // the start
        break;
      case waiting::input:
        core_.engine.end_read(ec, n);
        core_.io_done.cancel();
        if (ec == boost::asio::error::operation_aborted)
          return finish(self, ec, 0);
        break;
      case waiting::flush:
        core_.engine.end_flush(ec, n);
        core_.io_done.cancel();
        break;
      case waiting::other_io:
        // Woken: look again. A cancel ends only a wait for input; a step
        // already taken has its result (and its bytes), whose output goes
        // out first.
        if (!stepped_
            && self.get_cancellation_state().cancelled()
                 != boost::asio::cancellation_type::none)
          return finish(self, boost::asio::error::operation_aborted, 0);
        break;
      case waiting::deferred_completion:
        return complete(self, result_.ec, result_.bytes);
      }
      advance(self);
    }

  private:
    enum class waiting { nothing, input, flush, other_io,
                         deferred_completion };

    template <class Self>
    void advance(Self& self) {
      for (;;) {
        if (auto& error = core_.engine.output_error())
          return finish(self, *error, 0);
        if (!stepped_) {
          auto before = core_.engine.produced();
          result_ = step_(core_.engine);
          // The step's own output goes out before its result counts (all
          // output, when the buffer was too full to take it).
          bool waits = core_.engine.produced() > before
                       || result_.next == tls_engine::next_move::retry;
          output_due_ = waits ? core_.engine.produced() : 0;
          stepped_ = true;
        }
        if (core_.engine.written() < output_due_)
          return write_output(self);
        stepped_ = false;
        switch (result_.next) {
        case tls_engine::next_move::done:
          return finish(self, result_.ec, result_.bytes);
        case tls_engine::next_move::retry:
          continue;
        case tls_engine::next_move::input:
          if (auto& error = core_.engine.input_error())
            return finish(self, *error, 0);
          if (core_.engine.reading())
            return wait_for_other_io(self);
          waiting_for_ = waiting::input;
          went_async_ = true;
          return core_.next.async_read_some(core_.engine.begin_read(),
                                            std::move(self));
        }
      }
    }

    template <class Self>
    void write_output(Self& self) {
      if (core_.engine.flushing())
        return wait_for_other_io(self);
      waiting_for_ = waiting::flush;
      went_async_ = true;
      boost::asio::async_write(core_.next, core_.engine.begin_flush(),
                               std::move(self));
    }

    template <class Self>
    void wait_for_other_io(Self& self) {
      waiting_for_ = waiting::other_io;
      went_async_ = true;
      core_.io_done.async_wait(std::move(self));
    }

    // A completion handler never runs inside the call that started its
    // operation: a step that is done at once completes through a post.
    template <class Self>
    void finish(Self& self, boost::system::error_code ec, std::size_t n) {
      if (went_async_)
        return complete(self, ec, n);
      result_.ec = ec;
      result_.bytes = n;
      waiting_for_ = waiting::deferred_completion;
      boost::asio::post(std::move(self)); // on the handler's executor
    }

    template <class Self>
    static void complete(Self& self, boost::system::error_code ec,
                         std::size_t n) {
      if constexpr (Step::transfers)
        self.complete(ec, n);
      else
        self.complete(ec);
    }

    core& core_;
    Step step_;
    tls_engine::step result_;
    std::uint64_t output_due_ = 0;
    waiting waiting_for_ = waiting::nothing;
    bool stepped_ = false;
    bool went_async_ = false;
  };

  template <class Step, class Token>
  auto run(Step step, Token&& token) {
    using signature
      = std::conditional_t<Step::transfers,
                           void(boost::system::error_code, std::size_t),
                           void(boost::system::error_code)>;
    return boost::asio::async_compose<Token, signature>(
      io_op<Step>{*core_, std::move(step)}, token, core_->next);
  }

  /// On the heap, so that pending operations keep their references when
  /// the stream is moved (it is, at a WebSocket upgrade, with none
  /// pending).
  std::unique_ptr<core> core_;
};

namespace detail {

/// TLS goodbye, then the TCP one (Beast's for its own TLS stream).
struct tls_teardown_op : boost::asio::coroutine {
  tls_stream& stream;
  boost::beast::role_type role;
  boost::system::error_code first_error = {};

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {},
                  std::size_t = 0) {
    BOOST_ASIO_CORO_REENTER(*this) {
      BOOST_ASIO_CORO_YIELD stream.async_shutdown(std::move(self));
      first_error = ec;
      BOOST_ASIO_CORO_YIELD {
        using boost::beast::websocket::async_teardown;
        async_teardown(role, stream.next_layer(), std::move(self));
      }
      self.complete(first_error ? first_error : ec);
    }
  }
};

} // namespace detail

/// Found by Beast's WebSocket stream through argument-dependent lookup.
template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, tls_stream& stream,
                    TeardownHandler&& handler) {
  boost::asio::async_compose<TeardownHandler,
                             void(boost::system::error_code)>(
    detail::tls_teardown_op{{}, stream, role}, handler, stream);
}

} // namespace openmfd::net
