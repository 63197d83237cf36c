#include "sqlite_store/sqlite_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <variant>

#include "sqlite_store/integrity_check.hpp"
#include "sqlite_store/record_codec.hpp"
#include "sqlite_store/sqlite_snapshot_reader.hpp"

namespace hl2tp::store {
namespace {

constexpr int kApplicationId = 0x686C3274;  // "hl2t": PRAGMA application_id

constexpr const char* kSchema = R"sql(
CREATE TABLE tunnels(
  id INTEGER PRIMARY KEY,
  record BLOB NOT NULL,          -- record_codec: what the tunnel is
  next_ns INTEGER NOT NULL,      -- its control channel, as it changes
  expected_ns INTEGER NOT NULL,
  acked_ns INTEGER NOT NULL,
  session_id_limit INTEGER NOT NULL,
  closing INTEGER NOT NULL DEFAULT 0,
  suggestion BLOB,               -- a reset suggested to the recovering peer (schema 2)
  path BLOB);                    -- the addresses after the tunnel moved (schema 2)
CREATE TABLE unacked(            -- messages sent and not yet acknowledged, oldest first (rowid)
  tunnel_id INTEGER NOT NULL,
  ns INTEGER NOT NULL,
  bytes BLOB NOT NULL);
CREATE INDEX unacked_by_tunnel ON unacked(tunnel_id);
CREATE TABLE sessions(
  tunnel_id INTEGER NOT NULL,
  session_id INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY(tunnel_id, session_id)) WITHOUT ROWID;
CREATE TABLE endpoint(           -- what is the endpoint's rather than a tunnel's (schema 2)
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE sessions_recent(    -- sessions established since the last fold (schema 3)
  tunnel_id INTEGER NOT NULL,
  session_id INTEGER NOT NULL,
  record BLOB NOT NULL);
)sql";

// Schema 1 had neither the suggested reset nor the moved path: an upgrade adds them in place.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE tunnels ADD COLUMN suggestion BLOB;
ALTER TABLE tunnels ADD COLUMN path BLOB;
CREATE TABLE endpoint(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// Schema 2 wrote every new session straight into `sessions` (SqliteStore::recent_).
constexpr const char* kMigrateFrom2 = R"sql(
CREATE TABLE sessions_recent(tunnel_id INTEGER NOT NULL, session_id INTEGER NOT NULL,
  record BLOB NOT NULL);
)sql";

// The prepared statements, in this order.
enum Statement : std::size_t {
  kInsertTunnel,
  kDeleteTunnel,
  kDeleteSessionsOf,
  kDeleteUnackedOf,
  kInsertUnacked,
  kDeleteAcked,
  kSetNumbers,
  kReset,
  kSetSessionIdLimit,
  kSetClosing,
  kSetSuggestion,
  kClearSuggestion,
  kSetPath,
  kSetCallSerialLimit,
  kInsertRecentSession,
  kDeleteSession,
  kDeleteRecentSession,
  kDeleteRecentOf,
  kFoldRecent,
  kClearRecent,
  kBegin,
  kCommit,
  kRollback,
  kStatementCount,
};

constexpr const char* kStatements[kStatementCount] = {
    "INSERT OR REPLACE INTO tunnels(id, record, next_ns, expected_ns, acked_ns, session_id_limit,"
    " closing) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0)",
    "DELETE FROM tunnels WHERE id = ?1",
    "DELETE FROM sessions WHERE tunnel_id = ?1",
    "DELETE FROM unacked WHERE tunnel_id = ?1",
    "INSERT INTO unacked(tunnel_id, ns, bytes) SELECT ?1, ?2, ?3"
    " WHERE EXISTS(SELECT 1 FROM tunnels WHERE id = ?1)",
    // RFC 2661 §5.8: an Nr acknowledges every Ns before it, in serial (modulo 2^16) order.
    "DELETE FROM unacked WHERE tunnel_id = ?1 AND ((?2 - ns - 1) & 65535) < 32768",
    // A batch's last channel numbers of one tunnel (SqliteStore::ChannelNumbers); NULL keeps one.
    "UPDATE tunnels SET next_ns = coalesce(?2, next_ns), expected_ns = coalesce(?3, expected_ns),"
    " acked_ns = coalesce(?4, acked_ns) WHERE id = ?1",
    "UPDATE tunnels SET next_ns = ?2, acked_ns = ?2, expected_ns = ?3, suggestion = NULL"
    " WHERE id = ?1",
    "UPDATE tunnels SET session_id_limit = ?2 WHERE id = ?1",
    "UPDATE tunnels SET closing = 1 WHERE id = ?1",
    "UPDATE tunnels SET suggestion = ?2 WHERE id = ?1",
    "UPDATE tunnels SET suggestion = NULL WHERE id = ?1",
    "UPDATE tunnels SET path = ?2 WHERE id = ?1",
    "INSERT OR REPLACE INTO endpoint(key, value) VALUES('call_serial_limit', ?1)",
    "INSERT INTO sessions_recent(tunnel_id, session_id, record) SELECT ?1, ?2, ?3"
    " WHERE EXISTS(SELECT 1 FROM tunnels WHERE id = ?1)",
    "DELETE FROM sessions WHERE tunnel_id = ?1 AND session_id = ?2",
    "DELETE FROM sessions_recent WHERE rowid = ?1",
    "DELETE FROM sessions_recent WHERE tunnel_id = ?1",
    // The later of two rows of one session wins, as in the snapshot reader.
    "INSERT OR REPLACE INTO sessions(tunnel_id, session_id, record)"
    " SELECT tunnel_id, session_id, record FROM sessions_recent"
    " ORDER BY tunnel_id, session_id, rowid",
    "DELETE FROM sessions_recent",
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
};

std::string error_of(sqlite3* db, const std::string& what) {
  return what + ": " + sqlite3_errmsg(db);
}

// Runs one statement that returns at most an integer.
std::optional<std::int64_t> query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return std::nullopt;
  std::optional<std::int64_t> v;
  if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

class Binder {
 public:
  explicit Binder(sqlite3_stmt* s) : s_(s) { sqlite3_reset(s_); }
  Binder& i(int value) {
    sqlite3_bind_int(s_, ++n_, value);
    return *this;
  }
  Binder& i64(std::int64_t value) {
    sqlite3_bind_int64(s_, ++n_, value);
    return *this;
  }
  Binder& maybe(std::optional<std::uint16_t> value) {
    if (value) return i(*value);
    sqlite3_bind_null(s_, ++n_);
    return *this;
  }
  Binder& blob(const Bytes& b) {
    sqlite3_bind_blob(s_, ++n_, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    return *this;
  }
  bool run() {
    const int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return rc == SQLITE_DONE;
  }

 private:
  sqlite3_stmt* s_;
  int n_ = 0;
};

// The tunnel whose row in `tunnels` `record` writes other than through its channel numbers (which
// SqliteStore::commit gathers per tunnel, ChannelNumbers), if any. Session records and the call
// serials touch other tables: the numbers commute with them.
std::optional<std::uint16_t> tunnel_row_of(const tunnel::Checkpoint& record) {
  return std::visit(
      [](const auto& r) -> std::optional<std::uint16_t> {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, tunnel::ChannelQueued> ||
                      std::is_same_v<R, tunnel::ChannelAcked> ||
                      std::is_same_v<R, tunnel::ChannelReceived> ||
                      std::is_same_v<R, tunnel::SessionEstablished> ||
                      std::is_same_v<R, tunnel::SessionRemoved> ||
                      std::is_same_v<R, tunnel::CallSerialsReserved>) {
          return std::nullopt;
        } else {
          return r.tunnel_id;
        }
      },
      record);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>, std::string> SqliteStore::open(const std::string& path,
                                                                    Durability durability,
                                                                    std::size_t recent_sessions) {
  // Before SQLite's first use in the process (later it is refused, harmlessly): no memory
  // statistics, which take a global mutex at every allocation of every connection, the restart's
  // reading and the committer's included. We never read them.
  static const bool configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)configured;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? error_of(db, "cannot open store " + path) : "cannot open store " + path;
    sqlite3_close(db);
    return unexpected(std::move(why));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path, recent_sessions));
  sqlite3_busy_timeout(db, 5000);
  // Everything is checked before anything is written: a file that is not ours stays untouched.
  const auto tables = query_int(db, "SELECT count(*) FROM sqlite_master");
  const auto application_id = query_int(db, "PRAGMA application_id");
  const auto version = query_int(db, "PRAGMA user_version");
  if (!tables || !application_id || !version) {
    return unexpected(error_of(db, "store " + path + " is not readable (damaged, or not SQLite)"));
  }
  const bool fresh = *tables == 0 && *application_id == 0;
  if (!fresh && *application_id != kApplicationId) {
    return unexpected("store " + path + " is not an hl2tp store (application_id " +
                      std::to_string(*application_id) + "); refusing to touch it");
  }
  if (!fresh && *version > kSchemaVersion) {
    return unexpected("store " + path + " was written by a newer hl2tpd (schema " +
                      std::to_string(*version) + ", this one knows " +
                      std::to_string(kSchemaVersion) + "); refusing to touch it");
  }
  if (!fresh && *version < 1) {
    return unexpected("store " + path + " has an unknown old schema " + std::to_string(*version));
  }
  // The whole file is checked beside the restart's reading of it, before the first commit
  // (integrity_check.hpp).
  if (!fresh) store->check_ = std::make_unique<IntegrityCheck>(path);
  const std::string pragmas = std::string("PRAGMA journal_mode = WAL; PRAGMA synchronous = ") +
                              (durability == Durability::power_loss ? "FULL" : "NORMAL") +
                              "; PRAGMA journal_size_limit = 67108864;";
  if (sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return unexpected(error_of(db, "store " + path));
  }
  if (fresh) {
    const std::string create = std::string("BEGIN;") + kSchema +
                               "PRAGMA application_id = " + std::to_string(kApplicationId) +
                               "; PRAGMA user_version = " + std::to_string(kSchemaVersion) +
                               "; COMMIT;";
    if (sqlite3_exec(db, create.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return unexpected(error_of(db, "cannot create store " + path));
    }
  }
  if (!fresh && *version < kSchemaVersion) {
    // The upgrade writes: a damaged file is refused first (a rare path, so it waits).
    if (const auto& damage = store->check_->damage()) {
      return unexpected("store " + path + " is damaged (" + *damage + "); refusing to touch it");
    }
    // An upgrade is a hitless restart: the older version's tunnels are recovered, not refused.
    const std::string migrate =
        std::string("BEGIN;") + (*version == 1 ? kMigrateFrom1 : "") + kMigrateFrom2 +
        "PRAGMA user_version = " + std::to_string(kSchemaVersion) + "; COMMIT;";
    if (sqlite3_exec(db, migrate.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return unexpected(error_of(
          db, "cannot upgrade store " + path + " from schema " + std::to_string(*version)));
    }
  }
  if (auto error = store->prepare()) return unexpected(std::move(*error));
  if (auto error = store->find_recent()) return unexpected(std::move(*error));
  auto checkpointer = WalCheckpointer::start(path);
  if (!checkpointer) return unexpected(std::move(checkpointer.error()));
  store->checkpointer_ = std::move(*checkpointer);
  // Our hook replaces SQLite's automatic checkpoint (sqlite3_wal_autocheckpoint is one): the
  // commit only reports the log's size.
  sqlite3_wal_hook(
      db,
      [](void* c, sqlite3* writer, const char*, int pages) {
        auto* wal = static_cast<WalCheckpointer*>(c);
        if (wal->wal_grew(pages)) {
          // The bound on the log (wal_checkpointer.hpp), on the committer's thread. Only one
          // checkpoint runs at a time and SQLite does not wait for the other one: we do, briefly.
          int rc = SQLITE_BUSY;
          for (int attempt = 0; attempt < 2000 && rc == SQLITE_BUSY; ++attempt) {
            rc = sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr,
                                           nullptr);
            if (rc == SQLITE_BUSY) std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
          wal->count_writer_checkpoint(rc == SQLITE_OK);
        }
        return SQLITE_OK;
      },
      store->checkpointer_.get());
  return store;
}

std::optional<std::string> SqliteStore::prepare() {
  for (const char* sql : kStatements) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      return error_of(db_, "store statement");
    }
    statements_.push_back(s);
  }
  return std::nullopt;
}

