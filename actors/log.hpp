#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace openmfd::actors {

/// The named logger (`server`, `auth`, `approval`, `session`, `inject`,
/// `screens`); the default logger when it is not registered (tests).
inline spdlog::logger& log(const std::string& name) {
  auto logger = spdlog::get(name);
  return logger ? *logger : *spdlog::default_logger_raw();
}

} // namespace openmfd::actors
