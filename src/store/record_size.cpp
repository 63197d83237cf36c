#include "store/record_size.hpp"

#include <variant>

namespace hl2tp::store {
namespace {

constexpr std::size_t kKind = 1, kId = 2, kLength = 2;
constexpr std::size_t kAddress = 16 + 1 + 2;  // IP (v4 or v6), family, port

std::size_t text(std::string_view s) {
  return kLength + s.size();
}

std::size_t channel_size(const channel::ChannelState& c) {
  std::size_t n = 3 * kId + kLength;  // next Ns, Nr, acked, queue length
  for (const auto& [ns, bytes] : c.unacked)
    n += kId + kLength + bytes.size();
  return n;
}

struct Size {
  std::size_t operator()(const tunnel::TunnelEstablished& r) const {
    return kKind + 2 * kId + kAddress + 1 + text(r.peer_host_name) + kId +
           (r.peer_capability ? 1 + 4 : 1) + 1 + channel_size(r.channel) + kId + kAddress;
  }
  std::size_t operator()(const tunnel::SessionEstablished& r) const {
    const auto& p = r.parameters;
    return kKind + 3 * kId + 1 + 1 + 7 * 4 + (p.physical_channel_id ? 1 + 4 : 1) +
           text(p.calling_number()) + text(p.called_number()) + text(p.sub_address()) + 1 +
           (r.established_at ? 1 + 8 : 1);
  }
  std::size_t operator()(const tunnel::ChannelQueued& r) const {
    return kKind + 2 * kId + kLength + r.bytes.size();
  }
  std::size_t operator()(const tunnel::ChannelReset&) const { return kKind + 3 * kId; }
  std::size_t operator()(const tunnel::SessionRemoved&) const { return kKind + 2 * kId; }
  std::size_t operator()(const tunnel::RecoverySuggested&) const {
    return kKind + 5 * kId + 2 * kAddress;
  }
  std::size_t operator()(const tunnel::TunnelMoved&) const { return kKind + kId + 2 * kAddress; }
  std::size_t operator()(const tunnel::CallSerialsReserved&) const { return kKind + 4; }
  // The rest: a tunnel ID and one 16-bit value at most.
  template <typename Record>
  std::size_t operator()(const Record&) const {
    return kKind + 2 * kId;
  }
};

}  // namespace

std::size_t record_size(const tunnel::Checkpoint& record) {
  return std::visit(Size{}, record);
}

}  // namespace hl2tp::store
