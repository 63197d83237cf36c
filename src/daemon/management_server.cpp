#include "daemon/management_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/daemon.hpp"
#include "daemon/management_commands.hpp"

namespace hl2tp::daemon {

ManagementServer::~ManagementServer() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

std::optional<std::string> ManagementServer::listen(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return "management socket path too long: " + path;
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return "management socket path " + path +
             " exists and is not a socket; refusing to remove it";
    }
    ::unlink(path.c_str());  // left by a previous incarnation
  }
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd_, 16) != 0) {
    return "management socket " + path + ": " + std::strerror(errno);
  }
  ::chmod(path.c_str(), 0660);
  path_ = path;
  return std::nullopt;
}

void ManagementServer::accept_one() {
  const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  timeval limit{1, 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  std::string line;
  char chunk[4096];
  while (line.find('\n') == std::string::npos && line.size() < 65536) {
    const ssize_t n = ::read(client, chunk, sizeof(chunk));
    if (n <= 0) break;
    line.append(chunk, static_cast<std::size_t>(n));
  }
  if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
  std::string answer = handle_request(daemon_, line) + "\n";
  std::size_t sent = 0;
  while (sent < answer.size()) {
    const ssize_t n = ::write(client, answer.data() + sent, answer.size() - sent);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::close(client);
  daemon_.flush();  // a command's records are committed, and its datagrams sent, now
}

}  // namespace hl2tp::daemon