SqliteStore::~SqliteStore() {
  // A damaged store is left exactly as it was: closing the last connection must not copy the
  // log into it.
  if (check_ && check_->damage())
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();  // before the connection it reports to closes
  for (sqlite3_stmt* s : statements_)
    sqlite3_finalize(s);
  sqlite3_close(db_);
}

std::optional<std::string> SqliteStore::write(const tunnel::Checkpoint& record) {
  auto st = [this](Statement s) { return Binder(statements_[s]); };
  const bool ok = std::visit(
      [&](const auto& r) -> bool {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, tunnel::TunnelEstablished>) {
          const auto& c = r.channel;
          bool done = delete_sessions_of(r.tunnel_id) &&
                      st(kDeleteUnackedOf).i(r.tunnel_id).run() &&
                      st(kInsertTunnel)
                          .i(r.tunnel_id)
                          .blob(encode_tunnel(r))
                          .i(c.next_ns)
                          .i(c.expected_ns)
                          .i(c.acked_ns)
                          .i(r.session_id_limit)
                          .run();
          for (const auto& [ns, bytes] : c.unacked)
            done = done && st(kInsertUnacked).i(r.tunnel_id).i(ns).blob(bytes).run();
          return done;
        } else if constexpr (std::is_same_v<R, tunnel::TunnelClosing>) {
          return delete_sessions_of(r.tunnel_id) && st(kSetClosing).i(r.tunnel_id).run();
        } else if constexpr (std::is_same_v<R, tunnel::TunnelRemoved>) {
          return delete_sessions_of(r.tunnel_id) && st(kDeleteUnackedOf).i(r.tunnel_id).run() &&
                 st(kDeleteTunnel).i(r.tunnel_id).run();
        } else if constexpr (std::is_same_v<R, tunnel::SessionEstablished>) {
          // Any earlier row of the session in `sessions` stays until the fold replaces it: the
          // reader lets the recent one win.
          if (!delete_recent(r.tunnel_id, r.session_id)) return false;
          if (!st(kInsertRecentSession)
                   .i(r.tunnel_id)
                   .i(r.session_id)
                   .blob(encode_session(r))
                   .run())
            return false;
          if (sqlite3_changes(db_) == 1) {  // none when the tunnel is not held
            recent_.emplace(recent_key(r.tunnel_id, r.session_id), sqlite3_last_insert_rowid(db_));
          }
          return true;
        } else if constexpr (std::is_same_v<R, tunnel::SessionRemoved>) {
          return delete_recent(r.tunnel_id, r.session_id) &&
                 st(kDeleteSession).i(r.tunnel_id).i(r.session_id).run();
        } else if constexpr (std::is_same_v<R, tunnel::ChannelQueued>) {
          numbers_[r.tunnel_id].next_ns = static_cast<std::uint16_t>(r.ns + 1);
          return st(kInsertUnacked).i(r.tunnel_id).i(r.ns).blob(r.bytes).run();
        } else if constexpr (std::is_same_v<R, tunnel::ChannelAcked>) {
          numbers_[r.tunnel_id].acked_ns = r.nr;
          return st(kDeleteAcked).i(r.tunnel_id).i(r.nr).run();
        } else if constexpr (std::is_same_v<R, tunnel::ChannelReceived>) {
          numbers_[r.tunnel_id].expected_ns = r.nr;
          return true;
        } else if constexpr (std::is_same_v<R, tunnel::ChannelReset>) {
          return st(kDeleteUnackedOf).i(r.tunnel_id).run() &&
                 st(kReset).i(r.tunnel_id).i(r.ns).i(r.nr).run();
        } else if constexpr (std::is_same_v<R, tunnel::RecoverySuggested>) {
          return st(kSetSuggestion).i(r.tunnel_id).blob(encode_suggestion(r.suggestion)).run();
        } else if constexpr (std::is_same_v<R, tunnel::RecoverySuggestionWithdrawn>) {
          return st(kClearSuggestion).i(r.tunnel_id).run();
        } else if constexpr (std::is_same_v<R, tunnel::CallSerialsReserved>) {
          return st(kSetCallSerialLimit).i64(r.limit).run();
        } else if constexpr (std::is_same_v<R, tunnel::TunnelMoved>) {
          return st(kSetPath).i(r.tunnel_id).blob(encode_path(r.peer, r.local)).run();
        } else {
          static_assert(std::is_same_v<R, tunnel::SessionIdsReserved>);
          return st(kSetSessionIdLimit).i(r.tunnel_id).i(r.limit).run();
        }
      },
      record);
  if (!ok) return error_of(db_, "store write");
  return std::nullopt;
}

