#pragma once
// One connection's request as it arrives over a stream socket: octets in whatever chunks the
// kernel hands over, up to a terminator ("\n" for the management protocol, "\r\n\r\n" for an HTTP
// request head), and never more than a bound. The local servers take exactly one request per
// connection, so octets after the terminator are ignored.
//
// Contract: `append` and `end_of_input` may be called in any order and any number of times; once
// the status is not `incomplete` it never changes, and the buffer never holds more than
// `max_request` octets.
#include <cstddef>
#include <string>
#include <string_view>

namespace hl2tp::daemon {

class RequestBuffer {
 public:
  enum class Status {
    incomplete,  // no terminator yet, room left
    complete,    // request() holds the request
    too_large,   // `max_request` octets without a terminator
    abandoned,   // the client closed its side before sending anything
  };

  // `terminator` is not empty; `max_request` counts the terminator too and is at least its size.
  RequestBuffer(std::string_view terminator, std::size_t max_request);

  Status append(std::string_view chunk);
  // The client closed its side (a read returned 0): what came so far is its request. A client may
  // send one line without its newline and shut down its writing side (`printf ... | socat`).
  Status end_of_input();

  Status status() const { return status_; }
  // The request without its terminator; meaningful when complete.
  std::string_view request() const { return buffer_; }
  std::size_t size() const { return buffer_.size(); }

 private:
  std::string terminator_;
  std::size_t max_request_;
  std::string buffer_;
  Status status_ = Status::incomplete;
};

}  // namespace hl2tp::daemon
