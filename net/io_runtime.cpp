#include "net/io_runtime.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "platform/host_info.hpp"

namespace openmfd::net {

namespace asio = boost::asio;

struct io_runtime::impl {
  // The hint lets Asio tune its scheduler for the threads that run it; it
  // keeps its locks either way (other threads post to it).
  explicit impl(unsigned threads) : context{static_cast<int>(threads)} {}
  asio::io_context context;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
    guard{context.get_executor()};
  asio::signal_set signals{context};
  std::function<void(int)> on_signal;
  // Lets drain() wait for the threads with a deadline (join has none).
  std::mutex mutex;
  std::condition_variable finished_cv;
  unsigned finished = 0;
};

io_runtime::io_runtime(unsigned threads)
  : impl_(std::make_unique<impl>(threads)) {
  for (unsigned i = 0; i < threads; ++i)
    threads_.emplace_back([this] { run_thread(); });
}

io_runtime::~io_runtime() {
  drain(std::chrono::milliseconds{0});
}

void io_runtime::run_thread() {
  for (;;) {
    // An exception escaping a handler is a bug; log it and keep serving the
    // other connections rather than taking the whole server down.
    try {
      impl_->context.run();
      break;
    } catch (const std::exception& e) {
      spdlog::error("io thread: unexpected exception: {}", e.what());
    }
  }
  std::lock_guard<std::mutex> lock{impl_->mutex};
  ++impl_->finished;
  impl_->finished_cv.notify_all();
}

asio::io_context& io_runtime::context() noexcept {
  return impl_->context;
}

void io_runtime::on_termination_signal(std::function<void(int)> fn) {
  impl_->on_signal = std::move(fn);
  for (int signal : platform::termination_signals())
    impl_->signals.add(signal);
  arm_signals();
}

void io_runtime::arm_signals() {
  // Re-armed after each signal, so a second Ctrl-C is handled too.
  impl_->signals.async_wait(
    [this](const boost::system::error_code& ec, int number) {
      if (ec)
        return;
      impl_->on_signal(number);
      arm_signals();
    });
}

void io_runtime::drain(std::chrono::milliseconds limit) {
  if (threads_.empty())
    return;
  boost::system::error_code ignored;
  impl_->signals.cancel(ignored);
  impl_->guard.reset();
  {
    std::unique_lock<std::mutex> lock{impl_->mutex};
    auto all_done = [this] { return impl_->finished == threads_.size(); };
    if (!impl_->finished_cv.wait_for(lock, limit, all_done))
      impl_->context.stop(); // abandon what is still pending
  }
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

} // namespace openmfd::net
