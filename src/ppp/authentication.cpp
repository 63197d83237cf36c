#include "ppp/authentication.hpp"

namespace hl2tp::ppp {

std::string_view describe(AuthDiscard discard) {
  switch (discard) {
    case AuthDiscard::none:
      return "not discarded";
    case AuthDiscard::malformed:
      return "malformed packet";
    case AuthDiscard::bad_fields:
      return "a field length past the end of the packet";
    case AuthDiscard::not_started:
      return "outside the Authentication phase";
    case AuthDiscard::wrong_code:
      return "a code the authenticator does not receive";
    case AuthDiscard::stale_identifier:
      return "a Response to another Challenge";
    case AuthDiscard::awaiting_verdict:
      return "a retransmission while the verdict is awaited";
    case AuthDiscard::after_timeout:
      return "after the Authentication phase timed out";
    case AuthDiscard::no_verification:
      return "a verdict with no verification outstanding";
  }
  return "unknown discard";
}

std::string bounded_message(std::string_view message) {
  return std::string(message.substr(0, kMaxAuthMessageLength));
}

}  // namespace hl2tp::ppp
