#include "sqlite_store/wal_checkpointer.hpp"

#include <signal.h>
#include <sqlite3.h>

namespace hl2tp::store {

Result<std::unique_ptr<WalCheckpointer>, std::string> WalCheckpointer::start(
    const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string why = "cannot open store " + path + " for checkpoints";
    if (db) why += std::string(": ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return unexpected(std::move(why));
  }
  // The connection's own synchronous setting decides whether its checkpoints sync.
  if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = std::string("store checkpoints: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return unexpected(std::move(why));
  }
  // A RESTART checkpoint waits for the writer's current commit, at most this long.
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(db));
  c->thread_ = std::thread([p = c.get()] { p->run(); });
  return c;
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  sqlite3_close(db_);
}

bool WalCheckpointer::wal_grew(int pages) {
  bool due = false;
  {
    std::lock_guard lock(mutex_);
    pages_ = pages;
    due = pages >= threshold_pages;
  }
  if (due) wake_.notify_one();
  return pages >= limit_pages;
}

void WalCheckpointer::count_writer_checkpoint(bool ok) {
  std::lock_guard lock(mutex_);
  ++(ok ? counters_.by_writer : counters_.failed);
}

WalCheckpointer::Counters WalCheckpointer::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void WalCheckpointer::run() {
  // Signals are the loop's (its signalfd): a thread that took SIGTERM would end the process at
  // once, without the hitless stop.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || pages_ >= threshold_pages; });
    if (stop_) return;
    const int reported = pages_;
    pages_ = 0;  // until the writer reports again
    lock.unlock();
    int log = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    bool restarted = false;
    if (rc == SQLITE_OK && reported >= restart_pages) {
      // The passive pass copied most of it; this one copies what was written meanwhile and makes
      // the writer start the log again from its beginning.
      rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &copied);
      restarted = true;
    }
    lock.lock();
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      ++counters_.failed;
    } else {
      ++counters_.passive;
      counters_.restart += restarted && rc == SQLITE_OK;
    }
  }
}

}  // namespace hl2tp::store
