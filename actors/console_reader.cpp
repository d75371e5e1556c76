#include "actors/console_reader.hpp"

#include <iostream>
#include <string>
#include <thread>

namespace openmfd::actors {

namespace {

// A line longer than this is cut (nobody types more at a y/n prompt).
constexpr std::size_t max_line = 1024;

} // namespace

void start_console_reader(const approval_actor& approval) {
  std::thread{[target = caf::actor_cast<caf::actor_addr>(approval)] {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.size() > max_line)
        line.resize(max_line);
      auto h = caf::actor_cast<approval_actor>(target);
      if (!h)
        return;
      caf::anon_send(h, atom::line_v, line);
    }
    if (auto h = caf::actor_cast<approval_actor>(target))
      caf::anon_send(h, atom::eof_v);
  }}.detach();
}

} // namespace openmfd::actors
