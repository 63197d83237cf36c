#include "daemon/epoll_set.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hl2tp::daemon {
namespace {

std::optional<std::string> control(int epoll, int op, int fd, std::uint32_t events,
                                   std::uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (::epoll_ctl(epoll, op, fd, &ev) == 0) return std::nullopt;
  return "epoll_ctl on descriptor " + std::to_string(fd) + ": " + std::strerror(errno);
}

}  // namespace

EpollSet::EpollSet() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {}

EpollSet::~EpollSet() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> EpollSet::add(int fd, std::uint32_t events, std::uint64_t tag) {
  return control(fd_, EPOLL_CTL_ADD, fd, events, tag);
}

std::optional<std::string> EpollSet::change(int fd, std::uint32_t events, std::uint64_t tag) {
  return control(fd_, EPOLL_CTL_MOD, fd, events, tag);
}

void EpollSet::remove(int fd) {
  ::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr);
}

std::span<epoll_event> EpollSet::wait(std::span<epoll_event> out, int timeout_ms) {
  const int n = ::epoll_wait(fd_, out.data(), static_cast<int>(out.size()), timeout_ms);
  return out.first(n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace hl2tp::daemon
