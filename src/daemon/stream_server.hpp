#pragma once
// A local stream server that cannot stall the daemon's loop: the management socket and the metrics
// page are two of these. One request and one answer per connection, as before, but nothing waits
// for a client: every socket is non-blocking and filed in the loop's EpollSet; a connection's
// request collects in its own bounded buffer (request_buffer.hpp) as octets arrive, its answer is
// built once when the request is complete and written as the socket takes it (EPOLLOUT); each
// connection has a deadline from accept to the last octet of its answer; there are at most
// `max_connections` at a time. A client that resets, or goes away before it read its answer,
// closes its own connection and nothing else (send with MSG_NOSIGNAL: EPIPE, not SIGPIPE).
//
// Every way a connection ends is counted (ConnectionOutcome), for the metrics page.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "base/time.hpp"
#include "daemon/client_credentials.hpp"
#include "daemon/epoll_set.hpp"
#include "daemon/request_buffer.hpp"

namespace hl2tp::daemon {

struct StreamServerLimits {
  // Beyond it a new connection is closed at once: a client that holds connections open costs us
  // at most this many descriptors and buffers.
  std::size_t max_connections = 64;
  // Octets of one request, terminator included; a longer one gets the too-large answer.
  std::size_t max_request = 65536;
  // From accept to the answer's last octet: a client that sends nothing, trickles, or never reads
  // its answer is closed then.
  Duration deadline = std::chrono::seconds(5);
  // Octets of answers not yet written, over all connections: beyond it a request gets the busy
  // answer instead of a new large one (clients that ask and never read cannot pile up memory).
  std::size_t max_unwritten_answers = std::size_t{256} << 20;
  // Connections taken from the listening socket's queue per loop turn (the rest wait a turn).
  std::size_t accepts_per_turn = 64;
};

enum class ConnectionOutcome : std::uint8_t {
  answered,   // the whole answer was written
  refused,    // over the connection bound, or answered "busy"
  timed_out,  // the deadline passed before the answer was written
  reset,      // the client reset or closed before taking its answer (ECONNRESET, EPIPE)
  too_large,  // the request exceeded max_request (answered with the too-large answer)
  abandoned,  // the client closed without sending anything
};
inline constexpr std::array kConnectionOutcomes = {
    ConnectionOutcome::answered, ConnectionOutcome::refused,   ConnectionOutcome::timed_out,
    ConnectionOutcome::reset,    ConnectionOutcome::too_large, ConnectionOutcome::abandoned};
std::string_view name(ConnectionOutcome outcome);

struct StreamRequest {
  std::string_view text;                    // without its terminator
  std::optional<ClientCredentials> client;  // Unix sockets only
};

class StreamServer {
 public:
  // Builds the answer to a complete request. Called inside the loop, once per connection.
  using Answer = std::function<std::string(const StreamRequest&)>;
  struct Framing {
    std::string terminator;        // what ends a request
    std::string too_large_answer;  // sent to a request over max_request, then closed
    std::string busy_answer;       // sent when max_unwritten_answers is reached
  };

  StreamServer(std::string name, StreamServerLimits limits, Framing framing, Answer answer);
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;
  ~StreamServer();  // closes every connection and the listening socket

  // Takes ownership of a listening socket (made non-blocking here) and files it in `poll` under
  // `tag_base`, each connection later under `tag_base | n` with 0 < n < 2^32. `poll` must outlive
  // this server.
  std::optional<std::string> attach(int listen_fd, EpollSet& poll, std::uint64_t tag_base);

  // The descriptor filed under `tag_base | slot` is ready (`events` from epoll). Never blocks.
  void on_ready(std::uint32_t slot, std::uint32_t events, Time now);
  // The earliest connection deadline; the loop waits no longer than that.
  std::optional<Time> next_deadline() const;
  // Closes every connection whose deadline is past.
  void expire(Time now);

  std::uint64_t count(ConnectionOutcome outcome) const {
    return counters_[static_cast<std::size_t>(outcome)];
  }
  std::size_t open_connections() const { return connections_.size(); }
  std::size_t unwritten_answer_octets() const { return unwritten_; }
  const std::string& name() const { return name_; }
  int listen_fd() const { return listen_fd_; }

 private:
  struct Reading {
    RequestBuffer input;
  };
  struct Writing {
    std::string answer;
    std::size_t written = 0;
    ConnectionOutcome when_written = ConnectionOutcome::answered;
  };
  struct Connection {
    int fd = -1;
    Time deadline;
    std::optional<ClientCredentials> client;
    std::variant<Reading, Writing> phase;
  };

  void accept_ready(Time now);
  void read_ready(std::uint32_t id, Connection& c);
  // The request is complete (or too large): the answer, then as much of it as the socket takes.
  void respond(std::uint32_t id, Connection& c, std::string answer, ConnectionOutcome when_written);
  void write_ready(std::uint32_t id, Connection& c);
  void close(std::uint32_t id, ConnectionOutcome outcome);
  std::uint32_t next_connection_id();

  std::string name_;
  StreamServerLimits limits_;
  Framing framing_;
  Answer answer_;
  EpollSet* poll_ = nullptr;
  std::uint64_t tag_base_ = 0;
  int listen_fd_ = -1;
  bool unix_ = false;
  std::uint32_t last_id_ = 0;
  std::unordered_map<std::uint32_t, Connection> connections_;
  std::size_t unwritten_ = 0;
  std::array<std::uint64_t, kConnectionOutcomes.size()> counters_{};
};

}  // namespace hl2tp::daemon
