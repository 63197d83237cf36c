#include "daemon/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include <toml++/toml.h>
#include <fstream>
#include <sstream>

#include "daemon/config_settings.hpp"

namespace hl2tp::daemon {
namespace {

using namespace std::chrono_literals;

// An error at a node of the file: "path:line:column: message".
struct ConfigError {
  std::string text;
};

std::string where(std::string_view source, const toml::source_region& r) {
  return std::string(source) + ":" + std::to_string(r.begin.line) + ":" +
         std::to_string(r.begin.column);
}

// The settings of one table of the file: `name` is the table's name in config_settings.cpp ("" for
// the top level, "peer" for each [[peer]]), which lists its keys and their ranges.
class Reader {
 public:
  Reader(std::string_view source, const toml::table& table, std::string_view name)
      : source_(source), table_(table), name_(name) {}

  // Every key of the table must be one the settings list gives this table.
  void only_known_keys() const {
    auto known = keys_of(name_);
    if (name_.empty()) {  // the top level holds the tables too
      for (std::string_view t : table_names())
        known.push_back(t);
    }
    for (auto&& [key, node] : table_) {
      (void)node;
      bool ok = false;
      for (std::string_view k : known)
        ok = ok || key.str() == k;
      if (!ok) {
        throw ConfigError{where(source_, key.source()) + ": unknown setting '" +
                          std::string(key.str()) + "'"};
      }
    }
  }

  template <typename T>
  std::optional<T> get(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::nullopt;
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = node->value<std::string>()) return *v;
      fail(*node, "'" + std::string(key) + "' must be a string");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (auto v = node->value<bool>()) return *v;
      fail(*node, "'" + std::string(key) + "' must be true or false");
    }
    return std::nullopt;
  }

  // An integer setting, within the range the settings list gives it.
  std::optional<std::int64_t> integer(std::string_view key) const {
    const Setting& s = setting(name_, key);
    const std::int64_t lo = s.min, hi = s.max;
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::nullopt;
    auto v = node->value_exact<std::int64_t>();
    if (!v) fail(*node, "'" + std::string(key) + "' must be an integer");
    if (*v < lo || *v > hi) {
      fail(*node, "'" + std::string(key) + "' must be between " + std::to_string(lo) + " and " +
                      std::to_string(hi) + ", not " + std::to_string(*v));
    }
    return v;
  }

  const toml::table* table(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table())
      fail(*node, "'" + std::string(key) + "' must be a table ([" + std::string(key) + "])");
    return node->as_table();
  }

  [[noreturn]] void fail(const toml::node& node, const std::string& message) const {
    throw ConfigError{where(source_, node.source()) + ": " + message};
  }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  std::string_view source() const { return source_; }

 private:
  std::string_view source_;
  const toml::table& table_;
  std::string_view name_;
};

template <typename T, typename F>
void set(std::optional<T> v, F&& assign) {
  if (v) assign(*v);
}

void read_timers(const Reader& r, tunnel::TunnelSettings& t) {
  r.only_known_keys();
  set(r.integer("hello-interval"), [&](auto v) { t.hello_interval = std::chrono::seconds(v); });
  set(r.integer("retransmit-initial-ms"),
      [&](auto v) { t.channel.retransmit_initial = std::chrono::milliseconds(v); });
  // RFC 2661 §5.8: the cap must be at least 8 s (its range in config_settings.cpp says so).
  set(r.integer("retransmit-cap-ms"),
      [&](auto v) { t.channel.retransmit_cap = std::chrono::milliseconds(v); });
  set(r.integer("retransmit-count"),
      [&](auto v) { t.channel.retransmit_timeouts = static_cast<std::uint8_t>(v); });
  set(r.integer("call-setup-timeout"),
      [&](auto v) { t.session_setup_timeout = std::chrono::seconds(v); });
}

void read_failover(const Reader& r, failover::FailoverSettings& f) {
  r.only_known_keys();
  if (auto mode = r.get<std::string>("failover-resync")) {
    auto parsed = failover::parse_failover_resync(*mode);
    if (!parsed) {
      r.fail(*r.node("failover-resync"),
             "'failover-resync' must be one of failover-protocol-fall-back-to-silent-failover, "
             "silent-failover, failover-protocol, none");
    }
    f.resync = *parsed;
  }
  // docs/failover.md §2: disable-failover-protocol forces silent failover only.
  if (r.get<bool>("disable-failover-protocol").value_or(false)) {
    if (f.resync == failover::FailoverResync::protocol) {
      r.fail(*r.node("disable-failover-protocol"),
             "disable-failover-protocol contradicts failover-resync = \"failover-protocol\"");
    }
    if (f.resync != failover::FailoverResync::none) f.resync = failover::FailoverResync::silent;
  }
  set(r.integer("recovery-time-ms"),
      [&](auto v) { f.recovery_time_ms = static_cast<std::uint32_t>(v); });
  set(r.integer("recovery-tunnel-timeout-ms"),
      [&](auto v) { f.recovery_tunnel_timeout_ms = static_cast<std::uint32_t>(v); });
}

