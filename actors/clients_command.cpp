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

/// The first line of standard input, without surrounding blanks; empty
/// when it is longer than `limit` (no client id is).
std::string read_stdin_line(std::size_t limit) {
  std::string line;
  bool too_long = false;
  for (int c = std::getchar(); c != EOF && c != '\n'; c = std::getchar()) {
    if (line.size() < limit)
      line.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
  if (too_long)
    return {};
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!line.empty() && blank(line.back()))
    line.pop_back();
  auto first = line.find_first_not_of(" \t");
  return first == std::string::npos ? std::string{} : line.substr(first);
}

} // namespace

int run_clients_command(const std::filesystem::path& data_dir,
                        clients_request request) {
  // `--id -`: the id comes on standard input, so that other users cannot
  // read it from the process list (a client id is the device's secret).
  if (request.what == clients_request::action::add
      && request.client_id == "-")
    request.client_id = read_stdin_line(64);
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