std::optional<std::string> SqliteStore::find_recent() {
  recent_.clear();
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT rowid, tunnel_id, session_id FROM sessions_recent", -1, &s,
                         nullptr) != SQLITE_OK) {
    return error_of(db_, "store " + path_);
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const auto tunnel_id = sqlite3_column_int64(s, 1), session_id = sqlite3_column_int64(s, 2);
    // A row that is no session's (a damaged file) is left to the reader, which skips and counts
    // it, and to the next fold, which carries it along.
    if (tunnel_id < 0 || tunnel_id > 0xFFFF || session_id < 0 || session_id > 0xFFFF) continue;
    // Of two rows of one session the later wins (rowid order), as in the reader and the fold.
    recent_.insert_or_assign(
        recent_key(static_cast<std::uint16_t>(tunnel_id), static_cast<std::uint16_t>(session_id)),
        sqlite3_column_int64(s, 0));
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return error_of(db_, "store " + path_);
  return std::nullopt;
}

bool SqliteStore::delete_recent(std::uint16_t tunnel_id, std::uint16_t session_id) {
  const auto it = recent_.find(recent_key(tunnel_id, session_id));
  if (it == recent_.end()) return true;
  const std::int64_t rowid = it->second;
  recent_.erase(it);
  return Binder(statements_[kDeleteRecentSession]).i64(rowid).run();
}

