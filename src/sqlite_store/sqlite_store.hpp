#pragma once
// The daemon's durable store: SQLite (embedded), WAL mode, one transaction per commit() (the
// group commit, docs/architecture.md §4). Durability is a setting: against a process crash (WAL
// with synchronous=NORMAL: a commit writes the log and syncs nothing; a committed transaction
// survives the process, not a power cut) or against power loss (synchronous=FULL: the log is synced
// at every commit). Either way the log is copied back into the database by a WalCheckpointer on its
// own thread, never inside commit() (issue 14: SQLite's automatic checkpoint synced in the loop).
//
// The file carries our application ID and a schema version. A file that is not ours or was written
// by a newer version is refused by open(); a damaged one by the first commit (the check runs beside
// the restart's reading, integrity_check.hpp). Either way with a clear error, and the file is left
// exactly as it was: a store is never silently overwritten.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "sqlite_store/integrity_check.hpp"
#include "sqlite_store/wal_checkpointer.hpp"
#include "store/checkpoint_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hl2tp::store {

enum class Durability : std::uint8_t { process_crash, power_loss };

class SqliteStore : public CheckpointStore {
 public:
  static constexpr int kSchemaVersion = 3;  // 1 and 2 are upgraded in place
  // New sessions gathered in their own table before a commit folds them into `sessions` (recent_).
  static constexpr std::size_t kRecentSessions = 256;

  // Opens (or creates) the store at `path`. `recent_sessions`: a commit that ends with at least
  // this many sessions in the recent table folds them (0: every commit that added one).
  static Result<std::unique_ptr<SqliteStore>, std::string> open(
      const std::string& path, Durability durability,
      std::size_t recent_sessions = kRecentSessions);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void append(tunnel::Checkpoint record) override { batch_.push_back(std::move(record)); }
  std::optional<std::string> commit() override;
  Snapshot load() const override;
  std::unique_ptr<SnapshotReader> read() const override;
  // Why the last load() or read() could not read everything (damaged rows are skipped and
  // counted).
  std::size_t rows_rejected() const { return rows_rejected_; }
  WalCheckpointer::Counters checkpoints() const { return checkpointer_->counters(); }

 private:
  SqliteStore(sqlite3* db, std::string path, std::size_t recent_limit)
      : db_(db), path_(std::move(path)), recent_limit_(recent_limit) {}
  std::optional<std::string> prepare();
  // Reads recent_ from the file (at open, and after a rollback).
  std::optional<std::string> find_recent();
  // Deletes the session's row in the recent table, if it has one.
  bool delete_recent(std::uint16_t tunnel_id, std::uint16_t session_id);
  // Deletes the tunnel's sessions from both tables.
  bool delete_sessions_of(std::uint16_t tunnel_id);
  static std::uint32_t recent_key(std::uint16_t tunnel_id, std::uint16_t session_id) {
    return std::uint32_t{tunnel_id} << 16 | session_id;
  }
  std::optional<std::string> write(const tunnel::Checkpoint& record);
  struct ChannelNumbers;
  // Writes the numbers gathered for `tunnel_id` since its row was last written, if any.
  bool write_numbers(std::uint16_t tunnel_id);
  bool write_numbers(std::uint16_t tunnel_id, const ChannelNumbers& numbers);

  sqlite3* db_;
  std::string path_;
  std::unique_ptr<IntegrityCheck> check_;  // an existing store's, until its verdict is known
  std::vector<tunnel::Checkpoint> batch_;
  // Nearly every control message moves a channel number (Ns sent, Nr received, Nr acknowledged),
  // and only each tunnel's last values in a batch matter: a commit gathers them here and writes one
  // UPDATE per tunnel, before anything else that writes the tunnel's row and at the end, instead of
  // one per message. The row ends as the records one by one would leave it.
  struct ChannelNumbers {
    std::optional<std::uint16_t> next_ns, expected_ns, acked_ns;
  };
  std::unordered_map<std::uint16_t, ChannelNumbers> numbers_;
  // `sessions` is ordered by tunnel and session ID, so the sessions a busy commit adds land on one
  // page per tunnel, and each of those pages went to the log whole at every commit: at 4 calls in
  // flight on each of 16 tunnels, 16 of the ~21 pages of a commit (issue 14). A new session goes
  // instead to `sessions_recent`, a table in insertion order whose last page takes them all; once
  // it holds recent_limit_ a commit folds them into `sessions` together, writing each tunnel's page
  // once. What is in the recent table, by recent_key, with its rowid:
  std::unordered_map<std::uint32_t, std::int64_t> recent_;
  std::size_t recent_limit_;
  // Prepared statements, by purpose (see sqlite_store.cpp).
  std::vector<sqlite3_stmt*> statements_;
  mutable std::size_t rows_rejected_ = 0;
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace hl2tp::store
