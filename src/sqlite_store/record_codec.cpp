#include "sqlite_store/record_codec.hpp"

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"

namespace hl2tp::store {
namespace {

// Tunnel records: 2 adds our local address; 1 (without it) is still read.
constexpr std::uint8_t kTunnelFormat = 2, kTunnelFormatWithoutLocal = 1;
constexpr std::uint8_t kSuggestionFormat = 1, kPathFormat = 1;
// Session records: 2 adds the establishment time; 1 (without it) is still read.
constexpr std::uint8_t kSessionFormat = 2, kSessionFormatWithoutTime = 1;

void put_text(ByteWriter& w, std::string_view s) {
  w.u16(static_cast<std::uint16_t>(s.size()));
  w.text(s);
}

std::optional<std::string> get_text(ByteReader& r) {
  auto n = r.u16();
  if (!n) return std::nullopt;
  auto b = r.take(*n);
  if (!b) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(b->data()), b->size());
}

void put_address(ByteWriter& w, const PeerAddress& a) {
  w.u8(a.v6 ? 6 : 4);
  w.bytes(std::span(reinterpret_cast<const std::byte*>(a.ip.data()), a.ip.size()));
  w.u16(a.port);
}

std::optional<PeerAddress> get_address(ByteReader& r) {
  auto family = r.u8();
  auto ip = r.take(16);
  auto port = r.u16();
  if (!family || (*family != 4 && *family != 6) || !ip || !port) return std::nullopt;
  PeerAddress a;
  a.v6 = *family == 6;
  for (std::size_t i = 0; i < 16; ++i)
    a.ip[i] = std::to_integer<std::uint8_t>((*ip)[i]);
  a.port = *port;
  return a;
}

}  // namespace

Bytes encode_tunnel(const tunnel::TunnelEstablished& t) {
  Bytes out;
  ByteWriter w(out);
  w.u8(kTunnelFormat);
  w.u16(t.tunnel_id);
  w.u16(t.peer_tunnel_id);
  put_address(w, t.peer);
  w.u8(t.originator ? 1 : 0);
  put_text(w, t.peer_host_name);
  w.u16(t.peer_window);
  w.u8(t.peer_capability ? 1 : 0);
  if (t.peer_capability) {
    w.u8(static_cast<std::uint8_t>((t.peer_capability->control ? 1 : 0) |
                                   (t.peer_capability->data ? 2 : 0)));
    w.u32(t.peer_capability->recovery_time_ms);
  }
  w.u8(static_cast<std::uint8_t>(t.resync_method));
  put_address(w, t.local);
  return out;
}

std::optional<tunnel::TunnelEstablished> decode_tunnel(std::span<const std::byte> bytes) {
  ByteReader r(bytes);
  tunnel::TunnelEstablished t;
  const auto format = r.u8();
  if (format != kTunnelFormat && format != kTunnelFormatWithoutLocal) return std::nullopt;
  auto id = r.u16(), peer_id = r.u16();
  auto peer = get_address(r);
  auto originator = r.u8();
  auto host = get_text(r);
  auto window = r.u16();
  auto has_capability = r.u8();
  if (!id || !peer_id || !peer || !originator || !host || !window || !has_capability) {
    return std::nullopt;
  }
  t.tunnel_id = *id;
  t.peer_tunnel_id = *peer_id;
  t.peer = *peer;
  t.originator = *originator != 0;
  t.peer_host_name = std::move(*host);
  t.peer_window = *window;
  if (*has_capability) {
    auto bits = r.u8();
    auto time = r.u32();
    if (!bits || !time) return std::nullopt;
    t.peer_capability = wire::FailoverCapability{(*bits & 1) != 0, (*bits & 2) != 0, *time};
  }
  auto method = r.u8();
  if (!method || *method > static_cast<std::uint8_t>(failover::ResyncMethod::none)) {
    return std::nullopt;
  }
  t.resync_method = static_cast<failover::ResyncMethod>(*method);
  if (format == kTunnelFormat) {
    auto local = get_address(r);
    if (!local) return std::nullopt;
    t.local = *local;
  }
  if (!r.empty()) return std::nullopt;
  return t;
}

