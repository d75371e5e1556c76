#pragma once

#include <spdlog/spdlog.h>

namespace openmfd::net {

/// The "net" logger (falls back to the default one in tests).
inline spdlog::logger& log() {
  static auto logger = spdlog::get("net");
  return logger ? *logger : *spdlog::default_logger_raw();
}

} // namespace openmfd::net
