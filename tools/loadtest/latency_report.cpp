#include "tools/loadtest/latency_report.hpp"

#include <cstdio>

namespace openmfd::loadtest {

namespace {

struct percentile_point {
  const char* name;
  double percent;
};
constexpr percentile_point points[] = {
  {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99_9", 99.9}};

} // namespace

boost::json::object latency_json(const histogram& h, double unit_ns) {
  boost::json::object out;
  out["count"] = h.count();
  for (const auto& p : points)
    out[p.name] = static_cast<double>(h.percentile(p.percent)) / unit_ns;
  out["max"] = static_cast<double>(h.max()) / unit_ns;
  out["mean"] = h.mean() / unit_ns;
  return out;
}

std::string format_number(const char* pattern, double a) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, a);
  return text;
}

double per_second(std::uint64_t count, double window_s) {
  return window_s > 0 ? static_cast<double>(count) / window_s : 0;
}

std::string latency_text(const histogram& h, double unit_ns, const char* unit) {
  if (h.count() == 0)
    return "none";
  std::string line;
  for (const auto& p : points)
    line += std::string{p.name} + " "
            + format_number("%.1f", static_cast<double>(h.percentile(p.percent))
                               / unit_ns)
            + "  ";
  return line + "max " + format_number("%.1f", static_cast<double>(h.max()) / unit_ns)
         + " " + unit + "  (n=" + std::to_string(h.count()) + ")";
}

} // namespace openmfd::loadtest
