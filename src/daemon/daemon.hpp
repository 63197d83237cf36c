#pragma once
// hl2tpd's shell around the engine (docs/architecture.md §6): an epoll loop over the UDP
// sockets, a signalfd and the local servers (management socket, metrics page) and their
// connections; timers from Endpoint::next_timeout and the connections' deadlines. Each loop turn
// drains what is ready, then commits the turn's checkpoint records in one transaction (group
// commit), and sends the turn's datagrams once that commit is done: no datagram leaves before the
// records emitted before it are durable. The loop never waits on the disk (issue 14): commits run
// on a thread of their own (commit_pipeline.hpp) while the loop goes on, and the store's
// checkpoints on the store's thread.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "daemon/commit_pipeline.hpp"
#include "daemon/config.hpp"
#include "daemon/epoll_set.hpp"
#include "daemon/exit_status.hpp"
#include "daemon/histogram.hpp"
#include "daemon/log_limiter.hpp"
#include "daemon/os_random.hpp"
#include "daemon/udp_socket.hpp"
#include "engine/endpoint.hpp"
#include "store/checkpoint_store.hpp"

namespace hl2tp::daemon {

class ManagementServer;
class MetricsServer;
class StreamServer;

class Daemon {
 public:
  // `random`: where tunnel and session IDs, challenges and Tie Breakers come from; the kernel's
  // CSPRNG unless given (tests and fuzzers give a seeded one, to be reproducible).
  Daemon(DaemonConfig config, std::unique_ptr<store::CheckpointStore> store,
         std::vector<UdpSocket> sockets, std::unique_ptr<RandomSource> random = nullptr);
  ~Daemon();

  // Rebuilds the endpoint from the store, recovers, and serves until told to stop. The exit code.
  int run();
  // What run() does first: the endpoint rebuilt from the store, each tunnel's recovery started as
  // it is read, its records committed and its datagrams sent. Alone it gives a Daemon without its
  // loop or servers, whose endpoint and management commands tests and fuzzers can drive.
  engine::Endpoint::RecoveryReport recover();
  // Where SIGHUP re-reads the configuration from.
  void set_config_path(std::string path) { config_path_ = std::move(path); }
  // When main() began: the start-up line says how long the start took before recovery.
  void set_began(std::chrono::steady_clock::time_point began) { began_ = began; }

  // What the management commands act on.
  engine::Endpoint& endpoint() { return *endpoint_; }
  const DaemonConfig& config() const { return config_; }
  Time now() const;
  Time started() const { return started_; }
  // How a stop was asked for; it decides whether tunnels are cleared and the exit status
  // (exit_status.hpp), which tells systemd whether to start the daemon again.
  enum class StopKind : std::uint8_t {
    hitless,            // request restart, SIGTERM, SIGINT: every tunnel is left for the next start
    shutdown,           // request shutdown: the same, and the daemon stays stopped
    clearing_shutdown,  // request shutdown --clear: StopCCN on every tunnel first (and a bounded
                        // wait for the acknowledgements), and the daemon stays stopped
  };
  // Stop after this turn.
  void request_stop(StopKind kind);
  // After a turn of commands: hand the records to the committer, send what is durable, hold the
  // rest until it is, log (the write-ahead order).
  void flush();
  const Histogram& recovery_seconds() const { return recovery_seconds_; }
  const Histogram& commit_seconds() const { return commit_seconds_; }
  // How long one turn of the loop kept it from looking at its sockets; the longest since start.
  const Histogram& loop_turn_seconds() const { return loop_turn_seconds_; }
  double longest_loop_turn_seconds() const { return longest_loop_turn_; }
  double longest_loop_turn_cpu_seconds() const { return longest_loop_turn_cpu_; }
  // Datagrams produced and waiting for their records' commit.
  std::size_t datagrams_awaiting_commit() const { return held_.size(); }
  // The local servers, for their counters on the metrics page; null when not running.
  const StreamServer* management_server() const;
  const StreamServer* metrics_server() const;

 private:
  void on_socket(UdpSocket& socket);
  void on_signal();
  void reload();
  void log_event(const engine::Event& e);
  // The committer's progress: durations, a failure (which discards the held datagrams).
  void on_committed();
  // Sends at most `limit` held datagrams whose commit is done, in order; true if more are ready.
  bool release_durable(std::size_t limit);
  void send(const tunnel::Datagram& d);

  DaemonConfig config_;
  std::string config_path_;
  std::unique_ptr<RandomSource> random_;
  std::unique_ptr<store::CheckpointStore> store_;
  CommitPipeline commits_{*store_};
  // Datagrams waiting for the commit of the batch numbered beside them, in the order produced.
  std::deque<std::pair<std::uint64_t, tunnel::Datagram>> held_;
  std::vector<UdpSocket> sockets_;
  std::unique_ptr<engine::Endpoint> endpoint_;
  EpollSet poll_;  // before the servers: they file their sockets in it until they are destroyed
  std::unique_ptr<ManagementServer> management_;
  std::unique_ptr<MetricsServer> metrics_;
  Histogram recovery_seconds_{{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120}};
  Histogram commit_seconds_{{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5}};
  Histogram loop_turn_seconds_{{0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1}};
  double longest_loop_turn_ = 0;
  double longest_loop_turn_cpu_ = 0;
  LogLimiter log_limiter_{5.0, 20.0};  // lines per second and burst, per kind of warning
  int signal_fd_ = -1;
  Time started_{};
  std::optional<std::chrono::steady_clock::time_point> began_;
  bool stopping_ = false;
  bool clearing_ = false;
  std::optional<Time> clear_deadline_;
  int exit_code_ = kExitHitlessStop;
};

}  // namespace hl2tp::daemon
