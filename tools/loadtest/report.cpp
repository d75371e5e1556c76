#include "tools/loadtest/report.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "tools/loadtest/latency_report.hpp"

namespace openmfd::loadtest {

namespace {

namespace json = boost::json;

const char* transport_name(transport_kind t) {
  return t == transport_kind::polling ? "polling" : "websocket";
}

std::optional<double> per_session_kib(const run_facts& facts) {
  const auto& rss = facts.rss;
  if (!rss.start || !rss.connected || facts.connected_at_start == 0)
    return std::nullopt;
  return (static_cast<double>(*rss.connected) - static_cast<double>(*rss.start))
         / static_cast<double>(facts.connected_at_start);
}

json::object memory_json(const run_facts& facts) {
  json::object out;
  auto put = [&out](const char* key, std::optional<std::uint64_t> v) {
    if (v)
      out[key] = *v;
  };
  put("start", facts.rss.start);
  put("connected", facts.rss.connected);
  put("peak", facts.rss.peak);
  put("end", facts.rss.end);
  if (auto each = per_session_kib(facts))
    out["per_session"] = *each;
  return out;
}

std::string memory_text(const run_facts& facts) {
  const auto& rss = facts.rss;
  auto kib = [](std::optional<std::uint64_t> v) {
    return v ? std::to_string(*v) + " KiB" : std::string{"?"};
  };
  std::string line = "start " + kib(rss.start) + ", connected "
                     + kib(rss.connected) + ", peak " + kib(rss.peak)
                     + ", end " + kib(rss.end);
  if (auto each = per_session_kib(facts))
    line += format_number(", %.1f KiB per session", *each);
  return line;
}

} // namespace

std::string render_json(const tally& t, const run_facts& facts) {
  const auto& o = facts.opts;
  json::object out;
  out["scenario"] = to_string(o.what);
  out["transport"] = transport_name(o.transport);
  out["clients"] = o.clients;
  out["window_s"] = facts.window_s;
  out["connect_phase_s"] = facts.connect_phase_s;
  out["connects"] = t.connects.get();
  out["tls_resumed_connects"] = t.resumed_connects.get();
  out["connected_at_start"] = facts.connected_at_start;
  out["churn_connects"] = t.churns.get();
  out["churn_connects_per_s"] = per_second(t.churns.get(), facts.window_s);
  out["connect_ms"] = latency_json(t.connect_ns, 1e6);
  out["requests"] = t.requests.get();
  out["acks_ok"] = t.acks_ok.get();
  out["acks_failed"] = t.acks_failed.get();
  out["acks_per_s"] = per_second(t.acks_ok.get(), facts.window_s);
  out["ack_us"] = latency_json(t.ack_ns, 1e3);
  out["deliveries"] = t.deliveries.get();
  out["expected_deliveries"] = t.expected_deliveries.get();
  out["delivery_us"] = latency_json(t.delivery_ns, 1e3);
  out["send_lag_us"] = latency_json(t.send_lag_ns, 1e3);
  out["pings"] = t.pings.get();
  out["errors"] = t.errors.get();
  json::object kinds;
  for (const auto& [kind, n] : t.error_kinds)
    kinds[kind] = n;
  out["error_kinds"] = std::move(kinds);
  if (o.server_pid)
    out["server_rss_kib"] = memory_json(facts);
  return json::serialize(out) + "\n";
}

std::string render_text(const tally& t, const run_facts& facts) {
  const auto& o = facts.opts;
  std::string text;
  auto row = [&text](const char* name, const std::string& value) {
    char label[24];
    std::snprintf(label, sizeof(label), "%-16s", name);
    text += label + value + "\n";
  };
  row("scenario", std::string{to_string(o.what)} + " over "
                    + transport_name(o.transport) + ", "
                    + std::to_string(o.clients) + " clients, "
                    + format_number("%.1f s", facts.window_s));
  row("connects", std::to_string(t.connects.get()) + " ("
                    + std::to_string(facts.connected_at_start)
                    + " open at start after "
                    + format_number("%.1f s", facts.connect_phase_s) + ", "
                    + std::to_string(t.resumed_connects.get())
                    + " on resumed TLS)");
  row("connect time", latency_text(t.connect_ns, 1e6, "ms"));
  if (t.churns.get() > 0)
    row("churn", std::to_string(t.churns.get()) + " connects, "
                   + format_number("%.0f /s", per_second(t.churns.get(),
                                                  facts.window_s)));
  row("requests", std::to_string(t.requests.get()) + " sent, "
                    + std::to_string(t.acks_ok.get()) + " acked ok, "
                    + std::to_string(t.acks_failed.get()) + " failed, "
                    + format_number("%.0f acks/s",
                             per_second(t.acks_ok.get(), facts.window_s)));
  row("ack latency", latency_text(t.ack_ns, 1e3, "us"));
  if (t.send_lag_ns.count() > 0)
    row("send lag", latency_text(t.send_lag_ns, 1e3, "us"));
  if (t.expected_deliveries.get() > 0 || t.deliveries.get() > 0) {
    row("deliveries", std::to_string(t.deliveries.get()) + " of "
                        + std::to_string(t.expected_deliveries.get())
                        + " expected");
    row("delivery", latency_text(t.delivery_ns, 1e3, "us"));
  }
  row("pings answered", std::to_string(t.pings.get()));
  std::string errors = t.errors.get() ? std::to_string(t.errors.get()) + ":"
                                      : std::string{"none"};
  for (const auto& [kind, n] : t.error_kinds)
    errors += " " + kind + "=" + std::to_string(n);
  row("errors", errors);
  if (o.server_pid)
    row("server rss", memory_text(facts));
  return text;
}

} // namespace openmfd::loadtest
