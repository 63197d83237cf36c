#include "sim/trace.hpp"

#include <fmt/format.h>

#include "wire/control_codec.hpp"
#include "wire/data_message.hpp"
#include "wire/message_format.hpp"

namespace hl2tp::sim {

void Trace::record(Time at, const PeerAddress& from, const PeerAddress& to, const Bytes& bytes,
                   Fate fate) {
  ++recorded_;
  if (capacity_ == 0) return;
  if (entries_.size() == capacity_) entries_.pop_front();
  entries_.push_back({at, from, to, bytes, fate});
}

std::string Trace::to_string() const {
  std::string out;
  for (const Entry& e : entries_) {
    std::string text;
    if (wire::is_control_message(e.bytes) == true) {
      // No secret here: hidden AVPs show as a decode error, which is fine for a trace.
      auto m = wire::decode_control(e.bytes, {.secret = {}, .check_required_avps = false});
      text = m ? wire::to_string(*m) : "undecodable: " + m.error().to_string();
    } else {
      text = fmt::format("data, {} octets", e.bytes.size());
    }
    static constexpr const char* kFate[] = {"", " LOST", " DUP", " PARTITIONED"};
    out += fmt::format("{:>12.6f} {} -> {}{}  {}\n",
                       static_cast<double>(e.at.since_origin.count()) / 1e6, e.from.to_string(),
                       e.to.to_string(), kFate[static_cast<int>(e.fate)], text);
  }
  return out;
}

}  // namespace hl2tp::sim
