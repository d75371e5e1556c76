#include "net/tls_stream.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace openmfd::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

/// What one socket read takes in. Panels send small frames, so this is
/// enough for most in one read; a larger record takes a few.
constexpr std::size_t input_capacity = 2048;

/// Output produced beyond this waits until the earlier output is written
/// (the step is retried). With the buffer in flight, a write of our own
/// gathered (16 KiB) and OpenSSL's record buffer, a connection's output
/// takes at most about 100 KiB however its peer behaves.
constexpr std::size_t max_pending_output = 32 * 1024;

/// An output buffer grown past this is given back once written, so that a
/// burst does not stay in an idle connection's memory.
constexpr std::size_t kept_output_capacity = 4096;

tls_engine* engine_of(BIO* bio) {
  return static_cast<tls_engine*>(BIO_get_data(bio));
}

int bio_write(BIO* bio, const char* in, int size) {
  BIO_clear_retry_flags(bio);
  try {
    int n = engine_of(bio)->bio_write(in, size);
    if (n < 0)
      BIO_set_retry_write(bio);
    return n;
  } catch (...) { // no exception may cross OpenSSL: a plain write error
    return -1;
  }
}

int bio_read(BIO* bio, char* out, int size) {
  BIO_clear_retry_flags(bio);
  int n = engine_of(bio)->bio_read(out, size);
  if (n < 0)
    BIO_set_retry_read(bio);
  return n;
}

long bio_ctrl(BIO*, int command, long, void*) {
  // OpenSSL flushes after each flight; the writing happens in tls_stream.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

/// The BIO that connects an SSL object to its tls_engine's buffers; made
/// once, shared by every connection.
const BIO_METHOD* engine_bio_method() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                 "openmfd tls_engine");
    if (!m || BIO_meth_set_write(m, bio_write) != 1
        || BIO_meth_set_read(m, bio_read) != 1
        || BIO_meth_set_ctrl(m, bio_ctrl) != 1
        || BIO_meth_set_create(m, bio_create) != 1)
      throw std::bad_alloc{};
    return m;
  }();
  return method;
}

boost::system::error_code ssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0)
    return ssl::error::unspecified_system_error;
  return {static_cast<int>(code), asio::error::get_ssl_category()};
}

} // namespace

tls_engine::tls_engine(ssl::context& context)
  : ssl_(SSL_new(context.native_handle())) {
  BIO* bio = ssl_ ? BIO_new(engine_bio_method()) : nullptr;
  if (!bio) {
    SSL_free(ssl_);
    throw std::bad_alloc{};
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio); // the SSL object owns it from here
  // A write that fills the buffer is retried with the same bytes, maybe
  // from a moved op; a write reports each record as it goes.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE
                       | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                       | SSL_MODE_RELEASE_BUFFERS);
  SSL_set_accept_state(ssl_);
}

tls_engine::~tls_engine() { SSL_free(ssl_); }

tls_engine::step tls_engine::handshake() {
  ERR_clear_error();
  return perform(SSL_do_handshake(ssl_), 0);
}

tls_engine::step tls_engine::read(asio::mutable_buffer into) {
  return transfer(into.size(), [&](std::size_t* n) {
    return SSL_read_ex(ssl_, into.data(), into.size(), n);
  });
}

tls_engine::step tls_engine::write(asio::const_buffer from) {
  return transfer(from.size(), [&](std::size_t* n) {
    return SSL_write_ex(ssl_, from.data(), from.size(), n);
  });
}

template <class Call>
tls_engine::step tls_engine::transfer(std::size_t size, Call call) {
  if (size == 0)
    return {};
  ERR_clear_error();
  std::size_t n = 0;
  int result = call(&n);
  return perform(result, n);
}

tls_engine::step tls_engine::shutdown() {
  ERR_clear_error();
  int result = SSL_shutdown(ssl_);
  // 0: our close_notify is out, the peer's not in; not waited for.
  if (result >= 0)
    return {};
  return perform(result, 0);
}

tls_engine::step tls_engine::perform(int result, std::size_t bytes) {
  switch (SSL_get_error(ssl_, result)) {
  case SSL_ERROR_NONE:
    return {next_move::done, {}, bytes};
  case SSL_ERROR_WANT_READ:
    return {next_move::input, {}, 0};
  case SSL_ERROR_WANT_WRITE:
    return {next_move::retry, {}, 0};
  case SSL_ERROR_ZERO_RETURN: // the peer's close_notify
    return {next_move::done, asio::error::eof, 0};
  default:
    return {next_move::done, ssl_error(), 0};
  }
}

asio::mutable_buffer tls_engine::begin_read() {
  if (!input_)
    input_ = std::make_unique<unsigned char[]>(input_capacity);
  // SSL asks for more only once it has taken all there was; keep any rest
  // all the same.
  std::size_t rest = input_end_ - input_begin_;
  std::memmove(input_.get(), input_.get() + input_begin_, rest);
  input_begin_ = 0;
  input_end_ = rest;
  reading_ = true;
  return {input_.get() + input_end_, input_capacity - input_end_};
}

void tls_engine::end_read(const boost::system::error_code& ec,
                          std::size_t n) {
  reading_ = false;
  input_end_ += n;
  // The TCP stream ended without the peer's close_notify.
  if (ec == asio::error::eof)
    input_error_ = ssl::error::stream_truncated;
  else if (ec && ec != asio::error::operation_aborted)
    input_error_ = ec;
}

int tls_engine::bio_read(char* out, int size) noexcept {
  std::size_t available = input_end_ - input_begin_;
  if (available == 0)
    return -1;
  std::size_t n = std::min(available, static_cast<std::size_t>(size));
  std::memcpy(out, input_.get() + input_begin_, n);
  input_begin_ += n;
  return static_cast<int>(n);
}

int tls_engine::bio_write(const char* in, int size) {
  auto n = static_cast<std::size_t>(size);
  if (!pending_.empty() && pending_.size() + n > max_pending_output)
    return -1;
  pending_.insert(pending_.end(), in, in + n);
  produced_ += n;
  return size;
}

asio::const_buffer tls_engine::begin_flush() {
  flushing_ = true;
  std::swap(pending_, sending_);
  return asio::buffer(sending_);
}

void tls_engine::end_flush(const boost::system::error_code& ec,
                           std::size_t n) {
  flushing_ = false;
  written_ += n;
  if (ec)
    output_error_ = ec;
  sending_.clear();
  if (sending_.capacity() > kept_output_capacity)
    std::vector<unsigned char>{}.swap(sending_);
}

tls_stream::core::core(asio::ip::tcp::socket socket, ssl::context& context)
  : engine(context), next(std::move(socket)),
    io_done(next.get_executor(),
               asio::steady_timer::time_point::max()) {}

tls_stream::tls_stream(asio::ip::tcp::socket socket, ssl::context& context)
  : core_(std::make_unique<core>(std::move(socket), context)) {}

} // namespace openmfd::net
