#include "daemon/management_server.hpp"

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

using namespace std::chrono_literals;

StreamServerLimits ManagementServer::default_limits() {
  StreamServerLimits limits;
  limits.max_connections = 64;
  limits.max_request = 65536;
  limits.deadline = 10s;
  return limits;
}

ManagementServer::ManagementServer(Daemon& daemon, StreamServerLimits limits)
    : daemon_(daemon),
      server_("management socket", limits,
              {"\n",
               R"({"ok":false,"error":"request too large"})"
               "\n",
               R"({"ok":false,"error":"busy: too many answers not yet read; try again"})"
               "\n"},
              [this](const StreamRequest& request) {
                std::string answer = handle_request(daemon_, request.text, request.client) + "\n";
                daemon_.flush();  // a command's records are committed, and its datagrams sent, now
                return answer;
              }) {}

ManagementServer::~ManagementServer() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

std::optional<std::string> ManagementServer::listen(const std::string& path, EpollSet& poll,
                                                    std::uint64_t tag_base) {
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
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, 64) != 0) {
    const std::string error = "management socket " + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return error;
  }
  ::chmod(path.c_str(), 0660);
  path_ = path;
  return server_.attach(fd, poll, tag_base);
}

}  // namespace hl2tp::daemon
