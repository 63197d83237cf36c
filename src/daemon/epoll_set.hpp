#pragma once
// The set of file descriptors the daemon's loop waits on (epoll(7)), each filed under a tag that
// says what it is: a UDP socket, the signalfd, a local server's listening socket or one of its
// connections. Level-triggered, so that work left for the next turn (a bounded turn) is not lost.
#include <sys/epoll.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace hl2tp::daemon {

class EpollSet {
 public:
  EpollSet();
  EpollSet(const EpollSet&) = delete;
  EpollSet& operator=(const EpollSet&) = delete;
  ~EpollSet();

  bool valid() const { return fd_ >= 0; }
  // `events`: EPOLLIN, EPOLLOUT. An error names the descriptor and the reason.
  std::optional<std::string> add(int fd, std::uint32_t events, std::uint64_t tag);
  std::optional<std::string> change(int fd, std::uint32_t events, std::uint64_t tag);
  void remove(int fd);
  // The ready descriptors (at most out.size()), after waiting at most `timeout_ms` (-1: no limit).
  std::span<epoll_event> wait(std::span<epoll_event> out, int timeout_ms);

 private:
  int fd_ = -1;
};

}  // namespace hl2tp::daemon
