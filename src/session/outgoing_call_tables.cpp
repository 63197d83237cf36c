// RFC 2661 §7.5 Outgoing calls: the LAC's table (§7.5.1) and the LNS's (§7.5.2), row for row in
// the RFC's order, then the rows the RFC does not write, each with its reason. A cell of several
// states or events is a row of the RFC's that names several.
#include "session/call_table.hpp"

namespace hl2tp::session {
namespace {

using enum State;
using enum Event;
using enum Action;

// The other direction's call messages: the peer has no reason to send them on an outgoing call.
// They are refused like this direction's messages out of place.
constexpr Set<Event> kIncomingCallMessages{receive_icrq, receive_icrp, receive_iccn};

// clang-format off
constexpr Row kLacOutgoingRows[] = {
  // State            Event                    Action              New State
  //
  // "idle, Receive OCRQ, not acceptable → Send CDN", "idle, Receive OCRP → Send CDN" and "idle,
  // Receive OCCN, CDN → Clean up" take no session: Tunnel::refuse_call and Tunnel::disown_call.
  {idle,              receive_ocrq_acceptable, send_ocrp,          wait_cs_answer},
  {wait_cs_answer,    bearer_answer,           send_occn,          established},
  // "Bearer failure" comes as a local close: the set-up timed out (Tunnel::expire_setups).
  {wait_cs_answer,    local_close_request,     send_cdn_clean_up,  closed},
  {wait_cs_answer,    {receive_ocrq,
                       receive_ocrp,
                       receive_occn},          send_cdn_clean_up,  closed},
  {established,       {receive_ocrq,
                       receive_ocrp,
                       receive_occn},          send_cdn_clean_up,  closed},
  {{wait_cs_answer,
    established},     receive_cdn,             clean_up,           closed},
  {established,       local_close_request,     send_cdn_clean_up,  closed},

  // Not in the RFC's table.
  {{wait_cs_answer,
    established},     kIncomingCallMessages,   send_cdn_clean_up,  closed},
};

constexpr Row kLnsOutgoingRows[] = {
  // State            Event                    Action              New State
  //
  // "idle, Local open request → Initiate local tunnel-open → wait-tunnel" is Tunnel::open_session,
  // which makes the Session in wait_tunnel. "idle, Receive OCCN, OCRP, CDN → Clean up": no
  // session holds such a message (Tunnel::disown_call).
  {wait_tunnel,       tunnel_open,             send_ocrq,          wait_reply},
  {wait_reply,        receive_ocrp,            learn_peer_id,      wait_connect},
  // "wait-reply, Receive OCRP, not acceptable": none is (see Event).
  {wait_reply,        {receive_occn,
                       receive_ocrq},          send_cdn_clean_up,  closed},
  {wait_connect,      receive_occn,            prepare_for_data,   established},
  {wait_connect,      {receive_ocrq,
                       receive_ocrp},          send_cdn_clean_up,  closed},
  // The RFC's row names idle too: Tunnel::disown_call.
  {{wait_reply,
    wait_connect,
    established},     receive_cdn,             clean_up,           closed},
  {established,       {receive_ocrq,
                       receive_ocrp,
                       receive_occn},          send_cdn_clean_up,  closed},
  {{wait_reply,
    wait_connect,
    established},     local_close_request,     send_cdn_clean_up,  closed},
  {wait_tunnel,       local_close_request,     clean_up,           closed},

  // Not in the RFC's table.
  //
  // While the call waits for its tunnel the peer does not know it (no OCRQ went out), so a
  // message naming its ID is about an earlier call that had the ID: only acknowledged. A CDN
  // still ends it, as a CDN does in every state (§5.6).
  {wait_tunnel,       {receive_icrq,
                       receive_icrp,
                       receive_iccn,
                       receive_ocrq,
                       receive_ocrp,
                       receive_occn},          none,               wait_tunnel},
  {wait_tunnel,       receive_cdn,             clean_up,           closed},
  {{wait_reply,
    wait_connect,
    established},     kIncomingCallMessages,   send_cdn_clean_up,  closed},
};
// clang-format on

}  // namespace

constexpr CallTable kLacOutgoingCalls{"RFC 2661 §7.5.1 LAC Outgoing Call States", Role::lac,
                                      Direction::outgoing, /*placed_by_us=*/false,
                                      kLacOutgoingRows};
constexpr CallTable kLnsOutgoingCalls{"RFC 2661 §7.5.2 LNS Outgoing Call States", Role::lns,
                                      Direction::outgoing, /*placed_by_us=*/true, kLnsOutgoingRows};

static_assert(deterministic(kLacOutgoingCalls) && deterministic(kLnsOutgoingCalls));
static_assert(answers_the_peer_everywhere(kLacOutgoingCalls) &&
              answers_the_peer_everywhere(kLnsOutgoingCalls));
static_assert(starts_as_placed(kLacOutgoingCalls) && starts_as_placed(kLnsOutgoingCalls));
static_assert(actions_match_new_states(kLacOutgoingCalls) &&
              actions_match_new_states(kLnsOutgoingCalls));

}  // namespace hl2tp::session
