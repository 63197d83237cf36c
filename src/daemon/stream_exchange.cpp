#include "daemon/stream_exchange.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace hl2tp::daemon {

void serve_one_request(int listen_fd, std::string_view terminator, std::size_t max_request,
                       const std::function<std::string(const std::string& request)>& answer) {
  const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  timeval limit{1, 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  std::string request;
  char chunk[4096];
  while (request.find(terminator) == std::string::npos && request.size() < max_request) {
    const ssize_t n = ::read(client, chunk, sizeof(chunk));
    if (n <= 0) break;
    request.append(chunk, static_cast<std::size_t>(n));
  }
  const std::string response = answer(request);
  std::size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = ::write(client, response.data() + sent, response.size() - sent);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::close(client);
}

}  // namespace hl2tp::daemon
