#include "daemon/log_output.hpp"

#include <signal.h>
#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>

namespace hl2tp::daemon {
namespace {

// Queued lines: 8,192 are about 160 ms of session set-ups at 50,000 a second, and about 3 MiB.
constexpr std::size_t kQueuedLines = 8192;
constexpr std::size_t kBatchBytes = 64 * 1024;

// The syslog priority prefix of a level (sd-daemon.h's SD_* strings).
std::string_view priority_prefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return SD_CRIT;
    case spdlog::level::err:
      return SD_ERR;
    case spdlog::level::warn:
      return SD_WARNING;
    case spdlog::level::info:
      return SD_INFO;
    default:
      return SD_DEBUG;
  }
}

// The pattern flag %* : the line's priority prefix.
class PriorityPrefix final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view prefix = priority_prefix(msg.level);
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityPrefix>();
  }
};

// stderr, written by the logging thread alone: lines are gathered and written together once the
// queue behind them is empty (nothing more is coming now, so a line is never held back) or a batch
// is full. One write(2) per line cost the loop about 3 µs a line here. Lines the queue lost are
// said in the next batch.
class BatchingStderrSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit BatchingStderrSink(std::weak_ptr<spdlog::details::thread_pool> queue)
      : queue_(std::move(queue)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    formatter_->format(msg, batch_);
    const auto queue = queue_.lock();
    if (batch_.size() < kBatchBytes && queue && queue->queue_size() > 0) return;
    if (queue && queue->overrun_counter() > dropped_reported_) {
      dropped_reported_ = queue->overrun_counter();
      const std::string text = "log: " + std::to_string(dropped_reported_) +
                               " lines dropped so far; the log output could not keep up";
      formatter_->format(spdlog::details::log_msg(msg.logger_name, spdlog::level::warn, text),
                         batch_);
    }
    flush_();
  }
  void flush_() override {
    const char* data = batch_.data();
    std::size_t left = batch_.size();
    while (left > 0) {
      const ssize_t n = ::write(2, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr is gone (EPIPE: SIGPIPE is blocked in this thread): lost
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    batch_.clear();
  }

 private:
  std::weak_ptr<spdlog::details::thread_pool> queue_;
  spdlog::memory_buf_t batch_;
  std::size_t dropped_reported_ = 0;
};

}  // namespace

bool is_journal_stream(std::string_view journal_stream, int fd) {
  const auto colon = journal_stream.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long device = 0, inode = 0;
  const char* begin = journal_stream.data();
  const char* middle = begin + colon;
  const char* end = begin + journal_stream.size();
  if (auto r = std::from_chars(begin, middle, device); r.ec != std::errc{} || r.ptr != middle) {
    return false;
  }
  if (auto r = std::from_chars(middle + 1, end, inode); r.ec != std::errc{} || r.ptr != end) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

bool stderr_is_journal() {
  const char* value = std::getenv("JOURNAL_STREAM");
  return value != nullptr && is_journal_stream(value, 2);
}

void start_logging(bool journal) {
  // The thread inherits the mask: a process-directed signal must find the loop's thread, the only
  // one that does not block it (signalfd reads it there), never this one.
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  spdlog::init_thread_pool(kQueuedLines, 1);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  auto logger = std::make_shared<spdlog::async_logger>(
      "hl2tpd", std::make_shared<BatchingStderrSink>(spdlog::thread_pool()), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (journal) {
    formatter->add_flag<PriorityPrefix>('*').set_pattern("%*%l %v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  logger->set_formatter(std::move(formatter));
  spdlog::set_default_logger(std::move(logger));
}

void stop_logging() {
  spdlog::shutdown();
}

}  // namespace hl2tp::daemon
