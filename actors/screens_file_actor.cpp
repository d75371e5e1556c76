#include "actors/screens_file_actor.hpp"

#include <optional>

#include "actors/log.hpp"
#include "platform/files.hpp"

namespace openmfd::actors {

namespace {

struct screens_file_state {
  static inline const char* name = "screens_file";
  std::filesystem::path file;
  /// The newest text, while it is not in the file.
  std::optional<std::string> unwritten;
};

using self_ptr = screens_file_actor::stateful_pointer<screens_file_state>;

void write(screens_file_state& st, std::string text) {
  st.unwritten = std::move(text);
  if (auto ec = platform::write_file_atomically(
        st.file, *st.unwritten, platform::file_access::owner_only)) {
    log("screens").error("cannot write {}: {}", st.file.string(),
                         ec.message());
    return;
  }
  st.unwritten.reset();
}

screens_file_actor::behavior_type screens_file(self_ptr self,
                                               std::filesystem::path file,
                                               caf::actor owner) {
  self->state.file = std::move(file);
  self->monitor(owner);
  // The owner's texts were sent before its end was: all are written by now.
  self->set_down_handler([self](caf::down_msg&) {
    auto& st = self->state;
    if (st.unwritten)
      write(st, std::move(*st.unwritten));
    self->quit();
  });
  return {
    [self](atom::write, const std::string& text) {
      write(self->state, text);
    },
  };
}

} // namespace

screens_file_actor spawn_screens_file(caf::actor_system& sys,
                                      std::filesystem::path file,
                                      const caf::actor& owner, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(screens_file, std::move(file), owner);
  return sys.spawn(screens_file, std::move(file), owner);
}

} // namespace openmfd::actors
