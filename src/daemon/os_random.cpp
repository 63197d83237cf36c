#include "daemon/os_random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace hl2tp::daemon {

void OsRandom::fill(std::span<std::byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source: nothing we send could be trusted
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace hl2tp::daemon
