#pragma once
// Who is at the other end of a local Unix socket connection, as the kernel vouches for it
// (SO_PEERCRED, unix(7)): what an operator's clear or request is logged with.
#include <sys/types.h>

namespace hl2tp::daemon {

struct ClientCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

}  // namespace hl2tp::daemon
