// Decode and encode of a typical ICRQ with 8 AVPs (Message Type, Assigned Session ID, Call Serial
// Number, Bearer Type, Physical Channel ID, Calling Number, Called Number, Sub-Address): the
// message an LNS decodes once per subscriber session. Target (issue 2): at most 300 ns per
// direction.
#include <benchmark/benchmark.h>

#include "wire/control_codec.hpp"
#include "wire/message_builders.hpp"

namespace {

using namespace hl2tp::wire;
using hl2tp::Bytes;

ControlMessage typical_icrq() {
  ControlMessage m = make_icrq(0x2A3B, 1234567);
  m.add<AvpType::BearerType>(kBearerDigital)
      .add<AvpType::PhysicalChannelId>(17)
      .add<AvpType::CallingNumber>("4930123456")
      .add<AvpType::CalledNumber>("isp.example")
      .add<AvpType::SubAddress>("port-7");
  m.header = {0x1234, 0, 41, 17};
  return m;
}

void BM_DecodeIcrq(benchmark::State& state) {
  const Bytes wire = *encode_control(typical_icrq());
  for (auto _ : state) {
    auto m = decode_control(wire);
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_DecodeIcrq);

void BM_EncodeIcrq(benchmark::State& state) {
  const ControlMessage m = typical_icrq();
  Bytes out;
  out.reserve(256);
  for (auto _ : state) {
    out.clear();
    auto error = encode_control_into(m, out);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodeIcrq);

// The same, allocating a fresh buffer each time (what a caller that keeps no buffer pays).
void BM_EncodeIcrqFreshBuffer(benchmark::State& state) {
  const ControlMessage m = typical_icrq();
  for (auto _ : state) {
    auto bytes = encode_control(m);
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_EncodeIcrqFreshBuffer);

}  // namespace

BENCHMARK_MAIN();
