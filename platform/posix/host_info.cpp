#include "platform/host_info.hpp"

#include <algorithm>
#include <csignal>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

namespace openmfd::platform {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

std::vector<std::string> host_addresses() {
  std::vector<std::string> result;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return result;
  for (auto* it = list; it != nullptr; it = it->ifa_next) {
    if (!it->ifa_addr || (it->ifa_flags & IFF_LOOPBACK) || !(it->ifa_flags & IFF_UP))
      continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (it->ifa_addr->sa_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(it->ifa_addr);
      ::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(it->ifa_addr);
      // Link-local addresses need a zone id, which no certificate can name.
      if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
        continue;
      ::inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    } else {
      continue;
    }
    if (text[0] != '\0'
        && std::find(result.begin(), result.end(), text) == result.end())
      result.emplace_back(text);
  }
  ::freeifaddrs(list);
  return result;
}

std::vector<int> termination_signals() {
  return {SIGINT, SIGTERM, SIGHUP};
}

void ignore_broken_pipes() {
  ::signal(SIGPIPE, SIG_IGN);
}

} // namespace openmfd::platform
