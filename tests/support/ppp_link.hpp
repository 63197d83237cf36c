#pragma once
// Two PPP negotiations wired back to back through a link that may lose, duplicate and reorder
// packets, on a fake clock: each step delivers the earliest packet or fires the earliest Restart
// timer, whichever is due first. For the tests of src/ppp; no network, no real time.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "base/time.hpp"
#include "ppp/negotiation.hpp"

namespace hl2tp::test {

// One end: its negotiation, its policy, and the layer events it produced, in order.
struct PppEnd {
  PppEnd(ppp::NegotiationConfig config, ppp::NegotiationPolicy& options)
      : negotiation(config), policy(options) {}
  ppp::Negotiation negotiation;
  ppp::NegotiationPolicy& policy;
  std::vector<ppp::LayerEvent> events;
  unsigned packets_sent = 0;
};

struct LinkFaults {
  double loss = 0;         // chance a packet is lost
  double duplication = 0;  // chance a packet that is not lost arrives twice
  Duration min_delay = std::chrono::milliseconds(10);
  Duration max_delay = std::chrono::milliseconds(10);  // above min_delay, packets may reorder
};

class PppLink {
 public:
  PppLink(PppEnd& a, PppEnd& b, LinkFaults faults, std::uint64_t seed)
      : ends_{&a, &b}, faults_(faults), rng_(seed) {}

  Time now() const { return now_; }
  bool in_flight() const { return !queue_.empty(); }

  // What an end produced: its packets go toward the other end, its events are recorded.
  void take(std::size_t from, ppp::NegotiationOutput out) {
    PppEnd& end = *ends_[from];
    end.events.insert(end.events.end(), out.layer_events.begin(), out.layer_events.end());
    for (Bytes& packet : out.send) {
      ++end.packets_sent;
      if (chance(faults_.loss)) continue;
      const int copies = chance(faults_.duplication) ? 2 : 1;
      for (int i = 0; i < copies; ++i)
        queue_.emplace(std::make_pair(now_ + delay(), sequence_++), Flight{1 - from, packet});
    }
  }

  // When the next packet arrives or the next timer fires; none when nothing is left to happen.
  std::optional<Time> next_time() const {
    std::optional<Time> next;
    if (!queue_.empty()) next = queue_.begin()->first.first;
    for (const PppEnd* end : ends_) {
      const auto deadline = end->negotiation.deadline();
      if (deadline && (!next || *deadline < *next)) next = deadline;
    }
    return next;
  }

  // Delivers the earliest packet or fires the earliest timer; false when nothing is left to
  // happen (no packet in flight, no timer running).
  bool step() {
    const auto next = next_time();
    if (!next) return false;
    now_ = std::max(now_, *next);
    if (!queue_.empty() && queue_.begin()->first.first <= now_) {
      auto flight = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      PppEnd& to = *ends_[flight.to];
      take(flight.to, to.negotiation.receive(now_, flight.packet, to.policy));
      return true;
    }
    for (std::size_t i = 0; i < 2; ++i) {
      const auto deadline = ends_[i]->negotiation.deadline();
      if (deadline && *deadline <= now_) {
        take(i, ends_[i]->negotiation.timeout(now_, ends_[i]->policy));
        return true;
      }
    }
    return true;
  }

  // Lets everything due up to `t` happen, then stands at `t`.
  void advance_to(Time t) {
    for (auto next = next_time(); next && *next <= t; next = next_time())
      step();
    now_ = std::max(now_, t);
  }

  // Steps until nothing is left to happen or `max_steps` were taken; the steps taken.
  unsigned run(unsigned max_steps) {
    unsigned steps = 0;
    while (steps < max_steps && step())
      ++steps;
    return steps;
  }

 private:
  struct Flight {
    std::size_t to;
    Bytes packet;
  };
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  Duration delay() {
    const auto spread = (faults_.max_delay - faults_.min_delay).count();
    if (spread <= 0) return faults_.min_delay;
    return faults_.min_delay +
           Duration(std::uniform_int_distribution<Duration::rep>(0, spread)(rng_));
  }

  PppEnd* ends_[2];
  LinkFaults faults_;
  std::mt19937_64 rng_;
  Time now_{};
  std::uint64_t sequence_ = 0;  // keeps packets due at the same instant in the order sent
  std::multimap<std::pair<Time, std::uint64_t>, Flight> queue_;
};

}  // namespace hl2tp::test
