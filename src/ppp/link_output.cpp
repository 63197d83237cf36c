#include "ppp/link_output.hpp"

namespace hl2tp::ppp {

std::string_view describe(DownReason reason) {
  switch (reason) {
    case DownReason::administrative:
      return "closed administratively";
    case DownReason::lower_layer_down:
      return "lower layer down";
    case DownReason::peer_terminated:
      return "peer terminated the link";
    case DownReason::lcp_failed:
      return "LCP negotiation failed";
    case DownReason::lcp_rejected:
      return "peer rejected LCP";
    case DownReason::authentication_refused:
      return "authentication refused";
    case DownReason::authentication_timed_out:
      return "authentication timed out";
    case DownReason::peer_not_answering:
      return "peer not answering";
  }
  return "unknown reason";
}

std::string_view describe(LinkDiscard discard) {
  switch (discard) {
    case LinkDiscard::none:
      return "not discarded";
    case LinkDiscard::not_in_phase:
      return "a protocol this phase does not allow";
    case LinkDiscard::lcp:
      return "discarded by LCP";
    case LinkDiscard::authentication:
      return "discarded by the authenticator";
    case LinkDiscard::ncp:
      return "discarded by an NCP";
    case LinkDiscard::not_agreed:
      return "an authentication protocol LCP did not agree";
    case LinkDiscard::not_running:
      return "a part that does not run now";
    case LinkDiscard::looped_back:
      return "our own Echo came back: the link is looped back";
    case LinkDiscard::unsupported:
      return "an unsupported protocol before LCP is Opened";
    case LinkDiscard::no_verification:
      return "a verdict with no verification outstanding";
  }
  return "unknown discard";
}

}  // namespace hl2tp::ppp
