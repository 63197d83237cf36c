// RFC 1661 §4: an input becomes one of the table's events (§4.3), and its cell's actions (§4.4)
// are performed in the RFC's order. Packets are judged here before the table: what is malformed or
// not a valid reply never becomes an event (§5: "silently discarded without affecting the
// automaton").
#include "ppp/negotiation.hpp"

#include <algorithm>

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"
#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

// The highest code of the protocol: LCP's 11, the NCPs' 7 (RFC 1332 §2, RFC 5072 §2).
constexpr std::uint8_t kLastNcpCode = static_cast<std::uint8_t>(Code::code_reject);
constexpr std::uint8_t kLastLcpCode = static_cast<std::uint8_t>(Code::discard_request);

// The Magic-Number field that starts Echo-Request, Echo-Reply and Discard-Request data (§5.8).
constexpr std::size_t kMagicNumberSize = 4;

bool is_subsequence(std::span<const ConfigOption> part, std::span<const ConfigOption> whole) {
  std::size_t at = 0;
  for (const ConfigOption& option : part) {
    while (at < whole.size() && whole[at] != option)
      ++at;
    if (at == whole.size()) return false;
    ++at;
  }
  return true;
}

// A rejected packet or echoed data is cut to the peer's MRU, less the header it travels in (§5.6).
Bytes truncated(Bytes data, std::size_t header, std::uint16_t peer_mru) {
  const std::size_t room = peer_mru > header ? peer_mru - header : 0;
  if (data.size() > room) data.resize(room);
  return data;
}

}  // namespace

Negotiation::Negotiation(NegotiationConfig config) : config_(config) {
  // The counters count transmissions, the first included (§4.4 irc): at least one of each.
  HL2TP_INVARIANT(config_.max_configure > 0 && config_.max_terminate > 0);
  HL2TP_INVARIANT(config_.restart_interval > Duration::zero());
}

Negotiation Negotiation::resumed_opened(NegotiationConfig config, std::uint8_t next_identifier) {
  Negotiation resumed(config);
  // Opened as if tlu had just been performed: no timer runs there (§4.1), and the count is full
  // for a renegotiation, as apply() leaves it on entering Opened. No request of ours is
  // outstanding, so any Ack or Nak that arrives is a stale reply (§5.2-§5.4).
  resumed.state_ = State::opened;
  resumed.restart_count_ = resumed.config_.max_configure;
  resumed.next_identifier_ = next_identifier;
  return resumed;
}

Negotiation Negotiation::resumed_initial(NegotiationConfig config, std::uint8_t next_identifier) {
  Negotiation resumed(config);
  resumed.next_identifier_ = next_identifier;
  return resumed;
}

NegotiationOutput Negotiation::up(Time now, NegotiationPolicy& policy) {
  NegotiationOutput out;
  apply(now, Event::up, {}, policy, out);
  return finished(std::move(out));
}

NegotiationOutput Negotiation::down(Time now, NegotiationPolicy& policy) {
  NegotiationOutput out;
  apply(now, Event::down, {}, policy, out);
  return finished(std::move(out));
}

NegotiationOutput Negotiation::open(Time now, NegotiationPolicy& policy) {
  NegotiationOutput out;
  apply(now, Event::open, {}, policy, out);
  return finished(std::move(out));
}

NegotiationOutput Negotiation::close(Time now, NegotiationPolicy& policy) {
  NegotiationOutput out;
  apply(now, Event::close, {}, policy, out);
  return finished(std::move(out));
}

NegotiationOutput Negotiation::timeout(Time now, NegotiationPolicy& policy) {
  NegotiationOutput out;
  if (!deadline_ || now < *deadline_) return finished(std::move(out));
  // §4.3 Timeout: TO+ while the counter is above zero, TO- once it is not.
  apply(now, restart_count_ > 0 ? Event::timeout_retry : Event::timeout_expired, {}, policy, out);
  return finished(std::move(out));
}

