#include "daemon/path_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

namespace hl2tp::daemon {
namespace {

std::string parent_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// Why this process cannot create files in `dir`, or nothing. AT_EACCESS: the effective IDs decide,
// as they will when the daemon writes there; a read-only file system answers EROFS.
std::optional<std::string> why_not_writable_directory(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return "directory " + dir + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return dir + " is not a directory";
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
    return "directory " + dir + " is not writable: " + std::strerror(errno);
  }
  return std::nullopt;
}

// The management server creates a missing directory (and its parents): then the nearest existing
// ancestor must be writable.
std::optional<std::string> why_directory_cannot_be_had(const std::string& dir) {
  std::filesystem::path existing(dir);
  std::error_code error;
  while (!std::filesystem::exists(existing, error) && existing.has_parent_path() &&
         existing.parent_path() != existing) {
    existing = existing.parent_path();
  }
  if (existing.empty()) existing = ".";
  return why_not_writable_directory(existing.string());
}

}  // namespace

std::vector<std::string> unusable_paths(const DaemonConfig& config) {
  std::vector<std::string> problems;
  if (config.durability != StoreDurability::none) {
    const std::string& path = config.store_path;
    if (auto why = why_not_writable_directory(parent_of(path))) {
      problems.push_back("store " + path + ": " + *why);
    } else if (struct stat st{}; ::stat(path.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode)) {
        problems.push_back("store " + path + " is not a regular file");
      } else if (::faccessat(AT_FDCWD, path.c_str(), R_OK | W_OK, AT_EACCESS) != 0) {
        problems.push_back("store " + path +
                           " is not readable and writable: " + std::strerror(errno));
      }
    }
  }
  const std::string& socket = config.management_socket;
  if (socket.size() >= sizeof(sockaddr_un{}.sun_path)) {
    problems.push_back("management socket " + socket + ": path longer than " +
                       std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
  } else if (auto why = why_directory_cannot_be_had(parent_of(socket))) {
    problems.push_back("management socket " + socket + ": " + *why);
  } else if (struct stat st{}; ::lstat(socket.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
    // The daemon replaces a socket left by an earlier incarnation, never anything else.
    problems.push_back("management socket " + socket + " exists and is not a socket");
  }
  return problems;
}

}  // namespace hl2tp::daemon
