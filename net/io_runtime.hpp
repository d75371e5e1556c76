#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace openmfd::net {

/// The io_context and the threads that run it. Destroy it before the actor
/// system: pending handlers may still release the last connections.
class io_runtime {
public:
  explicit io_runtime(unsigned threads = 1);
  ~io_runtime();

  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  /// For net/ code that creates sockets and timers.
  boost::asio::io_context& context() noexcept;

  /// Calls `fn(signal_number)` on an io thread at each termination signal
  /// (platform::termination_signals).
  void on_termination_signal(std::function<void(int)> fn);

  /// Lets pending work finish for at most `limit`, then stops and joins.
  void drain(std::chrono::milliseconds limit);

private:
  struct impl;
  void arm_signals();
  void run_thread();

  std::unique_ptr<impl> impl_;
  std::vector<std::thread> threads_;
};

} // namespace openmfd::net