Bytes encode_session(const tunnel::SessionEstablished& s) {
  Bytes out;
  ByteWriter w(out);
  w.u8(kSessionFormat);
  w.u16(s.tunnel_id);
  w.u16(s.session_id);
  w.u16(s.peer_session_id);
  w.u8(static_cast<std::uint8_t>(s.role));
  w.u8(static_cast<std::uint8_t>(s.direction));
  const auto& p = s.parameters;
  for (std::uint32_t v : {p.call_serial_number, p.bearer_type, p.framing_type, p.tx_connect_speed,
                          p.rx_connect_speed, p.minimum_bps, p.maximum_bps}) {
    w.u32(v);
  }
  w.u8(p.physical_channel_id ? 1 : 0);
  if (p.physical_channel_id) w.u32(*p.physical_channel_id);
  put_text(w, p.calling_number());
  put_text(w, p.called_number());
  put_text(w, p.sub_address());
  w.u8(p.sequencing_required ? 1 : 0);
  w.u8(s.established_at ? 1 : 0);
  if (s.established_at) w.u64(static_cast<std::uint64_t>(s.established_at->since_origin.count()));
  return out;
}

std::optional<tunnel::SessionEstablished> decode_session(std::span<const std::byte> bytes) {
  ByteReader r(bytes);
  tunnel::SessionEstablished s;
  const auto format = r.u8();
  if (format != kSessionFormat && format != kSessionFormatWithoutTime) return std::nullopt;
  auto tid = r.u16(), sid = r.u16(), peer_sid = r.u16();
  auto role = r.u8(), direction = r.u8();
  if (!tid || !sid || !peer_sid || !role || *role > 1 || !direction || *direction > 1) {
    return std::nullopt;
  }
  s.tunnel_id = *tid;
  s.session_id = *sid;
  s.peer_session_id = *peer_sid;
  s.role = static_cast<session::Role>(*role);
  s.direction = static_cast<session::Direction>(*direction);
  auto& p = s.parameters;
  for (std::uint32_t* v :
       {&p.call_serial_number, &p.bearer_type, &p.framing_type, &p.tx_connect_speed,
        &p.rx_connect_speed, &p.minimum_bps, &p.maximum_bps}) {
    auto x = r.u32();
    if (!x) return std::nullopt;
    *v = *x;
  }
  auto has_channel = r.u8();
  if (!has_channel) return std::nullopt;
  if (*has_channel) {
    auto channel = r.u32();
    if (!channel) return std::nullopt;
    p.physical_channel_id = *channel;
  }
  auto calling = get_text(r), called = get_text(r), sub = get_text(r);
  auto sequencing = r.u8();
  if (!calling || !called || !sub || !sequencing) return std::nullopt;
  if (format == kSessionFormat) {
    auto has_time = r.u8();
    if (!has_time || *has_time > 1) return std::nullopt;
    if (*has_time) {
      auto at = r.u64();
      if (!at) return std::nullopt;
      s.established_at = Time{Duration(static_cast<Duration::rep>(*at))};
    }
  }
  if (!r.empty()) return std::nullopt;
  p.set_calling_number(*calling);
  p.set_called_number(*called);
  p.set_sub_address(*sub);
  p.sequencing_required = *sequencing != 0;
  return s;
}

Bytes encode_suggestion(const failover::RecoverySuggestion& s) {
  Bytes out;
  ByteWriter w(out);
  w.u8(kSuggestionFormat);
  w.u16(s.scs.ns);
  w.u16(s.scs.nr);
  w.u16(s.answered_at);
  w.u16(s.transmit_limit);
  put_address(w, s.from);
  put_address(w, s.to);
  return out;
}

std::optional<failover::RecoverySuggestion> decode_suggestion(std::span<const std::byte> bytes) {
  ByteReader r(bytes);
  if (r.u8() != kSuggestionFormat) return std::nullopt;
  auto ns = r.u16(), nr = r.u16(), answered_at = r.u16(), limit = r.u16();
  auto from = get_address(r), to = get_address(r);
  if (!ns || !nr || !answered_at || !limit || !from || !to || !r.empty()) return std::nullopt;
  return failover::RecoverySuggestion{{*ns, *nr}, *answered_at, *limit, *from, *to};
}

Bytes encode_path(const PeerAddress& peer, const PeerAddress& local) {
  Bytes out;
  ByteWriter w(out);
  w.u8(kPathFormat);
  put_address(w, peer);
  put_address(w, local);
  return out;
}

std::optional<std::pair<PeerAddress, PeerAddress>> decode_path(std::span<const std::byte> bytes) {
  ByteReader r(bytes);
  if (r.u8() != kPathFormat) return std::nullopt;
  auto peer = get_address(r), local = get_address(r);
  if (!peer || !local || !r.empty()) return std::nullopt;
  return std::pair(*peer, *local);
}

}  // namespace hl2tp::store
