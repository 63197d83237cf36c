#include "daemon/daemon.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "daemon/event_line.hpp"
#include "daemon/management_server.hpp"
#include "daemon/metrics_server.hpp"
#include "daemon/socket_activation.hpp"
#include "daemon/stream_server.hpp"

namespace hl2tp::daemon {
namespace {

using namespace std::chrono_literals;

// Per socket and turn, so that timers, commits and the other sockets keep up: a turn of 64 costs
// about 1 ms at most (issue 14 measures the longest turn: hl2tp_loop_turn_longest_seconds).
constexpr std::size_t kDatagramsPerTurn = 64;
// Datagrams sent per turn once their commit is done: a commit that took long releases hundreds at
// once, and sending them all in one turn kept the loop from its sockets for milliseconds.
constexpr std::size_t kReleasedPerTurn = 128;
constexpr std::size_t kMaxDatagram = 65536;

double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace

Daemon::Daemon(DaemonConfig config, std::unique_ptr<store::CheckpointStore> store,
               std::vector<UdpSocket> sockets, std::unique_ptr<RandomSource> random)
    : config_(std::move(config)),
      random_(random ? std::move(random) : std::make_unique<OsRandom>()),
      store_(std::move(store)),
      sockets_(std::move(sockets)) {}

Daemon::~Daemon() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

const StreamServer* Daemon::management_server() const {
  return management_ ? &management_->server() : nullptr;
}

const StreamServer* Daemon::metrics_server() const {
  return metrics_ ? &metrics_->server() : nullptr;
}

Time Daemon::now() const {
  return Time{
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
}

void Daemon::request_stop(StopKind kind) {
  // A shutdown stays a shutdown: a SIGTERM during a clearing shutdown does not turn it into a
  // restart. A failure's status stands above both.
  if (kind != StopKind::hitless && exit_code_ == kExitHitlessStop) exit_code_ = kExitShutDown;
  if (kind == StopKind::clearing_shutdown && !clearing_) {
    clearing_ = true;
    const Time t = now();
    clear_deadline_ = t + 5s;
    std::vector<std::uint16_t> ids;
    for (const auto& [id, tunnel] : endpoint_->tunnels())
      ids.push_back(id);
    for (std::uint16_t id : ids)
      endpoint_->close_tunnel(t, id, {1, std::nullopt, "administrative shutdown"});
    flush();
    spdlog::info("shutdown: StopCCN sent on {} tunnels", ids.size());
    return;
  }
  stopping_ = true;
}

void Daemon::flush() {
  // Write-ahead (docs/architecture.md §4): the records go to the committer first; a datagram leaves
  // once every record produced before it is durable.
  std::vector<tunnel::Checkpoint> records;
  while (auto record = endpoint_->poll_checkpoint())
    records.push_back(std::move(*record));
  if (!records.empty()) commits_.submit(std::move(records));
  if (commits_.ready_fd() < 0) on_committed();  // committed on this thread: learn the outcome
  if (commits_.error()) return;
  const std::uint64_t due = commits_.submitted();
  while (auto d = endpoint_->poll_transmit()) {
    if (held_.empty() && due <= commits_.durable()) {
      send(*d);
    } else {
      held_.emplace_back(due, std::move(*d));
    }
  }
  while (auto e = endpoint_->poll_event())
    log_event(*e);
}

void Daemon::on_committed() {
  const bool failed_before = commits_.error().has_value();
  auto progress = commits_.collect();
  for (double seconds : progress.commit_seconds)
    commit_seconds_.observe(seconds);
  if (const auto& error = commits_.error()) {
    if (!failed_before) {
      // Nothing may be sent that the store does not hold: stop here; the next start recovers
      // from what was committed.
      spdlog::critical("store commit failed, stopping without sending {} datagrams: {}",
                       held_.size(), *error);
    }
    held_.clear();
    stopping_ = true;
    exit_code_ = kExitFailure;
    return;
  }
}

bool Daemon::release_durable(std::size_t limit) {
  for (std::size_t n = 0; n < limit && !held_.empty(); ++n) {
    if (held_.front().first > commits_.durable()) return false;
    send(held_.front().second);
    held_.pop_front();
  }
  return !held_.empty() && held_.front().first <= commits_.durable();
}

void Daemon::send(const tunnel::Datagram& d) {
  // From the tunnel's own address (RFC 2661 §8.1): the socket bound to it, or a wildcard one of
  // its port; a datagram whose source is not known yet (an SCCRQ of ours) from any socket of the
  // family, where the kernel's route picks the source.
  UdpSocket* out = nullptr;
  for (auto& s : sockets_) {
    if (d.local.unspecified() ? s.v6() == d.peer.v6 : s.can_send_from(d.local)) {
      if (out == nullptr || !s.wildcard()) out = &s;
    }
  }
  if (out == nullptr || !out->send(d.peer, d.local, d.bytes)) {
    spdlog::debug("could not send {} bytes to {}", d.bytes.size(), d.peer.to_string());
  }
}

void Daemon::log_event(const engine::Event& e) {
  using engine::EventKind;
  if (e.kind == EventKind::recovery_completed) {
    if (const auto* t = endpoint_->find_tunnel(e.tunnel_id); t && t->recovery().duration()) {
      recovery_seconds_.observe(std::chrono::duration<double>(*t->recovery().duration()).count());
    }
  }
  // Tunnel and session up and down at info: one line each, with every name of the call
  // (event_line.hpp). Warnings are what an outsider can provoke (refused and abandoned recovery
  // requests): rate-limited.
  const auto level = e.kind == EventKind::recovery_failed ||
                             e.kind == EventKind::recovery_refused ||
                             e.kind == EventKind::recovery_request_abandoned
                         ? spdlog::level::warn
                         : spdlog::level::info;
  if (!spdlog::should_log(level)) return;
  std::uint64_t suppressed = 0;
  if (level == spdlog::level::warn &&
      !log_limiter_.allow(std::string(event_kind_name(e.kind)), now(), suppressed)) {
    return;
  }
  fmt::memory_buffer line;
  format_event_line(e, suppressed, line);
  spdlog::log(level, "{}", std::string_view(line.data(), line.size()));
}

void Daemon::on_socket(UdpSocket& socket) {
  static thread_local std::vector<std::byte> buffer(kMaxDatagram);
  for (std::size_t i = 0; i < kDatagramsPerTurn; ++i) {
    auto got = socket.receive(buffer);
    if (!got) return;
    if (got->length > buffer.size()) continue;  // truncated: not a datagram we could decode
    endpoint_->handle_datagram(now(), got->from, got->to, std::span(buffer).first(got->length));
  }
}

void Daemon::on_signal() {
  signalfd_siginfo info{};
  while (::read(signal_fd_, &info, sizeof(info)) == sizeof(info)) {
    switch (info.ssi_signo) {
      case SIGTERM:
      case SIGINT:
        // A hitless restart or upgrade: every tunnel stays in the store for the next start.
        spdlog::info("signal {}: stopping; tunnels are left for the next start to recover",
                     info.ssi_signo);
        request_stop(StopKind::hitless);
        break;
      case SIGHUP:
        reload();
        break;
      default:
        break;
    }
  }
}

void Daemon::reload() {
  auto fresh = load_config(config_path_);
  if (!fresh) {
    spdlog::error("reload: {}; keeping the running configuration", fresh.error());
    return;
  }
  // What a running process cannot change without closing what it serves.
  if (fresh->listen != config_.listen || fresh->store_path != config_.store_path ||
      fresh->durability != config_.durability ||
      fresh->management_socket != config_.management_socket || fresh->metrics != config_.metrics ||
      fresh->role != config_.role) {
    spdlog::warn(
        "reload: listen addresses, store, management socket, metrics address and role take "
        "effect at the next start (hl2tpctl request restart keeps every session)");
  }
  // A tunnel keeps the settings it was set up with (its peer holds the same secret): say how many
  // go on with a secret the new configuration no longer gives (issue 13, point 7).
  std::size_t kept_old_secret = 0;
  for (const auto& [id, t] : endpoint_->tunnels()) {
    const auto* secret = &fresh->endpoint.tunnel.secret;
    for (const auto& peer : fresh->endpoint.peers) {
      if (peer.host.same_host(t.peer())) secret = &peer.secret;
    }
    kept_old_secret += t.settings().secret != *secret;
  }
  if (kept_old_secret > 0) {
    spdlog::info("reload: {} tunnels keep the secret they were set up with until they close",
                 kept_old_secret);
  }
  endpoint_->reconfigure(fresh->endpoint);
  spdlog::set_level(spdlog::level::from_str(fresh->log_level));
  config_.endpoint = fresh->endpoint;
  config_.log_level = fresh->log_level;
  spdlog::info("reload: configuration {} applied to new tunnels ({} peers)", config_path_,
               config_.endpoint.peers.size());
}

engine::Endpoint::RecoveryReport Daemon::recover() {
  started_ = now();
  endpoint_ = std::make_unique<engine::Endpoint>(config_.endpoint, *random_);
  // Read a tunnel at a time (snapshot_reader.hpp), each tunnel's recovery begun as soon as it is
  // read. Every few milliseconds what was produced goes to the committer, and what is durable is
  // sent: the peers' answers wait in the sockets while the rest is read, so the reading and the
  // round trip overlap (issue 14, point 4). The first commit waits for the store's integrity check
  // (sqlite_store.hpp) on the committer's thread, not here.
  constexpr auto kFlushEvery = std::chrono::milliseconds(2);
  auto last_flush = std::chrono::steady_clock::now();
  std::size_t flushes = 0;
  auto flush_now_and_then = [&] {
    const auto t = std::chrono::steady_clock::now();
    if (t - last_flush < kFlushEvery) return;
    last_flush = t;
    ++flushes;
    on_committed();
    release_durable(held_.size());
    flush();
  };
  engine::Endpoint::RecoveryReport report;
  {
    auto reader = store_->read();
    report = endpoint_->recover(started_, *reader, flush_now_and_then);
  }
  const Time rebuilt = now();
  // The rest, and every recovery datagram sent before the loop begins.
  flush();
  commits_.drain();
  on_committed();
  release_durable(held_.size());
  // Where a restart's time goes (issue 14): reading the store into the tables (recovery begun as it
  // went), and the last commit with the datagrams still waiting for it.
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  const double opening_ms =
      began_ ? ms(std::chrono::steady_clock::now() - *began_) - ms(now() - started_) : 0.0;
  spdlog::info(
      "started: {} tunnels recovering, {} sessions kept, {} tunnels cleared, {} StopCCN resent, "
      "{} calls that were being set up dropped ({} of their requests not sent again); "
      "configuration, sockets and store opened in {:.0f} ms, store read into the tables in {:.0f} "
      "ms (recovery sent as it went, {} commits), the last commit and datagrams in {:.0f} ms",
      report.tunnels_recovered, report.sessions_recovered, report.tunnels_cleared,
      report.tunnels_closing, report.calls_dropped, report.call_requests_withheld, opening_ms,
      ms(rebuilt - started_), flushes, ms(now() - rebuilt));
  return report;
}

int Daemon::run() {
  if (!poll_.valid()) {
    spdlog::error("could not create the epoll set");
    return kExitFailure;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal_fd_ = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  // A tag's upper half says what is ready; its lower half which socket or connection.
  constexpr std::uint64_t kSignal = 1, kManagement = 2, kMetrics = 3, kCommitted = 4;
  std::vector<std::string> errors;
  for (std::size_t i = 0; i < sockets_.size(); ++i) {
    if (auto error = poll_.add(sockets_[i].fd(), EPOLLIN, i)) errors.push_back(*error);
  }
  if (auto error = poll_.add(signal_fd_, EPOLLIN, kSignal << 32)) errors.push_back(*error);
  management_ = std::make_unique<ManagementServer>(*this);
  if (auto error = management_->listen(config_.management_socket, poll_, kManagement << 32)) {
    errors.push_back(*error);
  }
  if (config_.metrics) {
    metrics_ = std::make_unique<MetricsServer>(*this);
    if (auto error = metrics_->listen(*config_.metrics, poll_, kMetrics << 32)) {
      errors.push_back(*error);
    }
  }
  if (!errors.empty()) {
    for (const auto& error : errors)
      spdlog::error("{}", error);
    return kExitFailure;
  }
  // Commits run beside the loop (and beside recovery's reading of the store), and their
  // completions wake the loop like a socket: even a commit that syncs nothing (process-crash
  // durability) can wait for the store's checkpoint thread (a RESTART checkpoint holds the writer
  // lock while it syncs) or for pages under writeback.
  if (auto error = commits_.start()) {
    spdlog::error("{}", *error);
    return kExitFailure;
  }
  if (auto error = poll_.add(commits_.ready_fd(), EPOLLIN, kCommitted << 32)) {
    spdlog::error("{}", *error);
    return kExitFailure;
  }
  // Only now, with every local socket bound, is any peer contacted: a start that cannot serve
  // (a metrics port taken, a management socket refused) fails before recovery sends a datagram,
  // so a peer never sees a recovery begun by a process about to exit.
  recover();
  notify_ready();

  std::array<epoll_event, 64> events;
  bool more_released = false;
  while (!stopping_) {
    // The loop wakes for the engine's next timer and for the local servers' next connection
    // deadline, whichever comes first.
    std::optional<Time> wake = endpoint_->next_timeout();
    for (const StreamServer* server : {management_server(), metrics_server()}) {
      if (!server) continue;
      if (auto deadline = server->next_deadline(); deadline && (!wake || *deadline < *wake)) {
        wake = deadline;
      }
    }
    int timeout_ms = -1;
    if (wake) {
      const auto wait = *wake - now();
      timeout_ms =
          wait.count() <= 0
              ? 0
              : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    }
    if (clearing_) timeout_ms = timeout_ms < 0 ? 100 : std::min(timeout_ms, 100);
    if (more_released) timeout_ms = 0;  // durable datagrams still to send: look, do not wait
    const auto ready_events = poll_.wait(events, timeout_ms);
    const auto turn_begun = std::chrono::steady_clock::now();
    const double turn_cpu_begun = thread_cpu_seconds();
    for (const epoll_event& ready : ready_events) {
      const std::uint64_t kind = ready.data.u64 >> 32;
      const auto slot = static_cast<std::uint32_t>(ready.data.u64 & 0xFFFF'FFFFull);
      if (kind == kCommitted) {
        on_committed();
      } else if (kind == kSignal) {
        on_signal();
      } else if (kind == kManagement) {
        management_->server().on_ready(slot, ready.events, now());
      } else if (kind == kMetrics) {
        metrics_->server().on_ready(slot, ready.events, now());
      } else {
        on_socket(sockets_[slot]);
      }
    }
    const Time t = now();
    management_->server().expire(t);
    if (metrics_) metrics_->server().expire(t);
    if (auto next = endpoint_->next_timeout(); next && *next <= t) endpoint_->handle_timeout(t);
    // What became durable goes before what this turn produced (which waits behind it, in order).
    more_released = release_durable(kReleasedPerTurn);
    flush();
    const double turn =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - turn_begun).count();
    loop_turn_seconds_.observe(turn);
    longest_loop_turn_ = std::max(longest_loop_turn_, turn);
    // The same turn in the loop thread's own CPU time: a wall-clock turn much longer than this was
    // the thread waiting for a core, not working.
    longest_loop_turn_cpu_ =
        std::max(longest_loop_turn_cpu_, thread_cpu_seconds() - turn_cpu_begun);
    if (clearing_) {
      // Done once every StopCCN is acknowledged (RFC 2661 §5.7), or at the deadline: a tunnel
      // still closing then stays in the store, and the next start sends its StopCCN again.
      const bool acked = std::all_of(
          endpoint_->tunnels().begin(), endpoint_->tunnels().end(),
          [](const auto& entry) { return entry.second.state() != tunnel::State::closing; });
      if (acked || (clear_deadline_ && *clear_deadline_ <= t)) stopping_ = true;
    }
  }
  // What was produced before the stop leaves once it is durable; the committer's thread ends
  // with the pipeline.
  commits_.drain();
  on_committed();
  release_durable(held_.size());
  notify_stopping();
  spdlog::info("stopped");
  return exit_code_;
}

}  // namespace hl2tp::daemon