NegotiationOutput Negotiation::receive(Time now, std::span<const std::byte> information,
                                       NegotiationPolicy& policy) {
  NegotiationOutput out;
  auto decoded = decode_packet(information);
  if (!decoded) {
    out.discarded = Discard::malformed;
    out.decode_error = decoded.error();
    return finished(std::move(out));
  }
  // Every packet event is '-' in Initial and Starting: the lower layer is Down, so a packet can
  // only be the caller's mistake or a late arrival; it is dropped, not asserted.
  if (state_ == State::initial || state_ == State::starting) {
    out.discarded = Discard::lower_layer_down;
    return finished(std::move(out));
  }
  Received received;
  RequestVerdict verdict;
  std::vector<ConfigOption> options;
  const auto event = classify(*decoded, received, verdict, options, policy, out);
  if (event) apply(now, *event, received, policy, out);
  // The policy judged that no request of the peer's can be agreed: its answer is out, and the
  // layer closes as it does when the policy gives up on a refusal of our request (Close, §4.3).
  if (received.verdict && received.verdict->continuation == Continuation::give_up) {
    out.gave_up = true;
    apply(now, Event::close, {}, policy, out);
  }
  return finished(std::move(out));
}

NegotiationOutput Negotiation::reject_protocol(std::uint16_t protocol,
                                               std::span<const std::byte> information,
                                               const NegotiationPolicy& policy) {
  NegotiationOutput out;
  // §5.7: only LCP sends it, and only in Opened.
  if (!is_lcp() || state_ != State::opened) {
    out.discarded = Discard::not_opened;
    return finished(std::move(out));
  }
  Bytes data;
  ByteWriter writer(data);
  writer.u16(protocol);
  writer.bytes(information);
  send(Code::protocol_reject, next_identifier_++,
       truncated(std::move(data), kPacketHeaderSize, policy.peer_mru()), out);
  return finished(std::move(out));
}

std::optional<Event> Negotiation::classify(const ControlPacket& packet, Received& received,
                                           RequestVerdict& verdict,
                                           std::vector<ConfigOption>& options,
                                           NegotiationPolicy& policy, NegotiationOutput& out) {
  received.packet = &packet;
  const auto code = static_cast<Code>(packet.code);
  const std::uint8_t last_code = is_lcp() ? kLastLcpCode : kLastNcpCode;
  if (packet.code == 0 || packet.code > last_code) return Event::ruc;  // §5.6

  if (code >= Code::configure_request && code <= Code::configure_reject) {
    auto decoded = decode_options(packet.data);
    if (!decoded) {
      out.discarded = Discard::malformed;
      out.decode_error = decoded.error();
      return std::nullopt;
    }
    options = std::move(*decoded);
    if (code != Code::configure_request) return classify_reply(packet, options, policy, out);
    received.options = &options;
    // The request is judged only where the table answers it: elsewhere RCR+ and RCR- are the same
    // cell (checked in automaton_table.cpp), and judging would only draw on the policy.
    if (!transition(state_, Event::rcr_good).has(Action::sca)) return Event::rcr_good;
    const bool may_nak = naks_sent_ < config_.max_failure;
    verdict = policy.judge_request(options, may_nak);
    HL2TP_INVARIANT(may_nak || verdict.kind != RequestVerdict::Kind::nak);
    HL2TP_INVARIANT(verdict.kind == RequestVerdict::Kind::ack || !verdict.options.empty());
    received.verdict = &verdict;
    return verdict.kind == RequestVerdict::Kind::ack ? Event::rcr_good : Event::rcr_bad;
  }

  switch (code) {
    case Code::terminate_request:
      return Event::rtr;
    case Code::terminate_ack:
      return Event::rta;
    case Code::code_reject: {
      // §5.6: the rejected packet starts with its Code. A code this version cannot do without
      // (1 to 7, which every protocol uses) is catastrophic; LCP's others are permitted.
      if (packet.data.empty()) {
        out.discarded = Discard::malformed;
        return std::nullopt;
      }
      const auto rejected = std::to_integer<std::uint8_t>(packet.data.front());
      const bool fundamental = rejected >= 1 && rejected <= kLastNcpCode;
      return fundamental ? Event::rxj_catastrophic : Event::rxj_permitted;
    }
    case Code::protocol_reject: {
      ByteReader reader(packet.data);
      const auto rejected = reader.u16();
      if (!rejected) {
        out.discarded = Discard::malformed;
        return std::nullopt;
      }
      // §5.7: discarded outside Opened; LCP rejected ends the link, any other protocol is only
      // to be no longer sent.
      if (state_ != State::opened) {
        out.discarded = Discard::not_opened;
        return std::nullopt;
      }
      if (*rejected == kLcpProtocol) return Event::rxj_catastrophic;
      out.rejected_protocol = *rejected;
      return Event::rxj_permitted;
    }
    case Code::echo_request:
    case Code::echo_reply:
    case Code::discard_request:
      if (packet.data.size() < kMagicNumberSize) {
        out.discarded = Discard::malformed;
        return std::nullopt;
      }
      return Event::rxr;
    default:
      break;
  }
  HL2TP_INVARIANT(false && "every code up to the protocol's last is classified");
  return std::nullopt;
}

