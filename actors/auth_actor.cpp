#include "actors/auth_actor.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "actors/clients_admin.hpp"
#include "actors/log.hpp"
#include "actors/trust_store_file.hpp"
#include "platform/secure_random.hpp"
#include "protocol/identity.hpp"
#include "protocol/rate_limiter.hpp"

namespace openmfd::actors {

namespace {

using time_point = caf::actor_clock::time_point;

/// Live tokens per client at most; older ones are dropped first.
constexpr std::size_t max_tokens_per_client = 16;
/// Distinct addresses the prompt limiter remembers.
constexpr std::size_t max_limited_addresses = 4096;

/// A token as the server keeps it: never the token itself, only its hash.
struct live_token {
  std::string token_hash; ///< SHA-256 hex of the token
  std::string id_hash;
  time_point expiry;
};

struct auth_state {
  static inline const char* name = "auth";
  auth_config cfg;
  std::shared_ptr<trust_store_file> file;
  protocol::trust_store store;
  /// Keyed by the first 16 hex digits of the token hash; the full hash is
  /// then compared in constant time.
  std::unordered_map<std::string, live_token> tokens;
  std::unordered_map<std::string, std::deque<std::string>> tokens_by_client;
  std::unordered_map<std::string, std::vector<caf::actor>> subscribers;
  /// Last-seen updates not yet written: id hash → (address, unix time).
  std::unordered_map<std::string, std::pair<std::string, std::int64_t>>
    pending_touch;
  std::unique_ptr<protocol::rate_limiter> limiter;
  bool poll_failing = false;
  /// Clients revoked in this run whose removal could not be written yet,
  /// with the entry as it was revoked: kept out of every store read from
  /// the file, written with the next write that succeeds (at the latest
  /// the next flush). An entry the file shows paired since (`clients add`
  /// in another process: a new first_seen, or a later last_seen) is not
  /// one of them.
  std::map<std::string, protocol::trusted_client> unsaved_revokes;
};

using self_ptr = auth_actor::stateful_pointer<auth_state>;

std::string short_of(const std::string& id_hash) {
  return id_hash.substr(0, 8);
}

std::string token_key(const std::string& token_hash) {
  return token_hash.substr(0, 16);
}

void forget_token(auth_state& st, const std::string& key) {
  st.tokens.erase(key);
}

/// Makes and remembers a token for `id_hash`; empty if the CSPRNG failed.
std::string issue_token(self_ptr self, const std::string& id_hash) {
  auto& st = self->state;
  unsigned char raw[32];
  std::string token;
  std::string hash;
  do {
    if (!platform::secure_random(raw, sizeof(raw)))
      return {};
    token = protocol::to_hex({reinterpret_cast<char*>(raw), sizeof(raw)});
    hash = protocol::sha256_hex(token);
  } while (st.tokens.count(token_key(hash)) > 0);
  auto key = token_key(hash);
  st.tokens[key] = {hash, id_hash, self->clock().now() + st.cfg.token_ttl};
  auto& mine = st.tokens_by_client[id_hash];
  mine.push_back(key);
  while (mine.size() > max_tokens_per_client) {
    forget_token(st, mine.front());
    mine.pop_front();
  }
  return token;
}

authorise_outcome grant(self_ptr self, const std::string& id_hash) {
  auto token = issue_token(self, id_hash);
  if (token.empty()) {
    log("auth").error("the system's random number generator failed");
    return {authorise_verdict::unavailable, {}, 0, 0};
  }
  return {authorise_verdict::granted, std::move(token),
          self->state.cfg.token_ttl.count(), 0};
}

void purge_expired(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  for (auto& [id_hash, keys] : st.tokens_by_client) {
    for (auto it = keys.begin(); it != keys.end();) {
      auto t = st.tokens.find(*it);
      if (t == st.tokens.end() || t->second.expiry <= now) {
        if (t != st.tokens.end())
          st.tokens.erase(t);
        it = keys.erase(it);
      } else {
        ++it;
      }
    }
  }
}

/// Kills every token of `id_hash` and tells its sessions to close.
void revoke_sessions(auth_state& st, const std::string& id_hash) {
  if (auto it = st.tokens_by_client.find(id_hash);
      it != st.tokens_by_client.end()) {
    for (const auto& key : it->second)
      forget_token(st, key);
    st.tokens_by_client.erase(it);
  }
  if (auto it = st.subscribers.find(id_hash); it != st.subscribers.end()) {
    for (const auto& session : it->second)
      caf::anon_send(session, atom::revoked_v);
    st.subscribers.erase(it);
  }
  st.pending_touch.erase(id_hash);
}

/// Writes `change` through the file; keeps the in-memory store in step.
/// Takes `next` as the store, revoking every client it no longer trusts:
/// whoever removed them (the console, or `clients revoke` in another
/// process, seen by a poll or inside our own locked update), their tokens
/// die and their sessions close.
void adopt_store(auth_state& st, protocol::trust_store next) {
  for (const auto& c : st.store.clients) {
    if (!next.find(c.id_hash)) {
      log("auth").info("revoked {} ({})", c.name, c.short_id());
      revoke_sessions(st, c.id_hash);
    }
  }
  st.store = std::move(next);
}

/// Takes the revokes the file does not have yet out of `s` (a store read
/// from the file), so that reading it back does not trust them again; a
/// client paired again since stays, and its revoke is forgotten.
void drop_unsaved_revokes(auth_state& st, protocol::trust_store& s) {
  for (auto revoke = st.unsaved_revokes.begin();
       revoke != st.unsaved_revokes.end();) {
    const auto& [id_hash, revoked] = *revoke;
    auto it = std::find_if(
      s.clients.begin(), s.clients.end(),
      [&](const protocol::trusted_client& c) { return c.id_hash == id_hash; });
    bool paired_since = it != s.clients.end()
                        && (it->first_seen != revoked.first_seen
                            || it->last_seen > revoked.last_seen);
    if (paired_since) {
      revoke = st.unsaved_revokes.erase(revoke);
      continue;
    }
    if (it != s.clients.end())
      s.remove(static_cast<std::size_t>(it - s.clients.begin()));
    ++revoke;
  }
}

/// What a change the file cannot take becomes.
enum class if_unsaved {
  /// Honoured for this run (a revoke still ends the client's sessions at
  /// once; a revoke is written with the next write that succeeds).
  honour,
  /// Dropped: a pairing that the next successful write would undo must not
  /// seem to have worked.
  drop,
};

/// Applies `change` to the file under its lock and adopts the result.
/// Returns false when the file could not be written.
bool save(auth_state& st,
          const std::function<void(protocol::trust_store&)>& change,
          if_unsaved unsaved = if_unsaved::honour) {
  std::string error;
  auto written = st.file->update(
    [&](protocol::trust_store& s) {
      drop_unsaved_revokes(st, s);
      change(s);
      return true;
    },
    error);
  if (written) {
    st.unsaved_revokes.clear();
    adopt_store(st, std::move(*written));
    return true;
  }
  log("auth").error("{}", error);
  if (unsaved == if_unsaved::drop)
    return false;
  auto next = st.store;
  change(next);
  for (const auto& c : st.store.clients)
    if (!next.find(c.id_hash))
      st.unsaved_revokes.emplace(c.id_hash, c);
  for (const auto& c : next.clients) // paired again
    st.unsaved_revokes.erase(c.id_hash);
  adopt_store(st, std::move(next));
  return false;
}

void touch(auth_state& st, const std::string& id_hash,
           const std::string& address) {
  auto now = unix_now();
  st.store.touch(id_hash, address, now);
  st.pending_touch[id_hash] = {address, now};
}

authorise_outcome conclude(self_ptr self, approval_verdict verdict,
                           const approval_request& req) {
  auto& st = self->state;
  switch (verdict) {
    case approval_verdict::approved:
      if (!save(
            st,
            [&](protocol::trust_store& s) {
              s.trust(req.id_hash, req.name, req.address, unix_now());
            },
            if_unsaved::drop)) {
        log("auth").error("cannot pair {} ({}): trust.json cannot be "
                          "written; the device must ask again",
                          req.name, req.short_id);
        return {authorise_verdict::unavailable, {}, 0, 0};
      }
      if (!st.store.find(req.id_hash)) {
        log("auth").error("cannot pair {} ({}): the trust store is full",
                          req.name, req.short_id);
        return {authorise_verdict::unavailable, {}, 0, 0};
      }
      log("auth").info("paired {} ({}) from {}", req.name, req.short_id,
                       req.address);
      return grant(self, req.id_hash);
    case approval_verdict::denied:
      save(st, [&](protocol::trust_store& s) {
        s.deny(req.id_hash, req.name, req.address, unix_now());
      });
      return {authorise_verdict::denied, {}, 0, 0};
    case approval_verdict::timed_out:
      return {authorise_verdict::approval_timeout, {}, 0, 0};
    case approval_verdict::withdrawn:
      return {authorise_verdict::withdrawn, {}, 0, 0};
    case approval_verdict::busy:
      log("auth").warn("pairing request from {} ({}) at {} refused: too many "
                       "requests waiting",
                       req.name, req.short_id, req.address);
      return {authorise_verdict::too_many, {}, 0, 10};
  }
  return {authorise_verdict::unavailable, {}, 0, 0};
}

caf::typed_response_promise<authorise_outcome>
authorise(self_ptr self, const std::string& client_id, const std::string& name,
          const std::string& address, std::uint64_t request_id) {
  auto& st = self->state;
  auto promise = self->make_response_promise<authorise_outcome>();
  auto id_hash = protocol::sha256_hex(client_id);
  if (const auto* known = st.store.find(id_hash)) {
    // Log the name the person at the host approved, not the one claimed now.
    log("auth").info("authorised {} ({}) from {}", known->name,
                     short_of(id_hash), address);
    touch(st, id_hash, address);
    promise.deliver(grant(self, id_hash));
    return promise;
  }
  if (st.store.is_denied(id_hash)) {
    log("auth").info("refused {} ({}) from {}: denied before", name,
                     short_of(id_hash), address);
    promise.deliver(authorise_outcome{authorise_verdict::denied, {}, 0, 0});
    return promise;
  }
  if (auto wait = st.limiter->take(address, self->clock().now())) {
    log("auth").warn("too many pairing requests from {}", address);
    promise.deliver(
      authorise_outcome{authorise_verdict::too_many, {}, 0, wait->count()});
    return promise;
  }
  approval_request req{request_id,        id_hash, name, address,
                       short_of(id_hash), protocol::device_code(client_id)};
  self
    ->request(st.cfg.approval, st.cfg.approval_timeout + std::chrono::seconds{5},
              atom::ask_v, req)
    .then(
      [self, promise, req](approval_verdict verdict) mutable {
        promise.deliver(conclude(self, verdict, req));
      },
      [promise](caf::error& err) mutable {
        log("auth").error("approval failed: {}", to_string(err));
        promise.deliver(
          authorise_outcome{authorise_verdict::unavailable, {}, 0, 0});
      });
  return promise;
}

/// Sends `session` its client's tokens and revocation from now on. Once
/// per session, however often it connects (CONNECT, DISCONNECT, CONNECT
/// ...): a loop of them must not grow the list (nor ping the others).
void add_subscriber(self_ptr self, const std::string& id_hash,
                    const caf::actor& session) {
  auto& sessions = self->state.subscribers[id_hash];
  if (std::find(sessions.begin(), sessions.end(), session) != sessions.end())
    return;
  // The client's older sessions may be what a network drop left behind,
  // holding keys until their heartbeat fails: they check their link now.
  for (const auto& older : sessions)
    caf::anon_send(older, atom::check_alive_v);
  self->monitor(session);
  sessions.push_back(session);
}

/// The client `id_hash` if it is trusted, with `session` (if any)
/// subscribed to its tokens and its revocation.
caf::result<client_identity> subscribe(self_ptr self,
                                       const std::string& id_hash,
                                       const caf::actor& session) {
  auto& st = self->state;
  // A session admitted on an identity checked earlier (a handshake's
  // ?token=) must not outlive a revoke that came in between.
  auto client = st.store.find(id_hash);
  if (!client)
    return caf::make_error(auth_error::invalid_token);
  if (session)
    add_subscriber(self, id_hash, session);
  return client_identity{client->id_hash, client->name};
}

caf::result<client_identity> validate(self_ptr self, const std::string& token,
                                      const caf::actor& session) {
  auto& st = self->state;
  auto hash = protocol::sha256_hex(token);
  auto it = st.tokens.find(token_key(hash));
  if (it == st.tokens.end()
      || !protocol::constant_time_equal(it->second.token_hash, hash)
      || it->second.expiry <= self->clock().now())
    return caf::make_error(auth_error::invalid_token);
  return subscribe(self, it->second.id_hash, session);
}

void rotate(self_ptr self) {
  auto& st = self->state;
  purge_expired(self);
  for (const auto& [id_hash, sessions] : st.subscribers) {
    if (sessions.empty())
      continue;
    auto token = issue_token(self, id_hash);
    if (token.empty())
      continue;
    for (const auto& session : sessions)
      caf::anon_send(session, atom::token_v, token, st.cfg.token_ttl.count());
  }
  self->delayed_send(self, st.cfg.token_rotate, atom::rotate_v);
}

// Applies what `openmfd-server clients ...` changed in the file.
void poll(self_ptr self) {
  auto& st = self->state;
  self->delayed_send(self, st.cfg.poll_interval, atom::poll_v);
  std::string error;
  auto current = st.file->load(error);
  if (!current) {
    if (!st.poll_failing)
      log("auth").error("{}", error);
    st.poll_failing = true;
    return;
  }
  st.poll_failing = false;
  if (current->generation == st.store.generation)
    return;
  drop_unsaved_revokes(st, *current);
  adopt_store(st, std::move(*current));
}

void flush(auth_state& st) {
  if (st.pending_touch.empty() && st.unsaved_revokes.empty())
    return;
  auto touches = std::move(st.pending_touch);
  st.pending_touch.clear();
  save(st, [&](protocol::trust_store& s) {
    for (const auto& [id_hash, seen] : touches)
      s.touch(id_hash, seen.first, seen.second);
  });
}

// adopt_store() sees the client gone, logs and closes its sessions.
std::string revoke_command(auth_state& st, const std::string& selector) {
  admin_outcome outcome;
  bool saved = save(st, [&](protocol::trust_store& s) {
    outcome = revoke_client(s, selector);
  });
  if (outcome.revoked && !saved)
    return outcome.message
           + " for this run; the trust store could not be written (see the "
             "error above), it is tried again every minute";
  return outcome.message;
}

auth_actor::behavior_type auth(self_ptr self, auth_config cfg,
                               std::shared_ptr<trust_store_file> file,
                               protocol::trust_store store) {
  auto& st = self->state;
  st.limiter = std::make_unique<protocol::rate_limiter>(
    1.0 / static_cast<double>(cfg.prompt_refill.count()), cfg.prompt_burst,
    max_limited_addresses);
  st.cfg = std::move(cfg);
  st.file = std::move(file);
  st.store = std::move(store);
  self->set_down_handler([self](caf::down_msg& msg) {
    for (auto& [id_hash, sessions] : self->state.subscribers)
      sessions.erase(std::remove(sessions.begin(), sessions.end(), msg.source),
                     sessions.end());
  });
  // Deferred last-seen times are written before the actor goes.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    flush(self->state);
    self->quit(msg.reason);
  });
  self->delayed_send(self, st.cfg.token_rotate, atom::rotate_v);
  self->delayed_send(self, st.cfg.poll_interval, atom::poll_v);
  self->delayed_send(self, st.cfg.flush_interval, atom::flush_v);
  return {
    [self](atom::authorise, const std::string& client_id,
           const std::string& name, const std::string& address,
           std::uint64_t request_id) {
      return authorise(self, client_id, name, address, request_id);
    },
    [self](atom::validate, const std::string& token,
           const caf::actor& session) {
      return validate(self, token, session);
    },
    [self](atom::subscribe, const std::string& id_hash,
           const caf::actor& session) {
      return subscribe(self, id_hash, session);
    },
    [self](atom::list) { return describe_clients(self->state.store); },
    [self](atom::revoke, const std::string& selector) {
      return revoke_command(self->state, selector);
    },
    [self](atom::clear_denied) {
      admin_outcome outcome;
      save(self->state,
           [&](protocol::trust_store& s) { outcome = clear_denied(s); });
      log("auth").info("{}", outcome.message);
      return outcome.message;
    },
    [self](atom::rotate) { rotate(self); },
    [self](atom::poll) { poll(self); },
    [self](atom::flush) {
      flush(self->state);
      self->delayed_send(self, self->state.cfg.flush_interval, atom::flush_v);
    },
  };
}

} // namespace

auth_actor spawn_auth(caf::actor_system& sys, auth_config cfg, bool detached,
                      std::string& error) {
  auto file = std::make_shared<trust_store_file>(cfg.data_dir);
  auto store = file->load(error);
  if (!store)
    return {};
  if (detached)
    return sys.spawn<caf::detached>(auth, std::move(cfg), std::move(file),
                                    std::move(*store));
  return sys.spawn(auth, std::move(cfg), std::move(file), std::move(*store));
}

} // namespace openmfd::actors
