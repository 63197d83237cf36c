#include "daemon/stream_server.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <vector>

namespace hl2tp::daemon {

std::string_view name(ConnectionOutcome outcome) {
  switch (outcome) {
    case ConnectionOutcome::answered:
      return "answered";
    case ConnectionOutcome::refused:
      return "refused";
    case ConnectionOutcome::timed_out:
      return "timed_out";
    case ConnectionOutcome::reset:
      return "reset";
    case ConnectionOutcome::too_large:
      return "too_large";
    case ConnectionOutcome::abandoned:
      return "abandoned";
  }
  return "?";
}

StreamServer::StreamServer(std::string name, StreamServerLimits limits, Framing framing,
                           Answer answer)
    : name_(std::move(name)),
      limits_(limits),
      framing_(std::move(framing)),
      answer_(std::move(answer)) {
  assert(limits_.max_connections > 0);
  assert(limits_.max_request >= framing_.terminator.size() && !framing_.terminator.empty());
}

StreamServer::~StreamServer() {
  // Closing a descriptor takes it out of the epoll set as well.
  for (auto& [id, c] : connections_)
    ::close(c.fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::optional<std::string> StreamServer::attach(int listen_fd, EpollSet& poll,
                                                std::uint64_t tag_base) {
  assert(listen_fd_ < 0 && (tag_base & 0xFFFF'FFFFull) == 0);
  listen_fd_ = listen_fd;
  poll_ = &poll;
  tag_base_ = tag_base;
  const int flags = ::fcntl(listen_fd_, F_GETFL);
  if (flags < 0 || ::fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK) != 0) {
    return name_ + ": " + std::strerror(errno);
  }
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    unix_ = local.ss_family == AF_UNIX;
  }
  if (auto error = poll_->add(listen_fd_, EPOLLIN, tag_base_)) return name_ + ": " + *error;
  return std::nullopt;
}

std::uint32_t StreamServer::next_connection_id() {
  // Unique among the open connections; 0 is the listening socket's slot. A stale epoll event for
  // a closed connection names an ID nobody holds and is ignored.
  do {
    ++last_id_;
  } while (last_id_ == 0 || connections_.contains(last_id_));
  return last_id_;
}

void StreamServer::on_ready(std::uint32_t slot, std::uint32_t /*events*/, Time now) {
  if (slot == 0) {
    accept_ready(now);
    return;
  }
  auto it = connections_.find(slot);
  if (it == connections_.end()) return;
  // Errors and hang-ups show up as what recv or send returns.
  if (std::holds_alternative<Reading>(it->second.phase)) {
    read_ready(slot, it->second);
  } else {
    write_ready(slot, it->second);
  }
}

void StreamServer::accept_ready(Time now) {
  for (std::size_t i = 0; i < limits_.accepts_per_turn; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        spdlog::warn("{}: accept: {}", name_, std::strerror(errno));
      }
      return;
    }
    if (connections_.size() >= limits_.max_connections) {
      ::close(fd);
      ++counters_[static_cast<std::size_t>(ConnectionOutcome::refused)];
      continue;
    }
    Connection c{fd, now + limits_.deadline, std::nullopt,
                 Reading{RequestBuffer(framing_.terminator, limits_.max_request)}};
    if (unix_) {
      ucred cred{};
      socklen_t len = sizeof(cred);
      if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        c.client = ClientCredentials{cred.pid, cred.uid, cred.gid};
      }
    }
    const std::uint32_t id = next_connection_id();
    if (auto error = poll_->add(fd, EPOLLIN, tag_base_ | id)) {
      spdlog::warn("{}: {}", name_, *error);
      ::close(fd);
      ++counters_[static_cast<std::size_t>(ConnectionOutcome::refused)];
      continue;
    }
    connections_.emplace(id, std::move(c));
  }
}

void StreamServer::read_ready(std::uint32_t id, Connection& c) {
  auto& input = std::get<Reading>(c.phase).input;
  char chunk[4096];
  // Bounded: every pass either adds octets to a bounded buffer or leaves.
  for (;;) {
    const ssize_t n = ::recv(c.fd, chunk, sizeof(chunk), 0);
    RequestBuffer::Status status;
    if (n > 0) {
      status = input.append(std::string_view(chunk, static_cast<std::size_t>(n)));
    } else if (n == 0) {
      status = input.end_of_input();
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return;
    } else {
      close(id, ConnectionOutcome::reset);
      return;
    }
    switch (status) {
      case RequestBuffer::Status::incomplete:
        continue;
      case RequestBuffer::Status::abandoned:
        close(id, ConnectionOutcome::abandoned);
        return;
      case RequestBuffer::Status::too_large:
        respond(id, c, framing_.too_large_answer, ConnectionOutcome::too_large);
        return;
      case RequestBuffer::Status::complete:
        if (unwritten_ >= limits_.max_unwritten_answers) {
          respond(id, c, framing_.busy_answer, ConnectionOutcome::refused);
        } else {
          const StreamRequest request{input.request(), c.client};
          respond(id, c, answer_(request), ConnectionOutcome::answered);
        }
        return;
    }
  }
}

void StreamServer::respond(std::uint32_t id, Connection& c, std::string answer,
                           ConnectionOutcome when_written) {
  unwritten_ += answer.size();
  c.phase = Writing{std::move(answer), 0, when_written};
  // From now on only writability matters: a client that keeps sending is not read any more.
  if (auto error = poll_->change(c.fd, EPOLLOUT, tag_base_ | id)) {
    spdlog::warn("{}: {}", name_, *error);
    close(id, ConnectionOutcome::reset);
    return;
  }
  write_ready(id, c);  // most answers fit in the socket's buffer at once
}

void StreamServer::write_ready(std::uint32_t id, Connection& c) {
  auto& w = std::get<Writing>(c.phase);
  while (w.written < w.answer.size()) {
    // MSG_NOSIGNAL: a client gone away is EPIPE here, not a SIGPIPE that ends the daemon.
    const ssize_t n = ::send(c.fd, w.answer.data() + w.written, w.answer.size() - w.written,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      w.written += static_cast<std::size_t>(n);
      unwritten_ -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;  // EPOLLOUT brings us back
    } else {
      close(id, ConnectionOutcome::reset);
      return;
    }
  }
  close(id, w.when_written);
}

void StreamServer::close(std::uint32_t id, ConnectionOutcome outcome) {
  auto it = connections_.find(id);
  assert(it != connections_.end());
  if (auto* w = std::get_if<Writing>(&it->second.phase))
    unwritten_ -= w->answer.size() - w->written;
  poll_->remove(it->second.fd);
  ::close(it->second.fd);
  connections_.erase(it);
  ++counters_[static_cast<std::size_t>(outcome)];
  if (outcome != ConnectionOutcome::answered) {
    spdlog::debug("{}: connection closed: {}", name_, daemon::name(outcome));
  }
}

std::optional<Time> StreamServer::next_deadline() const {
  std::optional<Time> earliest;
  for (const auto& [id, c] : connections_) {
    if (!earliest || c.deadline < *earliest) earliest = c.deadline;
  }
  return earliest;
}

void StreamServer::expire(Time now) {
  std::vector<std::uint32_t> expired;
  for (const auto& [id, c] : connections_) {
    if (c.deadline <= now) expired.push_back(id);
  }
  for (std::uint32_t id : expired)
    close(id, ConnectionOutcome::timed_out);
}

}  // namespace hl2tp::daemon
