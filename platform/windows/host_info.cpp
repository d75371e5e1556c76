#include "platform/host_info.hpp"

#include <algorithm>
#include <csignal>
#include <vector>

#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

namespace openmfd::platform {

std::string host_name() {
  char buf[MAX_COMPUTERNAME_LENGTH + 1] = {};
  DWORD size = sizeof(buf);
  if (!::GetComputerNameA(buf, &size) || size == 0)
    return "localhost";
  return std::string{buf, size};
}

std::vector<std::string> host_addresses() {
  std::vector<std::string> result;
  ULONG size = 16 * 1024;
  std::vector<unsigned char> buffer;
  ULONG rc = ERROR_BUFFER_OVERFLOW;
  // The table can grow between the two calls; retry a few times.
  for (int attempt = 0; attempt < 3 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buffer.resize(size);
    rc = ::GetAdaptersAddresses(
      AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST, nullptr,
      reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()), &size);
  }
  if (rc != NO_ERROR)
    return result;
  auto* adapter = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data());
  for (; adapter != nullptr; adapter = adapter->Next) {
    if (adapter->IfType == IF_TYPE_SOFTWARE_LOOPBACK
        || adapter->OperStatus != IfOperStatusUp)
      continue;
    for (auto* ua = adapter->FirstUnicastAddress; ua; ua = ua->Next) {
      auto* sa = ua->Address.lpSockaddr;
      if (sa->sa_family == AF_INET6
          && IN6_IS_ADDR_LINKLOCAL(
            &reinterpret_cast<sockaddr_in6*>(sa)->sin6_addr))
        continue;
      char text[INET6_ADDRSTRLEN] = {};
      DWORD len = sizeof(text);
      if (::WSAAddressToStringA(sa, ua->Address.iSockaddrLength, nullptr,
                                text, &len)
          != 0)
        continue;
      if (std::find(result.begin(), result.end(), text) == result.end())
        result.emplace_back(text);
    }
  }
  return result;
}

std::vector<int> termination_signals() {
  return {SIGINT, SIGTERM, SIGBREAK};
}

void ignore_broken_pipes() {} // a failed write is only an error there

} // namespace openmfd::platform
