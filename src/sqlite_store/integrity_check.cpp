#include "sqlite_store/integrity_check.hpp"

#include <signal.h>
#include <sqlite3.h>

namespace hl2tp::store {

IntegrityCheck::IntegrityCheck(std::string path) : path_(std::move(path)) {
  // Signals are the loop's (its signalfd): a thread that took SIGTERM would end the process at
  // once, without the hitless stop. The thread is created with every signal blocked.
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

IntegrityCheck::~IntegrityCheck() {
  if (thread_.joinable()) thread_.join();
}

const std::optional<std::string>& IntegrityCheck::damage() {
  if (thread_.joinable()) thread_.join();
  return damage_;
}

void IntegrityCheck::run() {
  sqlite3* db = nullptr;
  std::string verdict = "cannot open the store to check it";
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* check = nullptr;
    verdict = "?";
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &check, nullptr) == SQLITE_OK) {
      const int rc = sqlite3_step(check);
      if (rc == SQLITE_ROW) {
        verdict = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
      } else {
        verdict = sqlite3_errmsg(db);
      }
    } else {
      verdict = sqlite3_errmsg(db);
    }
    sqlite3_finalize(check);
  }
  sqlite3_close(db);
  if (verdict != "ok") damage_ = std::move(verdict);
}

}  // namespace hl2tp::store
