// RFC 2661 §7.4 Incoming calls: the LAC's table (§7.4.1) and the LNS's (§7.4.2), row for row in
// the RFC's order, then the rows the RFC does not write, each with its reason. A cell of several
// states or events is a row of the RFC's that names several.
#include "session/call_table.hpp"

namespace hl2tp::session {
namespace {

using enum State;
using enum Event;
using enum Action;

// The other direction's call messages: the peer has no reason to send them on an incoming call.
// They are refused like this direction's messages out of place.
constexpr Set<Event> kOutgoingCallMessages{receive_ocrq, receive_ocrp, receive_occn};

// clang-format off
constexpr Row kLacIncomingRows[] = {
  // State            Event                  Action              New State
  //
  // "idle, Bearer Ring or Ready to indicate incoming conn. → Initiate local tunnel open →
  // wait-tunnel" is Tunnel::open_session, which makes the Session in wait_tunnel. "idle, Receive
  // ICCN, ICRP, CDN → Clean up": no session holds such a message (Tunnel::disown_call).
  {wait_tunnel,       local_close_request,   clean_up,           closed},
  {wait_tunnel,       tunnel_open,           send_icrq,          wait_reply},
  {wait_reply,        receive_icrp,          send_iccn,          established},
  // "wait-reply, Receive ICRP, Not acceptable": none is (see Event).
  {wait_reply,        receive_icrq,          send_cdn_clean_up,  closed},
  {wait_reply,        receive_cdn,           clean_up,           closed},
  // The RFC's row is "Receive CDN, ICCN → Clean up". Here an ICCN, which only a LAC sends, is
  // refused with a CDN like every call message out of place, as it was before these tables: the
  // peer is told, not left holding its half of the call.
  {wait_reply,        receive_iccn,          send_cdn_clean_up,  closed},
  {wait_reply,        local_close_request,   send_cdn_clean_up,  closed},
  {established,       receive_cdn,           clean_up,           closed},
  {established,       {receive_icrq,
                       receive_icrp,
                       receive_iccn},        send_cdn_clean_up,  closed},
  {established,       local_close_request,   send_cdn_clean_up,  closed},

  // Not in the RFC's table.
  //
  // While the call waits for its tunnel the peer does not know it (no ICRQ went out), so a
  // message naming its ID is about an earlier call that had the ID: only acknowledged. A CDN
  // still ends it, as a CDN does in every state (§5.6).
  {wait_tunnel,       {receive_icrq,
                       receive_icrp,
                       receive_iccn,
                       receive_ocrq,
                       receive_ocrp,
                       receive_occn},        none,               wait_tunnel},
  {wait_tunnel,       receive_cdn,           clean_up,           closed},
  {{wait_reply,
    established},     kOutgoingCallMessages, send_cdn_clean_up,  closed},
};

constexpr Row kLnsIncomingRows[] = {
  // State            Event                    Action              New State
  //
  // "idle, Receive ICRQ, not acceptable → Send CDN", "idle, Receive ICRP → Send CDN" and "idle,
  // Receive ICCN → Clean up" take no session: Tunnel::refuse_call and Tunnel::disown_call.
  {idle,              receive_icrq_acceptable, send_icrp,          wait_connect},
  // "wait-connect, Receive ICCN, not acceptable": none is (see Event).
  {wait_connect,      receive_iccn,            prepare_for_data,   established},
  {wait_connect,      {receive_icrq,
                       receive_icrp},          send_cdn_clean_up,  closed},
  // The RFC's row names idle too: Tunnel::disown_call.
  {{wait_connect,
    established},     receive_cdn,             clean_up,           closed},
  {{wait_connect,
    established},     local_close_request,     send_cdn_clean_up,  closed},
  {established,       {receive_icrq,
                       receive_icrp,
                       receive_iccn},          send_cdn_clean_up,  closed},

  // Not in the RFC's table.
  {{wait_connect,
    established},     kOutgoingCallMessages,   send_cdn_clean_up,  closed},
};
// clang-format on

}  // namespace

constexpr CallTable kLacIncomingCalls{"RFC 2661 §7.4.1 LAC Incoming Call States", Role::lac,
                                      Direction::incoming, /*placed_by_us=*/true, kLacIncomingRows};
constexpr CallTable kLnsIncomingCalls{"RFC 2661 §7.4.2 LNS Incoming Call States", Role::lns,
                                      Direction::incoming, /*placed_by_us=*/false,
                                      kLnsIncomingRows};

static_assert(deterministic(kLacIncomingCalls) && deterministic(kLnsIncomingCalls));
static_assert(answers_the_peer_everywhere(kLacIncomingCalls) &&
              answers_the_peer_everywhere(kLnsIncomingCalls));
static_assert(starts_as_placed(kLacIncomingCalls) && starts_as_placed(kLnsIncomingCalls));
static_assert(actions_match_new_states(kLacIncomingCalls) &&
              actions_match_new_states(kLnsIncomingCalls));

}  // namespace hl2tp::session
