#include "sim/simulation.hpp"

namespace hl2tp::sim {

Simulation::Simulation(std::uint64_t seed, std::size_t trace_capacity, bool with_store,
                       bool keep_checkpoint_log)
    : seed_(seed),
      with_store_(with_store),
      keep_checkpoint_log_(keep_checkpoint_log),
      rng_(seed),
      trace_(trace_capacity) {}

NodeId Simulation::add_endpoint(PeerAddress address, engine::EndpointConfig config) {
  Node node;
  node.address = address;
  // Each endpoint's randomness is its own stream, derived from the seed and its place.
  node.random = std::make_unique<SeededRandom>(seed_ * 0x9E3779B97F4A7C15ull + nodes_.size() + 1);
  node.endpoint = std::make_unique<engine::Endpoint>(std::move(config), *node.random);
  if (with_store_) node.store = std::make_unique<store::MemoryStore>();
  nodes_.push_back(std::move(node));
  return nodes_.size() - 1;
}

void Simulation::crash(NodeId node) {
  Node& n = nodes_.at(node);
  n.endpoint.reset();
  n.timer.reset();
  n.crash_after_commit = false;  // this crash is the one that was pending, if any
  if (n.store) n.store->crash();
}

engine::Endpoint::RecoveryReport Simulation::restart(NodeId node, engine::EndpointConfig config) {
  Node& n = nodes_.at(node);
  ++n.incarnation;
  n.random = std::make_unique<SeededRandom>(seed_ * 0x9E3779B97F4A7C15ull + node + 1 +
                                            n.incarnation * 0x100000001B3ull);
  n.endpoint = std::make_unique<engine::Endpoint>(std::move(config), *n.random);
  // As the daemon does it: each tunnel's recovery is committed and sent as soon as the tunnel is
  // read, before the next one is (nothing reaches the endpoint meanwhile). A crash pending after
  // the next commit waits for the end of the reading, where pump() takes it.
  store::SnapshotInMemory reader(n.store ? n.store->load() : store::Snapshot{});
  auto report = n.endpoint->recover(now_, reader, [this, node] {
    if (!nodes_[node].crash_after_commit) pump(node);
  });
  pump(node);
  return report;
}

LinkConfig& Simulation::link(NodeId from, NodeId to) {
  auto it = links_.find({from, to});
  if (it == links_.end()) it = links_.emplace(std::pair(from, to), default_link_).first;
  return it->second;
}

std::optional<NodeId> Simulation::node_at(const PeerAddress& address) const {
  for (NodeId i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].address.same_host(address)) return i;
  }
  return std::nullopt;
}

void Simulation::schedule_delivery(NodeId from, NodeId to, const PeerAddress& source, Bytes bytes) {
  const LinkConfig& l = link(from, to);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto delay = [&] {
    Duration d = l.latency;
    if (l.jitter.count() > 0) {
      d += Duration(static_cast<std::int64_t>(unit(rng_) * static_cast<double>(l.jitter.count())));
    }
    return d;
  };
  const PeerAddress& destination = nodes_[to].address;
  if (l.partitioned) {
    trace_.record(now_, source, destination, bytes, Trace::Fate::partitioned);
    return;
  }
  if (unit(rng_) < l.loss) {
    trace_.record(now_, source, destination, bytes, Trace::Fate::lost);
    return;
  }
  const bool twice = unit(rng_) < l.duplicate;
  trace_.record(now_, source, destination, bytes,
                twice ? Trace::Fate::duplicated : Trace::Fate::delivered);
  if (twice) steps_queue_.push({now_ + delay(), sequence_++, to, false, source, bytes});
  steps_queue_.push({now_ + delay(), sequence_++, to, false, source, std::move(bytes)});
}

void Simulation::pump(NodeId node) {
  Node& n = nodes_[node];
  if (!n.endpoint) return;
  // Write-ahead, as the daemon does it: the turn's records are committed, in one batch, before
  // any of its datagrams leaves.
  bool any_record = false;
  while (auto c = n.endpoint->poll_checkpoint()) {
    if (n.store) n.store->append(*c);
    if (keep_checkpoint_log_) n.checkpoints.push_back(std::move(*c));
    any_record = true;
  }
  if (any_record && n.store) (void)n.store->commit();
  if (n.crash_after_commit) {
    // The worst instant: durable, but nothing of this turn reached the wire.
    n.crash_after_commit = false;
    while (n.endpoint->poll_transmit()) {
    }
    crash(node);
    return;
  }
  while (auto d = n.endpoint->poll_transmit()) {
    ++datagrams_sent_;
    PeerAddress source = n.address;
    if (auto to = node_at(d->peer)) schedule_delivery(node, *to, source, std::move(d->bytes));
  }
  while (auto e = n.endpoint->poll_event())
    n.events.push_back(std::move(*e));
  auto next = n.endpoint->next_timeout();
  if (next && (!n.timer || *next != *n.timer)) {
    n.timer = std::max(*next, now_);
    steps_queue_.push({*n.timer, sequence_++, node, true, {}, {}});
  } else if (!next) {
    n.timer.reset();
  }
}

bool Simulation::step(Time limit) {
  // Superseded timer steps are dropped first, so that the step taken is a real one within `limit`.
  while (!steps_queue_.empty()) {
    const Step& top = steps_queue_.top();
    const Node& n = nodes_[top.node];
    if (top.is_timer && (!n.timer || *n.timer != top.at)) {
      steps_queue_.pop();
      continue;
    }
    break;
  }
  if (steps_queue_.empty() || steps_queue_.top().at > limit) return false;
  Step s = steps_queue_.top();
  steps_queue_.pop();
  Node& n = nodes_[s.node];
  now_ = std::max(now_, s.at);
  ++steps_;
  if (!n.endpoint) return true;  // the process is down: the datagram is lost, no timer runs
  if (s.is_timer) {
    n.timer.reset();
    n.endpoint->handle_timeout(now_);
  } else if (n.ignores && n.ignores(*n.endpoint, s.from, s.bytes)) {
    ++n.ignored;
  } else {
    n.endpoint->handle_datagram(now_, s.from, n.address, s.bytes);
  }
  if (check_engines_) check_engine(*n.endpoint);
  pump(s.node);
  return true;
}

void Simulation::check_engine(const engine::Endpoint& endpoint) {
  const std::size_t size = endpoint.tunnels().size() + endpoint.session_count();
  if (++steps_since_check_ < 1 + size / kCheckEvery) return;
  steps_since_check_ = 0;
  endpoint.check_invariants();
}

void Simulation::run_for(Duration d) {
  const Time end = now_ + d;
  while (step(end)) {
  }
  now_ = std::max(now_, end);
}

bool Simulation::run_until(const std::function<bool()>& done, Duration limit) {
  const Time end = now_ + limit;
  while (!done()) {
    if (!step(end)) {
      now_ = std::max(now_, end);
      return done();
    }
  }
  return true;
}

}  // namespace hl2tp::sim
