#pragma once
// Copies the SQLite write-ahead log back into the database on a thread and connection of its own
// (issue 14), so that the committing thread never runs a checkpoint: SQLite's automatic checkpoint
// runs inside the COMMIT that crosses its threshold and, at synchronous = NORMAL or FULL, syncs the
// database file there: 5–30 ms in the middle of the daemon's loop.
//
// The committing connection reports the log's size after each commit (wal_grew, from SQLite's WAL
// hook); past `threshold_pages` this thread runs a PASSIVE checkpoint, which never blocks the
// writer. A log that keeps growing under steady writes (a passive checkpoint cannot reset a log
// that is written while it runs) gets a RESTART checkpoint once it is `restart_pages` long: the
// writer then waits for the few frames written since the passive pass, on the committer's thread,
// never on the loop's. Should the writer still outrun both, it checkpoints the log itself once it
// reaches `limit_pages` (must_checkpoint_now): a bound on the file, paid on the committer's thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.hpp"

struct sqlite3;

namespace hl2tp::store {

class WalCheckpointer {
 public:
  struct Counters {
    std::uint64_t passive = 0;  // checkpoints run
    std::uint64_t restart = 0;
    std::uint64_t by_writer = 0;  // the log reached limit_pages
    std::uint64_t failed = 0;
  };

  // Opens its own connection to `path` (already a WAL database). Its checkpoints sync the log
  // before and the database after copying (synchronous = NORMAL), off the committing thread, so
  // that a power cut during one cannot damage the file whatever the durability asked for.
  static Result<std::unique_ptr<WalCheckpointer>, std::string> start(const std::string& path);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // The log holds `pages` frames after a commit (any thread; cheap: no wait). True when the
  // writer must checkpoint it itself, now: it reached limit_pages.
  bool wal_grew(int pages);
  void count_writer_checkpoint(bool ok);
  Counters counters() const;

  static constexpr int threshold_pages = 1000;  // SQLite's own default (wal_autocheckpoint)
  static constexpr int restart_pages = 4000;    // ~16 MiB at 4 KiB pages
  static constexpr int limit_pages = 4 * restart_pages;

 private:
  explicit WalCheckpointer(sqlite3* db) : db_(db) {}
  void run();

  sqlite3* db_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  int pages_ = 0;  // the log's size last reported
  bool stop_ = false;
  Counters counters_;
};

}  // namespace hl2tp::store
