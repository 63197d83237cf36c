#pragma once
// LCP Echo as a keepalive with dead-peer detection (RFC 1661 §5.8): while LCP is Opened, an
// Echo-Request every interval; when `max_failures` intervals pass without a frame from the peer,
// the peer is taken for dead. §5.8 sets no such use and no values; the defaults are pppd's
// lcp-echo-interval and lcp-echo-failure as subscribers' own stacks commonly run them, so that
// both ends judge the link alike. Sans-IO: the caller gives the time, and takes the Echo-Request
// to send or the verdict as a value.
#include <chrono>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/time.hpp"

namespace hl2tp::ppp {

struct EchoConfig {
  Duration interval = std::chrono::seconds(30);  // zero: no keepalive
  unsigned max_failures = 3;                     // unanswered Echo-Requests before "dead"
};

// What one expiry of the interval produced.
struct EchoTick {
  std::optional<Bytes> request;  // an Echo-Request (the LCP Information field) to send
  bool peer_dead = false;        // max_failures Echo-Requests went unanswered
};

class EchoKeepalive {
 public:
  explicit EchoKeepalive(EchoConfig config, std::uint8_t next_identifier = 1);

  // LCP entered Opened: the first Echo-Request is one interval away (§5.8: only in Opened).
  void start(Time now);
  // LCP left Opened.
  void stop();
  // A frame came from the peer: it is there, whatever the frame (see link.cpp for why any frame
  // rather than only Echo-Replies).
  void heard_from_peer() { unanswered_ = 0; }
  // The interval's expiry, if due: an Echo-Request carrying `magic_number` (§5.8: ours, zero if not
  // negotiated), or, after max_failures unanswered, the verdict.
  EchoTick timeout(Time now, std::uint32_t magic_number);

  std::optional<Time> deadline() const { return deadline_; }
  bool running() const { return running_; }
  unsigned unanswered() const { return unanswered_; }
  // The Identifier of the next Echo-Request: what a checkpoint keeps.
  std::uint8_t next_identifier() const { return next_identifier_; }
  const EchoConfig& config() const { return config_; }

 private:
  EchoConfig config_;
  bool running_ = false;
  std::optional<Time> deadline_;
  unsigned unanswered_ = 0;
  std::uint8_t next_identifier_;
};

}  // namespace hl2tp::ppp
