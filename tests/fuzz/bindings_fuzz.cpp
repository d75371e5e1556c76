// Fuzz target for the bindings loader: any input either fails with a
// bindings error and a detail, or loads into a catalogue whose actions are
// findable, whose combos keep their invariants, and whose list_actions JSON
// serializes and parses back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/bindings.hpp"

namespace {

using namespace openmfd::protocol;

void require(bool condition) {
  if (!condition)
    std::abort();
}

void check_action(const bindings_catalogue& catalogue,
                  const bound_action& action) {
  require(catalogue.find(action.name) != nullptr);
  if (action.combo) {
    require(!action.combo->keys.empty());
    require(action.combo->keys.size() <= max_combo_keys);
    require(action.combo->modifier_count <= action.combo->keys.size());
  }
  auto script = action_script(action, make_script_options({}));
  require(script.has_value() == !action.status());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  std::string detail;
  auto catalogue = load_bindings(input, &detail);
  if (!catalogue) {
    require(&catalogue.error().category()
            == &make_error_code(bindings_errc::invalid_json).category());
    require(!detail.empty());
    return 0;
  }
  for (const auto& action : catalogue->actions())
    check_action(*catalogue, action);
  auto list = list_actions_json(*catalogue);
  require(list.size() == catalogue->actions().size());
  std::error_code ec;
  auto again = boost::json::parse(boost::json::serialize(list), ec);
  require(!ec && again.is_array() && again.as_array().size() == list.size());
  return 0;
}