void read_peers(std::string_view source, const toml::node& node, DaemonConfig& c) {
  const toml::array* peers = node.as_array();
  if (peers == nullptr)
    throw ConfigError{where(source, node.source()) + ": 'peer' must be [[peer]] tables"};
  for (const toml::node& entry : *peers) {
    if (!entry.is_table()) {
      throw ConfigError{where(source, entry.source()) + ": each [[peer]] must be a table"};
    }
    Reader r(source, *entry.as_table(), "peer");
    r.only_known_keys();
    engine::PeerSettings peer;
    auto address = r.get<std::string>("address");
    if (!address) r.fail(entry, "[[peer]] needs an 'address'");
    auto parsed = parse_address(*address, 1701);
    if (!parsed) r.fail(*r.node("address"), parsed.error());
    peer.host = *parsed;
    if (auto secret = r.get<std::string>("secret")) {
      peer.secret.assign(reinterpret_cast<const std::byte*>(secret->data()),
                         reinterpret_cast<const std::byte*>(secret->data() + secret->size()));
    }
    peer.hide_avps = r.get<bool>("hide-avps").value_or(false);
    if (peer.hide_avps && peer.secret.empty()) {
      r.fail(*r.node("hide-avps"), "hide-avps needs a secret (RFC 2661 §4.3)");
    }
    for (const auto& other : c.endpoint.peers) {
      if (other.host.same_host(peer.host)) r.fail(entry, "peer " + *address + " is listed twice");
    }
    c.endpoint.peers.push_back(std::move(peer));
  }
}