std::optional<Event> Negotiation::classify_reply(const ControlPacket& packet,
                                                 const std::vector<ConfigOption>& options,
                                                 NegotiationPolicy& policy,
                                                 NegotiationOutput& out) {
  const auto code = static_cast<Code>(packet.code);
  const Event event = code == Code::configure_ack ? Event::rca : Event::rcn;
  // Where no request of ours is outstanding (Closed, Stopped, Closing, Stopping) any well-formed
  // reply is the event, and the table answers it with a Terminate-Ack or ignores it.
  if (!kConfiguring.contains(state_) && state_ != State::opened) return event;

  // §5.2–§5.4: the Identifier must be our last request's, and a reply is taken once: a second
  // reply to the same request is a duplicate, not a crossed connection.
  if (!request_.sent || packet.identifier != request_.identifier || request_.answered) {
    out.discarded = Discard::stale_reply;
    return std::nullopt;
  }
  if (code == Code::configure_ack && packet.data != request_.options) {
    out.discarded = Discard::reply_mismatch;  // §5.2: exactly our options
    return std::nullopt;
  }
  if (code == Code::configure_reject) {
    // §5.4: options of our request, unmodified and in order. A Reject of every option is taken
    // as well: the RFC's "proper subset" would leave a one-option request no answer but an Ack.
    const auto sent = decode_options(request_.options);
    HL2TP_INVARIANT(sent.has_value());
    if (options.empty() || !is_subsequence(options, *sent)) {
      out.discarded = Discard::reply_mismatch;
      return std::nullopt;
    }
  }
  request_.answered = true;

  // What the reply teaches is taken before the cell, whose scr sends the next request (§5.3).
  const Cell& cell = transition(state_, event);
  if (event == Event::rca) {
    if (state_ == State::req_sent || state_ == State::ack_sent) policy.request_acked(options);
    return event;
  }
  if (!cell.has(Action::scr)) return event;
  const Continuation next = code == Code::configure_nak ? policy.request_nakked(options)
                                                        : policy.request_rejected(options);
  if (next == Continuation::give_up) {
    out.gave_up = true;
    return Event::close;
  }
  return event;
}

void Negotiation::apply(Time now, Event event, const Received& received, NegotiationPolicy& policy,
                        NegotiationOutput& out) {
  const Cell& cell = transition(state_, event);
  if (!cell.can_happen()) {
    // §4.4 Illegal-Event: no transition, no reset. Only the caller's Up and Down reach here (a
    // packet in Initial or Starting was dropped before, and the timer runs only where TO is legal).
    HL2TP_INVARIANT(event == Event::up || event == Event::down);
    out.discarded = Discard::illegal_event;
    return;
  }
  const State from = state_;
  const State next = cell.next();
  if (!kConfiguring.contains(from) && from != State::opened && kConfiguring.contains(next)) {
    policy.begin();
    request_ = {};
    naks_sent_ = 0;
  }
  for (Action action : cell.actions()) {
    // [p]: the passive option waits in Stopped without This-Layer-Finished (§4.2 Stopped).
    if (action == Action::tlf && cell.note() == Footnote::passive && config_.passive) continue;
    perform(action, now, event, next, received, policy, out);
  }
  state_ = next;
  // The table has no irc in Opened's scr cells: a renegotiation would start with whatever count
  // the last negotiation left, possibly none. Opened does not use the count (no timer runs), so it
  // is set here, as Opened is entered, for a renegotiation to have its full Max-Configure.
  if (next == State::opened && from != State::opened) restart_count_ = config_.max_configure;
  // §4.1: the timer stops on leaving the states with TO rows.
  if (!kTimerStates.contains(next)) deadline_.reset();
  HL2TP_INVARIANT(deadline_.has_value() == kTimerStates.contains(state_));
  HL2TP_INVARIANT(restart_count_ <= std::max(config_.max_configure, config_.max_terminate));
}