bool SqliteStore::delete_sessions_of(std::uint16_t tunnel_id) {
  // The recent table has no index (an index by tunnel would scatter every commit's new sessions
  // over one page per tunnel again): it is scanned only when it holds some of this tunnel's.
  const auto before = recent_.size();
  std::erase_if(recent_, [&](const auto& entry) { return entry.first >> 16 == tunnel_id; });
  return Binder(statements_[kDeleteSessionsOf]).i(tunnel_id).run() &&
         (recent_.size() == before || Binder(statements_[kDeleteRecentOf]).i(tunnel_id).run());
}

bool SqliteStore::write_numbers(std::uint16_t tunnel_id, const ChannelNumbers& n) {
  return Binder(statements_[kSetNumbers])
      .i(tunnel_id)
      .maybe(n.next_ns)
      .maybe(n.expected_ns)
      .maybe(n.acked_ns)
      .run();
}

bool SqliteStore::write_numbers(std::uint16_t tunnel_id) {
  const auto it = numbers_.find(tunnel_id);
  if (it == numbers_.end()) return true;
  const bool ok = write_numbers(tunnel_id, it->second);
  numbers_.erase(it);
  return ok;
}

std::optional<std::string> SqliteStore::commit() {
  if (check_) {
    if (const auto& damage = check_->damage()) {
      return "store " + path_ + " is damaged (" + *damage + "); refusing to write to it";
    }
  }
  if (batch_.empty()) return std::nullopt;
  if (!Binder(statements_[kBegin]).run()) return error_of(db_, "store begin");
  // Nothing of a failed batch stays written; the error was read before the rollback.
  const auto rolled_back = [this](std::string error) {
    Binder(statements_[kRollback]).run();
    // The recent sessions as the file holds them again.
    if (auto also = find_recent()) error += "; " + *also;
    return error;
  };
  numbers_.clear();
  for (const auto& record : batch_) {
    // A record that writes the tunnel's row comes after the channel numbers recorded before it.
    if (const auto row = tunnel_row_of(record); row && !write_numbers(*row)) {
      return rolled_back(error_of(db_, "store write"));
    }
    if (auto error = write(record)) return rolled_back(std::move(*error));
  }
  for (const auto& [id, numbers] : numbers_) {
    if (!write_numbers(id, numbers)) return rolled_back(error_of(db_, "store write"));
  }
  if (!recent_.empty() && recent_.size() >= recent_limit_) {
    if (!Binder(statements_[kFoldRecent]).run() || !Binder(statements_[kClearRecent]).run()) {
      return rolled_back(error_of(db_, "store fold"));
    }
    recent_.clear();
  }
  if (!Binder(statements_[kCommit]).run()) return rolled_back(error_of(db_, "store commit"));
  batch_.clear();
  return std::nullopt;
}

std::unique_ptr<SnapshotReader> SqliteStore::read() const {
  // A read-only connection of its own: the restart commits the records of the tunnels it has
  // rebuilt through db_ while it reads the others (issue 14, point 4).
  sqlite3* own = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &own, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(own, 5000);
    rows_rejected_ = 0;
    return std::make_unique<SqliteSnapshotReader>(own, true, rows_rejected_);
  }
  sqlite3_close(own);
  // Without one (out of file descriptors, say): everything is read through db_ first.
  return std::make_unique<SnapshotInMemory>(load());
}

Snapshot SqliteStore::load() const {
  rows_rejected_ = 0;
  SqliteSnapshotReader reader(db_, false, rows_rejected_);
  Snapshot snapshot;
  snapshot.call_serial_limit = reader.call_serial_limit();
  while (auto tunnel = reader.next())
    snapshot.tunnels.emplace_hint(snapshot.tunnels.end(), tunnel->first, std::move(tunnel->second));
  return snapshot;
}

}  // namespace hl2tp::store
