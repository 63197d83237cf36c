#include "engine/opening_queue.hpp"

#include <algorithm>

#include "base/invariant.hpp"

namespace hl2tp::engine {

bool OpeningQueue::admit(const Key& key, std::uint16_t tunnel_id) {
  HL2TP_INVARIANT(!line_of_.contains(tunnel_id));
  line_of_.emplace(tunnel_id, key);
  auto [it, created] = lines_.try_emplace(key);
  if (created) {
    it->second.head = tunnel_id;
    return true;
  }
  it->second.waiting.push_back(tunnel_id);
  return false;
}

std::optional<std::uint16_t> OpeningQueue::leave(std::uint16_t tunnel_id) {
  auto of = line_of_.find(tunnel_id);
  if (of == line_of_.end()) return std::nullopt;
  auto line = lines_.find(of->second);
  HL2TP_INVARIANT(line != lines_.end());
  line_of_.erase(of);
  Line& l = line->second;
  if (l.head != tunnel_id) {
    // Closed while waiting its turn: the head is still out.
    auto w = std::find(l.waiting.begin(), l.waiting.end(), tunnel_id);
    HL2TP_INVARIANT(w != l.waiting.end());
    l.waiting.erase(w);
    return std::nullopt;
  }
  if (l.waiting.empty()) {
    lines_.erase(line);
    return std::nullopt;
  }
  l.head = l.waiting.front();
  l.waiting.pop_front();
  return l.head;
}

bool OpeningQueue::hand_over(std::uint16_t head, std::uint16_t successor) {
  HL2TP_INVARIANT(!line_of_.contains(successor));
  auto of = line_of_.find(head);
  if (of == line_of_.end()) return false;
  Line& l = lines_.at(of->second);
  if (l.head != head) return false;
  l.head = successor;
  const Key key = of->second;
  line_of_.erase(of);  // before the emplace, which may rehash
  line_of_.emplace(successor, key);
  return true;
}

bool OpeningQueue::waiting(std::uint16_t tunnel_id) const {
  auto of = line_of_.find(tunnel_id);
  return of != line_of_.end() && lines_.at(of->second).head != tunnel_id;
}

}  // namespace hl2tp::engine
