// The daemon's group commit off the loop thread (issue 14, point 1): batches become durable in the
// order submitted, several at once when they queue behind a slow commit; the loop learns it through
// an eventfd; a failed commit is final and nothing after it is committed.
#include "daemon/commit_pipeline.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <condition_variable>
#include <mutex>

#include "store/memory_store.hpp"

namespace hl2tp::test {
namespace {

using daemon::CommitPipeline;

tunnel::Checkpoint record(std::uint32_t n) {
  return tunnel::CallSerialsReserved{n};
}

// A store whose commits wait until the test opens the gate, and that can be told to fail.
class GatedStore : public store::CheckpointStore {
 public:
  void append(tunnel::Checkpoint r) override { batch_.push_back(std::move(r)); }
  std::optional<std::string> commit() override {
    std::unique_lock lock(mutex_);
    ++commits_started_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    if (fail_) return std::string("disk full");
    committed_.insert(committed_.end(), batch_.begin(), batch_.end());
    batch_.clear();
    ++commits_;
    return std::nullopt;
  }
  store::Snapshot load() const override { return {}; }

  void open_gate(bool fail = false) {
    std::lock_guard lock(mutex_);
    open_ = true;
    fail_ = fail;
    changed_.notify_all();
  }
  void wait_for_commit_started(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return commits_started_ >= n; });
  }
  std::vector<tunnel::Checkpoint> committed() {
    std::lock_guard lock(mutex_);
    return committed_;
  }
  int commits() {
    std::lock_guard lock(mutex_);
    return commits_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false, fail_ = false;
  int commits_started_ = 0, commits_ = 0;
  std::vector<tunnel::Checkpoint> batch_, committed_;
};

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

TEST(CommitPipeline, before_start_a_batch_is_durable_when_submit_returns) {
  store::MemoryStore store;
  CommitPipeline pipeline(store);
  EXPECT_EQ(pipeline.ready_fd(), -1);
  EXPECT_EQ(pipeline.submit({record(1), record(2)}), 1u);
  EXPECT_EQ(pipeline.collect().durable, 1u);
  EXPECT_EQ(store.records_committed(), 2u);
}

TEST(CommitPipeline, the_loop_goes_on_while_a_commit_waits_and_later_batches_join_one_commit) {
  GatedStore store;
  CommitPipeline pipeline(store);
  ASSERT_FALSE(pipeline.start());
  pipeline.submit({record(1)});
  store.wait_for_commit_started(1);  // the committer is inside the first, slow commit
  // Meanwhile the loop goes on producing: nothing of it is durable yet, and submit did not wait.
  pipeline.submit({record(2)});
  pipeline.submit({record(3), record(4)});
  EXPECT_FALSE(readable(pipeline.ready_fd(), 20));
  EXPECT_EQ(pipeline.collect().durable, 0u);
  store.open_gate();
  pipeline.drain();
  ASSERT_TRUE(readable(pipeline.ready_fd(), 1000));
  const auto progress = pipeline.collect();
  EXPECT_EQ(progress.durable, 3u);
  // The two batches that queued behind the first commit went in one commit (group commit).
  EXPECT_EQ(store.commits(), 2);
  EXPECT_EQ(progress.commit_seconds.size(), 2u);
  const auto committed = store.committed();
  ASSERT_EQ(committed.size(), 4u);
  for (std::uint32_t i = 0; i < 4; ++i)
    EXPECT_EQ(std::get<tunnel::CallSerialsReserved>(committed[i]).limit, i + 1);
  EXPECT_FALSE(readable(pipeline.ready_fd(), 0));  // collect() cleared it
}

TEST(CommitPipeline, a_failed_commit_is_final_and_nothing_after_it_is_committed) {
  GatedStore store;
  CommitPipeline pipeline(store);
  ASSERT_FALSE(pipeline.start());
  pipeline.submit({record(1)});
  store.wait_for_commit_started(1);
  pipeline.submit({record(2)});
  store.open_gate(/*fail=*/true);
  pipeline.drain();
  ASSERT_TRUE(readable(pipeline.ready_fd(), 1000));
  EXPECT_EQ(pipeline.collect().durable, 0u);
  ASSERT_TRUE(pipeline.error());
  EXPECT_EQ(*pipeline.error(), "disk full");
  pipeline.submit({record(3)});
  pipeline.drain();
  EXPECT_EQ(pipeline.collect().durable, 0u);
  EXPECT_TRUE(store.committed().empty());
}

TEST(CommitPipeline, what_was_submitted_before_destruction_is_committed) {
  store::MemoryStore store;
  {
    CommitPipeline pipeline(store);
    ASSERT_FALSE(pipeline.start());
    for (std::uint32_t i = 1; i <= 100; ++i)
      pipeline.submit({record(i)});
  }
  EXPECT_EQ(store.records_committed(), 100u);
}

}  // namespace
}  // namespace hl2tp::test