void Negotiation::perform(Action action, Time now, Event event, State next,
                          const Received& received, NegotiationPolicy& policy,
                          NegotiationOutput& out) {
  const bool terminating = next == State::closing || next == State::stopping;
  switch (action) {
    case Action::tlu:
      out.layer_events.push_back(LayerEvent::up);
      return;
    case Action::tld:
      out.layer_events.push_back(LayerEvent::down);
      return;
    case Action::tls:
      out.layer_events.push_back(LayerEvent::started);
      return;
    case Action::tlf:
      out.layer_events.push_back(LayerEvent::finished);
      return;
    case Action::irc:
      // "Max-Terminate or Max-Configure", as appropriate: what the cell goes on to send.
      restart_count_ = terminating ? config_.max_terminate : config_.max_configure;
      return;
    case Action::zrc:
      // §4.4 zrc: a pause of one Restart interval before the final state, for the peer to take
      // our Terminate-Ack.
      restart_count_ = 0;
      start_timer(now);
      return;
    case Action::scr: {
      // §5.1 Identifier: kept for a retransmission of an unanswered request, changed otherwise.
      const bool retransmission =
          event == Event::timeout_retry && request_.sent && !request_.answered;
      if (!retransmission) {
        request_ =
            Request{true, false, next_identifier_++, encode_options(policy.request_options())};
      }
      send(Code::configure_request, request_.identifier, request_.options, out);
      count_transmission();
      start_timer(now);
      return;
    }
    case Action::sca:
      HL2TP_INVARIANT(received.packet && received.options);
      // §5.2: the options exactly as received.
      send(Code::configure_ack, received.packet->identifier, received.packet->data, out);
      policy.peer_request_acked(*received.options);
      naks_sent_ = 0;
      return;
    case Action::scn: {
      HL2TP_INVARIANT(received.packet && received.verdict);
      const bool nak = received.verdict->kind == RequestVerdict::Kind::nak;
      HL2TP_INVARIANT(nak || received.verdict->kind == RequestVerdict::Kind::reject);
      if (nak) ++naks_sent_;
      send(nak ? Code::configure_nak : Code::configure_reject, received.packet->identifier,
           encode_options(received.verdict->options), out);
      return;
    }
    case Action::str:
      if (event != Event::timeout_retry) terminate_identifier_ = next_identifier_++;
      send(Code::terminate_request, terminate_identifier_, {}, out);
      count_transmission();
      start_timer(now);
      return;
    case Action::sta:
      // §5.5: the Identifier of the packet answered.
      HL2TP_INVARIANT(received.packet != nullptr);
      send(Code::terminate_ack, received.packet->identifier, {}, out);
      return;
    case Action::scj:
      // §5.6: a copy of the packet as far as its Length, a new Identifier for each.
      HL2TP_INVARIANT(received.packet != nullptr);
      send(Code::code_reject, next_identifier_++,
           truncated(encode_packet(*received.packet), kPacketHeaderSize, policy.peer_mru()), out);
      return;
    case Action::ser: {
      // §5.8: only an Echo-Request is answered, with our Magic-Number and its data.
      HL2TP_INVARIANT(received.packet != nullptr);
      if (received.packet->code != static_cast<std::uint8_t>(Code::echo_request)) return;
      Bytes data;
      ByteWriter writer(data);
      writer.u32(policy.own_magic_number());
      writer.bytes(std::span(received.packet->data).subspan(kMagicNumberSize));
      send(Code::echo_reply, received.packet->identifier,
           truncated(std::move(data), kPacketHeaderSize, policy.peer_mru()), out);
      return;
    }
  }
}

void Negotiation::count_transmission() {
  // §4.4 irc: decremented for each transmission, the first included. A cell sends only with a
  // count left: irc set it, or TO+ found it above zero, or Opened was entered with it full.
  HL2TP_INVARIANT(restart_count_ > 0);
  --restart_count_;
}

void Negotiation::send(Code code, std::uint8_t identifier, Bytes data,
                       NegotiationOutput& out) const {
  out.send.push_back(
      encode_packet(ControlPacket{static_cast<std::uint8_t>(code), identifier, std::move(data)}));
}

NegotiationOutput Negotiation::finished(NegotiationOutput out) const {
  out.deadline = deadline_;
  return out;
}

}  // namespace hl2tp::ppp
