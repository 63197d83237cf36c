#include "daemon/commit_pipeline.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace hl2tp::daemon {
namespace {

double seconds_since(std::chrono::steady_clock::time_point begun) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
}

}  // namespace

CommitPipeline::~CommitPipeline() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  if (ready_fd_ >= 0) ::close(ready_fd_);
}

std::optional<std::string> CommitPipeline::start() {
  assert(!thread_.joinable());
  ready_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ready_fd_ < 0) return std::string("eventfd: ") + std::strerror(errno);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    ::close(ready_fd_);
    ready_fd_ = -1;
    return std::string("committer thread: ") + e.what();
  }
  return std::nullopt;
}

std::uint64_t CommitPipeline::submit(std::vector<tunnel::Checkpoint> records) {
  const std::uint64_t batch = ++submitted_;
  if (!thread_.joinable()) {
    commit_now(std::move(records), batch);
    return batch;
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({batch, std::move(records)});
  }
  wake_.notify_one();
  return batch;
}

std::optional<std::string> CommitPipeline::commit_batches(std::deque<Batch>& batches) {
  const auto begun = std::chrono::steady_clock::now();
  for (auto& b : batches) {
    for (auto& r : b.records)
      store_.append(std::move(r));
  }
  if (auto error = store_.commit()) return error;
  last_commit_seconds_ = seconds_since(begun);
  return std::nullopt;
}

void CommitPipeline::signal_ready() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(ready_fd_, &one, sizeof(one));
}

void CommitPipeline::commit_now(std::vector<tunnel::Checkpoint> records, std::uint64_t batch) {
  if (error_) return;  // nothing is committed after a failure
  std::deque<Batch> one;
  one.push_back({batch, std::move(records)});
  if (auto error = commit_batches(one)) {
    error_ = std::move(error);
    return;
  }
  durations_.push_back(last_commit_seconds_);
  committed_ = batch;
}

CommitPipeline::Progress CommitPipeline::collect() {
  if (ready_fd_ >= 0) {
    std::uint64_t ignored = 0;
    [[maybe_unused]] auto n = ::read(ready_fd_, &ignored, sizeof(ignored));
  }
  Progress p;
  {
    std::lock_guard lock(mutex_);
    p.durable = committed_;
    p.commit_seconds.swap(durations_);
    if (failure_ && !error_) error_ = failure_;
  }
  assert(p.durable >= durable_ && p.durable <= submitted_);
  durable_ = p.durable;
  return p;
}

void CommitPipeline::drain() {
  if (!thread_.joinable()) return;
  std::unique_lock lock(mutex_);
  settled_.wait(lock, [this] { return committed_ == submitted_ || failure_; });
}

void CommitPipeline::run() {
  // Signals are the loop's (its signalfd): a thread that took SIGTERM would end the process at
  // once, without the hitless stop.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything submitted is committed
    // Everything queued behind the last commit goes into this one (group commit).
    std::deque<Batch> batches;
    batches.swap(queue_);
    lock.unlock();
    auto error = commit_batches(batches);
    const std::uint64_t last = batches.back().number;
    batches.clear();  // freed before the lock is taken: the loop's submit() waits for no free()
    lock.lock();
    if (error) {
      // Final: the loop stops without sending, and nothing later is committed.
      failure_ = std::move(error);
      queue_.clear();
    } else {
      committed_ = last;
      durations_.push_back(last_commit_seconds_);
    }
    // The loop is woken with the lock released: woken while we held it, it would block in
    // collect() until this thread ran again, and this thread shares its core with others.
    const bool failed = failure_.has_value();
    lock.unlock();
    settled_.notify_all();
    signal_ready();
    lock.lock();
    if (failed) {
      wake_.wait(lock, [this] { return stop_; });
      return;
    }
  }
}

}  // namespace hl2tp::daemon
