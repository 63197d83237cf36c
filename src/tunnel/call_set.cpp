#include "tunnel/call_set.hpp"

#include <algorithm>

#include "base/invariant.hpp"

namespace hl2tp::tunnel {
namespace {

constexpr std::uint16_t kSessionIdBlock = 256;  // session IDs reserved durably at a time

}  // namespace

session::Session* CallSet::find(std::uint16_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

const session::Session* CallSet::find(std::uint16_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

session::Session* CallSet::find_by_peer_id(std::uint16_t peer_id) {
  session::Session* found = nullptr;
  for (auto& [id, s] : sessions_) {
    if (s.peer_id() == peer_id) found = &s;
  }
  return found;
}

std::optional<std::uint16_t> CallSet::established_with_peer_id(std::uint16_t peer_id) const {
  const std::optional<std::uint16_t> ours = established_by_peer_.find(peer_id);
  if (!ours) return std::nullopt;
  const session::Session* held = find(*ours);
  if (held == nullptr || held->peer_id() != peer_id ||
      held->state() != session::State::established) {
    return std::nullopt;
  }
  return ours;
}

session::Session& CallSet::add(session::Session s) {
  const std::uint16_t id = s.local_id();
  HL2TP_INVARIANT(id != 0);
  auto [it, inserted] = sessions_.emplace(id, std::move(s));
  HL2TP_INVARIANT(inserted);  // one owner per session ID
  if (it->second.state() == session::State::established) established(it->second);
  return it->second;
}

void CallSet::reserve(std::size_t count) {
  sessions_.reserve(count);
  established_by_peer_.reserve(count);
}

void CallSet::established(const session::Session& s) {
  HL2TP_INVARIANT(sessions_.contains(s.local_id()));
  established_by_peer_.assign(s.peer_id(), s.local_id());
}

void CallSet::forget(std::uint16_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  established_by_peer_.erase(it->second.peer_id(), id);
  sessions_.erase(it);
}

std::vector<session::Session> CallSet::take_all() {
  std::vector<session::Session> taken;
  taken.reserve(sessions_.size());
  for (std::uint16_t id : waiting_) {
    if (auto it = sessions_.find(id); it != sessions_.end()) taken.push_back(it->second);
  }
  for (auto& [id, s] : sessions_) {
    if (std::find(waiting_.begin(), waiting_.end(), id) == waiting_.end()) taken.push_back(s);
  }
  clear();
  return taken;
}

void CallSet::clear() {
  sessions_.clear();
  waiting_.clear();
  established_by_peer_.clear();
  setup_deadlines_.clear();
}

CallSet::IdAllocation CallSet::allocate_id(RandomSource& random) {
  IdAllocation allocation;
  if (!next_id_) {
    std::byte raw[2];
    random.fill(raw);
    next_id_ = static_cast<std::uint16_t>((std::to_integer<unsigned>(raw[0]) << 8) |
                                          std::to_integer<unsigned>(raw[1]));
  }
  // The tunnel's max_sessions < 65535 guarantees a free ID within one lap.
  for (std::uint32_t tries = 0; tries <= 0xFFFF; ++tries) {
    if (!id_limit_ || *next_id_ == *id_limit_) {
      // One record per block keeps the write-ahead reservation off the per-call cost; of blocks
      // begun in one allocation only the last matters, as each record supersedes the one before.
      id_limit_ = static_cast<std::uint16_t>(*next_id_ + kSessionIdBlock);
      allocation.reserved_up_to = id_limit_;
    }
    const std::uint16_t id = (*next_id_)++;
    if (id != 0 && !sessions_.contains(id)) {
      allocation.id = id;
      return allocation;
    }
  }
  return allocation;
}

void CallSet::resume_ids_at(std::uint16_t limit) {
  next_id_ = limit;
  id_limit_.reset();
}

std::uint16_t CallSet::reserved_limit() const {
  return id_limit_.value_or(next_id_.value_or(0));
}

std::vector<std::uint16_t> CallSet::take_waiting() {
  std::vector<std::uint16_t> waiting = std::move(waiting_);
  waiting_.clear();
  return waiting;
}

std::optional<Time> CallSet::next_setup_deadline() const {
  if (setup_deadlines_.empty()) return std::nullopt;
  return setup_deadlines_.begin()->first;
}

session::Session* CallSet::take_expired_setup(Time now) {
  while (!setup_deadlines_.empty() && setup_deadlines_.begin()->first <= now) {
    const std::uint16_t id = setup_deadlines_.begin()->second;
    setup_deadlines_.erase(setup_deadlines_.begin());
    session::Session* s = find(id);
    if (s != nullptr && s->state() != session::State::established) return s;
  }
  return nullptr;
}

void CallSet::check_invariants() const {
  std::size_t established = 0;
  for (const auto& [id, s] : sessions_) {
    HL2TP_INVARIANT(id == s.local_id() && id != 0);  // RFC 2661 §5.3: 0 is never a session's ID
    if (s.state() != session::State::established) continue;
    ++established;
    HL2TP_INVARIANT(established_by_peer_.find(s.peer_id()) == std::optional(id));
  }
  HL2TP_INVARIANT(established_by_peer_.size() == established);
  HL2TP_INVARIANT(sessions_.size() <= 0xFFFF);
  for (std::uint16_t id : waiting_)
    HL2TP_INVARIANT(id != 0);
}

}  // namespace hl2tp::tunnel
