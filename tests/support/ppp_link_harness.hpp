#pragma once
// A Link (the LNS) and a PppSubscriber over a link that may lose, duplicate and reorder frames
// (LinkFaults, as for two negotiations in ppp_link.hpp), on a fake clock, with a verifier that
// answers each verification after a delay from a table of secrets. Each step delivers the earliest
// frame or verdict, or fires the earliest timer of either end.
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ppp/credential_check.hpp"
#include "ppp/link.hpp"
#include "support/ppp_link.hpp"
#include "support/ppp_subscriber.hpp"

namespace hl2tp::test {

class LinkHarness {
 public:
  LinkHarness(ppp::Link& link, PppSubscriber& subscriber, LinkFaults faults, std::uint64_t seed)
      : link_(&link), subscriber_(&subscriber), faults_(faults), rng_(seed) {}

  std::map<std::string, std::string> secrets{{"alice", "open sesame"}};
  Duration verdict_delay = std::chrono::milliseconds(50);

  // What the Link produced, with when.
  std::vector<std::pair<Time, ppp::LinkEvent>> events;
  std::vector<std::pair<Time, ppp::LinkFrame>> sent_by_link;
  std::vector<ppp::LinkFrame> sent_by_subscriber;
  std::vector<ppp::LinkOutput> outputs;

  Time now() const { return now_; }
  void replace_link(ppp::Link& link) { link_ = &link; }

  // Both ends' lower layer comes up; the subscriber after `subscriber_delay`.
  void start(Duration subscriber_delay = {}) {
    take_link(link_->lower_up(now_));
    advance_to(now_ + subscriber_delay);
    take_subscriber(subscriber_->start(now_));
  }

  void take_link(ppp::LinkOutput out) {
    for (ppp::LinkFrame& frame : out.send) {
      sent_by_link.emplace_back(now_, frame);
      send(1, std::move(frame));
    }
    for (const ppp::LinkEvent& event : out.events)
      events.emplace_back(now_, event);
    if (out.verify) {
      const std::string& name =
          std::visit([](const auto& c) -> const std::string& { return c.peer_name; }, *out.verify);
      const auto secret = secrets.find(name);
      verdicts_.emplace(
          std::make_pair(now_ + verdict_delay, sequence_++),
          ppp::local_verdict(*out.verify, secret == secrets.end()
                                              ? std::nullopt
                                              : std::optional<std::string_view>(secret->second)));
    }
    outputs.push_back(std::move(out));
  }
  void take_subscriber(PppSubscriber::Frames frames) {
    for (ppp::LinkFrame& frame : frames) {
      sent_by_subscriber.push_back(frame);
      send(0, std::move(frame));
    }
  }

  std::optional<Time> next_time() const {
    std::optional<Time> next;
    const auto take = [&next](std::optional<Time> t) {
      if (t && (!next || *t < *next)) next = t;
    };
    if (!queue_.empty()) take(queue_.begin()->first.first);
    if (!verdicts_.empty()) take(verdicts_.begin()->first.first);
    take(link_->deadline());
    take(subscriber_->deadline());
    return next;
  }

  bool step() {
    const auto next = next_time();
    if (!next) return false;
    now_ = std::max(now_, *next);
    if (!queue_.empty() && queue_.begin()->first.first <= now_) {
      auto flight = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      if (flight.first == 0) {
        take_link(link_->receive(now_, flight.second.protocol, flight.second.information));
      } else {
        take_subscriber(subscriber_->receive(now_, flight.second));
      }
      return true;
    }
    if (!verdicts_.empty() && verdicts_.begin()->first.first <= now_) {
      const ppp::AuthVerdict verdict = verdicts_.begin()->second;
      verdicts_.erase(verdicts_.begin());
      take_link(link_->verdict(now_, verdict));
      return true;
    }
    const auto link_deadline = link_->deadline();
    if (link_deadline && *link_deadline <= now_) {
      take_link(link_->timeout(now_));
      return true;
    }
    take_subscriber(subscriber_->timeout(now_));
    return true;
  }

  void advance_to(Time t) {
    for (auto next = next_time(); next && *next <= t; next = next_time())
      step();
    now_ = std::max(now_, t);
  }

  template <typename Event>
  std::vector<Event> events_of() const {
    std::vector<Event> found;
    for (const auto& [at, event] : events) {
      if (const auto* e = std::get_if<Event>(&event)) found.push_back(*e);
    }
    return found;
  }
  template <typename Event>
  std::optional<Time> first_time_of() const {
    for (const auto& [at, event] : events) {
      if (std::holds_alternative<Event>(event)) return at;
    }
    return std::nullopt;
  }

 private:
  void send(std::size_t to, ppp::LinkFrame frame) {
    if (chance(faults_.loss)) return;
    const int copies = chance(faults_.duplication) ? 2 : 1;
    for (int i = 0; i < copies; ++i)
      queue_.emplace(std::make_pair(now_ + delay(), sequence_++), std::make_pair(to, frame));
  }
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  Duration delay() {
    const auto spread = (faults_.max_delay - faults_.min_delay).count();
    if (spread <= 0) return faults_.min_delay;
    return faults_.min_delay +
           Duration(std::uniform_int_distribution<Duration::rep>(0, spread)(rng_));
  }

  ppp::Link* link_;
  PppSubscriber* subscriber_;
  LinkFaults faults_;
  std::mt19937_64 rng_;
  Time now_{};
  std::uint64_t sequence_ = 0;
  std::multimap<std::pair<Time, std::uint64_t>, std::pair<std::size_t, ppp::LinkFrame>> queue_;
  std::multimap<std::pair<Time, std::uint64_t>, ppp::AuthVerdict> verdicts_;
};

}  // namespace hl2tp::test
