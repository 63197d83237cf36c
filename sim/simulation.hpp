#pragma once
// The deterministic simulator: endpoints on a virtual network with a virtual clock. Every random
// choice (link loss, delay, duplication, each endpoint's IDs and challenges) comes from the run's
// seed, so a seed reproduces a run byte for byte.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <vector>

#include "engine/endpoint.hpp"
#include "sim/link.hpp"
#include "sim/seeded_random.hpp"
#include "sim/trace.hpp"
#include "store/memory_store.hpp"

namespace hl2tp::sim {

using NodeId = std::size_t;

class Simulation {
 public:
  // `with_store`: give every endpoint a MemoryStore; `keep_checkpoint_log`: keep every record for
  // checkpoints(). Benchmarks of the engine alone turn both off.
  explicit Simulation(std::uint64_t seed, std::size_t trace_capacity = 200, bool with_store = true,
                      bool keep_checkpoint_log = true);

  NodeId add_endpoint(PeerAddress address, engine::EndpointConfig config);
  engine::Endpoint& endpoint(NodeId node) { return *nodes_.at(node).endpoint; }
  const engine::Endpoint& endpoint_view(NodeId node) const { return *nodes_.at(node).endpoint; }
  const PeerAddress& address(NodeId node) const { return nodes_.at(node).address; }
  // Every event the node's endpoint produced, in order.
  const std::vector<engine::Event>& events(NodeId node) const { return nodes_.at(node).events; }
  // Every checkpoint record the node's endpoint produced, in order (the simulator's "store").
  const std::vector<tunnel::Checkpoint>& checkpoints(NodeId node) const {
    return nodes_.at(node).checkpoints;
  }
  // The node's durable store: a turn's records are committed to it before its datagrams leave.
  store::MemoryStore& store(NodeId node) { return *nodes_.at(node).store; }
  const store::MemoryStore& store_view(NodeId node) const { return *nodes_.at(node).store; }
  // Forgets the events collected so far (benchmarks measure the engine, not this log).
  void clear_events() {
    for (Node& n : nodes_) {
      std::vector<engine::Event>().swap(n.events);
      std::vector<tunnel::Checkpoint>().swap(n.checkpoints);
    }
  }

  // An endpoint's check_invariants() after the steps it takes: a violation throws
  // InvariantViolation out of the step, which the campaign reports with its seed. A check costs
  // O(tunnels + sessions): after every step while an endpoint holds up to kCheckEvery of them, and
  // past that after every (size / kCheckEvery)th step, so that a run of a hundred thousand
  // sessions stays linear. The tests and campaigns turn it on, benchmarks do not.
  void check_engines_after_each_step(bool on) { check_engines_ = on; }
  static constexpr std::size_t kCheckEvery = 256;

  // The node's process dies now: its endpoint is gone, what its store had not committed is lost,
  // and datagrams that reach it are dropped until restart().
  void crash(NodeId node);
  // The node's process dies in the worst window of its next turn: after the turn's records were
  // committed and before any of its datagrams left (they are lost).
  void crash_after_next_commit(NodeId node) { nodes_.at(node).crash_after_commit = true; }
  // A new process with `config` recovers from the node's store (Endpoint::recover).
  engine::Endpoint::RecoveryReport restart(NodeId node, engine::EndpointConfig config);
  // The node sends from, and is reached at, `address` from now on: a process that comes back on
  // another port (a new NAT mapping, a daemon without a socket held across its restart). The
  // network still finds a node by its host, so datagrams to the old port reach it too.
  void set_address(NodeId node, PeerAddress address) { nodes_.at(node).address = address; }
  bool is_down(NodeId node) const { return !nodes_.at(node).endpoint; }

  // A peer behaviour outside the engine (peer_model.hpp): a datagram for which `ignores` holds is
  // dropped before the node's endpoint sees it, and counted.
  using ReceiveFilter =
      std::function<bool(const engine::Endpoint& receiver, const PeerAddress& from,
                         std::span<const std::byte> datagram)>;
  void set_receive_filter(NodeId node, ReceiveFilter ignores) {
    nodes_.at(node).ignores = std::move(ignores);
  }
  std::uint64_t ignored(NodeId node) const { return nodes_.at(node).ignored; }

  void set_default_link(LinkConfig link) { default_link_ = link; }
  void set_link(NodeId from, NodeId to, LinkConfig link) { links_[{from, to}] = link; }
  LinkConfig& link(NodeId from, NodeId to);

  Time now() const { return now_; }
  // Runs a command against a node's endpoint at the current time, then collects its outputs.
  template <typename F>
  auto command(NodeId node, F&& f) {
    auto result = f(*nodes_.at(node).endpoint, now_);
    if (check_engines_) check_engine(*nodes_.at(node).endpoint);
    pump(node);
    return result;
  }
  void run_for(Duration d);
  // Runs until `done` holds (checked after each step) or `limit` of virtual time passed.
  bool run_until(const std::function<bool()>& done, Duration limit);

  const Trace& trace() const { return trace_; }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t datagrams_sent() const { return datagrams_sent_; }
  std::uint64_t steps() const { return steps_; }

 private:
  struct Node {
    PeerAddress address;
    std::unique_ptr<SeededRandom> random;
    std::unique_ptr<engine::Endpoint> endpoint;
    std::vector<engine::Event> events;
    std::vector<tunnel::Checkpoint> checkpoints;
    std::unique_ptr<store::MemoryStore> store;
    std::optional<Time> timer;  // the pending timer step
    bool crash_after_commit = false;
    std::uint64_t incarnation = 0;  // restarts so far: each gets its own random stream
    ReceiveFilter ignores;
    std::uint64_t ignored = 0;
  };
  struct Step {
    Time at;
    std::uint64_t sequence;  // ties broken by order of scheduling: determinism
    NodeId node;
    bool is_timer;
    PeerAddress from;
    Bytes bytes;
    bool operator>(const Step& o) const { return at != o.at ? at > o.at : sequence > o.sequence; }
  };

  void pump(NodeId node);
  void schedule_delivery(NodeId from, NodeId to, const PeerAddress& source, Bytes bytes);
  bool step(Time limit);  // one step at or before `limit`; false if there is none
  std::optional<NodeId> node_at(const PeerAddress& address) const;

  std::uint64_t seed_;
  bool with_store_;
  bool keep_checkpoint_log_;
  bool check_engines_ = false;
  std::size_t steps_since_check_ = 0;
  void check_engine(const engine::Endpoint& endpoint);
  std::mt19937_64 rng_;
  Time now_{};
  std::uint64_t sequence_ = 0;
  std::vector<Node> nodes_;
  LinkConfig default_link_;
  std::map<std::pair<NodeId, NodeId>, LinkConfig> links_;
  std::priority_queue<Step, std::vector<Step>, std::greater<>> steps_queue_;
  Trace trace_;
  std::uint64_t datagrams_sent_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace hl2tp::sim
