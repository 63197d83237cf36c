#include "failover/recovery_race.hpp"

#include "base/invariant.hpp"

namespace hl2tp::failover {

RaceVerdict weigh_request(const std::vector<RacingTunnel>& racing,
                          const wire::TieBreakerValue* theirs) {
  RaceVerdict verdict;
  for (const RacingTunnel& t : racing) {
    HL2TP_INVARIANT(t.link != nullptr);
    // The lower Tie Breaker wins; one without loses to one with (RFC 2661 §4.4.3).
    const bool we_win = t.ours && t.tie_breaker && (theirs == nullptr || *t.tie_breaker < *theirs);
    if (t.link->stage() == RecoveryLink::Stage::completed) {
      // Our recovery tunnel for this tunnel is done (it lingers for its StopCCN hold). A request
      // it beat in its round is the peer's own attempt, which the peer discarded on our SCCRQ: a
      // copy still in flight. Answering it would suggest a second reset the peer never takes
      // (found by the campaign, seed 30370); the peer has discarded that tunnel and needs no
      // answer. Any other request is a new round: the peer failed again, perhaps in its turn just
      // after helping us, and whichever Tie Breaker wins, it is answered. (Refusing those that
      // lost to the lingering tunnel sent a helper that fails in its turn to silent failover,
      // after its recovery tunnel's 10 s once the refusals' rate limit was reached.)
      if (theirs && t.link->beat(*theirs)) {
        verdict.kind = RaceVerdict::Kind::stale_copy;
        return verdict;
      }
      continue;
    }
    if (we_win && t.awaiting_reply) {
      verdict.kind = RaceVerdict::Kind::ours_wins;
      verdict.winner = t.id;
      return verdict;
    }
    // The peer's earlier attempt gives way to this one, and so does ours when it lost.
    if (t.ours) ++verdict.ours_lost;
    verdict.superseded.push_back(t.id);
  }
  return verdict;
}

}  // namespace hl2tp::failover
