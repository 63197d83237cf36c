#include "daemon/socket_activation.hpp"

#include <sys/socket.h>
#include <systemd/sd-daemon.h>

namespace hl2tp::daemon {

std::vector<int> inherited_udp_sockets() {
  std::vector<int> fds;
  const int n = sd_listen_fds(/*unset_environment=*/1);
  for (int i = 0; i < n; ++i) {
    const int fd = SD_LISTEN_FDS_START + i;
    if (sd_is_socket(fd, AF_UNSPEC, SOCK_DGRAM, -1) > 0) fds.push_back(fd);
  }
  return fds;
}

void notify_ready() {
  sd_notify(0, "READY=1");
}
void notify_stopping() {
  sd_notify(0, "STOPPING=1");
}

}  // namespace hl2tp::daemon
