#pragma once
// Reads the files in tests/vectors: "name: X" blocks of hex lines, or "key: hex" lines.
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/hex.hpp"

namespace hl2tp::test {

inline std::string vector_path(const std::string& file) {
  return std::string(HL2TP_TEST_VECTORS_DIR) + "/" + file;
}

// "name: X" followed by hex lines, blocks separated by the next name.
inline std::map<std::string, std::vector<std::byte>> read_named_blocks(const std::string& file) {
  std::ifstream in(vector_path(file));
  if (!in) throw std::runtime_error("cannot open " + file);
  std::map<std::string, std::vector<std::byte>> blocks;
  std::string line, name;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("name:", 0) == 0) {
      name = line.substr(line.find_first_not_of(' ', 5));
      blocks[name];
      continue;
    }
    auto bytes = from_hex(line);
    blocks.at(name).insert(blocks.at(name).end(), bytes.begin(), bytes.end());
  }
  return blocks;
}

// "key: hex" lines.
inline std::map<std::string, std::vector<std::byte>> read_keyed_lines(const std::string& file) {
  std::ifstream in(vector_path(file));
  if (!in) throw std::runtime_error("cannot open " + file);
  std::map<std::string, std::vector<std::byte>> values;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    values[line.substr(0, colon)] = from_hex(line.substr(colon + 1));
  }
  return values;
}

}  // namespace hl2tp::test
