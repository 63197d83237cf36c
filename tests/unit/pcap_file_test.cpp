// pcap files of UDP datagrams: what we write we read back; foreign and broken files are refused.
#include <gtest/gtest.h>

#include "pcap/pcap_file.hpp"
#include "support/hex.hpp"

namespace hl2tp::pcap {
namespace {

TEST(PcapFile, datagrams_written_are_read_back) {
  std::vector<UdpDatagram> written = {
      {0x7F000001, 40000, 0x7F000002, 1701, 1'500'000, test::from_hex("C8 02 00 0C 00 00")},
      {0x7F000002, 1701, 0x7F000001, 40000, 2'000'001, {}},
  };
  auto file = write_pcap(written);
  EXPECT_EQ(file.size(), 24u + 2 * (16 + 28) + 6);
  auto read = read_pcap(file);
  ASSERT_TRUE(read.has_value()) << read.error();
  ASSERT_EQ(read->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*read)[i].source_ip, written[i].source_ip);
    EXPECT_EQ((*read)[i].source_port, written[i].source_port);
    EXPECT_EQ((*read)[i].destination_ip, written[i].destination_ip);
    EXPECT_EQ((*read)[i].destination_port, written[i].destination_port);
    EXPECT_EQ((*read)[i].time_us, written[i].time_us);
    EXPECT_EQ((*read)[i].payload, written[i].payload);
  }
  EXPECT_EQ(format_ipv4(0x7F000002), "127.0.0.2");
}

TEST(PcapFile, broken_files_give_a_reason) {
  EXPECT_FALSE(read_pcap({}).has_value());
  EXPECT_NE(read_pcap(test::from_hex("00 11 22 33")).error().find("not a pcap"), std::string::npos);
  auto file = write_pcap(std::vector<UdpDatagram>{{1, 2, 3, 4, 5, test::from_hex("AA BB")}});
  file.resize(file.size() - 1);
  EXPECT_NE(read_pcap(file).error().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace hl2tp::pcap
