// An independent check of the codec: every message type we encode (RFC 2661 types 1–16, RFC 4951
// FSQ/FSR, the recovery tunnel's messages, ZLB, data messages; with and without hidden AVPs) goes
// into a pcap as UDP/1701, and tshark must dissect each packet as L2TP with the message type and
// the AVP types we meant, and report nothing malformed.
//
// tshark 4.0 does not decrypt L2TPv2 hidden AVPs: for those it must see the H bit on exactly the
// AVPs we hid; their contents are checked against hashlib vectors in hidden_avp_test.cpp. It only
// names AVPs 76–79 (RFC 4951) and flags their value with the warning "Vendor-Specific AVP data";
// that warning is allowed there and nowhere else.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "pcap/pcap_file.hpp"
#include "support/golden_messages.hpp"
#include "support/seeded_random.hpp"
#include "wire/control_codec.hpp"
#include "wire/data_message.hpp"
#include "wire/message_format.hpp"

namespace hl2tp::wire {
namespace {

using test::SeededRandom;

struct Expected {
  std::string name;
  bool control = true;
  std::string message_type;  // tshark's l2tp.avp.message_type, empty for ZLB and data
  std::string avp_types;     // l2tp.avp.type: the unhidden AVPs, comma-separated
  std::string hidden_flags;  // l2tp.avp.hidden: one 0/1 per AVP
  bool rfc4951_avps = false;
};

Expected expect(const std::string& name, const ControlMessage& m) {
  Expected e;
  e.name = name;
  for (const Avp& avp : m.avps) {
    if (!avp.hidden)
      e.avp_types += (e.avp_types.empty() ? "" : ",") + std::to_string(avp.attribute_type);
    e.hidden_flags += (e.hidden_flags.empty() ? "" : ",") + std::string(avp.hidden ? "1" : "0");
    e.rfc4951_avps |= avp.vendor_id == 0 && avp.attribute_type >= 76 && avp.attribute_type <= 79;
  }
  if (auto t = m.type()) e.message_type = std::to_string(static_cast<std::uint16_t>(*t));
  return e;
}

// Copies of some golden messages with every hideable AVP hidden behind a Random Vector.
std::vector<std::pair<std::string, ControlMessage>> hidden_variants(RandomSource& random) {
  std::vector<std::pair<std::string, ControlMessage>> out;
  for (auto [name, m] : test::golden_messages()) {
    if (name != "SCCRP" && name != "OCRQ" && name != "ICRQ" && name != "ICCN" && name != "CDN" &&
        name != "WEN" && name != "SLI" && name != "FSQ" && name != "StopCCN") {
      continue;
    }
    for (Avp& avp : m.avps) {
      auto info = avp_info(avp.attribute_type);
      avp.hidden = info && info->may_hide;
    }
    m.avps.insert(m.avps.begin() + 1, make_random_vector(random));
    out.emplace_back(name + "-hidden", m);
  }
  return out;
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe))
    output.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << command;
  return output;
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, separator))
    parts.push_back(part);
  if (!s.empty() && s.back() == separator) parts.emplace_back();
  return parts;
}

TEST(TsharkDissection, every_message_we_encode_is_dissected_as_intended) {
  ASSERT_EQ(std::system("command -v tshark >/dev/null"), 0)
      << "tshark is missing: scripts/setup.sh installs it";
  const Bytes secret = test::bytes_of("tshark-secret");
  SeededRandom random(1701);

  std::vector<pcap::UdpDatagram> datagrams;
  std::vector<Expected> expected;
  auto add_control = [&](const std::string& name, const ControlMessage& m) {
    auto bytes = encode_control(m, {secret, &random, 8});
    ASSERT_TRUE(bytes.has_value()) << name;
    datagrams.push_back({0x7F000001, 40000, 0x7F000002, 1701, datagrams.size() * 1000, *bytes});
    expected.push_back(expect(name, m));
  };
  for (const auto& [name, m] : test::golden_messages())
    add_control(name, m);
  for (const auto& [name, m] : hidden_variants(random))
    add_control(name, m);

  const Bytes ppp = test::from_hex("FF 03 C0 21 01 01 00 04");
  for (const DataHeader& h :
       {DataHeader{0x1234, 3, false, false, {}, {}, {}},
        DataHeader{0x1234, 3, true, false, 7, 0, {}}, DataHeader{0x1234, 3, true, true, 8, 0, 4}}) {
    Bytes bytes;
    encode_data(h, ppp, bytes);
    datagrams.push_back({0x7F000002, 1701, 0x7F000001, 40000, datagrams.size() * 1000, bytes});
    expected.push_back({"data", false, "", "", "", false});
  }

  const auto path = std::filesystem::temp_directory_path() /
                    ("hl2tp-tshark-" + std::to_string(::getpid()) + ".pcap");
  {
    auto file = pcap::write_pcap(datagrams);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(file.data()),
               static_cast<std::streamsize>(file.size()));
  }
  const std::string output = run(
      "tshark -n -r " + path.string() +
      " -T fields -E separator='|' -E occurrence=a -E aggregator=, -e frame.number -e l2tp.type"
      " -e l2tp.avp.message_type -e l2tp.avp.type -e l2tp.avp.hidden -e _ws.malformed"
      " -e _ws.expert.severity -e _ws.expert.message -e l2tp.tunnel -e l2tp.session 2>/dev/null");
  std::filesystem::remove(path);

  const auto lines = split(output, '\n');
  ASSERT_GE(lines.size(), expected.size()) << output;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Expected& e = expected[i];
    SCOPED_TRACE(e.name + ": " + lines[i]);
    const auto f = split(lines[i], '|');
    ASSERT_EQ(f.size(), 10u);
    EXPECT_EQ(f[0], std::to_string(i + 1));
    EXPECT_EQ(f[1], e.control ? "1" : "0") << "T bit as tshark sees it";
    EXPECT_EQ(f[2], e.message_type);
    EXPECT_EQ(f[3], e.avp_types);
    EXPECT_EQ(f[4], e.hidden_flags);
    EXPECT_EQ(f[5], "") << "tshark reports a malformed packet";
    const auto messages = split(f[7], ',');
    for (const std::string& message : messages) {
      EXPECT_TRUE(e.rfc4951_avps && message == "Vendor-Specific AVP data")
          << "unexpected expert info: " << message;
    }
    if (!e.control) {
      EXPECT_EQ(f[8] + "/" + f[9], "4660/3");
    }
  }
}

}  // namespace
}  // namespace hl2tp::wire
