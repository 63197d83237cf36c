// The local servers' connections (src/daemon/stream_server.hpp), over real sockets on loopback and
// a real epoll set, driven the way the daemon's loop drives them, with the time given by the test.
// The test process keeps SIGPIPE's default action: a send without MSG_NOSIGNAL to a client that
// went away would end it.
#include "daemon/stream_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace hl2tp::daemon {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kTag = 7ull << 32;

Time at(Duration d) {
  return Time{d};
}

StreamServerLimits limits(std::size_t max_connections = 8, std::size_t max_request = 256) {
  StreamServerLimits l;
  l.max_connections = max_connections;
  l.max_request = max_request;
  l.deadline = 5s;
  return l;
}

// A client socket's end of things, from the test's side.
struct Client {
  int fd = -1;
  Client() = default;
  Client(Client&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Client& operator=(Client&&) = delete;
  ~Client() {
    if (fd >= 0) ::close(fd);
  }
  void send(const std::string& text) const {
    ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
  }
  // What is waiting, without blocking; `closed` once the server closed (EOF or reset).
  std::string take(bool& closed) const {
    std::string out;
    closed = false;
    char chunk[65536];
    for (;;) {
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
      if (n > 0) {
        out.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      return out;
    }
  }
  void reset() {
    const linger l{1, 0};  // SO_LINGER 0: close sends a TCP reset
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    ::close(fd);
    fd = -1;
  }
};

class Server {
 public:
  Server(StreamServerLimits l, StreamServer::Answer answer, bool unix_socket = false)
      : server_("test server", l, {"\n", "too large\n", "busy\n"}, std::move(answer)) {
    int fd = -1;
    if (unix_socket) {
      dir_ = std::filesystem::temp_directory_path() /
             ("hl2tp-stream-server-" + std::to_string(::getpid()));
      std::filesystem::create_directories(dir_);
      path_ = (dir_ / "s.sock").string();
      ::unlink(path_.c_str());
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::strncpy(a.sun_path, path_.c_str(), sizeof(a.sun_path) - 1);
      fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
      socklen_t len = sizeof(a);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      port_ = ntohs(a.sin_port);
    }
    EXPECT_EQ(::listen(fd, 128), 0);
    EXPECT_FALSE(server_.attach(fd, poll_, kTag).has_value());
  }
  ~Server() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  Client connect() const {
    Client c;
    if (path_.empty()) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port_);
      c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      // A small window: loopback TCP would otherwise take tens of megabytes in flight, and a
      // large answer could not be seen to wait for its client.
      const int window = 64 << 10;
      ::setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof(window));
      EXPECT_EQ(::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    } else {
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::strncpy(a.sun_path, path_.c_str(), sizeof(a.sun_path) - 1);
      c.fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      EXPECT_EQ(::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    }
    return c;
  }

  // One loop turn as the daemon takes it: whatever is ready, then the deadlines.
  void turn() {
    std::array<epoll_event, 64> events;
    for (const epoll_event& e : poll_.wait(events, 0)) {
      ASSERT_EQ(e.data.u64 >> 32, kTag >> 32);
      server_.on_ready(static_cast<std::uint32_t>(e.data.u64), e.events, now);
    }
    server_.expire(now);
  }
  void turns(int n) {
    for (int i = 0; i < n; ++i)
      turn();
  }

  StreamServer& operator*() { return server_; }
  StreamServer* operator->() { return &server_; }
  Time now{};

 private:
  EpollSet poll_;  // outlives the server, whose sockets are filed in it
  StreamServer server_;
  std::filesystem::path dir_;
  std::string path_;
  std::uint16_t port_ = 0;
};

StreamServer::Answer echo() {
  return [](const StreamRequest& r) { return "answer to " + std::string(r.text) + "\n"; };
}

TEST(StreamServer, a_request_is_answered_once_and_the_connection_closed) {
  Server s(limits(), echo());
  Client c = s.connect();
  c.send("hello\nignored\n");
  s.turns(3);
  bool closed = false;
  EXPECT_EQ(c.take(closed), "answer to hello\n");
  EXPECT_TRUE(closed);
  EXPECT_EQ(s->count(ConnectionOutcome::answered), 1u);
  EXPECT_EQ(s->open_connections(), 0u);
}

TEST(StreamServer, a_client_that_resets_before_reading_closes_only_its_connection) {
  const std::string big(8 << 20, 'x');  // far more than a socket holds
  Server s(limits(), [&](const StreamRequest&) { return big; });
  Client gone = s.connect(), patient = s.connect();
  gone.send("a\n");
  patient.send("b\n");
  s.turns(3);
  ASSERT_EQ(s->open_connections(), 2u);  // both answers partly written, neither finished
  gone.reset();
  std::string received;
  bool closed = false;
  for (int i = 0; i < 10'000 && !closed; ++i) {
    s.turn();
    received += patient.take(closed);
  }
  EXPECT_EQ(s->count(ConnectionOutcome::reset), 1u);
  EXPECT_EQ(s->count(ConnectionOutcome::answered), 1u);
  EXPECT_EQ(received.size(), big.size());
  EXPECT_EQ(s->unwritten_answer_octets(), 0u);
}

TEST(StreamServer, a_client_that_goes_away_before_reading_on_a_unix_socket_is_counted_reset) {
  const std::string big(8 << 20, 'x');
  Server s(
      limits(), [&](const StreamRequest&) { return big; }, /*unix_socket=*/true);
  Client gone = s.connect();
  gone.send("a\n");
  s.turn();
  ::close(gone.fd);  // EPIPE on the next send: no SIGPIPE may come of it
  gone.fd = -1;
  s.turns(3);
  EXPECT_EQ(s->count(ConnectionOutcome::reset), 1u);
  EXPECT_EQ(s->open_connections(), 0u);
}

TEST(StreamServer, a_large_answer_is_written_as_the_client_takes_it) {
  const std::string big(16 << 20, 'y');
  Server s(limits(), [&](const StreamRequest&) { return big; });
  Client c = s.connect();
  c.send("a\n");
  s.turns(2);  // accept, then the request
  ASSERT_EQ(s->open_connections(), 1u);
  // The turns came back with most of the answer unwritten: they did not wait for the client.
  EXPECT_GT(s->unwritten_answer_octets(), big.size() / 2);
  std::string received;
  bool closed = false;
  for (int i = 0; i < 100'000 && !closed; ++i) {
    s.turn();
    received += c.take(closed);
  }
  EXPECT_EQ(received.size(), big.size());
  EXPECT_TRUE(received == big);
  EXPECT_EQ(s->count(ConnectionOutcome::answered), 1u);
}

TEST(StreamServer, a_client_that_never_sends_is_closed_at_its_deadline) {
  Server s(limits(), echo());
  Client c = s.connect();
  s.turn();
  ASSERT_EQ(s->next_deadline(), at(5s));
  s.now = at(5s - 1us);
  s.turn();
  EXPECT_EQ(s->open_connections(), 1u);
  s.now = at(5s);
  s.turn();
  bool closed = false;
  EXPECT_EQ(c.take(closed), "");
  EXPECT_TRUE(closed);
  EXPECT_EQ(s->count(ConnectionOutcome::timed_out), 1u);
  EXPECT_FALSE(s->next_deadline().has_value());
}

TEST(StreamServer, a_trickling_client_holds_up_nobody_and_is_closed_at_its_deadline) {
  Server s(limits(), echo());
  Client slow = s.connect();
  s.turn();
  for (int i = 0; i < 40; ++i) {
    s.now = at(i * 100ms);
    slow.send("x");
    Client quick = s.connect();
    quick.send("q\n");
    s.turns(2);
    bool closed = false;
    ASSERT_EQ(quick.take(closed), "answer to q\n") << i;
  }
  EXPECT_EQ(s->count(ConnectionOutcome::answered), 40u);
  s.now = at(5s);
  slow.send("x");  // still sending: the deadline counts from accept, not from the last octet
  s.turn();
  EXPECT_EQ(s->count(ConnectionOutcome::timed_out), 1u);
  EXPECT_EQ(s->open_connections(), 0u);
}

TEST(StreamServer, connections_beyond_the_bound_are_closed_at_once_and_counted) {
  Server s(limits(/*max_connections=*/3), echo());
  std::vector<Client> clients;
  for (int i = 0; i < 5; ++i)
    clients.push_back(s.connect());
  s.turn();
  EXPECT_EQ(s->open_connections(), 3u);
  EXPECT_EQ(s->count(ConnectionOutcome::refused), 2u);
  int closed_at_once = 0;
  for (auto& c : clients) {
    bool closed = false;
    (void)c.take(closed);
    closed_at_once += closed;
  }
  EXPECT_EQ(closed_at_once, 2);
}

TEST(StreamServer, an_oversized_request_gets_the_too_large_answer) {
  Server s(limits(8, /*max_request=*/16), echo());
  Client c = s.connect();
  c.send(std::string(32, 'z'));
  s.turns(2);
  bool closed = false;
  EXPECT_EQ(c.take(closed), "too large\n");
  EXPECT_TRUE(closed);
  EXPECT_EQ(s->count(ConnectionOutcome::too_large), 1u);
}

TEST(StreamServer, a_client_that_closes_without_sending_is_counted_abandoned) {
  Server s(limits(), echo());
  { Client c = s.connect(); }
  s.turns(2);
  EXPECT_EQ(s->count(ConnectionOutcome::abandoned), 1u);
  EXPECT_EQ(s->open_connections(), 0u);
}

TEST(StreamServer, a_request_ended_by_shutting_down_the_writing_side_is_answered) {
  Server s(limits(), echo());
  Client c = s.connect();
  c.send("no newline");
  ::shutdown(c.fd, SHUT_WR);
  s.turns(2);
  bool closed = false;
  EXPECT_EQ(c.take(closed), "answer to no newline\n");
  EXPECT_EQ(s->count(ConnectionOutcome::answered), 1u);
}

TEST(StreamServer, requests_past_the_bound_on_unwritten_answers_get_the_busy_answer) {
  StreamServerLimits l = limits();
  l.max_unwritten_answers = 1 << 20;
  const std::string big(16 << 20, 'x');
  int built = 0;
  Server s(l, [&](const StreamRequest&) {
    ++built;
    return big;
  });
  Client hoarder = s.connect();
  hoarder.send("a\n");
  s.turn();
  Client next = s.connect();
  next.send("b\n");
  s.turns(2);
  bool closed = false;
  const std::string answer = next.take(closed);
  EXPECT_TRUE(answer == "busy\n") << answer.size() << " octets";
  EXPECT_EQ(built, 1);
  EXPECT_EQ(s->count(ConnectionOutcome::refused), 1u);
}

TEST(StreamServer, a_unix_client_s_credentials_reach_the_answer) {
  std::optional<ClientCredentials> seen;
  Server s(
      limits(),
      [&](const StreamRequest& r) {
        seen = r.client;
        return std::string("ok\n");
      },
      /*unix_socket=*/true);
  Client c = s.connect();
  c.send("who\n");
  s.turns(2);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->uid, ::getuid());
  EXPECT_EQ(seen->pid, ::getpid());
}

}  // namespace
}  // namespace hl2tp::daemon
