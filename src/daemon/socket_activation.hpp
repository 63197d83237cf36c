#pragma once
// systemd socket activation (sd_listen_fds(3)): hl2tpd.socket holds UDP port 1701 open while the
// daemon restarts, so that peers never see an ICMP port-unreachable (real peers tear a tunnel
// down on one) and datagrams queued meanwhile are there for the next incarnation. Tests that run
// without systemd pass sockets with the same LISTEN_FDS/LISTEN_PID protocol.
#include <vector>

namespace hl2tp::daemon {

// The UDP sockets passed to this process, if any (the environment variables are then unset).
std::vector<int> inherited_udp_sockets();

// Tells systemd (Type=notify) that the daemon is ready, or is stopping; nothing without systemd.
void notify_ready();
void notify_stopping();

}  // namespace hl2tp::daemon
