#include "actors/clients_command.hpp"

#include <cstdio>

#include "actors/clients_admin.hpp"
#include "actors/trust_store_file.hpp"
#include "platform/files.hpp"

namespace openmfd::actors {

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

admin_outcome apply(protocol::trust_store& store, const clients_request& req) {
  using action = clients_request::action;
  switch (req.what) {
    case action::revoke:
      return revoke_client(store, req.selector);
    case action::add:
      return add_client(store, req.client_id, req.name, unix_now());
    case action::clear_denied:
      return clear_denied(store);
    case action::list:
      break;
  }
  return {true, describe_clients(store), std::nullopt};
}

} // namespace

int run_clients_command(const std::filesystem::path& data_dir,
                        const clients_request& request) {
  std::string error;
  trust_store_file file{data_dir};
  if (request.what == clients_request::action::list) {
    auto store = file.load(error);
    if (!store)
      return fail(error);
    std::fputs(describe_clients(*store).c_str(), stdout);
    return 0;
  }
  if (auto ec = platform::create_private_dir(data_dir))
    return fail("cannot use the data dir " + data_dir.string() + ": "
                + ec.message());
  admin_outcome outcome;
  auto written = file.update(
    [&](protocol::trust_store& store) {
      outcome = apply(store, request);
      return outcome.ok;
    },
    error);
  if (!written)
    return fail(error);
  if (!outcome.ok)
    return fail(outcome.message);
  std::printf("%s\n", outcome.message.c_str());
  return 0;
}

} // namespace openmfd::actors
