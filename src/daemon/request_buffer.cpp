#include "daemon/request_buffer.hpp"

#include <algorithm>
#include <cassert>

namespace hl2tp::daemon {

RequestBuffer::RequestBuffer(std::string_view terminator, std::size_t max_request)
    : terminator_(terminator), max_request_(max_request) {
  assert(!terminator_.empty());
  assert(max_request_ >= terminator_.size());
}

RequestBuffer::Status RequestBuffer::append(std::string_view chunk) {
  if (status_ != Status::incomplete || chunk.empty()) return status_;
  // A terminator may straddle two chunks: search from where the previous chunk's tail could
  // begin one. Searching only the new part keeps a client that trickles one octet at a time from
  // costing us a rescan of everything it sent (quadratic work).
  const std::size_t search_from =
      buffer_.size() >= terminator_.size() - 1 ? buffer_.size() - (terminator_.size() - 1) : 0;
  const std::size_t room = max_request_ - buffer_.size();
  buffer_.append(chunk.substr(0, std::min(room, chunk.size())));
  if (const auto at = buffer_.find(terminator_, search_from); at != std::string::npos) {
    buffer_.resize(at);
    status_ = Status::complete;
  } else if (buffer_.size() == max_request_) {
    status_ = Status::too_large;
  }
  assert(buffer_.size() <= max_request_);
  return status_;
}

RequestBuffer::Status RequestBuffer::end_of_input() {
  if (status_ == Status::incomplete) {
    status_ = buffer_.empty() ? Status::abandoned : Status::complete;
  }
  return status_;
}

}  // namespace hl2tp::daemon
