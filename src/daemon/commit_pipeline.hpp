#pragma once
// The daemon's group commit, off the loop thread (issue 14): the loop hands each turn's checkpoint
// records over as one batch and goes on serving; a committer thread makes batches durable in order,
// several at a time when they queue up behind a slow commit, and says so through an eventfd the
// loop waits on with its sockets. The write-ahead rule (docs/architecture.md §4) is kept by the
// caller: a datagram waits for the batch that was last submitted before it was produced.
//
// Before start() (and in tests and fuzzers that never start it) a batch is committed at once on
// the caller's thread: recovery's first records are durable before the loop begins.
//
// A commit that fails is final: nothing after it is committed (a later batch may build on what the
// failed one held), and error() says why; the daemon then stops without sending.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/checkpoint_store.hpp"

namespace hl2tp::daemon {

class CommitPipeline {
 public:
  explicit CommitPipeline(store::CheckpointStore& store) : store_(store) {}
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;
  ~CommitPipeline();  // finishes what was submitted, then stops the thread

  // From now on batches are committed on a thread of their own. The error says why it could not
  // start (then commits stay on the caller's thread).
  std::optional<std::string> start();
  // Readable when batches became durable (or failed) since the last collect(); -1 before start().
  int ready_fd() const { return ready_fd_; }

  // Hands over one turn's records. The batch's number: a datagram produced after this call may
  // leave once durable() reaches it.
  std::uint64_t submit(std::vector<tunnel::Checkpoint> records);
  std::uint64_t submitted() const { return submitted_; }

  // What became durable since the last call, on the loop's thread: every batch up to the number
  // returned is durable; `commit_seconds` has one duration per commit (a commit may hold several
  // batches). Clears the eventfd.
  struct Progress {
    std::uint64_t durable = 0;
    std::vector<double> commit_seconds;
  };
  Progress collect();
  std::uint64_t durable() const { return durable_; }
  const std::optional<std::string>& error() const { return error_; }

  // Waits until every submitted batch is durable or one failed (at a stop).
  void drain();

 private:
  struct Batch {
    std::uint64_t number;
    std::vector<tunnel::Checkpoint> records;
  };
  // One transaction for every record of `batches`, moved into the store (its duration in
  // last_commit_seconds_), or why it failed. On the committer's thread, or on the caller's before
  // start().
  std::optional<std::string> commit_batches(std::deque<Batch>& batches);
  void commit_now(std::vector<tunnel::Checkpoint> records, std::uint64_t batch);
  void signal_ready();  // the eventfd the loop waits on
  void run();

  store::CheckpointStore& store_;
  int ready_fd_ = -1;
  std::thread thread_;
  std::uint64_t submitted_ = 0;  // loop thread only
  std::uint64_t durable_ = 0;    // loop thread's view, from collect()
  std::optional<std::string> error_;
  double last_commit_seconds_ = 0;  // committer thread (or caller before start) only

  // Shared with the committer thread.
  std::mutex mutex_;
  std::condition_variable wake_;     // batches queued, or stop
  std::condition_variable settled_;  // a commit finished (for drain)
  std::deque<Batch> queue_;
  std::uint64_t committed_ = 0;
  std::vector<double> durations_;
  std::optional<std::string> failure_;
  bool stop_ = false;
};

}  // namespace hl2tp::daemon
