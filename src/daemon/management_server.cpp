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
#include "daemon/stream_exchange.hpp"

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
  serve_one_request(fd_, "\n", 65536, [this](const std::string& request) {
    return handle_request(daemon_, request.substr(0, request.find('\n'))) + "\n";
  });
  daemon_.flush();  // a command's records are committed, and its datagrams sent, now
}

}  // namespace hl2tp::daemon
