#pragma once
// A set of enum values as a bit mask, for tables written as data (session/call_table.hpp,
// tunnel/connection_table.hpp).
#include <cstdint>
#include <initializer_list>

namespace hl2tp {

// A set of an enum's values (at most 32), usable in constant expressions: the state tables of the
// RFCs write several states or events in one cell where the rest of a row is shared.
template <typename E>
class EnumSet {
 public:
  constexpr EnumSet() = default;
  // Implicit, so that a cell of one state or one event is written as just that.
  constexpr EnumSet(E member) : bits_(bit(member)) {}
  constexpr EnumSet(std::initializer_list<E> members) {
    for (E e : members)
      bits_ |= bit(e);
  }
  constexpr bool contains(E e) const { return (bits_ & bit(e)) != 0; }
  constexpr EnumSet operator|(EnumSet other) const { return EnumSet(bits_ | other.bits_); }
  constexpr bool operator==(const EnumSet&) const = default;

  static constexpr unsigned kCapacity = 32;
  // The members by their underlying value, for checks that go through every one.
  constexpr bool contains_value(unsigned value) const { return ((bits_ >> value) & 1) != 0; }

 private:
  constexpr explicit EnumSet(std::uint32_t bits) : bits_(bits) {}
  static constexpr std::uint32_t bit(E e) { return std::uint32_t{1} << static_cast<unsigned>(e); }
  std::uint32_t bits_ = 0;
};

}  // namespace hl2tp