DaemonConfig read(std::string_view source, const toml::table& root) {
  DaemonConfig c;
  Reader r(source, root, "");
  r.only_known_keys();
  if (auto role = r.get<std::string>("role")) {
    if (*role == "lac") {
      c.role = Role::lac;
    } else if (*role == "lns") {
      c.role = Role::lns;
    } else if (*role == "both") {
      c.role = Role::both;
    } else {
      r.fail(*r.node("role"), "'role' must be \"lac\", \"lns\" or \"both\"");
    }
  }
  auto& t = c.endpoint.tunnel;
  const bool lac = c.role != Role::lns, lns = c.role != Role::lac;
  t.place_incoming_calls = lac;   // ICRQ from the LAC
  t.accept_outgoing_calls = lac;  // OCRQ answered by the LAC
  t.accept_incoming_calls = lns;  // ICRQ answered by the LNS
  t.place_outgoing_calls = lns;   // OCRQ from the LNS
  if (auto name = r.get<std::string>("host-name")) {
    if (name->empty()) r.fail(*r.node("host-name"), "'host-name' must not be empty");
    t.host_name = *name;
  }
  c.endpoint.accept_unlisted_peers = r.get<bool>("accept-unlisted-peers").value_or(true);
  if (const toml::node* listen = r.node("listen")) {
    const toml::array* list = listen->as_array();
    if (list == nullptr) r.fail(*listen, "'listen' must be a list of addresses");
    for (const toml::node& entry : *list) {
      auto text = entry.value<std::string>();
      if (!text) r.fail(entry, "each 'listen' entry must be a string such as \"0.0.0.0:1701\"");
      auto address = parse_address(*text, 1701);
      if (!address) r.fail(entry, address.error());
      c.listen.push_back(*address);
    }
  }
  if (c.listen.empty()) c.listen.push_back(PeerAddress::ipv4(0, 1701));
  if (auto* timers = r.table("timers")) read_timers(Reader(source, *timers, "timers"), t);
  if (auto* windows = r.table("windows")) {
    Reader w(source, *windows, "windows");
    w.only_known_keys();
    set(w.integer("receive-window"),
        [&](auto v) { t.channel.receive_window = static_cast<std::uint16_t>(v); });
    set(w.integer("max-queued"),
        [&](auto v) { t.channel.max_queued = static_cast<std::uint32_t>(v); });
  }
  if (auto* limits = r.table("limits")) {
    Reader l(source, *limits, "limits");
    l.only_known_keys();
    set(l.integer("max-tunnels"),
        [&](auto v) { c.endpoint.limits.max_tunnels = static_cast<std::size_t>(v); });
    set(l.integer("max-sessions"),
        [&](auto v) { c.endpoint.limits.max_sessions = static_cast<std::size_t>(v); });
    set(l.integer("max-sessions-per-tunnel"),
        [&](auto v) { c.endpoint.limits.max_sessions_per_tunnel = static_cast<std::uint32_t>(v); });
  }
  if (auto* failover = r.table("failover")) {
    read_failover(Reader(source, *failover, "failover"), t.failover);
  }
  if (auto* store = r.table("store")) {
    Reader s(source, *store, "store");
    s.only_known_keys();
    if (auto durability = s.get<std::string>("durability")) {
      if (*durability == "none") {
        c.durability = StoreDurability::none;
      } else if (*durability == "process-crash") {
        c.durability = StoreDurability::process_crash;
      } else if (*durability == "power-loss") {
        c.durability = StoreDurability::power_loss;
      } else {
        s.fail(*s.node("durability"),
               "'durability' must be \"process-crash\", \"power-loss\" or \"none\"");
      }
    }
    if (auto path = s.get<std::string>("path")) {
      // An empty path once meant a throwaway database while the log promised recovery: running
      // without a store must be said in so many words.
      if (path->empty()) {
        s.fail(*s.node("path"),
               "'path' must not be empty; to run without a store, set durability = \"none\"");
      }
      if (c.durability == StoreDurability::none) {
        s.fail(*s.node("path"), "'path' has no use with durability = \"none\" (no store is kept)");
      }
      c.store_path = *path;
    }
  }
  if (auto* management = r.table("management")) {
    Reader m(source, *management, "management");
    m.only_known_keys();
    if (auto socket = m.get<std::string>("socket")) c.management_socket = *socket;
  }
  c.metrics = PeerAddress::ipv4(0x7F000001, 9701);
  if (auto* metrics = r.table("metrics")) {
    Reader m(source, *metrics, "metrics");
    m.only_known_keys();
    if (auto address = m.get<std::string>("address")) {
      if (address->empty()) {
        c.metrics.reset();
      } else {
        auto parsed = parse_address(*address, 9701);
        if (!parsed) m.fail(*m.node("address"), parsed.error());
        c.metrics = *parsed;
      }
    }
  }
  if (auto* log = r.table("log")) {
    Reader l(source, *log, "log");
    l.only_known_keys();
    if (auto level = l.get<std::string>("level")) {
      if (*level != "trace" && *level != "debug" && *level != "info" && *level != "warn" &&
          *level != "error") {
        l.fail(*l.node("level"), "'level' must be trace, debug, info, warn or error");
      }
      c.log_level = *level;
    }
  }
  if (const toml::node* peers = r.node("peer")) read_peers(source, *peers, c);
  return c;
}

}  // namespace

Result<PeerAddress, std::string> parse_address(std::string_view text, std::uint16_t default_port) {
  std::string host(text);
  std::uint16_t port = default_port;
  auto parse_port = [&](std::string_view p) -> bool {
    if (p.empty() || p.size() > 5) return false;
    std::uint32_t v = 0;
    for (char ch : p) {
      if (ch < '0' || ch > '9') return false;
      v = v * 10 + static_cast<std::uint32_t>(ch - '0');
    }
    if (v == 0 || v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
  };
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos) return unexpected("'" + host + "': missing ']'");
    const std::string rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1)))) {
      return unexpected("'" + std::string(text) + "': bad port");
    }
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    const auto colon = host.find(':');
    if (!parse_port(host.substr(colon + 1))) {
      return unexpected("'" + std::string(text) + "': bad port");
    }
    host = host.substr(0, colon);
  }
  PeerAddress a;
  a.port = port;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    std::memcpy(a.ip.data(), &v4, 4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    a.v6 = true;
    std::memcpy(a.ip.data(), &v6, 16);
  } else {
    return unexpected("'" + std::string(text) + "' is not an IPv4 or IPv6 address");
  }
  return a;
}

Result<DaemonConfig, std::string> parse_config(std::string_view text, std::string_view source) {
  try {
    const toml::table root = toml::parse(text, source);
    return read(source, root);
  } catch (const toml::parse_error& e) {
    return unexpected(where(source, e.source()) + ": " + std::string(e.description()));
  } catch (const ConfigError& e) {
    return unexpected(e.text);
  }
}

Result<DaemonConfig, std::string> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected("cannot read configuration " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace hl2tp::daemon
