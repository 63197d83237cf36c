// libFuzzer target (issue 13): the local servers' request framing (src/daemon/request_buffer.hpp)
// fed arbitrary chunk sequences, as a client's octets arrive in whatever pieces the kernel hands
// over. Input: [terminator choice][bound, 2 octets] then chunks [length][octets], a length of 0
// standing for the client closing its side. After every chunk the buffer is checked against a
// model computed on everything sent so far: the status (incomplete, complete, too large,
// abandoned), the request, and the bound on what it holds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/request_buffer.hpp"

namespace {

using hl2tp::daemon::RequestBuffer;
using Status = RequestBuffer::Status;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "request_buffer_fuzzer: %s\n", what);
  std::abort();
}

// What the buffer must say, given everything the client sent and whether it closed.
Status expected(std::string_view sent, bool closed, std::string_view terminator, std::size_t max,
                std::string_view& request) {
  const auto at = sent.find(terminator);
  if (at != std::string_view::npos && at + terminator.size() <= max) {
    request = sent.substr(0, at);
    return Status::complete;
  }
  if (sent.size() >= max) return Status::too_large;
  if (!closed) return Status::incomplete;
  request = sent;
  return sent.empty() ? Status::abandoned : Status::complete;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::string_view terminator = data[0] % 2 == 0 ? "\n" : "\r\n\r\n";
  const std::size_t max = terminator.size() + ((std::size_t{data[1]} << 8 | data[2]) % 300);
  RequestBuffer buffer(terminator, max);
  std::string sent;
  bool closed = false;
  std::size_t i = 3;
  while (i < size) {
    const std::size_t length = data[i++];
    Status got;
    if (length == 0) {
      got = buffer.end_of_input();
      // A status decided before the close stays; the close only decides an incomplete one.
      if (!closed) {
        std::string_view ignored;
        closed = expected(sent, false, terminator, max, ignored) == Status::incomplete;
      }
    } else {
      const std::size_t n = std::min(length, size - i);
      const std::string_view chunk(reinterpret_cast<const char*>(data + i), n);
      i += n;
      got = buffer.append(chunk);
      if (!closed) sent.append(chunk);
    }
    std::string_view request;
    const Status want = expected(sent, closed, terminator, max, request);
    if (got != want || buffer.status() != want) finding("status differs from the model");
    if (want == Status::complete && buffer.request() != request) finding("request differs");
    if (buffer.size() > max) finding("holds more than its bound");
  }
  return 0;
}
